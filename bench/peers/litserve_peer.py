"""LitServe: a `LitAPI` (setup, decode_request, predict, encode_response) in `LitServer`.

Written as LitServe's LitAPI guide writes a custom model
(https://lightning.ai/docs/litserve/api-reference/litapi): `setup` loads the SavedModel's
`predict_pixels`, `decode_request` turns `{"images": ...}` into uint8 pixels, `predict`
calls the signature, `encode_response` answers `{"probabilities": ...}`. The batched
variant sets `max_batch_size` and `batch_timeout` on the LitAPI as the batching guide
says (https://lightning.ai/docs/litserve/features/batching), with `batch`/`unbatch`
overridden so requests of several digits are joined along the batch axis and split back.
Runs in the LitServe venv (peers/registry.py pins it).

Example:
    .venv/bin/python bench/peers/run.py --peers litserve --cells b1c1 --seconds 2
"""

import litserve as ls
import numpy as np
import tensorflow as tf

from peers.spec import INPUT, MAX_BATCH, OUTPUT, SIGNATURE, server_parser


class MnistAPI(ls.LitAPI):
    """One request, one call of the signature."""

    def __init__(self, model_dir, **kwargs):
        super().__init__(**kwargs)
        self.model_dir = model_dir

    def setup(self, device):
        self.signature = tf.saved_model.load(self.model_dir).signatures[SIGNATURE]

    def decode_request(self, request):
        return np.asarray(request[INPUT], dtype=np.uint8)

    def predict(self, pixels):
        return self.signature(**{INPUT: tf.constant(pixels)})[OUTPUT].numpy()

    def encode_response(self, output):
        return {OUTPUT: output.tolist()}


class BatchedMnistAPI(MnistAPI):
    """Requests LitServe gathered, joined into one call and split back per request."""

    def batch(self, inputs):
        return inputs  # a list of [n, 28, 28] arrays, joined in predict

    def predict(self, inputs):
        sizes = np.cumsum([len(pixels) for pixels in inputs])[:-1]
        return np.split(super().predict(np.concatenate(inputs)), sizes)

    def unbatch(self, output):
        return output


def main(argv=None):
    args = server_parser("python -m peers.litserve_peer").parse_args(argv)
    if args.variant == "batched":
        api = BatchedMnistAPI(args.model_dir, max_batch_size=MAX_BATCH, batch_timeout=0.001)
    else:
        api = MnistAPI(args.model_dir)
    server = ls.LitServer(api, accelerator="cpu", workers_per_device=1)
    server.run(host="127.0.0.1", port=args.port, generate_client_file=False, log_level="warning")


if __name__ == "__main__":
    main()
