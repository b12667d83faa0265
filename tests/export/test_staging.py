"""Temporary export directories: locked while written, removed once their writer is killed.

Example:
    .venv/bin/pytest tests/export/test_staging.py
"""

import signal
import subprocess
import sys
import time

from export import staging, writer

# Exports version 7 into argv[1] and stops midway, as an exporter killed there would.
HANGING_EXPORT = """
import sys, time
from export import writer
with writer.atomic_version_dir(sys.argv[1], 7) as temp:
    (temp / "saved_model.pb").write_bytes(b"half")
    print("writing", flush=True)
    time.sleep(600)
"""


def start_hanging_export(base):
    process = subprocess.Popen(
        [sys.executable, "-c", HANGING_EXPORT, str(base)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "writing\n"
    return process


def temp_dirs(base):
    return sorted(p.name for p in base.iterdir() if p.name.startswith(".tmp-"))


def test_staging_killed_export_is_cleaned_by_the_next_one(tmp_path):
    base = tmp_path / "mnist"
    process = start_hanging_export(base)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (left,) = temp_dirs(base)
    assert left.startswith(".tmp-7-")
    with writer.atomic_version_dir(base, 1) as temp:
        (temp / "saved_model.pb").write_bytes(b"whole")
    assert temp_dirs(base) == []
    assert sorted(p.name for p in base.iterdir()) == ["1"]


def test_staging_never_removes_a_directory_another_exporter_writes(tmp_path):
    base = tmp_path / "mnist"
    process = start_hanging_export(base)
    try:
        (busy,) = temp_dirs(base)
        assert staging.remove_stale(base) == []
        with writer.atomic_version_dir(base, 1) as temp:
            (temp / "saved_model.pb").write_bytes(b"whole")
        assert temp_dirs(base) == [busy]
        assert (base / busy / "saved_model.pb").read_bytes() == b"half"
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 30
    while staging.remove_stale(base) != [busy] and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel drops a dead process's lock once it is reaped
    assert temp_dirs(base) == []


def test_staging_create_locked_holds_the_lock_until_closed(tmp_path):
    path, fd = staging.create_locked(tmp_path, 3)
    assert path.name.startswith(".tmp-3-")
    assert staging.remove_stale(tmp_path) == []
    staging.os.close(fd)
    assert staging.remove_stale(tmp_path) == [path.name]
    assert staging.remove_stale(tmp_path / "missing") == []
