"""BatchingParameters read into options with TF Serving's defaults and refusals.

Example:
    .venv/bin/pytest tests/serving/batching/test_options.py
"""

import pytest

from serving.batching.options import BatchingOptions
from serving.errors import ConfigError
from serving.server.config_files import parse_text


def test_batching_options_come_from_batching_parameters():
    parameters = parse_text(
        "BatchingParameters",
        "max_batch_size { value: 16 } batch_timeout_micros { value: 500 } "
        "num_batch_threads { value: 3 } allowed_batch_sizes: 8 allowed_batch_sizes: 16",
        "inline",
    )
    options = BatchingOptions.from_proto(parameters)
    assert (options.max_batch_size, options.batch_timeout_micros) == (16, 500)
    assert (options.num_batch_threads, options.max_enqueued_batches) == (3, 10)
    assert options.allowed_batch_sizes == (8, 16)
    assert BatchingOptions.from_proto(None).max_batch_size == 1000
    with pytest.raises(ConfigError, match="must increase and end at max_batch_size 16"):
        BatchingOptions(max_batch_size=16, allowed_batch_sizes=(8, 12))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_batch_size", 0, "batching: max_batch_size must be positive, got 0"),
        ("max_enqueued_batches", -1, "batching: max_enqueued_batches must be positive, got -1"),
        ("num_batch_threads", 0, "batching: num_batch_threads must be positive, got 0"),
        ("batch_timeout_micros", -1, "batching: batch_timeout_micros must be >= 0"),
    ],
)
def test_batching_options_refuse_what_tf_serving_refuses(field, value, message):
    with pytest.raises(ConfigError, match=message):
        BatchingOptions(**{field: value})
