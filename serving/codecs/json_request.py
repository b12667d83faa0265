"""TF Serving's REST JSON request bodies, read into the inputs a signature takes.

The format (TF Serving's REST API guide and util/json_tensor.h):
- A body is a JSON object with an optional string `"signature_name"`.
- Predict: row format `"instances"` is a list with one item per example, each item a value
  (one input) or an object of named inputs; columnar format `"inputs"` is one value (one
  input) or an object of named inputs, each holding the whole batch. Exactly one of the
  two keys is present.
- A value is a nested list of numbers, of strings, or of `{"b64": ...}` objects (binary
  strings); see `codecs.json_value`.
- Classify: `"examples"` is a list of JSON objects (tf.Examples, see
  `codecs.tf_example`), with an optional `"context"` object shared by all of them.
Responses are written by `codecs.json_response`.

Example:
    python -c "from serving.codecs.json_request import parse_body, predict_inputs; \
print(predict_inputs(parse_body(b'{\"instances\": [[1, 2]]}'), ['x']))"
"""

import json

from serving.codecs.json_value import is_b64
from serving.codecs.tf_example import example_from_json, serialize_examples
from serving.errors import invalid_argument

_SHOWN_CHARS = 200  # how much of an offending JSON value an error message repeats


def parse_body(body):
    """Parses a request body that must be a JSON object.

    Args:
        body: the raw request bytes.

    Returns:
        The object as a dict.

    Raises:
        ServingError: INVALID_ARGUMENT with TF Serving's "JSON Parse error: ..." wording.
    """
    if not body.strip():
        raise invalid_argument("JSON Parse error: The document is empty")
    try:
        document = json.loads(body)
    except UnicodeDecodeError as error:
        raise invalid_argument(
            f"JSON Parse error: Invalid encoding in string. ({error})"
        ) from error
    except json.JSONDecodeError as error:
        raise invalid_argument(f"JSON Parse error: {error.msg} at offset: {error.pos}") from error
    except RecursionError:
        raise invalid_argument("JSON Parse error: The document is nested too deeply") from None
    if not isinstance(document, dict):
        raise invalid_argument(f"JSON Value: {_shown(document)} Is not object")
    signature_name = document.get("signature_name", "")
    if not isinstance(signature_name, str):
        raise invalid_argument(
            f"JSON Value: {_shown(document)} not formatted correctly. "
            f"'signature_name' key must be a string value."
        )
    return document


def predict_inputs(document, input_keys):
    """Extracts a predict request's inputs, keyed by the signature's input names.

    Args:
        document: the parsed body (see `parse_body`).
        input_keys: the signature's input keys.

    Returns:
        `(row_format, inputs)`: whether "instances" was used, and dict key -> JSON value
        with the batch as its first dimension.

    Raises:
        ServingError: INVALID_ARGUMENT for a body TF Serving would refuse.
    """
    keys = sorted(input_keys)
    if "instances" in document and "inputs" in document:
        raise invalid_argument("Not formatted correctly expecting only one of 'inputs' or "
                               "'instances' keys to exist")  # fmt: skip
    if "instances" in document:
        return True, _rows_to_columns(document["instances"], keys)
    if "inputs" not in document:
        raise invalid_argument("Missing 'inputs' or 'instances' key")
    value = document["inputs"]
    if not isinstance(value, dict) or is_b64(value):
        if len(keys) > 1:
            raise invalid_argument("inputs is a plain value/list, but expecting an object as "
                                   f"multiple input tensors required: {keys}")  # fmt: skip
        return False, {keys[0]: value}
    for key in keys:
        if key not in value:
            raise invalid_argument(f"Missing named input: {key} in 'inputs' object.")
    return False, {key: value[key] for key in keys}


def classify_examples(document):
    """Serialized tf.Examples of a classify body's "examples", after its "context".

    Args:
        document: the parsed body (see `parse_body`).

    Returns:
        A list of bytes, one serialized example per example.

    Raises:
        ServingError: INVALID_ARGUMENT for missing or malformed examples.
    """
    examples = document.get("examples")
    if examples is None:
        raise invalid_argument(
            "When method is classify, key 'examples' is expected and was not found"
        )
    if not isinstance(examples, list):
        raise invalid_argument("Expecting 'examples' value to be an list/array")
    if not examples:
        raise invalid_argument("'examples' value is an empty array")
    context = None
    if "context" in document:
        context = example_from_json(document["context"], -1)
    parsed = [example_from_json(example, index) for index, example in enumerate(examples)]
    return serialize_examples(parsed, context)


def _rows_to_columns(instances, keys):
    if not isinstance(instances, list):
        raise invalid_argument("Expecting 'instances' to be an list/array")
    if not instances:
        raise invalid_argument("No values in 'instances' array")
    named = isinstance(instances[0], dict) and not is_b64(instances[0])
    if not named:
        if len(keys) > 1:
            raise invalid_argument("instances is a plain list, but expecting list of objects "
                                   f"as multiple input tensors required: {keys}")  # fmt: skip
        for index, item in enumerate(instances):
            if isinstance(item, dict) and not is_b64(item):
                raise invalid_argument(f"Expecting value/list but got object at item {index} "
                                       "of input list")  # fmt: skip
        return {keys[0]: instances}
    columns = {key: [] for key in keys}
    for index, item in enumerate(instances):
        if not isinstance(item, dict) or is_b64(item):
            raise invalid_argument(f"Expecting object but got list at item {index} of input list")
        if sorted(item) != keys:
            raise invalid_argument(
                f"Failed to process element: {index} of 'instances' list. JSON object: "
                f"{_shown(item)} keys must be equal to: {','.join(keys)}"
            )
        for key in keys:
            columns[key].append(item[key])
    return columns


def _shown(value):
    text = json.dumps(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."
