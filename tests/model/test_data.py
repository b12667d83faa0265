"""Tests of the network's input pipeline: scaling, one-hot labels, validation split, batches."""

import hashlib

import numpy as np
import pytest

from model import data
from model.data import make_dataset, preprocess


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
