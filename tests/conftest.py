"""Shared fixtures, built once per session: MNIST, a trained model, its export, a running server."""

import json
import urllib.error
import urllib.request

import grpc
import keras
import pytest
import tensorflow as tf

from export import export_model
from model import ManualMLP, load_mnist, make_dataset
from model.calibration import fit_temperature
from model.data import scale_pixels
from serving import contract
from serving.servable import Servable
from serving.server import build_server
from serving.server_config import ServerConfig


@pytest.fixture(scope="session")
def mnist():
    """`(x_train, y_train), (x_test, y_test)` as uint8 arrays from the repo's data file."""
    return load_mnist()


@pytest.fixture(scope="session")
def trained_model(mnist):
    """A ManualMLP trained for 2 shuffled epochs with Adam on the first 55,000 training digits
    (about 96% test accuracy), its temperature fitted on the last 5,000."""
    (x_train, y_train), _ = mnist
    model = ManualMLP(seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=50)
    train = make_dataset(x_train[:-5000], y_train[:-5000], shuffle_seed=0)
    model.fit(train, epochs=2, verbose=0, shuffle=False)
    held_out = model(scale_pixels(x_train[-5000:])).numpy()
    model.set_temperature(fit_temperature(held_out, y_train[-5000:]))
    return model


@pytest.fixture(scope="session")
def exported_model(trained_model, mnist, tmp_path_factory):
    """A base path holding version 1: `trained_model` exported with its measured test accuracy."""
    _, (x_test, y_test) = mnist
    evaluation = trained_model.evaluate(make_dataset(x_test, y_test), verbose=0, return_dict=True)
    base_path = tmp_path_factory.mktemp("models") / "mnist"
    export_model(
        trained_model,
        base_path,
        version=1,
        metadata={"recipe": "conftest", "test_accuracy": float(evaluation["accuracy"])},
    )
    return base_path


@pytest.fixture(scope="session")
def servable(exported_model):
    """Version 1 of `exported_model` loaded as the local server holds a version."""
    return Servable(contract.MODEL_NAME, 1, exported_model / "1")


@pytest.fixture(scope="session")
def loaded_export(exported_model):
    """Version 1 of `exported_model` loaded the TF2 way, as the local server loads it."""
    return tf.saved_model.load(str(exported_model / "1"))


def _http_call(method, url, body=None, headers=None):
    """One HTTP request; a dict body is sent as JSON.

    Returns:
        (status, headers, body): the body parsed as JSON when the answer says it is JSON.
    """

    if isinstance(body, dict):
        body = json.dumps(body).encode()
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, answer_headers, data = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, data = error.code, error.headers, error.read()
    if "json" in answer_headers.get("Content-Type", ""):
        return status, answer_headers, json.loads(data)
    return status, answer_headers, data.decode()


@pytest.fixture(scope="session")
def http():
    """`http(method, url, body=None, headers=None) -> (status, headers, body)` over urllib."""
    return _http_call


@pytest.fixture(scope="session")
def served_model(exported_model, tmp_path_factory):
    """The local server on free 127.0.0.1 ports over `exported_model`, Prometheus metrics on.

    Yields the running ModelServer (`rest_port`, `grpc_port`, `manager`, `metrics`).
    """

    monitoring = tmp_path_factory.mktemp("monitoring") / "monitoring.config"
    monitoring.write_text("prometheus_config { enable: true }\n")
    config = ServerConfig(
        port=0,
        rest_api_port=0,
        model_base_path=str(exported_model),
        monitoring_config_file=str(monitoring),
        file_system_poll_wait_seconds=0,
    )
    with build_server(config) as server:
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
