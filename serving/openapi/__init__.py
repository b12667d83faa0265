"""An OpenAPI document of the REST port, generated from the served models' SignatureDefs.

- `tensor_schemas`: a tensor's JSON value schema from its dtype and shape.
- `signature_schemas`: predict request and answer schemas of one SignatureDef.
- `common_schemas`: errors, status, metadata, tf.Examples, classify/regress results.
- `v1_paths`: TF Serving's `/v1/models/...` paths of one model's served versions.
- `v2_paths`: the Open Inference Protocol's `/v2/...` paths.
- `document`: the assembled document, rebuilt when the served versions change.
- `routes`: GET /openapi.json and GET /docs on the REST port.

Example:
    curl http://127.0.0.1:8501/openapi.json
"""

from serving.openapi.document import OpenApiDocument, build_document
from serving.openapi.routes import add_routes

__all__ = ["OpenApiDocument", "add_routes", "build_document"]
