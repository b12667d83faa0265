"""The local server's flags (tensorflow_model_server's names) and the files they name.

Example:
    .venv/bin/pytest tests/serving/server/test_options.py
"""

import dataclasses
import pathlib

import pytest

from common import contract
from serving.errors import ConfigError
from serving.server.options import FREE_PORT, ServerConfig, parse_args
from serving.server.settings import DEFAULT_PROMETHEUS_PATH


def test_parse_args_reads_tensorflow_model_server_flags(tmp_path):
    config = parse_args(
        [
            "--port=9000",
            "--rest_api_port",
            "9001",
            "--host=0.0.0.0",
            "--model_name=digits",
            f"--model_base_path={tmp_path}",
            "--file_system_poll_wait_seconds=0",
            "--rest_api_enable_cors_support",
            "--enable_batching=true",
        ]
    )
    assert (config.port, config.rest_api_port, config.host) == (9000, 9001, "0.0.0.0")
    assert (config.model_name, config.model_base_path) == ("digits", str(tmp_path))
    assert config.file_system_poll_wait_seconds == 0
    assert config.rest_api_enable_cors_support and config.enable_batching
    assert not parse_args(
        ["--enable_batching=false", f"--model_base_path={tmp_path}"]
    ).enable_batching


def test_defaults_are_tensorflow_model_servers(tmp_path):
    config = parse_args([f"--model_base_path={tmp_path}"])
    assert (config.port, config.rest_api_port) == (contract.GRPC_PORT, 0)  # REST off
    assert (config.model_name, config.saved_model_tags) == ("default", "serve")
    assert (config.max_num_load_retries, config.load_retry_interval_micros) == (5, 60_000_000)
    assert config.enable_model_warmup and config.rest_api_timeout_in_ms == 30000
    assert config.host == "127.0.0.1" and config.file_system_poll_wait_seconds == 1
    assert not (config.enable_batching or config.rest_api_enable_cors_support)
    assert config.rest_api_timeout_in_ms == 30000  # TF Serving's default


def test_parse_args_takes_every_flag_of_tensorflow_model_server(tmp_path):
    # The 48 flags of TF Serving 2.21's main.cc, each with a value of its type.
    flags = {
        "port": "8500", "grpc_socket_path": "/tmp/s", "rest_api_port": "8501",
        "rest_api_num_threads": "4", "rest_api_timeout_in_ms": "100",
        "rest_api_enable_cors_support": "true", "enable_batching": "true",
        "allow_version_labels_for_unavailable_models": "true",
        "batching_parameters_file": "b", "enable_per_model_batching_parameters": "true",
        "model_config_file": "m", "model_config_file_poll_wait_seconds": "5",
        "model_name": "x", "model_base_path": str(tmp_path), "num_load_threads": "2",
        "num_unload_threads": "2", "max_num_load_retries": "1",
        "load_retry_interval_micros": "10", "file_system_poll_wait_seconds": "2",
        "flush_filesystem_caches": "false", "tensorflow_session_parallelism": "1",
        "tensorflow_session_config_file": "c", "tensorflow_intra_op_parallelism": "1",
        "tensorflow_inter_op_parallelism": "1", "use_alts_credentials": "false",
        "ssl_config_file": "s", "platform_config_file": "p",
        "per_process_gpu_memory_fraction": "0.5", "saved_model_tags": "serve,gpu",
        "grpc_channel_arguments": "a=1", "grpc_max_threads": "3",
        "enable_model_warmup": "false", "num_request_iterations_for_warmup": "2",
        "version": "false", "monitoring_config_file": "mon",
        "remove_unused_fields_from_bundle_metagraph": "false",
        "prefer_tflite_model": "false", "num_tflite_pools": "1",
        "num_tflite_interpreters_per_pool": "1", "enable_signature_method_name_check": "true",
        "xla_cpu_compilation_enabled": "false", "xla_gpu_compilation_enabled": "false",
        "enable_profiler": "false", "thread_pool_factory_config_file": "",
        "mixed_precision": "", "skip_initialize_tpu": "false",
        "enable_grpc_healthcheck_service": "true",
        "enable_serialization_as_tensor_content": "true",
    }  # fmt: skip
    assert len(flags) == 48
    config = parse_args([f"--{name}={value}" for name, value in flags.items()])
    assert config.saved_model_tags == "serve,gpu" and config.tags == ("serve", "gpu")
    assert config.grpc_socket_path == "/tmp/s" and config.num_load_threads == 2
    assert dict(config.ignored_flags())["per_process_gpu_memory_fraction"] == "no GPU"


def test_parse_args_auto_port_binds_a_free_port(tmp_path):
    config = parse_args(["--port=auto", "--rest_api_port=AUTO", f"--model_base_path={tmp_path}"])
    assert (config.port, config.rest_api_port) == (FREE_PORT, FREE_PORT)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"port": -2}, "--port must be in 0..65535"),
        ({"port": 0}, "At least one of server_options.grpc_port or"),
        ({"model_base_path": ""}, "model_base_path and server_options.model_config_file are empty"),
        ({"grpc_max_threads": 0}, "--grpc_max_threads must be positive"),
        ({"file_system_poll_wait_seconds": -1}, "must be >= 0"),
        ({"host": ""}, "--host must not be empty"),
        ({"rest_api_timeout_in_ms": -1}, "--rest_api_timeout_in_ms must be >= 0"),
        ({"max_inflight_requests": 0}, "--max_inflight_requests must be positive"),
        ({"max_inflight_request_bytes": 1000}, "must be >= --max_request_bytes"),
    ],
)
def test_server_config_refuses_bad_values(fields, message):
    with pytest.raises(ConfigError, match=message):
        ServerConfig(**{"model_base_path": "m", **fields})


def test_server_config_file_wins_over_single_model_flags_as_in_tf_serving(tmp_path, caplog):
    (tmp_path / "a").mkdir()
    models = tmp_path / "models.config"
    models.write_text(
        f'model_config_list {{ config {{ name: "a" base_path: "{tmp_path / "a"}" }} }}'
    )
    config = ServerConfig(model_config_file=str(models), model_name="x", model_base_path="/nope")
    assert [model.name for model in config.load().models] == ["a"]
    assert "--model_name and --model_base_path are ignored" in caplog.text


def test_load_reads_the_model_batching_and_monitoring_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    models = tmp_path / "models.config"
    models.write_text(
        'model_config_list { config { name: "a" base_path: "a" model_platform: "tensorflow" '
        'model_version_policy { all {} } version_labels { key: "stable" value: 4 } } }'
    )
    batching = tmp_path / "batching.config"
    batching.write_text("max_batch_size { value: 8 }")
    monitoring = tmp_path / "monitoring.config"
    monitoring.write_text("prometheus_config { enable: true }")
    loaded = ServerConfig(
        model_config_file=str(models),
        enable_batching=True,
        batching_parameters_file=str(batching),
        monitoring_config_file=str(monitoring),
    ).load()
    (model,) = loaded.models
    assert model.name == "a" and model.base_path == str(tmp_path / "a")  # relative to cwd
    assert model.model_version_policy.WhichOneof("policy_choice") == "all"
    assert dict(model.version_labels) == {"stable": 4}
    assert loaded.batching.max_batch_size == 8
    assert loaded.prometheus_path == DEFAULT_PROMETHEUS_PATH


def test_load_without_files_serves_one_model_and_no_extras(tmp_path):
    loaded = ServerConfig(model_name="m", model_base_path=str(tmp_path)).load()
    (model,) = loaded.models
    assert (model.name, model.base_path) == ("m", str(tmp_path))
    assert loaded.batching is None and loaded.prometheus_path is None
    assert ServerConfig(model_base_path=str(tmp_path), enable_batching=True).load().batching


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model_config_list {}", "no models configured"),
        (
            'model_config_list { config { name: "a" base_path: "." } config { name: "a" '
            'base_path: "." } }',
            "model names must be unique",
        ),
        ('model_config_list { config { name: "a" base_path: "nowhere" } }', "is no directory"),
        (
            'model_config_list { config { name: "a" base_path: "." model_platform: "onnx" } }',
            "platform 'onnx'",
        ),
        (
            'model_config_list { config { name: "a" base_path: "." '
            "model_version_policy { specific {} } } }",
            "specific policy lists no versions",
        ),
        ("custom_model_config {}", "needs a model_config_list"),
        (
            "model_config_list { config { name: 3 } }",
            "Error parsing text-format tensorflow.serving.ModelServer",
        ),
    ],  # fmt: skip
)
def test_load_refuses_bad_model_config_files(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.config").write_text(text)
    with pytest.raises(ConfigError, match=message):
        ServerConfig(model_config_file="models.config").load()


def test_docs_flag_table_lists_every_flag_with_its_default():
    doc = (pathlib.Path(__file__).resolve().parents[3] / "docs" / "server.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines()
            if line.startswith("| `--")}  # fmt: skip
    for field in dataclasses.fields(ServerConfig):
        assert f"--{field.name}" in rows, field.name
        if field.metadata.get("ignored"):
            assert "ignored" in rows[f"--{field.name}"]
