"""TFRecord log files of one filename prefix: rotated by size and age, bounded in total.

Records go to `<dir>/.<name>.writing` (hidden, so no glob of the prefix matches it) and the
file is renamed to `<prefix>.<YYYYmmdd-HHMMSS>-<pid>-<seq>.tfrecord` once closed: every
published file is complete. A file is closed when it reaches `max_file_bytes` (the record
that crosses the limit is its last) or has been open `max_file_seconds`. After each
publication the oldest published files of the prefix (also those of earlier runs) are
deleted until they and one more full file fit in `max_total_bytes`. TFRecord framing
(length, masked CRC32C of it, data, masked CRC32C of the data) is tf.io.TFRecordWriter's.

Example:
    python -c "from serving.request_log.files import LogFiles; f = LogFiles('/tmp/l/x', \
1 << 20, 1 << 24, 60); f.write(b'record'); print(f.close())"
"""

import contextlib
import os
import re
import time

import tensorflow as tf

FRAME_BYTES = 16  # per record: 8 length, 4 CRC of the length, 4 CRC of the data


class LogFiles:
    """The rotating TFRecord files of one prefix; used by one thread only.

    Args:
        prefix: absolute filename prefix.
        max_file_bytes: a file is published once it holds this many bytes.
        max_total_bytes: the published files and the one being written fit in this.
        max_file_seconds: a file open this long is published (0: never by age).
        clock: seconds since the epoch (a parameter for tests).
    """

    def __init__(self, prefix, max_file_bytes, max_total_bytes, max_file_seconds, clock=time.time):
        self.prefix = prefix
        self._max_file = max_file_bytes
        self._max_total = max_total_bytes
        self._max_seconds = max_file_seconds
        self._clock = clock
        self._writer = None
        self._temp = self._final = None
        self._size = 0
        self._opened = 0.0
        self._sequence = 0
        directory, name = os.path.split(prefix)
        self._directory = directory
        self._name = re.compile(re.escape(name) + r"\.\d{8}-\d{6}-\d+-\d{6}\.tfrecord")
        self.published = self._existing()  # [(path, bytes)], oldest first

    def write(self, data):
        """Appends one record, publishing the file when it is full.

        Args:
            data: the serialized record.
        """
        if self._writer is None:
            self._open()
        self._writer.write(data)
        self._size += len(data) + FRAME_BYTES
        if self._size >= self._max_file:
            self.close()

    def close_if_old(self):
        """Publishes the open file if it has been open `max_file_seconds`."""
        open_seconds = self._clock() - self._opened
        if self._writer is not None and self._max_seconds and open_seconds >= self._max_seconds:
            self.close()

    def close(self):
        """Publishes the open file, if any, then applies the total-size bound.

        Returns:
            The published file's path, or None if no file was open.
        """
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        descriptor = os.open(self._temp, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # the data is on disk before the name says it is complete
        finally:
            os.close(descriptor)
        os.replace(self._temp, self._final)
        self.published.append((self._final, self._size))
        total = sum(size for _, size in self.published)
        while self.published and total + self._max_file > self._max_total:
            path, size = self.published.pop(0)
            with contextlib.suppress(FileNotFoundError):  # deleted by someone else
                os.remove(path)
            total -= size
        return self._final

    def _open(self):
        now = self._clock()
        self._sequence += 1
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
        self._final = f"{self.prefix}.{stamp}-{os.getpid()}-{self._sequence:06d}.tfrecord"
        base = os.path.basename(self._final)
        self._temp = os.path.join(self._directory, f".{base}.writing")
        self._writer = tf.io.TFRecordWriter(self._temp)
        self._size = 0
        self._opened = now

    def _existing(self):
        # Published files of earlier runs count against the total too; by name, which
        # starts with the UTC time, oldest first.
        try:
            names = sorted(n for n in os.listdir(self._directory) if self._name.fullmatch(n))
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            path = os.path.join(self._directory, name)
            try:
                found.append((path, os.path.getsize(path)))
            except FileNotFoundError:
                continue
        return found
