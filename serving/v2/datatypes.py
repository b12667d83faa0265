"""The Open Inference Protocol's tensor datatypes and their numpy and TensorFlow dtypes.

The protocol names element types "BOOL", "UINT8" ... "FP64", "BYTES"; a SavedModel's
signature names TensorFlow dtypes. `datatype_of` gives the protocol name of a TF or numpy
dtype (BYTES for tf.string and numpy object or bytes arrays), `numpy_dtype` the numpy
dtype a protocol name is held in (object for BYTES). BF16 is not offered: the
specification does not define it.

Example:
    python -c "import tensorflow as tf; from serving.v2.datatypes import datatype_of; \
print(datatype_of(tf.uint8))"
"""

import numpy as np
import tensorflow as tf

from serving.errors import invalid_argument

BYTES = "BYTES"
# Protocol name -> numpy dtype of a fixed-size element.
FIXED = {
    "BOOL": np.dtype(np.bool_),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype(np.uint16),
    "UINT32": np.dtype(np.uint32),
    "UINT64": np.dtype(np.uint64),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "INT64": np.dtype(np.int64),
    "FP16": np.dtype(np.float16),
    "FP32": np.dtype(np.float32),
    "FP64": np.dtype(np.float64),
}
DATATYPES = (*FIXED, BYTES)
_BY_NUMPY = {dtype: name for name, dtype in FIXED.items()}


def numpy_dtype(datatype):
    """The numpy dtype that holds a protocol datatype's elements.

    Args:
        datatype: a protocol name, e.g. "FP32".

    Returns:
        numpy.dtype; object for BYTES.

    Raises:
        ServingError: INVALID_ARGUMENT for a name the protocol does not define.
    """
    if datatype == BYTES:
        return np.dtype(object)
    if datatype not in FIXED:
        raise invalid_argument(
            f"unknown datatype {str(datatype)[:32]!r}; expected one of {', '.join(DATATYPES)}"
        )
    return FIXED[datatype]


def datatype_of(dtype):
    """The protocol datatype of a TensorFlow or numpy dtype.

    Args:
        dtype: a tf.DType, numpy dtype or numpy type.

    Returns:
        str, e.g. "UINT8"; a dtype the protocol has no name for (complex, resource) is given
        as its TensorFlow name in capitals, e.g. "COMPLEX64", which no request can match.
    """
    if isinstance(dtype, tf.DType):
        if dtype == tf.string:
            return BYTES
        if dtype == tf.bfloat16 or not dtype.is_numpy_compatible:
            return dtype.name.upper()
        dtype = dtype.as_numpy_dtype
    dtype = np.dtype(dtype)
    if dtype.kind in "OSU":
        return BYTES
    return _BY_NUMPY.get(dtype, dtype.name.upper())


def item_size(datatype):
    """Bytes per element of a fixed-size datatype (BYTES has none).

    Args:
        datatype: a protocol name other than BYTES.

    Returns:
        int.
    """
    return FIXED[datatype].itemsize
