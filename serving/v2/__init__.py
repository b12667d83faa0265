"""The Open Inference Protocol (KServe's predict API v2) on the local server's two ports.

- `datatypes`: the protocol's datatypes and their numpy and TensorFlow dtypes.
- `tensors`: tensors as element lists or raw bytes, and back, with their checks.
- `dataplane`: the transport-free calls over `core` (versions, signatures, inference).
- `rest_codec`: REST request and response bodies, with the binary tensor data extension.
- `rest`: the `/v2` routes on the REST port, beside TF Serving's `/v1`.
- `grpc_service`: `inference.GRPCInferenceService` on the gRPC port, beside TF Serving's.
- `proto`: the service's .proto and its generated modules (how to regenerate: its docstring).
docs/v2.md describes the endpoints, the `signature_name` parameter and what differs from
KServe and Triton.

Example:
    curl http://127.0.0.1:8501/v2/models/mnist
"""

from serving.v2.dataplane import DataPlane, InferRequest, InferResponse
from serving.v2.grpc_service import SERVICE_NAME, InferenceServicer, add_service
from serving.v2.rest import V2RestApi, V2Result

__all__ = [
    "SERVICE_NAME",
    "DataPlane",
    "InferRequest",
    "InferResponse",
    "InferenceServicer",
    "V2RestApi",
    "V2Result",
    "add_service",
]
