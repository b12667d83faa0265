"""The transport-free data plane: loaded versions, the model manager, inference, metadata.

- `servable`: one loaded version and its runnable signatures.
- `op_libraries`: TensorFlow Text's ops, registered when a version's graph needs them.
- `manager`: which versions of which models are served; polls base paths (through
  `common.versions`, the scan the exporter uses too) and applies version policies.
- `inputs`: a request's inputs as validated arrays (one path for REST and gRPC).
- `inference`: Predict on a servable; `example_apis`: Classify, Regress, MultiInference.
- `model_info`: GetModelStatus and GetModelMetadata responses.
- `warmup_replay`: runs a version's warmup records before it serves.
- `inline`: finishes those coroutines in a plain thread (the gRPC handlers), no event loop.
The REST and gRPC endpoints are thin layers over these.

Example:
    python -c "from serving.core import Servable; \
print(sorted(Servable('mnist', 1, 'serving/models/mnist/1').signatures))"
"""

from serving.core import example_apis, inference, model_info
from serving.core.manager import ModelManager, ServableRequest
from serving.core.model_state import RetryPolicy, VersionStatus
from serving.core.servable import Servable, Signature
from serving.core.warmup_replay import replay_warmup

__all__ = [
    "ModelManager",
    "RetryPolicy",
    "Servable",
    "ServableRequest",
    "Signature",
    "VersionStatus",
    "example_apis",
    "inference",
    "model_info",
    "replay_warmup",
]
