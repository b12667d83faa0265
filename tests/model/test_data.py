"""Tests of MNIST loading (checksums, refusals, fallback) and the tf.data pipeline."""

import hashlib
import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from model import data, load_mnist, make_dataset
from model.data import DataError, preprocess

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
    path.write_bytes(data.DEFAULT_PATH.read_bytes()[:1_000_000])
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
    monkeypatch.setattr(data, "DEFAULT_PATH", tmp_path / "absent.npz")
    monkeypatch.setattr(data.keras.datasets.mnist, "load_data", lambda: calls.append(1) or "k")
    assert load_mnist() == "k" and calls == [1]
    with pytest.raises(DataError):
        load_mnist(tmp_path / "absent.npz")  # an explicit path never falls back


def test_preprocess_scales_flattens_and_one_hots():
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 0, 0], images[1, 27, 27] = 255, 51
    x, y = (t.numpy() for t in preprocess(images, np.array([3, 9])))
    assert x.shape == (2, 784) and y.shape == (2, 10)
    assert x[0, 0] == 1.0 and x[1, 783] == pytest.approx(0.2) and x.sum() == pytest.approx(1.2)
    assert y.argmax(axis=1).tolist() == [3, 9] and y.sum() == 2.0


def test_make_dataset_keeps_order_and_batches(mnist):
    (x, y), _ = mnist
    batches = list(make_dataset(x[:300], y[:300], batch_size=128))
    assert [int(b[0].shape[0]) for b in batches] == [128, 128, 44]
    labels = np.concatenate([b[1].numpy().argmax(axis=1) for b in batches])
    np.testing.assert_array_equal(labels, y[:300])


def test_make_dataset_seeded_shuffle_is_reproducible(mnist):
    (x, y), _ = mnist

    def first_labels(seed):
        batch = next(iter(make_dataset(x[:1000], y[:1000], 1000, shuffle_seed=seed)))
        return batch[1].numpy().argmax(axis=1)

    assert np.array_equal(first_labels(1), first_labels(1))
    assert not np.array_equal(first_labels(1), y[:1000])
    assert sorted(first_labels(1)) == sorted(y[:1000])


def _image_hashes(images):
    return {hashlib.sha256(image.tobytes()).hexdigest() for image in images}


def test_split_validation_holds_out_last_5000_disjoint_from_test(mnist):
    (x_train, y_train), (x_test, _) = mnist
    (x_fit, y_fit), (x_val, y_val) = data.split_validation(x_train, y_train, 5000)
    assert (len(x_fit), len(x_val)) == (55000, 5000)
    np.testing.assert_array_equal(x_val, x_train[55000:])
    np.testing.assert_array_equal(y_fit, y_train[:55000])
    # No held-out image is a test image (nor a training image): checked by content.
    held_out = _image_hashes(x_val)
    assert len(held_out) == 5000
    assert not held_out & _image_hashes(x_test)
    assert not held_out & _image_hashes(x_fit)


def test_split_validation_zero_keeps_every_example(mnist):
    (x_train, y_train), _ = mnist
    (x_fit, _), (x_val, y_val) = data.split_validation(x_train, y_train, 0)
    assert len(x_fit) == 60000 and x_val.shape == (0, 28, 28) and len(y_val) == 0


@pytest.mark.parametrize("size", [-1, 60000])
def test_split_validation_rejects_sizes_leaving_nothing(mnist, size):
    (x_train, y_train), _ = mnist
    with pytest.raises(ValueError, match=f"validation_size must be between 0 and 59999.*{size}"):
        data.split_validation(x_train, y_train, size)


def test_make_dataset_applies_augmentation_per_batch(mnist):
    (x, y), _ = mnist

    def flip(batch):
        return 1.0 - batch

    (x_batch, y_batch), *_ = list(make_dataset(x[:20], y[:20], batch_size=16, augment=flip))
    np.testing.assert_allclose(x_batch.numpy(), 1.0 - x[:16].reshape(16, 784) / 255.0, atol=1e-6)
    np.testing.assert_array_equal(np.argmax(y_batch, axis=1), y[:16])


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
