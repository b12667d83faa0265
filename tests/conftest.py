"""Shared fixtures: MNIST arrays and a quickly trained model (session-scoped, built once)."""

import keras
import pytest

from model import ManualMLP, load_mnist, make_dataset


@pytest.fixture(scope="session")
def mnist():
    """`(x_train, y_train), (x_test, y_test)` as uint8 arrays from the repo's data file."""
    return load_mnist()


@pytest.fixture(scope="session")
def trained_model(mnist):
    """A ManualMLP trained for 2 shuffled epochs with Adam: about 96% test accuracy."""
    (x_train, y_train), _ = mnist
    model = ManualMLP(seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=50)
    model.fit(make_dataset(x_train, y_train, shuffle_seed=0), epochs=2, verbose=0)
    return model
