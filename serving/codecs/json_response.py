"""TF Serving's REST JSON response bodies, written from a signature's outputs.

The format (TF Serving's REST API guide and util/json_tensor.cc):
- Predict answers mirror the request's format: `{"predictions": ...}` for row format
  (one item per example: a value if the signature has one output, else an object of
  named outputs) and `{"outputs": ...}` for columnar format (a value, or an object of
  named outputs holding the whole batch).
- An output whose key ends in `_bytes` is written as `{"b64": ...}` objects; other
  strings as text.
- Floats are written as TF Serving's WriteDecimal writes them: "%g" when it reads back
  exactly, else 9 (float) or 17 (double) significant digits, "NaN" and "Infinity" for
  non-finite values; separators are ", " and ": ".
- Classify answers `{"results": [[[label, score], ...], ...]}`, one list per example;
  Regress answers `{"results": [value, ...]}`.

Example:
    python -c "from serving.codecs.json_response import predict_response; import numpy as np; \
print(predict_response({'y': np.array([[0.5, 0.25]], np.float32)}, True))"
"""

import base64
import json

import numpy as np
import tensorflow as tf

from serving.codecs.json_names import type_name
from serving.errors import invalid_argument

_NON_FINITE = {"nan": "NaN", "-nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


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
        batch_sizes = set()
        for key, array in outputs.items():
            if not array.ndim:
                raise invalid_argument(f"Tensor name: {key} has no shape information ")
            if batch_sizes and array.shape[0] not in batch_sizes:
                raise invalid_argument(
                    f"Tensor name: {key} has inconsistent batch size: {array.shape[0]} "
                    f"expecting: {next(iter(batch_sizes))}"
                )
            batch_sizes.add(array.shape[0])
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
    if array.dtype.kind == "c":
        raise invalid_argument(
            f"Failed to write JSON value for tensor type: {type_name(tf.as_dtype(array.dtype))}"
        )
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
    # TF Serving's WriteDecimal: printf "%g" (six significant digits) if that reads back as
    # the same value, else max_digits10 digits (9 for float, 17 for double); ".0" added to a
    # whole number not in exponent form; NaN, Infinity and -Infinity as JSON5 writes them.
    # One printf-style format over the whole array, not a call per value: per-value calls
    # dominate the cost of a large response.
    kind = np.float64 if array.dtype == np.float64 else np.float32
    exact = array.astype(kind).ravel()
    values = exact.astype(np.float64)
    texts = _format_all("%g", values)
    back = np.array(texts, dtype=np.float64).astype(kind)
    redo = np.flatnonzero((back != exact) & np.isfinite(exact))
    precise = _format_all("%.17g" if kind is np.float64 else "%.9g", values[redo])
    for index, text in zip(redo.tolist(), precise, strict=True):
        texts[index] = text
    for index in np.flatnonzero(~np.isfinite(values) | (values == np.floor(values))).tolist():
        texts[index] = _decimal(texts[index])
    return np.array(texts, dtype=object).reshape(array.shape)


def _format_all(spec, values):
    # printf `spec` of each of a float64 array's values, as a list of str.
    if not values.size:
        return []
    return ((spec + ",") * values.size % tuple(values.tolist()))[:-1].split(",")


def _decimal(text):
    # One "%g" text as TF Serving writes it.
    if text[-1] in "0123456789" and "." not in text and "e" not in text:
        return text + ".0"
    return _NON_FINITE.get(text, text)


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
