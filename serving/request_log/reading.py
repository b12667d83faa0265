"""Reads request log files back: every record checked, parsed, summarised or converted.

`read_logs(paths)` yields each PredictionLog of the TFRecord files in order; a missing file,
a torn or corrupt record (TFRecord CRCs are checked) or bytes that are no PredictionLog
raise LogReadError naming the file and record. `summarize` counts records per model,
version, signature and API with the time range; `warmup_records` picks what TF Serving
replays at load; `write_atomically` writes a file whole or not at all.

Example:
    python -c "from serving.request_log.reading import read_logs; \
print(sum(1 for _ in read_logs(['logs/mnist.20261201-000000-1-000001.tfrecord'])))"
"""

import collections
import os
import tempfile

import tensorflow as tf
from google.protobuf import message
from tensorflow_serving.apis import prediction_log_pb2

MAX_WARMUP_RECORDS = 1000  # TF Serving's limit on assets.extra/tf_serving_warmup_requests
WARMUP_KINDS = ("predict_log", "classify_log", "regress_log", "multi_inference_log")


class LogReadError(Exception):
    """A log file that cannot be read completely; the message is one line."""


def read_logs(paths):
    """Yields every record of the files, in order.

    Args:
        paths: TFRecord files of PredictionLog records.

    Yields:
        PredictionLog protos.

    Raises:
        LogReadError: for a missing file, a corrupt record or one that does not parse.
    """
    for path in paths:
        if not os.path.isfile(path):
            raise LogReadError(f"{path}: no such file")
        index = 0
        try:
            for data in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
                try:
                    yield prediction_log_pb2.PredictionLog.FromString(data)
                except message.DecodeError as error:
                    reason = f"{path}: record {index} is no PredictionLog ({error})"
                    raise LogReadError(reason) from None
                index += 1
        except tf.errors.OpError as error:
            reason = " ".join(error.message.split())
            raise LogReadError(f"{path}: record {index} is unreadable: {reason}") from None


def summarize(records):
    """Counts records per (model, version, signature, API) and their time range.

    Args:
        records: PredictionLog protos.

    Returns:
        (Counter of (model, version, signature, kind) -> records, (first, last) timestamp
        seconds or None when no record has one).
    """
    counts = collections.Counter()
    first = last = None
    for record in records:
        spec = record.log_metadata.model_spec
        version = spec.version.value if spec.HasField("version") else None
        kind = record.WhichOneof("log_type") or "none"
        counts[(spec.name, version, spec.signature_name, kind)] += 1
        stamp = record.log_metadata.timestamp_secs
        if stamp:
            first = stamp if first is None else min(first, stamp)
            last = stamp if last is None else max(last, stamp)
    return counts, (first, last) if first is not None else None


def warmup_records(records):
    """The records a warmup file may hold: the first MAX_WARMUP_RECORDS of WARMUP_KINDS.

    Args:
        records: PredictionLog protos.

    Returns:
        (kept, skipped): the kept protos, and how many others were left out.
    """
    kept, skipped = [], 0
    for record in records:
        if record.WhichOneof("log_type") in WARMUP_KINDS and len(kept) < MAX_WARMUP_RECORDS:
            kept.append(record)
        else:
            skipped += 1
    return kept, skipped


def write_atomically(path, write):
    """Writes a file through a temporary one in the same directory, renamed when complete.

    Args:
        path: the file to write; its directory is created if missing.
        write: callable(temporary path) that writes the content.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    os.close(descriptor)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a server's other user
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
