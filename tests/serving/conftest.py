"""Serving fixtures: a server factory with test defaults, a running server, a loaded version."""

import grpc
import pytest

from common import contract
from serving.core import Servable
from serving.server import FREE_PORT, ServerConfig, build_server

# Every test server binds free loopback ports, serves MNIST under the contract's name, polls
# only at start and gives up on a failed load at once, unless a test asks otherwise.
TEST_FLAGS = {
    "port": FREE_PORT,
    "rest_api_port": FREE_PORT,
    "model_name": contract.MODEL_NAME,
    "file_system_poll_wait_seconds": 0,
    "max_num_load_retries": 0,
}


@pytest.fixture(scope="session")
def make_server():
    """`make_server(**flags)`: a built, unstarted local server with TEST_FLAGS as defaults.

    `with make_server(model_base_path=...) as server:` starts it and stops it after.
    """

    def make(**flags):
        return build_server(ServerConfig(**{**TEST_FLAGS, **flags}))

    return make


@pytest.fixture(scope="session")
def servable(exported_model):
    """Version 1 of `exported_model` loaded as the local server holds a version."""
    return Servable(contract.MODEL_NAME, 1, exported_model / "1")


@pytest.fixture(scope="session")
def served_model(make_server, exported_model, tmp_path_factory):
    """The local server on free 127.0.0.1 ports over `exported_model`, Prometheus metrics on.

    Yields the running ModelServer (`rest_port`, `grpc_port`, `manager`, `metrics`).
    """

    monitoring = tmp_path_factory.mktemp("monitoring") / "monitoring.config"
    monitoring.write_text("prometheus_config { enable: true }\n")
    with make_server(
        model_base_path=str(exported_model), monitoring_config_file=str(monitoring)
    ) as server:
        yield server


@pytest.fixture(scope="session")
def model_url(served_model):
    """REST URL of the served model: http://127.0.0.1:PORT/v1/models/mnist."""

    return f"http://127.0.0.1:{served_model.rest_port}/v1/models/{contract.MODEL_NAME}"


@pytest.fixture(scope="session")
def grpc_channel(served_model):
    """A gRPC channel to the served model."""

    with grpc.insecure_channel(f"127.0.0.1:{served_model.grpc_port}") as channel:
        yield channel
