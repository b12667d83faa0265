"""The Open Inference Protocol (KServe v2) REST paths and their JSON bodies, as OpenAPI.

From the protocol's HTTP/REST section: health (`/v2/health/live`, `/v2/health/ready`,
`/v2/models/{model_name}[/versions/{model_version}]/ready`: 200 means yes, 4xx no),
server metadata (`/v2`), model metadata (`/v2/models/{model_name}[/versions/...]`) and
inference (`.../infer`: tensors as name, shape, datatype and row-major data). Refusals are
`{"error": ...}`. `model_name` is one of the served models.

Example:
    python -c "from serving.openapi.v2_paths import v2_paths; print(sorted(v2_paths(['mnist'])[0]))"
"""

from serving.openapi.v1_paths import ref

DATATYPES = ("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
             "FP16", "FP32", "FP64", "BYTES")  # fmt: skip
_TAG = ["Open Inference Protocol (v2)"]
_PARAMETERS = {
    "type": "object",
    "description": "Name -> string, number or boolean.",
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}
_SHAPE = {"type": "array", "items": {"type": "integer"}}
_TENSOR = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "shape": _SHAPE,
        "datatype": {"enum": list(DATATYPES)},
        "parameters": ref("v2.Parameters"),
        "data": ref("v2.TensorData"),
    },
    "required": ["name", "shape", "datatype", "data"],
}
_METADATA_TENSOR = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "datatype": {"enum": list(DATATYPES)},
        "shape": {**_SHAPE, "description": "-1 for a dimension of any size."},
    },
    "required": ["name", "datatype", "shape"],
}
V2_SCHEMAS = {
    "v2.Parameters": _PARAMETERS,
    "v2.TensorData": {
        "type": "array",
        "description": "Row-major elements, flat or nested in the tensor's shape.",
        "items": {"anyOf": [{"type": ["number", "string", "boolean"]}, ref("v2.TensorData")]},
    },
    "v2.InferenceRequest": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "parameters": ref("v2.Parameters"),
            "inputs": {"type": "array", "items": _TENSOR},
            "outputs": {
                "type": "array",
                "description": "The outputs to answer (absent: all of them).",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "parameters": ref("v2.Parameters")},
                    "required": ["name"],
                },
            },
        },
        "required": ["inputs"],
    },
    "v2.InferenceResponse": {
        "type": "object",
        "properties": {
            "model_name": {"type": "string"},
            "model_version": {"type": "string"},
            "id": {"type": "string"},
            "parameters": ref("v2.Parameters"),
            "outputs": {"type": "array", "items": _TENSOR},
        },
        "required": ["model_name", "outputs"],
    },
    "v2.ServerMetadata": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "extensions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["name", "version", "extensions"],
    },
    "v2.ModelMetadata": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "versions": {"type": "array", "items": {"type": "string"}},
            "platform": {"type": "string"},
            "inputs": {"type": "array", "items": _METADATA_TENSOR},
            "outputs": {"type": "array", "items": _METADATA_TENSOR},
        },
        "required": ["name", "platform", "inputs", "outputs"],
    },
    "v2.Ready": {
        "type": "object",
        "description": "Optional: the status code alone answers.",
        "properties": {"live": {"type": "boolean"}, "ready": {"type": "boolean"}},
    },
}


def v2_paths(model_names):
    """The v2 paths, their `model_name` parameter limited to the served models.

    Args:
        model_names: the names of the models served now.

    Returns:
        `(paths, schemas)`: OpenAPI path items by path, and component schemas by name.
    """
    model = {
        "name": "model_name",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": sorted(model_names)},
    }
    version = {
        "name": "model_version",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    paths = {
        "/v2/health/live": _call("get", "v2_live", "Server live", "v2.Ready"),
        "/v2/health/ready": _call("get", "v2_ready", "Server ready", "v2.Ready"),
        "/v2": _call("get", "v2_server_metadata", "Server metadata", "v2.ServerMetadata"),
    }
    for prefix, parameters, which in (
        ("/v2/models/{model_name}", [model], ""),
        ("/v2/models/{model_name}/versions/{model_version}", [model, version], "_version"),
    ):
        calls = (
            ("", "get", "metadata", "Model metadata", "v2.ModelMetadata"),
            ("/ready", "get", "model_ready", "Model ready", "v2.Ready"),
            ("/infer", "post", "infer", "Inference", "v2.InferenceResponse"),
        )
        for suffix, method, name, summary, schema in calls:
            item = _call(method, f"v2_{name}{which}", summary, schema)
            item["parameters"] = parameters
            paths[prefix + suffix] = item
    return paths, V2_SCHEMAS


def _call(method, operation_id, summary, response):
    error = {"description": "Refused", "content": {"application/json": {"schema": ref("Error")}}}
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": _TAG,
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": ref(response)}},
            },
            "400": error,
            "default": {**error, "description": "Any other refusal"},
        },
    }
    if method == "post":
        body = {"application/json": {"schema": ref("v2.InferenceRequest")}}
        operation["requestBody"] = {"required": True, "content": body}
    return {method: operation}
