"""Reads the server's request logs: `summary`, `to-jsonl`, `to-warmup`.

    summary FILES...                     records per model, version, signature and API,
                                         and the time range they were logged in
    to-jsonl FILES... [-o OUT]           one JSON object per record (json_format.MessageToDict)
    to-warmup FILES... -o WARMUP         a warmup file (at most 1000 predict, classify,
                                         regress and multi_inference records), written atomically
A file that is missing, torn or holds anything but PredictionLog records exits 1 with a
one-line reason and writes nothing.

Example:
    python -m serving.request_log to-warmup logs/mnist.*.tfrecord \
        -o serving/models/mnist/2/assets.extra/tf_serving_warmup_requests
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import sys

from serving.request_log import cli

if __name__ == "__main__":
    sys.exit(cli.main())
