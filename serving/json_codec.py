"""TF Serving's REST JSON: request bodies in, response bodies out.

Predict bodies carry either row-format `"instances"` (a list, one item per example, each a
value or an object of named inputs) or columnar `"inputs"` (one value, or an object of
named inputs), and an optional `"signature_name"`. Answers mirror the request format:
`{"predictions": ...}` for rows and `{"outputs": ...}` for columns; an output whose key ends
in `_bytes` is written as `{"b64": ...}`. Classify bodies carry `"examples"` (and optional
`"context"`) and are answered with `{"results": [[[label, score], ...], ...]}`. Floats are
written with the fewest digits that give back the same float32, as TF Serving does.

Example:
    curl -d '{"instances": [[[0, 0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import base64
import json

import numpy as np

from serving.errors import invalid_argument
from serving.examples import example_from_json, serialize_examples

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
    if not isinstance(value, dict) or _is_b64(value):
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


def predict_response(outputs, row_format):
    """The JSON body answering a predict request.

    Args:
        outputs: dict output key -> numpy array [batch, ...].
        row_format: True answers {"predictions": ...}, False {"outputs": ...}.

    Returns:
        The JSON text, as `json.dumps` writes the nested lists (", " and ": " separators).

    Raises:
        ServingError: INVALID_ARGUMENT if row format is asked of outputs without one batch size.
    """
    texts = {key: _element_texts(array, key) for key, array in outputs.items()}
    if row_format:
        batch_sizes = {array.shape[0] if array.ndim else None for array in outputs.values()}
        if None in batch_sizes or len(batch_sizes) != 1:
            shapes = {key: list(array.shape) for key, array in outputs.items()}
            raise invalid_argument(f"Outputs {shapes} do not share a batch size; use 'inputs'")
        if len(texts) == 1:
            return f'{{"predictions": {_nested(next(iter(texts.values())))}}}'
        rows = {json.dumps(key): _row_texts(text) for key, text in texts.items()}
        items = [
            "{" + ", ".join(f"{key}: {values[row]}" for key, values in rows.items()) + "}"
            for row in range(batch_sizes.pop())
        ]
        return f'{{"predictions": [{", ".join(items)}]}}'
    if len(texts) == 1:
        return f'{{"outputs": {_nested(next(iter(texts.values())))}}}'
    members = ", ".join(f"{json.dumps(key)}: {_nested(text)}" for key, text in texts.items())
    return f'{{"outputs": {{{members}}}}}'


def classify_response(result):
    """The JSON body answering a classify request.

    Args:
        result: a tensorflow.serving.ClassificationResult.

    Returns:
        The JSON text: {"results": [[[label, score], ...], ...]}.
    """
    rows = [
        [[item.label, float(str(np.float32(item.score)))]
         for item in classifications.classes]
        for classifications in result.classifications
    ]  # fmt: skip
    return json.dumps({"results": rows})


def _rows_to_columns(instances, keys):
    if not isinstance(instances, list):
        raise invalid_argument("Expecting 'instances' to be an list/array")
    if not instances:
        raise invalid_argument("No values in 'instances' array")
    named = isinstance(instances[0], dict) and not _is_b64(instances[0])
    if not named:
        if len(keys) > 1:
            raise invalid_argument("instances is a plain list, but expecting list of objects "
                                   f"as multiple input tensors required: {keys}")  # fmt: skip
        for index, item in enumerate(instances):
            if isinstance(item, dict) and not _is_b64(item):
                raise invalid_argument(f"Expecting value/list but got object at item {index} "
                                       "of input list")  # fmt: skip
        return {keys[0]: instances}
    columns = {key: [] for key in keys}
    for index, item in enumerate(instances):
        if not isinstance(item, dict) or _is_b64(item):
            raise invalid_argument(f"Expecting object but got list at item {index} of input list")
        if sorted(item) != keys:
            raise invalid_argument(
                f"Failed to process element: {index} of 'instances' list. JSON object: "
                f"{_shown(item)} keys must be equal to: {','.join(keys)}"
            )
        for key in keys:
            columns[key].append(item[key])
    return columns


def _is_b64(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _shown(value):
    text = json.dumps(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."


def _element_texts(array, key):
    # Each element's JSON text, in an array of the output's shape.
    if array.dtype.kind == "f":
        return _float_texts(array)
    if array.dtype.kind in "iu":
        return array.astype(str)
    if array.dtype == object and key.endswith("_bytes"):
        values = [{"b64": base64.b64encode(value).decode("ascii")} for value in array.ravel()]
    elif array.dtype == object:
        values = [value.decode("utf-8", "replace") for value in array.ravel()]
    else:
        values = array.ravel().tolist()
    return np.array([json.dumps(value) for value in values], dtype=object).reshape(array.shape)


def _float_texts(array):
    # The fewest digits that give back the same float: numpy's str(), as json.dumps would
    # write float(str(value)). Inside [1e-4, 1e6) numpy writes float32 and float64 exactly
    # as Python's repr does; other values (and other widths) go through json.dumps.
    texts = array.astype(str)
    outside = np.ones(array.shape, bool)
    if array.dtype in (np.float32, np.float64):
        magnitude = np.abs(array)
        outside = ~((magnitude >= 1e-4) & (magnitude < 1e6))
    if outside.any():
        texts = texts.astype(object)
        texts[outside] = [json.dumps(float(text)) for text in texts[outside]]
    return texts


def _row_texts(texts):
    # The JSON text of each row (first-dimension item) of an array of element texts.
    return texts.tolist() if texts.ndim == 1 else [_nested(row) for row in texts]


def _nested(texts):
    # JSON text of an array of element texts, as json.dumps writes the nested lists.
    if texts.ndim == 0:
        return texts.item()
    if texts.ndim == 1:
        return f"[{', '.join(texts.tolist())}]"
    return f"[{', '.join(_nested(row) for row in texts)}]"
