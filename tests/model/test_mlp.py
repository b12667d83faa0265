"""Tests of ManualMLP: the origin's loop reproduced by fit, config and save round trips,
the default loss, argument checks, and loss scaling under a 2-replica strategy."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from model import ManualMLP, make_dataset

ORIGIN_SHAPES = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]


def origin_loop(weights, images, labels, steps, batch_size=128, lr=1e-3):
    """The origin's plain GradientTape + assign_sub loop, written independently of the model."""
    x = tf.reshape(tf.cast(images, tf.float32) / 255.0, [-1, 784])
    y = tf.one_hot(labels, 10)
    w = [tf.Variable(v) for v in weights]
    for i in range(steps):
        xb, yb = x[i * batch_size : (i + 1) * batch_size], y[i * batch_size : (i + 1) * batch_size]
        with tf.GradientTape() as tape:
            h1 = tf.nn.relu(xb @ w[0] + w[1])
            h2 = tf.nn.relu(h1 @ w[2] + w[3])
            out = h2 @ w[4] + w[5]
            loss = tf.reduce_mean(tf.square(yb - out))
        for var, grad in zip(w, tape.gradient(loss, w), strict=True):
            var.assign_sub(lr * grad)
    return [v.numpy() for v in w]


def test_manual_mlp_fit_matches_origin_loop(mnist):
    (x, y), _ = mnist
    x, y = x[: 50 * 128], y[: 50 * 128]
    model = ManualMLP(seed=3)
    initial = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(1e-3), steps_per_execution=10)
    model.fit(make_dataset(x, y), epochs=1, verbose=0, shuffle=False)
    expected = origin_loop(initial, x, y, steps=50)
    for got, want, start in zip(model.get_weights(), expected, initial, strict=True):
        assert np.max(np.abs(want - start)) > 1e-4  # the loop really moved this weight
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_manual_mlp_weights_follow_origin_layout():
    model = ManualMLP(seed=0)
    assert [w.name for w in model.weights] == ["w1", "b1", "w2", "b2", "w3", "b3"]
    weights = model.get_weights()
    assert [w.shape for w in weights] == ORIGIN_SHAPES
    assert abs(weights[0].std() - 0.1) < 0.002 and abs(weights[0].mean()) < 0.002
    assert all(not b.any() for b in weights[1::2])


def test_manual_mlp_seed_is_reproducible():
    first, second, other = ManualMLP(seed=7), ManualMLP(seed=7), ManualMLP(seed=8)
    assert all(
        np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights(), strict=True)
    )
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])


def test_manual_mlp_call_is_relu_relu_linear():
    model = ManualMLP(input_dim=3, hidden_units=(2,), num_classes=2, seed=0)
    w1 = np.array([[1.0, -1.0], [0.0, 2.0], [1.0, 0.0]], np.float32)
    w2 = np.array([[1.0, 2.0], [-3.0, 1.0]], np.float32)
    model.set_weights([w1, np.array([0.5, -0.5], np.float32), w2, np.array([0.0, 1.0], np.float32)])
    x = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, -1.0]], np.float32)
    # Row 1: h = relu([2.5, 0.5]) -> [2.5-1.5, 5+0.5] + b2; row 2: h = relu([-0.5, -0.5]) = 0.
    np.testing.assert_allclose(model(x).numpy(), [[1.0, 6.5], [0.0, 1.0]])


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"hidden_units": (256, 0)}, "hidden_units"),
        ({"hidden_units": ()}, "hidden_units"),
        ({"input_dim": -1}, "input_dim"),
        ({"num_classes": 2.5}, "num_classes"),
        ({"init_stddev": 0.0}, "init_stddev"),
        ({"seed": "x"}, "seed"),
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": float("inf")}, "temperature"),
        ({"temperature": "0.1"}, "temperature"),
    ],
)
def test_manual_mlp_rejects_bad_arguments(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        ManualMLP(**kwargs)


def test_manual_mlp_default_loss_is_origin_mse(mnist):
    (x, y), _ = mnist
    model = ManualMLP(seed=1)
    model.compile(optimizer="sgd")
    xb, yb = next(iter(make_dataset(x[:128], y[:128])))
    expected = np.mean((yb.numpy() - model(xb).numpy()) ** 2)
    result = model.evaluate(xb, yb, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(expected, rel=1e-5)


def test_manual_mlp_save_load_round_trip(mnist, tmp_path):
    (x, y), _ = mnist
    data = make_dataset(x[:1024], y[:1024])
    model = ManualMLP(hidden_units=(64, 32), seed=5, name="digits")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(data, epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, ManualMLP)
    assert loaded.get_config() == model.get_config()
    assert loaded.hidden_units == (64, 32) and loaded.name == "digits"
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Training on from either copy gives identical weights: optimizer state came along.
    model.fit(data, epochs=1, verbose=0, shuffle=False)
    loaded.fit(data, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_manual_mlp_temperature_round_trips_through_keras_file(tmp_path):
    model = ManualMLP(hidden_units=(8,), seed=0)
    assert model.temperature == 1.0
    model.set_temperature(0.125)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.temperature == 0.125 and loaded.get_config()["temperature"] == 0.125
    with pytest.raises(ValueError, match="temperature must be a positive finite number"):
        loaded.set_temperature(-1.0)
    assert loaded.temperature == 0.125


@pytest.mark.slow
def test_manual_mlp_distributed_update_matches_one_device():
    result = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert report["moved"] > 1e-3  # the run really trained
    assert report["max_difference"] < 1e-5


def _distributed_report():
    """Child process: 10 steps on 2 logical CPUs under MirroredStrategy vs one device."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from common.mnist import load_mnist

    (x, y), _ = load_mnist()
    data = make_dataset(x[:1280], y[:1280])

    def fit(strategy):
        with strategy.scope():
            model = ManualMLP(seed=11)
            model.compile(optimizer=keras.optimizers.SGD(0.05))
        model.fit(data, epochs=1, verbose=0, shuffle=False)
        return model.get_weights()

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    initial = ManualMLP(seed=11).get_weights()
    single, mirrored = fit(tf.distribute.get_strategy()), fit(strategy)
    report = {
        "replicas": strategy.num_replicas_in_sync,
        "moved": float(max(np.max(np.abs(a - b)) for a, b in zip(single, initial, strict=True))),
        "max_difference": float(
            max(np.max(np.abs(a - b)) for a, b in zip(single, mirrored, strict=True))
        ),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    _distributed_report()
