"""The OpenAPI document: valid OpenAPI 3.1, schemas from the export's SignatureDefs, rebuilt
when the served versions change; real bodies checked against it with jsonschema.

Example:
    .venv/bin/pytest tests/serving/openapi/test_document.py
"""

import types

import jsonschema
import pytest
import tensorflow as tf
from openapi_spec_validator import validate

from common import contract
from serving.core import Signature
from serving.openapi import OpenApiDocument, build_document

GRID = {
    "type": "array",
    "items": {"type": "array", "items": {"type": "number"}, "minItems": 28, "maxItems": 28},
    "minItems": 28,
    "maxItems": 28,
}


def schema_validator(document, component):
    """A jsonschema validator for one component, its references resolved in the document."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def fake_servable(**signatures):
    """An object with `signatures`, as the document reads a Servable."""
    return types.SimpleNamespace(signatures=signatures)


def signature(name, inputs, outputs):
    """A predict Signature from alias -> TensorSpec maps."""
    method = contract.PREDICT_METHOD
    return Signature(name, method, inputs, outputs, dict.fromkeys(inputs), dict.fromkeys(outputs))


@pytest.fixture(scope="module")
def document(servable):
    return build_document({contract.MODEL_NAME: {1: servable}})


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_document_has_tf_serving_and_v2_paths(document):
    paths = set(document["paths"])
    for path in (
        "/v1/models/mnist",
        "/v1/models/mnist/metadata",
        "/v1/models/mnist:predict",
        "/v1/models/mnist/versions/1:predict",
        "/v1/models/mnist/labels/{label}:predict",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2",
        "/v2/models/{model_name}/infer",
        "/v2/models/{model_name}/versions/{model_version}/ready",
    ):
        assert path in paths, path
    model = document["paths"]["/v2/models/{model_name}"]["get"]
    assert model["operationId"] == "v2_metadata"
    assert document["paths"]["/v2/models/{model_name}"]["parameters"][0]["schema"]["enum"] == [
        "mnist"
    ]


def test_document_images_input_is_28_by_28_numbers(document, servable):
    schemas = document["components"]["schemas"]
    float_grids = [
        key
        for key, sig in servable.signatures.items()
        if sig.inputs.get(contract.IMAGES) is not None
        and sig.inputs[contract.IMAGES].dtype == tf.float32
        and sig.inputs[contract.IMAGES].shape.rank == 3
        and sig.inputs[contract.IMAGES].shape.as_list()[1:] == [28, 28]
    ]
    assert contract.SERVING_DEFAULT in float_grids
    for key in float_grids:
        request = schemas[f"mnist.1.{key}.PredictRequest"]
        assert request["properties"]["signature_name"]["enum"] == [key]
        assert request["properties"]["instances"]["items"]["anyOf"][0] == GRID
        assert request["properties"]["inputs"]["anyOf"][0]["items"] == GRID
    predict = schemas["mnist.1.PredictRequest"]["oneOf"]
    assert len(predict) == len([key for key in servable.signatures if not key.startswith("__")])


def test_document_request_bodies_validate_as_the_server_reads_them(document):
    check = schema_validator(document, "mnist.1.PredictRequest")
    image = [[0.5] * 28] * 28
    assert check.is_valid({"instances": [image, image]})
    assert check.is_valid({"signature_name": "serving_default", "inputs": {"images": [image]}})
    assert not check.is_valid({"instances": [image], "inputs": [image]})  # only one format
    assert not check.is_valid({"instances": [[[0.5] * 27] * 28]})  # 27 columns
    assert not check.is_valid({"instances": [[["dark"] * 28] * 28]})
    assert not check.is_valid({"signature_name": "no_such_signature", "instances": [image]})


def test_document_b64_for_bytes_inputs_and_one_output_answered_bare():
    grid = tf.TensorSpec([None, 2], tf.float32)
    servable = fake_servable(
        serving_default=signature("serving_default", {"x": grid}, {"y": grid}),
        read_bytes=signature(
            "read_bytes",
            {"image_bytes": tf.TensorSpec([None], tf.string)},
            {"y": grid, "classes": tf.TensorSpec([None], tf.int64)},
        ),
    )
    document = build_document({"m": {3: servable}})
    validate(document)
    check = schema_validator(document, "m.3.read_bytes.PredictRequest")
    assert check.is_valid({"signature_name": "read_bytes", "instances": [{"b64": "iVBO"}]})
    assert not check.is_valid({"signature_name": "read_bytes", "instances": [{"bytes": "x"}]})
    assert not check.is_valid({"instances": [{"b64": "iVBO"}]})  # names its signature
    answer = schema_validator(document, "m.3.PredictResponse")
    assert answer.is_valid({"predictions": [[0.25, "NaN"]]})
    assert answer.is_valid({"outputs": {"y": [[1.0, 2.0]], "classes": [3]}})
    assert not answer.is_valid({"predictions": [[0.25, 0.5, 0.75]]})


class Manager:
    """A ModelManager stand-in whose served versions a test sets."""

    def __init__(self, models):
        self.models = models

    def available_versions(self):
        return self.models


def test_openapi_document_is_rebuilt_when_a_version_with_new_signatures_arrives():
    grid = tf.TensorSpec([None, 2], tf.float32)
    first = fake_servable(serving_default=signature("serving_default", {"x": grid}, {"y": grid}))
    manager = Manager({"m": {1: first}})
    document = OpenApiDocument(manager)
    text = document.text()
    assert document.text() is text  # nothing changed: the cached text
    second = fake_servable(
        serving_default=signature("serving_default", {"x": grid}, {"y": grid}),
        detailed=signature("detailed", {"x": grid}, {"y": grid, "z": grid}),
    )
    manager.models = {"m": {1: first, 2: second}}
    changed = document.text()
    assert changed != text
    assert "/v1/models/m/versions/2:predict" in changed and '"detailed"' in changed
    assert "/v1/models/m/versions/2:predict" not in text
    manager.models = {"m": {2: second}}
    assert "/v1/models/m/versions/1:predict" not in document.text()
