"""What each signature of the serving contract is sent, and its answers as probabilities.

The REST and gRPC clients only move tensors; this module decides what a signature
receives (uint8 pixels, [0, 1] floats, PNG or JPEG bytes, tf.Example features) and
turns every answer into probabilities [n, 10], so both transports share one path.

Example:
    python -m serving.client predict --rest http://127.0.0.1:8501 --mnist-index 0 1 2
"""

import pathlib

import numpy as np

from common import contract

# Signatures that take MNIST-style pixel arrays, and the one that takes image files.
PIXEL_SIGNATURES = (
    contract.PREDICT_PIXELS,
    contract.SERVING_DEFAULT,
    contract.PREDICT_IMAGES,
    contract.PREDICT_DETAILED,
    contract.CLASSIFY,
)
# Those that take [0, 1] floats: [n, 28, 28], or [n, 784] rows for predict_images.
_FLOAT_SIGNATURES = (contract.SERVING_DEFAULT, contract.PREDICT_DETAILED, contract.PREDICT_IMAGES)
FILE_SIGNATURES = (contract.PREDICT_IMAGE_BYTES,)
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class RequestError(RuntimeError):
    """The server refused a request or could not be reached; the message says why."""


def check_version_choice(version, label):
    """Refuses a request that names both a model version and a version label.

    Args:
        version: an int version, or None for the latest.
        label: a version label such as "stable", or None.

    Raises:
        ValueError: if both are given.
    """
    if version is not None and label is not None:
        raise ValueError("give a model version or a version label, not both")


def read_image(path):
    """Reads a PNG or JPEG file, refusing anything else before it is sent.

    Args:
        path: the image file.

    Returns:
        The file's bytes.

    Raises:
        ValueError: naming the file if it is missing or not a PNG or JPEG.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    data = path.read_bytes()
    if not any(data.startswith(magic) for magic in IMAGE_MAGIC):
        raise ValueError(f"{path}: not a PNG or JPEG file")
    return data


def pixel_inputs(pixels, signature):
    """The predict inputs that carry MNIST digits to a pixel signature.

    Args:
        pixels: uint8 array [n, 28, 28], values 0-255.
        signature: contract.PREDICT_PIXELS (sent as uint8), or one of the float signatures
            (sent as float32 in [0, 1]; as [n, 784] rows to contract.PREDICT_IMAGES).

    Returns:
        `{contract.IMAGES: array}` ready for a client's `predict`.
    """
    pixels = np.asarray(pixels, dtype=np.uint8)
    if signature in _FLOAT_SIGNATURES:
        images = pixels.astype(np.float32) / 255.0
        if signature == contract.PREDICT_IMAGES:
            images = images.reshape(-1, contract.NUM_PIXELS)
        return {contract.IMAGES: images}
    if signature == contract.PREDICT_PIXELS:
        return {contract.IMAGES: pixels}
    raise ValueError(f"signature {signature!r} takes no pixels; use one of {PIXEL_SIGNATURES}")


def example_features(pixels):
    """The classify signature's tf.Example feature for each digit: 784 floats in [0, 1].

    Args:
        pixels: uint8 array [n, 28, 28].

    Returns:
        float32 array [n, 784].
    """
    flat = np.asarray(pixels, dtype=np.uint8).reshape(-1, contract.NUM_PIXELS)
    return flat.astype(np.float32) / 255.0


def scores_by_label(pairs):
    """Orders one classify result's (label, score) pairs by digit.

    Args:
        pairs: iterable of (label, score), labels from contract.CLASS_LABELS.

    Returns:
        float32 array [10]: the score of digit d at index d.

    Raises:
        RequestError: if a label is unknown or missing.
    """
    try:
        scores = dict(pairs)
    except (TypeError, ValueError):
        raise RequestError(f"classify answered {pairs!r}, not (label, score) pairs") from None
    if set(scores) != set(contract.CLASS_LABELS):
        raise RequestError(f"classify answered labels {sorted(scores)}, expected 0-9")
    return np.array([scores[label] for label in contract.CLASS_LABELS], dtype=np.float32)


async def predict_pixels(client, pixels, signature=contract.PREDICT_PIXELS):
    """Sends MNIST digits to a pixel signature (predict or classify API).

    Args:
        client: a RestClient or GrpcClient, opened.
        pixels: uint8 array [n, 28, 28].
        signature: one of PIXEL_SIGNATURES.

    Returns:
        float32 array [n, 10] of probabilities.
    """
    if signature == contract.CLASSIFY:
        return await client.classify(example_features(pixels), signature)
    outputs = await client.predict(pixel_inputs(pixels, signature), signature)
    key = contract.SINGLE_OUTPUT.get(signature, contract.PROBABILITIES)
    return np.asarray(outputs[key], dtype=np.float32)


async def predict_images(client, images, signature=contract.PREDICT_IMAGE_BYTES):
    """Sends PNG or JPEG files' bytes to the image-bytes signature.

    Args:
        client: a RestClient or GrpcClient, opened.
        images: list of bytes, one encoded image each.
        signature: the signature that decodes them.

    Returns:
        float32 array [n, 10] of probabilities.
    """
    inputs = {contract.IMAGE_BYTES: np.array(images, dtype=object)}
    outputs = await client.predict(inputs, signature)
    return np.asarray(outputs[contract.PROBABILITIES], dtype=np.float32)
