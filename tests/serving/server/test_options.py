"""The local server's flags (tensorflow_model_server's names) and the files they name.

Example:
    .venv/bin/pytest tests/serving/server/test_options.py
"""

import pytest

from serving import contract
from serving.errors import ConfigError
from serving.server.options import DEFAULT_PROMETHEUS_PATH, ServerConfig, parse_args


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
    assert not parse_args(["--enable_batching=false"]).enable_batching


def test_defaults_serve_the_contract_model_on_the_contract_ports():
    config = parse_args([])
    assert (config.port, config.rest_api_port) == (contract.GRPC_PORT, contract.REST_PORT)
    assert config.host == "127.0.0.1" and config.file_system_poll_wait_seconds == 1
    assert not (config.enable_batching or config.rest_api_enable_cors_support)
    assert config.rest_api_timeout_in_ms == 30000  # TF Serving's default


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"port": -1}, "--port must be in 0..65535"),
        ({"grpc_max_threads": 0}, "--grpc_max_threads must be positive"),
        ({"file_system_poll_wait_seconds": -1}, "must be >= 0"),
        ({"batching_parameters_file": "b.config"}, "needs --enable_batching"),
        ({"host": ""}, "--host must not be empty"),
        ({"rest_api_timeout_in_ms": -1}, "--rest_api_timeout_in_ms must be >= 0"),
        ({"max_inflight_requests": 0}, "--max_inflight_requests must be positive"),
        ({"max_inflight_request_bytes": 1000}, "must be >= --max_request_bytes"),
    ],
)
def test_server_config_refuses_bad_values(fields, message):
    with pytest.raises(ConfigError, match=message):
        ServerConfig(**fields)


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
        ("model_config_list { config { name: 3 } }", "not a valid ModelServerConfig"),
    ],  # fmt: skip
)
def test_load_refuses_bad_model_config_files(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.config").write_text(text)
    with pytest.raises(ConfigError, match=message):
        ServerConfig(model_config_file="models.config").load()
