"""Ray Serve: a `@serve.deployment` class, and the same with a `@serve.batch` method.

Written as Ray Serve's guides write a deployment
(https://docs.ray.io/en/latest/serve/getting_started.html): the class loads the model in
`__init__` and its `async __call__(request)` reads the Starlette request's JSON
(`{"images": ...}`) and answers `{"probabilities": ...}`; `serve.run(Mnist.bind(...))`
deploys it behind Serve's HTTP proxy. The batched deployment routes each request through
an `@serve.batch(max_batch_size=32, batch_wait_timeout_s=0.001)` method that takes the list
of requests' pixels and returns one answer per request, as the dynamic request batching
guide says (https://docs.ray.io/en/latest/serve/advanced-guides/dyn-req-batch.html).
Runs in the Ray venv (peers/registry.py pins it), on a local Ray instance of 2 CPUs.

Example:
    .venv/bin/python bench/peers/run.py --peers rayserve --cells b1c1 --seconds 2
"""

import signal

import numpy as np
import ray
import tensorflow as tf
from ray import serve
from starlette.requests import Request

from peers.spec import INPUT, MAX_BATCH, OUTPUT, SIGNATURE, server_parser


def _probabilities(signature, pixels):
    return signature(**{INPUT: tf.constant(pixels)})[OUTPUT].numpy()


@serve.deployment
class Mnist:
    """One request, one call of the signature."""

    def __init__(self, model_dir):
        self.signature = tf.saved_model.load(model_dir).signatures[SIGNATURE]

    async def __call__(self, request: Request):
        pixels = np.asarray((await request.json())[INPUT], dtype=np.uint8)
        return {OUTPUT: _probabilities(self.signature, pixels).tolist()}


@serve.deployment
class MnistBatched:
    """Requests gathered by `@serve.batch`, joined into one call and split back."""

    def __init__(self, model_dir):
        self.signature = tf.saved_model.load(model_dir).signatures[SIGNATURE]

    @serve.batch(max_batch_size=MAX_BATCH, batch_wait_timeout_s=0.001)
    async def predict(self, batches: list[np.ndarray]) -> list[np.ndarray]:
        sizes = np.cumsum([len(pixels) for pixels in batches])[:-1]
        return np.split(_probabilities(self.signature, np.concatenate(batches)), sizes)

    async def __call__(self, request: Request):
        pixels = np.asarray((await request.json())[INPUT], dtype=np.uint8)
        return {OUTPUT: (await self.predict(pixels)).tolist()}


def main(argv=None):
    args = server_parser("python -m peers.rayserve_peer").parse_args(argv)
    ray.init(num_cpus=2, include_dashboard=False)
    serve.start(http_options={"host": "127.0.0.1", "port": args.port})
    deployment = MnistBatched if args.variant == "batched" else Mnist
    serve.run(deployment.bind(args.model_dir), route_prefix="/")
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)  # so sigwait, not the default, gets them
    signal.sigwait(stops)
    serve.shutdown()
    ray.shutdown()


if __name__ == "__main__":
    main()
