"""Tests of MNIST loading: the Keras layout, checksums, refusals and the download fallback."""

import io
import tracemalloc
import zipfile

import keras
import numpy as np
import pytest

from common import mnist
from common.mnist import DataError, load_mnist

# Published label counts (data/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_load_mnist_returns_keras_layout(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert x_train.mean() / 255 == pytest.approx(0.1307, abs=1e-4)


def write_npz(path, arrays):
    np.savez(path, **arrays)
    return path


def arrays_of(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_load_mnist_accepts_an_intact_copy(mnist, tmp_path):
    path = write_npz(tmp_path / "copy.npz", arrays_of(mnist))
    (x_train, _), _ = load_mnist(path)
    np.testing.assert_array_equal(x_train, mnist[0][0])


def test_load_mnist_refuses_altered_pixel(mnist, tmp_path):
    arrays = arrays_of(mnist)
    arrays["x_test"] = arrays["x_test"].copy()
    arrays["x_test"][5, 14, 14] ^= 1
    path = write_npz(tmp_path / "altered.npz", arrays)
    with pytest.raises(DataError, match=r"altered\.npz: x_test fails its sha256 check"):
        load_mnist(path)


def test_load_mnist_refuses_truncated_file(tmp_path):
    path = tmp_path / "truncated.npz"
    path.write_bytes(mnist.DEFAULT_PATH.read_bytes()[:1_000_000])
    with pytest.raises(DataError, match=r"truncated\.npz: not a readable \.npz file"):
        load_mnist(path)


def test_load_mnist_refuses_missing_array(mnist, tmp_path):
    arrays = arrays_of(mnist)
    del arrays["y_train"]
    with pytest.raises(DataError, match="'y_train' is missing"):
        load_mnist(write_npz(tmp_path / "partial.npz", arrays))


def test_load_mnist_refuses_wrong_dtype(mnist, tmp_path):
    arrays = arrays_of(mnist)
    arrays["y_test"] = arrays["y_test"].astype(np.int64)
    with pytest.raises(DataError, match=r"y_test is int64\[10000\], expected uint8\[10000\]"):
        load_mnist(write_npz(tmp_path / "wide.npz", arrays))


def test_load_mnist_refuses_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nothing\.npz: no such file"):
        load_mnist(tmp_path / "nothing.npz")


def test_load_mnist_falls_back_to_keras_only_without_local_copy(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(mnist, "DEFAULT_PATH", tmp_path / "absent.npz")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: calls.append(1) or "k")
    assert load_mnist() == "k" and calls == [1]
    with pytest.raises(DataError):
        load_mnist(tmp_path / "absent.npz")  # an explicit path never falls back


def test_load_mnist_refuses_a_huge_declared_shape_before_reading_it(mnist, tmp_path):
    # x_train's header declares 10^12 images; its data is 16 bytes. Reading it as declared
    # would ask for 784 TB; the header check refuses it having allocated almost nothing.
    arrays = arrays_of(mnist)
    path = write_npz(tmp_path / "bomb.npz", {k: v for k, v in arrays.items() if k != "x_train"})
    header = io.BytesIO()
    shape = (10**12, 28, 28)
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("x_train.npy", header.getvalue() + bytes(16))  # magic + header + data
    tracemalloc.start()
    with pytest.raises(DataError, match=r"x_train is uint8\[1000000000000, 28, 28\], expected"):
        load_mnist(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50_000_000
