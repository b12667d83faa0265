"""Choosing the version to write and the atomic version directory, on plain files.

Example:
    .venv/bin/pytest tests/export/test_writer.py
"""

import pytest

from common import versions
from export import writer


def _listing(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_writer_resolve_version_refuses_existing(tmp_path):
    (tmp_path / "2").mkdir()
    assert writer.resolve_version(tmp_path) == 3
    assert writer.resolve_version(tmp_path, 5) == 5
    with pytest.raises(FileExistsError, match="never overwritten"):
        writer.resolve_version(tmp_path, 2)


@pytest.mark.parametrize("version", [0, -1, True, "2", 1.0])
def test_writer_resolve_version_rejects_bad_values(tmp_path, version):
    with pytest.raises(ValueError, match="positive integer"):
        writer.resolve_version(tmp_path, version)


def test_writer_resolve_version_rejects_file_as_base_path(tmp_path):
    (tmp_path / "base").write_text("")
    with pytest.raises(ValueError, match="not a directory"):
        writer.resolve_version(tmp_path / "base")


def test_writer_atomic_version_dir_hides_work_until_complete(tmp_path):
    with writer.atomic_version_dir(tmp_path, 4) as temp:
        (temp / "saved_model.pb").write_bytes(b"graph")
        # While writing, TF Serving sees no new version.
        assert versions.numeric_versions(tmp_path) == []
        assert temp.parent == tmp_path and temp.name.startswith(versions.TEMP_PREFIX)
    assert _listing(tmp_path) == ["4", "4/saved_model.pb"]
    assert (tmp_path / "4").stat().st_mode & 0o777 == writer.DIRECTORY_MODE


def test_writer_atomic_version_dir_failure_leaves_base_unchanged(tmp_path):
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "saved_model.pb").write_bytes(b"v1")
    before = _listing(tmp_path)
    with (
        pytest.raises(writer.ExportError, match="disk full") as caught,
        writer.atomic_version_dir(tmp_path, 2) as temp,
    ):
        (temp / "saved_model.pb").write_bytes(b"half")
        raise OSError("disk full")
    assert isinstance(caught.value.__cause__, OSError)
    assert _listing(tmp_path) == before


def test_writer_atomic_version_dir_failure_removes_base_it_created(tmp_path):
    base = tmp_path / "models" / "mnist"
    (tmp_path / "models").mkdir()
    with pytest.raises(writer.ExportError), writer.atomic_version_dir(base, 1):
        raise RuntimeError("interrupted")
    assert _listing(tmp_path) == ["models"]


def test_writer_atomic_version_dir_refuses_version_that_appeared(tmp_path):
    with (
        pytest.raises(writer.ExportError, match="appeared"),
        writer.atomic_version_dir(tmp_path, 1) as temp,
    ):
        (temp / "new").write_text("new")
        (tmp_path / "1").mkdir()
        (tmp_path / "1" / "old").write_text("old")
    assert _listing(tmp_path) == ["1", "1/old"]
