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

from tensorflow.core.example import example_pb2, feature_pb2

from serving.codecs.json_names import b64_bytes, is_b64, json_type_name
from serving.errors import invalid_argument

_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1


def example_from_json(value, index):
    """Builds a tf.Example from one JSON object of a classify request.

    Args:
        value: the parsed JSON object, feature name -> value or list of values.
        index: the example's position (-1 for the context); TF Serving's messages name
            the feature, not the example.

    Returns:
        A tf.train.Example.

    Raises:
        ServingError: INVALID_ARGUMENT naming the example and feature at fault.
    """
    if not isinstance(value, dict):
        raise invalid_argument(f"Example must be JSON object but got JSON {json_type_name(value)}")
    example = example_pb2.Example()
    for name, content in value.items():
        feature = feature_pb2.Feature()
        for item in content if isinstance(content, list) else [content]:
            _add_value(feature, item, name)
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


def _add_value(feature, item, name):
    # TF Serving's AddValueToFeature: the JSON type picks the list, and one feature's values
    # must all go to one list. rapidjson reads an integer beyond int64 as uint64 (refused)
    # or, beyond that, as a double.
    if isinstance(item, bool):
        kind, value = "int64_list", int(item)
    elif isinstance(item, int) and _INT64[0] <= item <= _INT64[1]:
        kind, value = "int64_list", item
    elif isinstance(item, int) and 0 < item <= _UINT64_MAX:
        raise invalid_argument(f"Feature: {name} has uint64_t element. Only int64_t is supported.")
    elif isinstance(item, int | float):
        kind, value = "float_list", float(item)  # stored as float32: may become +-inf
    elif isinstance(item, str):
        kind, value = "bytes_list", item.encode("utf-8")
    elif is_b64(item):
        try:
            value = b64_bytes(item["b64"])
        except binascii.Error:
            raise invalid_argument("Unable to base64 decode") from None
        kind = "bytes_list"
    else:
        raise invalid_argument(
            f"Feature: {name} has element with unexpected JSON type: {json_type_name(item)}"
        )
    current = feature.WhichOneof("kind")
    if current not in (None, kind):
        expected = current.split("_")[0]
        raise invalid_argument(
            f"Unexpected element type in feature: {name} expecting type: {expected}"
        )
    getattr(feature, kind).value.append(value)
