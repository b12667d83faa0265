"""Each model's logging_config: checked at start, prefixes absolute, per-task rules applied."""

import os

import pytest
from tensorflow_serving.config import model_server_config_pb2

from serving.errors import ConfigError
from serving.request_log.config import check_models, model_logging
from serving.server.options import ServerConfig


def _model(prefix="logs/m", rate=0.5):
    model = model_server_config_pb2.ModelConfig(name="m", base_path="/tmp")
    model.logging_config.log_collector_config.filename_prefix = prefix
    model.logging_config.sampling_config.sampling_rate = rate
    return model


def test_check_models_makes_prefix_absolute_and_creates_its_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = _model("logs/deep/m", 0.25)
    check_models([model], "models.config")
    assert model.logging_config.log_collector_config.filename_prefix == str(
        tmp_path / "logs" / "deep" / "m"
    )
    assert (tmp_path / "logs" / "deep").is_dir()
    logging = model_logging([model])["m"]
    assert (logging.prefix, logging.sampling_rate) == (str(tmp_path / "logs/deep/m"), 0.25)


@pytest.mark.parametrize(
    "prefix, rate, message",
    [
        ("", 0.5, "log_collector_config.filename_prefix is empty"),
        ("logs/", 0.5, "filename_prefix .logs/. names no file"),
        ("logs/m", 1.5, r"sampling_rate 1.5 is not in \[0, 1\]"),
        ("logs/m", -0.1, "sampling_rate -0.1 is not in"),
        ("logs/m", float("nan"), "sampling_rate nan"),
    ],
)
def test_check_models_refuses_bad_logging_config(tmp_path, monkeypatch, prefix, rate, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=f"models.config: model m: logging_config: {message}"):
        check_models([_model(prefix, rate)], "models.config")


def test_check_models_leaves_models_without_logging_alone():
    model = model_server_config_pb2.ModelConfig(name="plain", base_path="/tmp")
    check_models([model], "x")
    assert not model.HasField("logging_config") and model_logging([model]) == {}


def test_model_logging_first_matching_per_task_rule_wins(tmp_path):
    model = _model(str(tmp_path / "m"), 0.1)
    rules = model.logging_config.sampling_config.per_task_sampling_configs
    rules.add(dc="aa", sampling_rate=0.9)  # another datacenter: no match
    rules.add(task_index=3, sampling_rate=0.8)  # another task: no match
    rules.add(task_index=0, sampling_rate=0.7)  # this task
    rules.add(sampling_rate=0.6)
    check_models([model], "x")
    logging = model_logging([model])["m"]
    assert logging.sampling_rate == 0.7
    assert logging.sampling_config.sampling_rate == 0.7  # what the records carry
    assert len(logging.sampling_config.per_task_sampling_configs) == 4


def test_server_config_load_refuses_a_model_config_file_with_bad_logging(tmp_path):
    config_file = tmp_path / "models.config"
    config_file.write_text(
        f'model_config_list {{ config {{ name: "m" base_path: "{tmp_path}" '
        'logging_config { log_collector_config { filename_prefix: "" } } } }\n'
    )
    with pytest.raises(ConfigError, match="model m: logging_config: .*filename_prefix is empty"):
        ServerConfig(model_config_file=str(config_file)).load()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"request_log_max_file_bytes": 0}, "request_log_max_file_bytes"),
        ({"request_log_max_file_bytes": 10, "request_log_max_total_bytes": 5}, "max_total"),
        ({"request_log_max_file_seconds": -1}, "request_log_max_file_seconds"),
    ],
)
def test_server_config_refuses_bad_request_log_limits(fields, message):
    with pytest.raises(ConfigError, match=message):
        ServerConfig(model_base_path=os.getcwd(), **fields)
