"""TF Serving's REST JSON response bodies, written from a signature's outputs.

The format (TF Serving's REST API guide and util/json_tensor.cc):
- Predict answers mirror the request's format: `{"predictions": ...}` for row format
  (one item per example: a value if the signature has one output, else an object of
  named outputs) and `{"outputs": ...}` for columnar format (a value, or an object of
  named outputs holding the whole batch).
- An output whose key ends in `_bytes` is written as `{"b64": ...}` objects; other
  strings as text.
- Floats are written with the fewest digits that give back the same float32, as TF
  Serving does; separators are ", " and ": ".
- Classify answers `{"results": [[[label, score], ...], ...]}`, one list per example;
  Regress answers `{"results": [value, ...]}`.

Example:
    python -c "from serving.codecs.json_response import predict_response; import numpy as np; \
print(predict_response({'y': np.array([[0.5, 0.25]], np.float32)}, True))"
"""

import base64
import json

import numpy as np

from serving.errors import invalid_argument


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


def regress_response(result):
    """The JSON body answering a regress request.

    Args:
        result: a tensorflow.serving.RegressionResult.

    Returns:
        The JSON text: {"results": [value, ...]}, one value per example.
    """
    return json.dumps({"results": [float(str(np.float32(r.value))) for r in result.regressions]})


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
