"""Seldon MLServer: a custom runtime, an `MLModel` subclass with `load` and `predict`.

Written as MLServer's custom-runtime guide writes one
(https://docs.seldon.ai/mlserver/user-guide/custom): `load` reads the model from the
`parameters.uri` of its model-settings.json, `predict` takes the v2 `InferenceRequest`,
decodes the input with `NumpyCodec` and answers an `InferenceResponse`. `mlserver start`
serves the folder registry.py writes (settings.json with the ports, mnist/model-settings.json
naming `peers.mlserver_peer.MnistRuntime`); the adaptive-batching variant adds
`max_batch_size` and `max_batch_time` to the model settings
(https://docs.seldon.ai/mlserver/user-guide/adaptive-batching). Runs in the MLServer
venv (peers/registry.py pins it).

Example:
    .venv/bin/python bench/peers/run.py --peers mlserver --cells b1c1 --seconds 2
"""

import numpy as np
import tensorflow as tf
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse

from peers.spec import INPUT, OUTPUT, SIGNATURE


class MnistRuntime(MLModel):
    """The SavedModel's predict_pixels as an MLServer inference runtime."""

    async def load(self) -> bool:
        model_dir = self.settings.parameters.uri
        self._signature = tf.saved_model.load(model_dir).signatures[SIGNATURE]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        pixels = NumpyCodec.decode_input(payload.inputs[0]).astype(np.uint8)
        probabilities = self._signature(**{INPUT: tf.constant(pixels)})[OUTPUT].numpy()
        output = NumpyCodec.encode_output(OUTPUT, probabilities)
        return InferenceResponse(model_name=self.name, outputs=[output])
