"""TF Serving's REST JSON request bodies, read into the inputs a signature takes.

The format (TF Serving's REST API guide and util/json_tensor.h):
- A body is a JSON object with an optional string `"signature_name"`, read from its text
  by `codecs.json_document`.
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
    python -c "from serving.codecs import parse_body, predict_inputs; \
import tensorflow as tf; spec = {'x': tf.TensorSpec(None, tf.int32)}; \
print(predict_inputs(parse_body(b'{\"instances\": [[1, 2]]}'), spec))"
"""

from serving.codecs.json_document import shown
from serving.codecs.json_names import is_b64
from serving.codecs.json_numeric import PlainArray
from serving.codecs.json_value import from_json
from serving.codecs.tf_example import example_from_json, serialize_examples
from serving.errors import ServingError, invalid_argument


def predict_inputs(document, input_specs):
    """Extracts a predict request's inputs, keyed by the signature's input names.

    Args:
        document: the parsed body (see `json_document.parse_body`).
        input_specs: the signature's inputs, key -> tf.TensorSpec.

    Returns:
        `(row_format, inputs)`: whether "instances" was used, and dict key -> value with
        the batch as its first dimension: a numpy array for rows (each instance checked
        against the first, as TF Serving's AddInstanceItem does), a JSON value for columns.

    Raises:
        ServingError: INVALID_ARGUMENT for a body TF Serving would refuse.
    """
    keys = sorted(input_specs)
    if "instances" in document and "inputs" in document:
        raise invalid_argument("Not formatted correctly expecting only one of 'inputs' or "
                               "'instances' keys to exist")  # fmt: skip
    if "instances" in document:
        instances = document["instances"]
        if isinstance(instances, PlainArray) and len(keys) > 1:
            instances = instances.to_json()  # refused below in TF Serving's words
        columns = _rows_to_columns(instances, keys)
        # "key: NAME " in messages when instances are objects of named inputs.
        named = isinstance(instances, list) and isinstance(instances[0], dict)
        named = named and not is_b64(instances[0])
        return True, {
            key: _batch(columns[key], input_specs[key], f"key: {key} " if named else "")
            for key in keys
        }
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


def classify_examples(document, method="classify"):
    """Serialized tf.Examples of a classify or regress body's "examples", after its "context".

    Args:
        document: the parsed body (see `json_document.parse_body`).
        method: "classify" or "regress", as the error messages name it.

    Returns:
        A list of bytes, one serialized example per example.

    Raises:
        ServingError: INVALID_ARGUMENT for missing or malformed examples.
    """
    context = None
    if "context" in document:  # read first, as TF Serving does
        context = example_from_json(document["context"], -1)
    examples = document.get("examples")
    if examples is None:
        raise invalid_argument(
            f"When method is {method}, key 'examples' is expected and was not found"
        )
    if not isinstance(examples, list):
        raise invalid_argument("Expecting 'examples' value to be an list/array")
    if not examples:
        raise invalid_argument("'examples' value is an empty array")
    parsed = [example_from_json(example, index) for index, example in enumerate(examples)]
    return serialize_examples(parsed, context)


def _rows_to_columns(instances, keys):
    if isinstance(instances, PlainArray):  # one input's rows, already one array
        return {keys[0]: instances}
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
                f"{shown(item)} keys must be equal to: {','.join(keys)}"
            )
        for key in keys:
            columns[key].append(item[key])
    return columns


def _batch(items, spec, named):
    # The instances' values of one input as one array. Fast when they are alike; else each
    # is read alone to name the first that is wrong, in TF Serving's words.
    dtype, shape = spec.dtype, spec.shape
    item_shape = shape[1:] if shape.rank else None  # an instance: the batch less its first dim
    try:
        return from_json(items, dtype, "", shape)
    except ServingError:
        pass
    if isinstance(items, PlainArray):
        items = items.to_json()
    first = None
    for index, item in enumerate(items):
        try:
            array = from_json(item, dtype, "", item_shape)
            if first is None:
                first = array
            elif array.size != first.size:
                raise invalid_argument(f"Expecting tensor size: {first.size} but got: {array.size}")
            elif array.shape != first.shape:
                raise invalid_argument(f"Expecting shape {_shape(first)} but got: {_shape(array)}")
        except ServingError as error:
            raise ServingError(
                error.code,
                f"Failed to process element: {index} {named}of 'instances' list. "
                f"Error: {error.code.name}: {error.message}",
            ) from None
    return from_json(items, dtype, "", shape)  # refuses as before if no single item did


def _shape(array):
    return "[" + ",".join(str(size) for size in array.shape) + "]"
