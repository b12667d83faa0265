"""Clients of TF Serving's REST and gRPC APIs with one interface, and the load tester.

- `rest_client.RestClient`, `grpc_client.GrpcClient`: `predict(inputs, signature)` and
  `classify(features, signature)`, opened with `async with`; `connect` picks one.
- `requests`: what each signature of the contract is sent, and its answers as
  probabilities [n, 10], the same for both transports.
- `load`: concurrent requests with latency percentiles, and the error rate over MNIST.
- `python -m serving.client predict|evaluate ...`: the command line.
They work unchanged against `tensorflow_model_server` and `python -m serving.server`.

Example:
    python -m serving.client evaluate --grpc 127.0.0.1:8500 --num-tests 1000 --concurrency 8
"""

import importlib

from serving.client.connect import connect, evaluate_with, format_prediction, predict
from serving.client.requests import RequestError, predict_images, predict_pixels
from serving.client.rest_client import RestClient

__all__ = [
    "GrpcClient",
    "RequestError",
    "RestClient",
    "connect",
    "evaluate_with",
    "format_prediction",
    "predict",
    "predict_images",
    "predict_pixels",
]


def __getattr__(name):
    # PEP 562: the gRPC client imports TensorFlow (its stubs), so it loads when asked for.
    if name == "GrpcClient":
        return importlib.import_module("serving.client.grpc_client").GrpcClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
