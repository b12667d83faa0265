"""TensorProto shapes no tensor can have, for every dtype: refused naming the shape.

Example:
    .venv/bin/pytest tests/serving/codecs/test_tensor_proto_shapes.py
"""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2

from serving.codecs.tensor_proto import BY_ENUM, STRING_FIELD, TensorProtoError, to_array

ENUMS = sorted([*BY_ENUM, STRING_FIELD[0]])


def proto(enum, dims, content=b""):
    tensor = tensor_pb2.TensorProto(dtype=enum, tensor_content=content)
    for size in dims:
        tensor.tensor_shape.dim.add(size=size)
    return tensor


@pytest.mark.parametrize("enum", ENUMS)
@pytest.mark.parametrize(
    ("dims", "reason"),
    [
        ([2**62, 28, 28], r"Shape \[4611686018427387904,28,28\] is too large \(more than 2\*\*63"),
        ([3, 2**62, 0], r"Shape \[3,4611686018427387904,0\] is too large \(more than 2\*\*63"),
        ([0, 2**62], r"Shape \[0,4611686018427387904\] is too large to hold here"),
        ([2**40], r"Shape \[1099511627776\] has 1099511627776 elements but 0 values are given"),
        ([-1, 28, 28], r"Shape \[-1,28,28\] has a negative dimension"),
        ([1] * 65, r"has 65 dimensions: this server takes tensors of at most 64 dimensions"),
        ([1] * 255, r"has 255 dimensions: a tensor has at most 254 dimensions"),
    ],
)
def test_tensor_proto_shapes_refuses_what_no_tensor_has(enum, dims, reason):
    with pytest.raises(TensorProtoError, match=reason):
        to_array(proto(enum, dims))


def test_tensor_proto_shapes_names_the_expected_shape_for_a_deep_rank():
    with pytest.raises(TensorProtoError, match=r"100 dimensions: the input expects shape \[-1,28"):
        to_array(proto(tf.uint8.as_datatype_enum, [1] * 100), tf.TensorShape([None, 28, 28]))


def test_tensor_proto_shapes_keeps_what_tensorflow_accepts():
    assert to_array(proto(tf.float32.as_datatype_enum, [0, 2**40])).shape == (0, 2**40)
    assert to_array(proto(tf.string.as_datatype_enum, [1] * 64)).shape == (1,) * 64
    packed = proto(tf.uint8.as_datatype_enum, [2, 2], bytes(4))
    assert to_array(packed).tolist() == np.zeros((2, 2)).tolist()
