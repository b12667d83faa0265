"""`import model` registers ManualMLP with Keras, without importing Keras itself.

Each case runs in a fresh interpreter, as a user's script or notebook would: the class
must be found by `keras.models.load_model` with no import of `model.mlp` anywhere.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from model import ManualMLP

LOAD = (
    "import keras, numpy as np\n"
    "loaded = keras.models.load_model({path!r})\n"
    "print(type(loaded).__name__, loaded.temperature)\n"
    "np.save({out!r}, loaded.predict(np.eye(784, dtype='float32')[:3], verbose=0))\n"
)
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A `model.keras` as a run writes it (weights trained by no one, temperature 1.7)."""
    path = tmp_path_factory.mktemp("run") / "model.keras"
    model = ManualMLP(seed=3)
    model.set_temperature(1.7)
    model.compile(optimizer="adam")
    model.save(path)
    return path, model.predict(np.eye(784, dtype="float32")[:3], verbose=0)


@pytest.mark.slow
@pytest.mark.parametrize("first", ["import model", "import keras, model"])
def test_init_import_model_lets_load_model_find_manual_mlp(saved_run, tmp_path, first):
    path, expected = saved_run
    out = tmp_path / "scores.npy"
    script = first + "\n" + LOAD.format(path=str(path), out=str(out))
    result = subprocess.run(
        [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ManualMLP", "1.7"]
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-6)


@pytest.mark.slow
def test_init_without_import_model_load_model_cannot_find_the_class(saved_run, tmp_path):
    path, _ = saved_run
    script = LOAD.format(path=str(path), out=str(tmp_path / "x.npy"))
    result = subprocess.run(
        [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "ManualMLP" in result.stderr


def test_init_import_model_alone_does_not_import_keras():
    script = "import sys, model; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=60
    )
    assert result.stdout == "False False\n", result.stderr
