"""KServe's Python model server: a `kserve.Model` subclass with `load` and `predict`.

Written as KServe's custom-model guide writes one
(https://kserve.github.io/website/0.10/modelserving/v1beta1/custom/custom_model/): the
subclass loads the model in `load`, sets `ready`, and `ModelServer().start([model])`
serves it. `predict` answers both protocols the one server speaks: v1's
`{"instances": ...}` on `/v1/models/mnist:predict` with `{"predictions": ...}`, and the
v2 (Open Inference Protocol) `InferRequest` on `/v2/models/mnist/infer` with an
`InferResponse`. KServe's Python server has no request batching of its own (batching is
its Kubernetes agent's job), so it has no batched variant. Runs in the KServe venv
(peers/registry.py pins it).

Example:
    .venv/bin/python bench/peers/run.py --peers kserve --cells b1c1 --seconds 2
"""

import numpy as np
import tensorflow as tf
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer
from kserve.utils.utils import generate_uuid

from peers.spec import INPUT, MODEL_NAME, OUTPUT, SIGNATURE, server_parser


class MnistModel(Model):
    """The SavedModel's predict_pixels behind KServe's v1 and v2 predict handlers."""

    def __init__(self, name, model_dir):
        super().__init__(name)
        self.model_dir = model_dir
        self.signature = None
        self.load()

    def load(self):
        self.signature = tf.saved_model.load(self.model_dir).signatures[SIGNATURE]
        self.ready = True
        return self.ready

    def _probabilities(self, pixels):
        pixels = tf.constant(np.asarray(pixels, dtype=np.uint8))
        return self.signature(**{INPUT: pixels})[OUTPUT].numpy()

    def predict(self, payload, headers=None, response_headers=None):
        if isinstance(payload, InferRequest):
            probabilities = self._probabilities(payload.inputs[0].as_numpy())
            output = InferOutput(OUTPUT, list(probabilities.shape), "FP32", probabilities)
            # A v2 request's id is optional; the response's is not.
            return InferResponse(payload.id or generate_uuid(), self.name, [output])
        return {"predictions": self._probabilities(payload["instances"]).tolist()}


def main(argv=None):
    args = server_parser("python -m peers.kserve_peer").parse_args(argv)
    model = MnistModel(MODEL_NAME, args.model_dir)
    ModelServer(http_port=args.port, grpc_port=args.grpc_port).start([model])


if __name__ == "__main__":
    main()
