"""TF Serving's BatchingParameters as validated options for the batch scheduler.

`BatchingOptions` holds the fields of a `--batching_parameters_file` (max_batch_size,
batch_timeout_micros, max_enqueued_batches, num_batch_threads, allowed_batch_sizes),
with TF Serving's defaults for an unset field, and refuses values TF Serving refuses.

Example:
    python -c "from serving.batching import BatchingOptions; \
print(BatchingOptions(max_batch_size=32, batch_timeout_micros=1000))"
"""

import dataclasses
import os

from serving.errors import ConfigError

# BatchingParameters' wrapper-typed fields that map one to one onto BatchingOptions.
_WRAPPED = ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads")


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """BatchingParameters' fields; the defaults are TF Serving's for an unset field."""

    # The most rows (summed over the tasks) one batch holds; a larger task is refused.
    max_batch_size: int = 1000
    # How long the oldest task of a queue may wait for more tasks before its batch runs,
    # even if it is not full.
    batch_timeout_micros: int = 0
    # A queue refuses a task (UNAVAILABLE) once its rows would need more batches than this.
    max_enqueued_batches: int = 10
    # Threads that run batches; each runs one batch at a time.
    num_batch_threads: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)
    # When a batch of N rows runs, it is padded up to the smallest M here with M >= N (the
    # last must be max_batch_size); empty runs every batch at its own size.
    allowed_batch_sizes: tuple = ()

    def __post_init__(self):
        for name in ("max_batch_size", "max_enqueued_batches", "num_batch_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"batching: {name} must be positive, got {getattr(self, name)}")
        if self.batch_timeout_micros < 0:
            raise ConfigError("batching: batch_timeout_micros must be >= 0")
        sizes = list(self.allowed_batch_sizes)
        if sizes and (
            sizes != sorted(set(sizes)) or sizes[0] < 1 or sizes[-1] != self.max_batch_size
        ):
            raise ConfigError(
                f"batching: allowed_batch_sizes {sizes} must increase and end at "
                f"max_batch_size {self.max_batch_size}"
            )

    @classmethod
    def from_proto(cls, parameters):
        """Options from a BatchingParameters message, TF Serving's defaults where unset.

        Args:
            parameters: a BatchingParameters message, or None for all defaults.

        Returns:
            Validated BatchingOptions.

        Raises:
            ConfigError: for a value TF Serving would refuse.
        """
        if parameters is None:
            return cls()
        values = {f: getattr(parameters, f).value for f in _WRAPPED if parameters.HasField(f)}
        return cls(**values, allowed_batch_sizes=tuple(parameters.allowed_batch_sizes))
