"""Component schemas every document holds: errors, status, metadata, tf.Examples, results.

These bodies do not depend on a model's signatures: `{"error": ...}` refusals,
GetModelStatus and GetModelMetadata as TF Serving prints them (proto field names, int64
as strings), a tf.Example as a JSON object of features, and classify/regress results.

Example:
    python -c "from serving.openapi import common_schemas as c; print(sorted(c.COMMON_SCHEMAS))"
"""

from serving.openapi.tensor_schemas import B64_REF, B64_SCHEMA

_INT64_TEXT = {"type": "string", "pattern": "^-?[0-9]+$", "description": "An int64, as text."}
_FEATURE_VALUE = {"anyOf": [{"type": "number"}, {"type": "string"}, {"$ref": B64_REF}]}
_TENSOR_INFO = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The graph tensor fed or fetched."},
        "dtype": {"type": "string", "examples": ["DT_FLOAT"]},
        "tensor_shape": {
            "type": "object",
            "properties": {
                "dim": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"size": _INT64_TEXT, "name": {"type": "string"}},
                    },
                },
                "unknown_rank": {"type": "boolean"},
            },
        },
    },
}
_SIGNATURE_DEF = {
    "type": "object",
    "properties": {
        "inputs": {"type": "object", "additionalProperties": _TENSOR_INFO},
        "outputs": {"type": "object", "additionalProperties": _TENSOR_INFO},
        "method_name": {"type": "string", "examples": ["tensorflow/serving/predict"]},
    },
}

COMMON_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}},
        "required": ["error"],
    },
    "B64": B64_SCHEMA,
    "ModelStatus": {
        "type": "object",
        "properties": {
            "model_version_status": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "version": _INT64_TEXT,
                        "state": {
                            "enum": ["UNKNOWN", "START", "LOADING", "AVAILABLE", "UNLOADING", "END"]
                        },
                        "status": {
                            "type": "object",
                            "properties": {
                                "error_code": {"type": "string", "examples": ["OK"]},
                                "error_message": {"type": "string"},
                            },
                        },
                    },
                    "required": ["version", "state"],
                },
            }
        },
        "required": ["model_version_status"],
    },
    "ModelMetadata": {
        "type": "object",
        "properties": {
            "model_spec": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "signature_name": {"type": "string"},
                    "version": _INT64_TEXT,
                },
            },
            "metadata": {
                "type": "object",
                "properties": {
                    "signature_def": {
                        "type": "object",
                        "properties": {
                            "signature_def": {
                                "type": "object",
                                "additionalProperties": _SIGNATURE_DEF,
                            }
                        },
                    }
                },
            },
        },
        "required": ["model_spec", "metadata"],
    },
    "Example": {
        "type": "object",
        "description": "A tf.Example: feature name -> a value or a list of values.",
        "additionalProperties": {
            "anyOf": [_FEATURE_VALUE, {"type": "array", "items": _FEATURE_VALUE}]
        },
    },
    "ClassifyResponse": {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "description": "Per example, its [label, score] pairs.",
                "items": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [{"type": "string"}, {"type": "number"}],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            }
        },
        "required": ["results"],
    },
    "RegressResponse": {
        "type": "object",
        "properties": {"results": {"type": "array", "items": {"type": "number"}}},
        "required": ["results"],
    },
}
