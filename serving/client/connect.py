"""One client interface over both transports, and the operations the CLI and demo run.

`connect(rest=URL)` or `connect(grpc=HOST:PORT)` returns a RestClient or GrpcClient; both
have `predict(inputs, signature)` and `classify(features, signature)` and are opened with
`async with`. `predict` and `evaluate_with` open a client and run one operation on it.

Example:
    python -c "import asyncio; from serving.client import connect, predict; \
import numpy as np; print(asyncio.run(predict(connect(rest='http://127.0.0.1:8501'), \
'predict_pixels', pixels=np.zeros((1, 28, 28), np.uint8))))"
"""

import numpy as np

from common import contract
from serving.client.load import evaluate
from serving.client.requests import predict_images, predict_pixels
from serving.client.rest_client import RestClient


def connect(
    rest=None, grpc=None, model=contract.MODEL_NAME, timeout=30.0, version=None, label=None
):
    """Builds the client for one transport; open it with `async with`.

    Args:
        rest: REST base URL such as http://127.0.0.1:8501, or None.
        grpc: gRPC HOST:PORT such as 127.0.0.1:8500, or None.
        model: the served model's name.
        timeout: seconds per request.
        version: a model version to ask instead of the latest, or None.
        label: a version label (e.g. "stable") to ask instead of the latest, or None.

    Returns:
        A RestClient or GrpcClient.
    """
    if (rest is None) == (grpc is None):
        raise ValueError("give exactly one of a REST URL and a gRPC target")
    if rest is not None:
        return RestClient(rest, model, timeout, version, label)
    # Here, not at the top: the gRPC stubs import TensorFlow, which a REST client and
    # `python -m serving.client --help` do not need.
    from serving.client.grpc_client import GrpcClient

    return GrpcClient(grpc, model, timeout, version, label)


def format_prediction(name, probabilities):
    """One output line: the source, the predicted digit and every digit's probability."""
    spread = " ".join(f"{digit}:{p:.3f}" for digit, p in enumerate(probabilities))
    return f"{name}: digit {int(np.argmax(probabilities))}  [{spread}]"


async def predict(client, signature, images=None, pixels=None):
    """Classifies image files' bytes or pixel arrays; returns probabilities [n, 10]."""
    async with client:
        if images is not None:
            return await predict_images(client, images, signature)
        return await predict_pixels(client, pixels, signature)


async def evaluate_with(client, images, labels, concurrency, batch_size, signature):
    """Opens `client` and runs `load.evaluate` through it; returns the Evaluation."""
    async with client:
        return await evaluate(client, images, labels, concurrency, batch_size, signature)
