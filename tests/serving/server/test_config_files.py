"""TF Serving's three configuration files parsed as TF Serving's protos.

The BatchingParameters and MonitoringConfig messages are declared locally, so their wire
bytes are checked against the field numbers of TF Serving's .proto files.

Example:
    .venv/bin/pytest tests/serving/server/test_config_files.py
"""

import pytest

from serving.errors import ConfigError
from serving.server.config_files import parse_text, read_text_proto


def test_batching_parameters_have_tf_servings_field_numbers():
    message = parse_text(
        "BatchingParameters",
        "max_batch_size { value: 32 } batch_timeout_micros { value: 1000 } "
        "max_enqueued_batches { value: 3 } num_batch_threads { value: 2 } "
        'thread_pool_name { value: "t" } allowed_batch_sizes: 16 '
        "allowed_batch_sizes: 32 pad_variable_length_inputs: true",
        "inline",
    )
    assert message.DESCRIPTOR.full_name == "tensorflow.serving.BatchingParameters"
    # field 1 {1: 32}, 2 {1: 1000}, 3 {1: 3}, 4 {1: 2}, 5 {1: "t"}, 6 packed [16, 32], 7 true
    assert message.SerializeToString() == (
        b"\x0a\x02\x08\x20\x12\x03\x08\xe8\x07\x1a\x02\x08\x03\x22\x02\x08\x02"
        b"\x2a\x03\x0a\x01t\x32\x02\x10\x20\x38\x01"
    )


def test_monitoring_config_has_tf_servings_field_numbers():
    message = parse_text(
        "MonitoringConfig", 'prometheus_config { enable: true path: "/m" }', "inline"
    )
    assert message.prometheus_config.enable and message.prometheus_config.path == "/m"
    assert message.SerializeToString() == b"\x0a\x06\x08\x01\x12\x02/m"


def test_read_text_proto_names_the_file_and_the_problem(tmp_path):
    with pytest.raises(ConfigError, match=r"missing.config: cannot read BatchingParameters"):
        read_text_proto("BatchingParameters", tmp_path / "missing.config")
    bad = tmp_path / "bad.config"
    bad.write_text("max_batch_size: 32")
    with pytest.raises(
        ConfigError,
        match=r"bad.config: Error parsing text-format tensorflow.serving.BatchingParameters",
    ):
        read_text_proto("BatchingParameters", bad)
