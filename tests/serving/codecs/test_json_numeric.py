"""The simdjson shortcut for numeric predict bodies: taken where it can, same answers always.

Every body is read twice, with the shortcut and with the general path alone, and the
inputs (or the refusal) must be the same, for every dtype a signature may take.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_numeric.py
"""

import random
import types

import numpy as np
import pytest
import tensorflow as tf

from serving.codecs import json_document, json_numeric, json_request
from serving.codecs.json_numeric import PlainArray, parse_plain
from serving.core.inputs import prepare_inputs
from serving.errors import ServingError

DTYPES = [tf.uint8, tf.int8, tf.int32, tf.int64, tf.float32, tf.float64, tf.bool, tf.string]
ARRAYS = [
    "[[1, 2], [3, 4]]",
    "[[0, 255, 7]]",
    "[[1, 2], [3], [4, 5, 6]]",  # ragged, six numbers like a [3, 2]
    "[[1, 2], 3]",
    "[[[1], [2]], [[3], [4, 5]]]",
    "[1.5, -2, 3e2, -0.0]",
    "[-1, 256, 70000]",
    "[9223372036854775807, -9223372036854775808]",
    "[18446744073709551615]",
    "[1e400]",
    "[NaN, 1]",
    "[true, 1]",
    "[1, true]",
    '["a", 1]',
    "[[], []]",
    "[]",
    "[[1, 2], [3, 4]]" + " " * 3,
]


def bodies():
    for array in ARRAYS:
        yield f'{{"inputs": {array}}}'
        yield f'{{"signature_name": "s", "instances": {array}}}'
        yield f'{{"inputs": {{"x": {array}}}}}'
    yield '{"inputs": [1, 2], "inputs": [[3]]}'  # json.loads keeps the last
    yield '{"inputs": {"x": [1], "x": [2, 3]}}'
    yield '{"inputs": [1], "extra": 1}'
    yield '{"inputs": [1], "instances": [2]}'
    yield '{"signature_name": 7, "inputs": [1]}'
    yield '{"inputs": {}}'
    yield '{"instances": [{"x": [1]}]}'
    yield '{"signature_name": "[,", "inputs": {"x": [[1], [2]], "y": [3]}}'
    yield '{"inputs": {"x": [[1, 2], [3, 4]], "y": [[5], [6, 7]]}}'


def read(body, dtype):
    """The prepared inputs of a body for a one-input signature, or the refusal."""
    spec = {"x": tf.TensorSpec(None, dtype)}
    try:
        _, inputs = json_request.predict_inputs(json_document.parse_body(body.encode()), spec)
        arrays = prepare_inputs(types.SimpleNamespace(name="s", inputs=spec), inputs)
        # Bytes compare NaN equal to NaN; strings are compared as values.
        return {
            key: (
                value.dtype,
                value.shape,
                value.tolist() if value.dtype == object else value.tobytes(),
            )
            for key, value in arrays.items()
        }
    except ServingError as error:
        return (error.code, error.message)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.name)
def test_parse_plain_answers_what_the_general_path_answers(dtype, monkeypatch):
    taken = [body for body in bodies() if parse_plain(body.encode()) is not None]
    # 6 arrays in 3 forms, and two named inputs: both paths are compared on these.
    assert len(taken) == 19
    shortcut = [read(body, dtype) for body in bodies()]
    monkeypatch.setattr(json_document, "parse_plain", lambda body: None)
    general = [read(body, dtype) for body in bodies()]
    for body, fast, slow in zip(bodies(), shortcut, general, strict=True):
        assert fast == slow, body


def random_body(rng):
    """A predict body of random numbers and shapes, sometimes ragged, odd or broken."""
    odd = ["1e400", "-0", "-0.0", "1E5", "9223372036854775808", "NaN", "true", "null", '"a"']

    def number():
        return rng.choice(odd) if rng.random() < 0.05 else str(rng.randint(-5, 300))

    def array(shape):
        if len(shape) == 1:
            return "[" + ",".join(number() for _ in range(shape[0])) + "]"
        rows = [
            array(shape[1:] if rng.random() > 0.05 else shape[2:] or [2]) for _ in range(shape[0])
        ]
        return "[" + ", ".join(rows) + "]"

    value = array([rng.randint(1, 3) for _ in range(rng.randint(1, 3))])
    name = rng.choice(['"s"', '"a[,]b"', '"x\\"y"', "3"])
    body = rng.choice(
        [f'{{"inputs": {value}}}', f'{{"signature_name": {name}, "instances": {value}}}',
         f'{{"inputs": {{"x": {value}}}}}', f'{{"inputs": {value}, "inputs": [1]}}']
    )  # fmt: skip
    if rng.random() < 0.1:  # one character changed
        index = rng.randrange(len(body))
        body = body[:index] + rng.choice("[],0 ") + body[index + 1 :]
    return body


@pytest.mark.parametrize("dtype", DTYPES[:6], ids=lambda dtype: dtype.name)
def test_parse_plain_answers_what_the_general_path_answers_on_random_bodies(dtype, monkeypatch):
    rng = random.Random(0)
    bodies = [random_body(rng) for _ in range(300)]
    assert sum(parse_plain(body.encode()) is not None for body in bodies) > 100
    shortcut = [read(body, dtype) for body in bodies]
    monkeypatch.setattr(json_document, "parse_plain", lambda body: None)
    for body, fast in zip(bodies, shortcut, strict=True):
        assert fast == read(body, dtype), body


def test_parse_plain_reads_rectangular_numbers_into_numpy():
    document = parse_plain(b'{"signature_name": "s", "inputs": {"a": [[1, 2]], "b": [0.5]}}')
    assert document["signature_name"] == "s"
    a, b = document["inputs"]["a"], document["inputs"]["b"]
    assert a.values.dtype == np.int64 and a.values.tolist() == [[1, 2]]
    assert b.values.dtype == np.float64 and b.values.tolist() == [0.5]
    assert a.as_input("uint8").dtype == np.uint8
    assert a.to_json() == [[1, 2]]


@pytest.mark.parametrize(
    "body",
    [
        b'{"inputs": [[1, 2], [3], [4, 5, 6]]}',
        b'{"inputs": [1, 2], "inputs": [3]}',
        b'{"inputs": [NaN]}',
        b'{"inputs": [true]}',
        b'{"inputs": ["a"]}',
        b'{"inputs": [[]]}',
        b'{"inputs": [1], "other": 2}',
        b'{"examples": [{"x": [1]}]}',
        b'{"inputs": [1]} trailing',
        b"[1, 2]",
        b"[" * 300 + b"1" + b"]" * 300,
        b'{"signature_name": "a\\"b", "inputs": [1]}',
        b'{"signature_name": "[,]", "inputs": [[1, 2], [3], [4, 5, 6]]}',
    ],
)
def test_parse_plain_leaves_other_bodies_to_the_general_path(body):
    assert parse_plain(body) is None


def test_plain_array_of_doubles_is_no_integer_input():
    array = PlainArray(np.array([1.5]), None)
    assert array.as_input("int") is None and array.as_input("uint8") is None
    assert array.as_input("float").tolist() == [1.5]


def test_skeleton_is_the_brackets_and_commas_of_the_shape():
    assert json_numeric._skeleton((2, 3)) == b"[[,,],[,,]]"
    assert json_numeric._skeleton((1,)) == b"[]"
