"""tf.Example inputs of the Classify API, from REST JSON or from a gRPC `Input` proto.

REST's `"examples"` (and optional `"context"`) are JSON objects whose features follow TF
Serving's json_tensor rules: a number written with a decimal point or exponent is a float,
an integer (or a bool) is an int64, a string or `{"b64": ...}` is bytes, and one feature's
values must all be of one kind. Either way the result is what a classify signature takes:
one serialized tf.Example per example, each prefixed with the serialized context, so the
context's features reach every example (an example's own feature wins over the context's).

Example:
    python -c "from serving.codecs.tf_example import example_from_json; \
print(example_from_json({'image': [0.0, 0.5]}, 0))"
"""

import binascii
import math

import numpy as np
from tensorflow.core.example import example_pb2, feature_pb2

from serving.codecs.json_value import b64_bytes, is_b64, json_type_name
from serving.errors import invalid_argument

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_INT64 = (-(2**63), 2**63 - 1)


def example_from_json(value, index):
    """Builds a tf.Example from one JSON object of a classify request.

    Args:
        value: the parsed JSON object, feature name -> value or list of values.
        index: the example's position, for error messages (-1 for the context).

    Returns:
        A tf.train.Example.

    Raises:
        ServingError: INVALID_ARGUMENT naming the example and feature at fault.
    """
    where = "context" if index < 0 else f"example {index}"
    if not isinstance(value, dict):
        raise invalid_argument(
            f"{where}: Example must be JSON object but got JSON {json_type_name(value)}"
        )
    example = example_pb2.Example()
    for name, content in value.items():
        feature = feature_pb2.Feature()
        for item in content if isinstance(content, list) else [content]:
            _add_value(feature, item, f"{where}: Feature: {name}")
        example.features.feature[name].CopyFrom(feature)
    return example


def serialize_examples(examples, context=None):
    """Serializes examples for a classify signature, each after the context if there is one.

    Args:
        examples: tf.train.Example messages.
        context: a tf.train.Example shared by all of them, or None.

    Returns:
        A list of bytes, one serialized example per input example.

    Raises:
        ServingError: INVALID_ARGUMENT if there are no examples.
    """
    if not examples:
        raise invalid_argument("Input is empty")
    # Parsing concatenated messages merges them, later map entries winning: the example's.
    prefix = context.SerializeToString() if context is not None else b""
    return [prefix + example.SerializeToString() for example in examples]


def serialize_input(request_input):
    """Serializes the examples of a gRPC ClassificationRequest's `input`.

    Args:
        request_input: a tensorflow.serving.Input message.

    Returns:
        A list of bytes, one serialized example per example.

    Raises:
        ServingError: INVALID_ARGUMENT if the input holds no examples.
    """
    kind = request_input.WhichOneof("kind")
    if kind == "example_list":
        return serialize_examples(request_input.example_list.examples)
    if kind == "example_list_with_context":
        with_context = request_input.example_list_with_context
        return serialize_examples(with_context.examples, with_context.context)
    raise invalid_argument("Input is empty")


def _add_value(feature, item, where):
    if isinstance(item, bool):
        kind, value = "int64_list", int(item)
    elif isinstance(item, int):
        if not _INT64[0] <= item <= _INT64[1]:
            raise invalid_argument(f"{where} has an integer outside int64: {item}")
        kind, value = "int64_list", item
    elif isinstance(item, float):
        if not math.isfinite(item) or abs(item) > _FLOAT32_MAX:
            raise invalid_argument(f"{where} has a value that is no finite float32: {item}")
        kind, value = "float_list", item
    elif isinstance(item, str):
        kind, value = "bytes_list", item.encode("utf-8")
    elif is_b64(item):
        try:
            value = b64_bytes(item["b64"])
        except binascii.Error as error:
            raise invalid_argument(f"{where}: Unable to base64 decode ({error})") from error
        kind = "bytes_list"
    else:
        raise invalid_argument(
            f"{where} has element with unexpected JSON type: {json_type_name(item)}"
        )
    current = feature.WhichOneof("kind")
    if current not in (None, kind):
        expected = current.split("_")[0]
        raise invalid_argument(f"Unexpected element type in {where} expecting type: {expected}")
    getattr(feature, kind).value.append(value)
