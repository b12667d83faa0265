"""Batching of concurrent requests into one signature call, as TF Serving's `--enable_batching`.

`BatchScheduler` queues each request under its servable version and signature and runs
full or timed-out batches on its own threads; `BatchingOptions` holds the fields of a
`--batching_parameters_file`, with TF Serving's defaults and checks.

Example:
    python -m serving.server --enable_batching \
        --batching_parameters_file serving/config/batching.config
"""

from serving.batching.options import BatchingOptions
from serving.batching.scheduler import BatchScheduler

__all__ = ["BatchScheduler", "BatchingOptions"]
