"""LogFiles: size and age rotation, the total bound, and files published only when complete."""

import os
import re

import tensorflow as tf
from request_log_helpers import published

from serving.request_log.files import FRAME_BYTES, LogFiles

RECORD = b"r" * (300 - FRAME_BYTES)  # 300 bytes on disk each


def _records(path):
    return list(tf.data.TFRecordDataset(path).as_numpy_iterator())


def test_log_files_rotate_when_a_file_reaches_max_bytes(log_dir):
    log_dir.mkdir()
    files = LogFiles(str(log_dir / "m"), 1000, 10**9, 0)
    for index in range(10):
        files.write(RECORD[:-2] + b"%02d" % index)
    # 4 records (1200 bytes) cross 1000: files of 4, 4, and 2 still open.
    assert [len(_records(path)) for path in published(log_dir / "m")] == [4, 4]
    files.close()
    paths = published(log_dir / "m")
    assert [len(_records(path)) for path in paths] == [4, 4, 2]
    assert [os.path.getsize(path) for path in paths] == [1200, 1200, 600]
    assert [r[-2:] for path in paths for r in _records(path)] == [b"%02d" % i for i in range(10)]
    name = re.escape(str(log_dir / "m")) + r"\.\d{8}-\d{6}-\d+-00000[123]\.tfrecord"
    assert all(re.fullmatch(name, path) for path in paths)


def test_log_files_write_under_a_hidden_name_until_closed(log_dir):
    log_dir.mkdir()
    files = LogFiles(str(log_dir / "m"), 10**6, 10**9, 0)
    files.write(RECORD)
    assert published(log_dir / "m") == []
    (writing,) = os.listdir(log_dir)
    assert writing.startswith(".m.") and writing.endswith(".tfrecord.writing")
    final = files.close()
    assert os.listdir(log_dir) == [os.path.basename(final)]
    assert _records(final) == [RECORD]
    assert files.close() is None  # nothing open: nothing published


def test_log_files_delete_oldest_to_stay_within_the_total(log_dir):
    log_dir.mkdir()
    # Files of 1200 bytes; after each publication, published + one full file <= 3000.
    files = LogFiles(str(log_dir / "m"), 1000, 3500, 0)
    for index in range(16):
        files.write(RECORD[:-2] + b"%02d" % index)
    files.close()
    paths = published(log_dir / "m")
    assert sum(os.path.getsize(path) for path in paths) + 1000 <= 3500
    # The 4 files published were records 0-3, 4-7, 8-11, 12-15; the two newest remain.
    assert [r[-2:] for path in paths for r in _records(path)] == [b"%02d" % i for i in range(8, 16)]


def test_log_files_count_an_earlier_runs_files_against_the_total(log_dir):
    log_dir.mkdir()
    old = log_dir / "m.20000101-000000-1-000001.tfrecord"
    old.write_bytes(b"x" * 2500)
    other = log_dir / "m2.20000101-000000-1-000001.tfrecord"  # another prefix: not counted
    other.write_bytes(b"x" * 2500)
    files = LogFiles(str(log_dir / "m"), 1000, 3000, 0)
    files.write(RECORD * 4)
    files.close()
    assert not old.exists() and other.exists()
    assert len(published(log_dir / "m")) == 1


def test_log_files_publish_a_file_open_max_seconds(log_dir):
    log_dir.mkdir()
    now = [1000.0]
    files = LogFiles(str(log_dir / "m"), 10**6, 10**9, 60, clock=lambda: now[0])
    files.write(RECORD)
    now[0] += 59
    files.close_if_old()
    assert published(log_dir / "m") == []
    now[0] += 1
    files.close_if_old()
    assert len(published(log_dir / "m")) == 1
