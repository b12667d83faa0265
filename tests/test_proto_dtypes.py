"""Tests of the shared dtype table against TensorFlow's own dtype enums and protos."""

import numpy as np
import tensorflow as tf

from serving.proto_dtypes import BY_ENUM, STRING_FIELD, VALUE_FIELDS


def test_value_fields_agree_with_tensorflow_dtypes():
    for dtype, (enum, field) in VALUE_FIELDS.items():
        assert tf.as_dtype(dtype).as_datatype_enum == enum
        # tf.make_tensor_proto puts a single value of this dtype in exactly this field.
        proto = tf.make_tensor_proto(np.ones([1], dtype))
        assert [f.name for f, _ in proto.ListFields() if f.name.endswith("_val")] == [field]


def test_string_field_and_reverse_table():
    assert (tf.string.as_datatype_enum, "string_val") == STRING_FIELD
    assert {BY_ENUM[enum][0] for enum, _ in VALUE_FIELDS.values()} == set(VALUE_FIELDS)
