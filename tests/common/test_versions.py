"""The version-directory scan the exporter and the server share, on plain files.

Example:
    .venv/bin/pytest tests/export/test_versions.py
"""

from common import versions


def test_versions_numeric_versions_ignore_other_entries(tmp_path):
    for name in ["1", "3", "10", ".tmp-4-abc", "latest", "2a"]:
        (tmp_path / name).mkdir()
    (tmp_path / "7").write_text("a file, not a version")
    assert versions.numeric_versions(tmp_path) == [1, 3, 10]
    assert versions.next_version(tmp_path) == 11


def test_versions_next_version_starts_at_one(tmp_path):
    assert versions.next_version(tmp_path / "missing") == 1
    assert versions.next_version(tmp_path) == 1


def test_versions_version_dirs_map_each_version_to_its_path(tmp_path):
    for name in ["2", "07", ".tmp-3-x"]:
        (tmp_path / name).mkdir()
    assert versions.version_dirs(tmp_path) == {2: str(tmp_path / "2"), 7: str(tmp_path / "07")}


def test_versions_names_beyond_int64_are_no_versions(tmp_path, caplog):
    for name in ["0", str(2**63 - 1), str(2**63), "9" * 30, "１２"]:  # the last: full-width digits
        (tmp_path / name).mkdir()
    with caplog.at_level("WARNING", logger="common.versions"):
        assert versions.numeric_versions(tmp_path) == [0, 2**63 - 1]
        versions.numeric_versions(tmp_path)
    ignored = [record.args[0] for record in caplog.records]
    assert sorted(ignored) == sorted([str(2**63), "9" * 30, "１２"])  # each logged once


def test_versions_parse_version_follows_int64():
    assert versions.parse_version("007") == 7
    assert versions.parse_version(str(2**63)) is None
    assert versions.parse_version("-1") is None
    assert versions.parse_version("1e3") is None
