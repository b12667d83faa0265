"""Fixtures of the TF Serving ports: the test models (built once) and shared servers.

Example:
    pytest tests/serving/tf_serving -m "not slow"
"""

import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
# The helper modules sit next to the tests; with --import-mode=importlib the folder is
# not on sys.path by itself.
sys.path.insert(0, str(HERE))
pytest.register_assert_rewrite("grpc_calls")

import make_models  # noqa: E402
from harness import ServerPool  # noqa: E402

MONITORING_CONFIG = 'prometheus_config: { enable: true, path: "/monitoring/prometheus/metrics" }\n'
FORMAT_MODELS = ("ref_vars", "tf_saved_model_save", "tf_saved_model_save_multiple_signatures")
GOOD_MODEL_CONFIG = """model_config_list: {{
  config: {{ name: "half_plus_two", base_path: "{two}", model_platform: "tensorflow" }},
  config: {{ name: "half_plus_three", base_path: "{three}", model_platform: "tensorflow" }}
}}
"""


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """The directory make_models.py filled: one base path per model."""
    return make_models.write_all(tmp_path_factory.mktemp("tf_serving_models"))


@pytest.fixture(scope="session")
def isolated_models(tmp_path_factory):
    """The directory isolated_models.py filled in a process of its own (TensorFlow Text and
    tf.keras models)."""
    out = tmp_path_factory.mktemp("tf_serving_isolated_models")
    script = HERE / "isolated_models.py"
    done = subprocess.run(
        [sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr[-4000:]}"
    return out


@pytest.fixture(scope="session")
def half_plus_two(models):
    """Base path of saved_model_half_plus_two_cpu (version 123)."""
    return models / "saved_model_half_plus_two_cpu"


@pytest.fixture(scope="session")
def good_model_config(models, tmp_path_factory):
    """good_model_config.txt with its placeholders filled: half_plus_two and half_plus_three."""
    path = tmp_path_factory.mktemp("configs") / "good_model_config.conf"
    path.write_text(
        GOOD_MODEL_CONFIG.format(
            two=models / "saved_model_half_plus_two_cpu",
            three=models / "saved_model_half_plus_three",
        )
    )
    return path


@pytest.fixture(scope="session")
def servers():
    """A ServerPool: `servers.get(**server_args)` shares one process per command line."""
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def default_server(servers, half_plus_two, tmp_path_factory):
    """RunServer('default', saved_model_half_plus_two_cpu), with testPrometheusEndpoint's
    monitoring config, which only adds the metrics page: one server start fewer."""
    config = tmp_path_factory.mktemp("monitoring") / "monitoring_config.txt"
    config.write_text(MONITORING_CONFIG)
    return servers.get(
        model_name="default", model_path=half_plus_two, monitoring_config_file=config
    )


@pytest.fixture(scope="session")
def formats_server(servers, models, tmp_path_factory):
    """One config-file server for the loader cases of test_model_formats.py, each model
    under its directory name."""
    entries = "".join(
        f'config {{ name: "{name}" base_path: "{models / name}" model_platform: "tensorflow" }}\n'
        for name in FORMAT_MODELS
    )
    config = tmp_path_factory.mktemp("formats") / "models.config"
    config.write_text(f"model_config_list {{\n{entries}}}\n")
    return servers.get(model_config_file=config)


@pytest.fixture(scope="session")
def echo_server(servers, models):
    """RunServer('echo', echo): identity signatures per dtype (see extra_models.py)."""
    return servers.get(model_name="echo", model_path=models / "echo")
