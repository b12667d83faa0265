"""Request and response schemas of one SignatureDef: predict bodies, and classify/regress use.

A predict request names its signature (`signature_name`, absent for serving_default) and
carries exactly one of `instances` (row format: one item per example, a bare value when
the signature has one input, else an object of named inputs) or `inputs` (columnar: the
whole batch, a bare value or an object of named inputs). Its answer mirrors the format:
`predictions` or `outputs`. A signature serves :classify or :regress when it has the form
`core.example_apis` checks: one string input `inputs` of serialized tf.Examples, and
`classes`/`scores` or `outputs`.

Example:
    python -c "from serving.core import Servable; from serving.openapi.signature_schemas \
import predict_request; s = Servable('mnist', 1, 'serving/models/mnist/1'); \
print(predict_request(s.signatures['serving_default']))"
"""

import tensorflow as tf

from common import contract
from serving.openapi.tensor_schemas import named_values, value_schema

CLASSIFY, REGRESS = "classify", "regress"


def _tensors(specs):
    return {alias: spec for alias, spec in specs.items() if spec is not None}


def _one_or_named(specs, rows, response):
    # Several tensors travel as an object of named values; a lone input may also be bare,
    # and a lone output is always answered bare.
    tensors = _tensors(specs)
    if len(tensors) != 1:
        return named_values(tensors, rows, response)
    ((alias, spec),) = tensors.items()
    bare = value_schema(spec, alias, rows, response)
    if response:
        return bare
    return {"anyOf": [bare, named_values(tensors, rows)]}


def predict_request(signature):
    """The body of a :predict request that runs this signature.

    Args:
        signature: a core.Signature.

    Returns:
        A JSON Schema dict titled with the signature's name.
    """
    rows = _one_or_named(signature.inputs, rows=True, response=False)
    schema = {
        "title": signature.name,
        "type": "object",
        "properties": {
            "signature_name": {"type": "string", "enum": [signature.name]},
            "instances": {
                "type": "array",
                "minItems": 1,
                "items": rows,
                "description": "Row format: one item per example.",
            },
            "inputs": {
                **_one_or_named(signature.inputs, rows=False, response=False),
                "description": "Columnar format: each input holds the whole batch.",
            },
        },
        "oneOf": [{"required": ["instances"]}, {"required": ["inputs"]}],
    }
    if signature.name != contract.SERVING_DEFAULT:  # only serving_default may go unnamed
        schema["required"] = ["signature_name"]
    return schema


def predict_response(signature):
    """The body answering a :predict request that ran this signature.

    Args:
        signature: a core.Signature.

    Returns:
        A JSON Schema dict: `predictions` (row format) or `outputs` (columnar).
    """
    rows = _one_or_named(signature.outputs, rows=True, response=True)
    return {
        "title": signature.name,
        "type": "object",
        "properties": {
            "predictions": {"type": "array", "items": rows},
            "outputs": _one_or_named(signature.outputs, rows=False, response=True),
        },
        "oneOf": [{"required": ["predictions"]}, {"required": ["outputs"]}],
    }


def serves(signature, api):
    """Whether a signature has the form the :classify or :regress API runs.

    Args:
        signature: a core.Signature.
        api: CLASSIFY or REGRESS.

    Returns:
        bool.
    """
    inputs = _tensors(signature.inputs)
    spec = inputs.get("inputs")
    if len(inputs) != 1 or spec is None or spec.dtype != tf.string:
        return False
    if api == CLASSIFY:
        return bool({"classes", "scores"} & set(signature.outputs))
    return "outputs" in signature.outputs
