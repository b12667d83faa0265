"""BentoML: a `@bentoml.service` class whose `@bentoml.api` method takes and returns numpy.

Written as BentoML's services guide writes one
(https://docs.bentoml.com/en/latest/build-with-bentoml/services.html): the class loads
the SavedModel in `__init__` and `predict(images: np.ndarray) -> np.ndarray` is the
endpoint (`POST /predict` with `{"images": ...}`, answered with the JSON array). The
batched service is the same method with `batchable=True, batch_dim=0` and a
`max_batch_size`, as the adaptive-batching guide recommends for models that take a batch
(https://docs.bentoml.com/en/latest/get-started/adaptive-batching.html). `bentoml serve
peers.bentoml_peer:Mnist` (or `:MnistBatched`) starts it; the model directory comes in
MNIST_PEER_MODEL_DIR because the CLI passes no arguments to a service. Runs in the BentoML
venv (peers/registry.py pins it).

Example:
    .venv/bin/python bench/peers/run.py --peers bentoml --cells b1c1 --seconds 2
"""

import os

import bentoml
import numpy as np
import tensorflow as tf

from peers.spec import INPUT, MAX_BATCH, OUTPUT, SIGNATURE

MODEL_DIR_VARIABLE = "MNIST_PEER_MODEL_DIR"


def _load():
    return tf.saved_model.load(os.environ[MODEL_DIR_VARIABLE]).signatures[SIGNATURE]


def _probabilities(signature, images):
    pixels = tf.constant(np.asarray(images, dtype=np.uint8))
    return signature(**{INPUT: pixels})[OUTPUT].numpy()


@bentoml.service
class Mnist:
    """One request, one call of the signature."""

    def __init__(self):
        self.signature = _load()

    @bentoml.api
    def predict(self, images: np.ndarray) -> np.ndarray:  # the argument is the body's key
        return _probabilities(self.signature, images)


@bentoml.service
class MnistBatched:
    """Requests BentoML's adaptive batcher joined along axis 0, answered in one call."""

    def __init__(self):
        self.signature = _load()

    @bentoml.api(batchable=True, batch_dim=0, max_batch_size=MAX_BATCH, max_latency_ms=10000)
    def predict(self, images: np.ndarray) -> np.ndarray:
        return _probabilities(self.signature, images)
