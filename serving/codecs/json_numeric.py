"""The common predict body read straight into numpy by simdjson, without Python lists.

Most predict requests are one shape: `{"signature_name": "...", "inputs": ARRAY}` (or
`"inputs": {"name": ARRAY, ...}`, or `"instances": ARRAY`) where each ARRAY is a
rectangular nested list of plain JSON numbers. `parse_plain` reads such a body with
simdjson and hands every ARRAY over as a `PlainArray`: its numbers copied by simdjson's C
code into one int64 (all integers) or float64 buffer, much faster than building the
lists (docs/benchmarks.md). It is a shortcut, never a second set of rules: any body it is
not sure of (another key, a repeated key, NaN, an integer past int64, a string, a bool, a
ragged or empty list, anything simdjson refuses) gets None, and the general path
(`json_request`) reads it, refusals included. A PlainArray that an input's dtype cannot
take as it is goes back to the general path as the JSON value it was (`to_json`).

Example:
    python -c "from serving.codecs.json_numeric import parse_plain; \
print(parse_plain(b'{\"inputs\": [[1, 2], [3, 4]]}')['inputs'].values)"
"""

import functools

import numpy as np
import orjson
import simdjson

from serving.codecs.ranks import ARRAY_MAX_RANK

_KEYS = {"signature_name", "inputs", "instances"}
_STRUCTURE = bytes(range(256)).translate(None, b"[],")  # every byte but brackets and commas


class PlainArray:
    """A rectangular JSON array of numbers, read into numpy.

    Attributes:
        values: int64 (every number an integer) or float64 array of the array's shape.
    """

    def __init__(self, values, element):
        self.values = values
        self._element = element  # the simdjson.Array it was read from, for `to_json`

    def to_json(self):
        """The array as the nested lists json.loads would have returned."""
        return orjson.loads(self._element.mini)

    def as_input(self, dtype_kind):
        """The numbers as the general path would read them for an input, or None.

        Args:
            dtype_kind: "uint8", "int" (another integer dtype) or "float" (float, double).

        Returns:
            uint8 for a uint8 input of integers 0-255, int64 integers for an integer input,
            the numbers as they are for a float input; None where the general path must
            decide (and word the refusal).
        """
        ints = self.values.dtype == np.int64
        if dtype_kind == "uint8" and ints and self.values.min() >= 0 and self.values.max() < 256:
            return self.values.astype(np.uint8)
        if dtype_kind in ("uint8", "int") and ints or dtype_kind == "float":
            return self.values
        return None


def parse_plain(body):
    """Reads a predict body whose inputs are plain numeric arrays.

    Args:
        body: the request bytes.

    Returns:
        The document as a dict, with PlainArray in place of each input array; or None
        when the body is anything else (the general path reads it).
    """
    # Escapes: rare here, and the shape check below skips strings. b64 and examples: bodies
    # this shortcut never takes, left to the general path without a parse here first.
    if b"\\" in body or b'"b64"' in body or b'"examples"' in body:
        return None
    try:
        document = simdjson.Parser().parse(body)
    except (ValueError, RuntimeError, TypeError):  # simdjson's refusals, e.g. NaN, depth
        return None
    if not isinstance(document, simdjson.Object):
        return None
    keys = list(document.keys())
    # simdjson answers the first of repeated keys, json.loads the last: leave those to it.
    if len(set(keys)) != len(keys) or not set(keys) <= _KEYS:
        return None
    if ("inputs" in keys) == ("instances" in keys):
        return None
    plain, skeletons = {}, []  # the document, and each member's brackets and commas
    for key in keys:
        value = document[key]
        if key == "signature_name":
            if not isinstance(value, str):
                return None
            plain[key], skeleton = value, b""
        elif key == "inputs" and isinstance(value, simdjson.Object):
            names = list(value.keys())
            if not names or len(set(names)) != len(names):
                return None
            arrays = {name: _plain_array(value[name]) for name in names}
            if None in arrays.values():
                return None
            plain[key] = {name: array for name, (array, _) in arrays.items()}
            skeleton = b",".join(shape_skeleton for _, shape_skeleton in arrays.values())
        else:
            array = _plain_array(value)
            if array is None:
                return None
            plain[key], skeleton = array
        skeletons.append(skeleton)
    # simdjson flattens any nesting into one buffer: the brackets and commas outside
    # strings, those of rectangular arrays of the shapes read, prove the shapes exact.
    if b"".join(body.split(b'"')[::2]).translate(None, _STRUCTURE) != b",".join(skeletons):
        return None
    return plain


def _plain_array(value):
    # (PlainArray, its skeleton), or None if `value` is not a non-empty array of numbers.
    if not isinstance(value, simdjson.Array):
        return None
    shape, probe = [], value
    while isinstance(probe, simdjson.Array) and len(probe) and len(shape) < ARRAY_MAX_RANK:
        shape.append(len(probe))
        probe = probe[0]
    if isinstance(probe, simdjson.Array):  # an empty list, or deeper than numpy holds
        return None
    try:
        flat = np.frombuffer(value.as_buffer(of_type="i"), np.int64)
    except TypeError:  # a non-integer number: all as doubles (bools, strings still refuse)
        try:
            flat = np.frombuffer(value.as_buffer(of_type="d"), np.float64)
        except (TypeError, ValueError):
            return None
    except ValueError:  # an integer past int64
        return None
    if flat.size != np.prod(shape):
        return None
    return PlainArray(flat.reshape(shape), value), _skeleton(tuple(shape))


@functools.lru_cache(maxsize=64)
def _skeleton(shape):
    # The brackets and commas of a rectangular array of `shape`: (2, 3) -> b"[[,,],[,,]]".
    if len(shape) == 1:
        return b"[" + b"," * (shape[0] - 1) + b"]"
    inner = _skeleton(shape[1:])
    return b"[" + b",".join([inner] * shape[0]) + b"]"
