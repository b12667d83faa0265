"""TF Serving's gRPC API over the core: the servicers and grpc's thread-pool server.

- `servicers`: PredictionService (Predict, Classify, GetModelMetadata) and ModelService
  (GetModelStatus), each call recorded in the metrics and refused with TF Serving's codes
  by `calls.rpc`; they run in the server's handler threads, the model in the same thread
  (`core.inline`), or, with batching, waited for there.
- `server`: binds the port and runs `grpc.server` on a pool of handler threads.
- `reflection`: server reflection listing every service registered.
- `profiler_proxy`: TensorFlow's profiler service (`--enable_profiler`), forwarded to TF's
  own profiler server in this process.
A gRPC predict: `servicers.PredictionServicer.Predict` → `core.inference.predict` (its
inputs read by `codecs.tensor_proto`) → outputs written with `codecs.tensor_proto`.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

from serving.grpc.server import GrpcOptions, GrpcServer
from serving.grpc.servicers import add_services

__all__ = ["GrpcOptions", "GrpcServer", "add_services"]
