"""Protocol tensors as numpy arrays and back: element lists, raw bytes, the checks between.

Both transports carry a tensor's elements one of two ways: as a list (REST's JSON `data`,
flat or nested; gRPC's typed `contents`) read by `from_values`, or as raw bytes (the
binary data extension's body bytes; gRPC's `raw_input_contents`) read by `from_raw`:
row-major, little-endian, no padding, BOOL one byte of 0 or 1, a BYTES element a 4-byte
little-endian length then its bytes. Either way the element count must be what the shape
holds and the elements must fit the datatype; anything else is INVALID_ARGUMENT naming
the tensor. `to_raw` and `to_values` write outputs.

Example:
    python -c "from serving.v2.tensors import from_values; \
print(from_values('x', 'UINT8', [2, 2], [[1, 2], [3, 4]]))"
"""

import struct

import numpy as np

from serving.errors import invalid_argument
from serving.v2.datatypes import BYTES, FIXED, numpy_dtype

MAX_RANK = 64  # numpy's limit on an array's dimensions
_LENGTH = struct.Struct("<I")
# The element kinds (numpy dtype.kind) a list may hold for each kind of datatype.
_ACCEPTED_KINDS = {"b": "b", "u": "iu", "i": "iu", "f": "iuf"}


def element_count(name, shape):
    """The number of elements a tensor's shape holds, after checking the shape.

    Args:
        name: the tensor's name, for messages.
        shape: the request's shape, a sequence of non-negative integers.

    Returns:
        int.

    Raises:
        ServingError: INVALID_ARGUMENT for a shape that is not a list of integers >= 0.
    """
    dims = list(shape) if isinstance(shape, list | tuple) else None
    if dims is None or len(dims) > MAX_RANK or not all(_is_dim(d) for d in dims):
        raise invalid_argument(
            f"input '{name}': shape must be a list of at most {MAX_RANK} integers >= 0"
        )
    count = 1
    for dim in dims:
        count *= dim
    return count


def from_values(name, datatype, shape, values):
    """A tensor given as a list of elements, flat or nested in row-major order.

    Args:
        name: the tensor's name, for messages.
        datatype: its protocol datatype.
        shape: its shape.
        values: a list (JSON `data`) or a protobuf repeated field (gRPC `contents`); BYTES
            elements are str (sent as UTF-8) or bytes.

    Returns:
        numpy array of the datatype's dtype and the given shape.

    Raises:
        ServingError: INVALID_ARGUMENT for elements of the wrong kind, out of range, or
            not as many as the shape holds.
    """
    dtype, count = numpy_dtype(datatype), element_count(name, shape)
    if datatype == BYTES:
        flat = _flatten_bytes(name, values)
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
    else:
        try:
            array = np.asarray(values)
        except (ValueError, TypeError):
            raise invalid_argument(f"input '{name}': data is not a regular array") from None
        if array.size and array.dtype.kind not in _ACCEPTED_KINDS[dtype.kind]:
            raise invalid_argument(
                f"input '{name}': data of datatype {datatype} cannot hold "
                f"{_kind_name(array.dtype)} values"
            )
        _check_range(name, datatype, array)
        with np.errstate(over="ignore"):  # a double beyond FP32 becomes +-inf, as JSON readers do
            array = array.astype(dtype, copy=False)
    if array.size != count:
        raise invalid_argument(
            f"input '{name}': data has {array.size} elements but shape {list(shape)} holds {count}"
        )
    return array.reshape(shape)


def from_raw(name, datatype, shape, raw):
    """A tensor given as raw bytes (binary data extension, gRPC raw_input_contents).

    Args:
        name: the tensor's name, for messages.
        datatype: its protocol datatype.
        shape: its shape.
        raw: bytes or memoryview.

    Returns:
        numpy array of the datatype's dtype and the given shape.

    Raises:
        ServingError: INVALID_ARGUMENT when the byte count does not match the shape and
            datatype, or a BYTES length prefix runs past the end.
    """
    dtype, count = numpy_dtype(datatype), element_count(name, shape)
    if datatype == BYTES:
        elements = _split_bytes(name, memoryview(raw))
        if len(elements) != count:
            raise invalid_argument(
                f"input '{name}': binary data has {len(elements)} BYTES elements but shape "
                f"{list(shape)} holds {count}"
            )
        array = np.empty(count, dtype=object)
        array[:] = elements
        return array.reshape(shape)
    expected = count * dtype.itemsize
    if len(raw) != expected:
        raise invalid_argument(
            f"input '{name}': binary data has {len(raw)} bytes but shape {list(shape)} of "
            f"{datatype} needs {expected}"
        )
    array = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype, copy=False)
    if datatype == "BOOL" and array.size and array.view(np.uint8).max() > 1:
        raise invalid_argument(f"input '{name}': BOOL binary data holds bytes other than 0 and 1")
    return array.reshape(shape)


def to_raw(array):
    """An output's elements as raw bytes, laid out as `from_raw` reads them.

    Args:
        array: a numpy array (object arrays of bytes for strings).

    Returns:
        bytes.
    """
    if array.dtype.kind in "OSU":
        parts = []
        for element in array.ravel():
            data = element.encode() if isinstance(element, str) else bytes(element)
            parts += (_LENGTH.pack(len(data)), data)
        return b"".join(parts)
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()


def to_values(name, array):
    """An output's elements as a flat list for JSON: numbers, booleans, or text.

    Args:
        name: the output's name, for messages.
        array: a numpy array.

    Returns:
        A flat numpy array (numbers, booleans) or list of str (BYTES).

    Raises:
        ServingError: INVALID_ARGUMENT for BYTES that are not UTF-8, which JSON cannot carry.
    """
    if array.dtype.kind not in "OSU":
        return np.ascontiguousarray(array).ravel()
    try:
        return [e.decode() if isinstance(e, bytes) else str(e) for e in array.ravel()]
    except UnicodeDecodeError:
        raise invalid_argument(
            f"output '{name}' holds bytes that are not UTF-8; ask for it as binary data"
        ) from None


def _is_dim(dim):
    return isinstance(dim, int | np.integer) and not isinstance(dim, bool) and dim >= 0


def _flatten_bytes(name, values):
    flat, stack = [], [iter(values)]
    while stack:
        for value in stack[-1]:
            if isinstance(value, list):
                if len(stack) >= MAX_RANK:
                    raise invalid_argument(f"input '{name}': data nests deeper than {MAX_RANK}")
                stack.append(iter(value))
                break
            if isinstance(value, str):
                value = value.encode()
            elif not isinstance(value, bytes):
                raise invalid_argument(f"input '{name}': BYTES data must be strings")
            flat.append(value)
        else:
            stack.pop()
    return flat


def _split_bytes(name, raw):
    elements, offset = [], 0
    while offset < len(raw):
        if offset + _LENGTH.size > len(raw):
            raise invalid_argument(f"input '{name}': BYTES binary data ends inside a length")
        (length,) = _LENGTH.unpack_from(raw, offset)
        offset += _LENGTH.size
        if offset + length > len(raw):
            raise invalid_argument(
                f"input '{name}': a BYTES element of {length} bytes runs past the data's end"
            )
        elements.append(bytes(raw[offset : offset + length]))
        offset += length
    return elements


def _check_range(name, datatype, array):
    if FIXED[datatype].kind not in "iu" or not array.size:
        return
    info = np.iinfo(FIXED[datatype])
    low, high = array.min(), array.max()
    if low < info.min or high > info.max:
        bad = low if low < info.min else high
        raise invalid_argument(f"input '{name}': value {bad} is out of range for {datatype}")


def _kind_name(dtype):
    names = {"b": "boolean", "i": "integer", "u": "integer", "f": "floating-point"}
    return names.get(dtype.kind, "non-numeric")
