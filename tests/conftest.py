"""Shared fixtures, built once per session: MNIST, a trained model, its export, an HTTP helper.

The serving fixtures (a running server, `make_server`) are in tests/serving/conftest.py.
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import json
import urllib.error
import urllib.request

import keras
import pytest
import tensorflow as tf

from common.mnist import load_mnist
from export import export_model
from model import ManualMLP, make_dataset
from model.calibration import fit_temperature
from model.data import scale_pixels


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
