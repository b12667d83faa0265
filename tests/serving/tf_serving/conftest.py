"""Fixtures of the TF Serving ports: the test models (built once) and shared servers.

Example:
    pytest tests/serving/tf_serving -m "not slow"
"""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).parent
# The helper modules sit next to the tests; with --import-mode=importlib the folder is
# not on sys.path by itself.
sys.path.insert(0, str(HERE))
pytest.register_assert_rewrite("grpc_calls")

import make_models  # noqa: E402
from harness import ServerPool  # noqa: E402

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
def default_server(servers, half_plus_two):
    """RunServer('default', saved_model_half_plus_two_cpu): the server most cases use."""
    return servers.get(model_name="default", model_path=half_plus_two)


@pytest.fixture(scope="session")
def echo_server(servers, models):
    """RunServer('echo', echo): identity signatures per dtype (see extra_models.py)."""
    return servers.get(model_name="echo", model_path=models / "echo")
