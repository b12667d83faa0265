"""Where a TensorProto keeps each dtype's values: one table for the server and the clients.

A TensorProto carries its values either packed in `tensor_content` or in the typed
repeated field of its DataType (`float_val`, `int_val`, `string_val`, ...). TF Serving
answers Predict in the typed fields; clients built on `tf.make_tensor_proto` pack most
numeric arrays. Both sides of this project read the field names from here.

Example:
    python -c "from serving.proto_dtypes import VALUE_FIELDS; print(VALUE_FIELDS)"
"""

import numpy as np
from tensorflow.core.framework import types_pb2

# numpy dtype -> (DataType enum, the typed field holding its values). float16 values are
# stored as their uint16 bit patterns in `half_val`; small integers widen into `int_val`.
VALUE_FIELDS = {
    np.dtype(np.float16): (types_pb2.DT_HALF, "half_val"),
    np.dtype(np.float32): (types_pb2.DT_FLOAT, "float_val"),
    np.dtype(np.float64): (types_pb2.DT_DOUBLE, "double_val"),
    np.dtype(np.int8): (types_pb2.DT_INT8, "int_val"),
    np.dtype(np.int16): (types_pb2.DT_INT16, "int_val"),
    np.dtype(np.int32): (types_pb2.DT_INT32, "int_val"),
    np.dtype(np.int64): (types_pb2.DT_INT64, "int64_val"),
    np.dtype(np.uint8): (types_pb2.DT_UINT8, "int_val"),
    np.dtype(np.uint16): (types_pb2.DT_UINT16, "int_val"),
    np.dtype(np.uint32): (types_pb2.DT_UINT32, "uint32_val"),
    np.dtype(np.uint64): (types_pb2.DT_UINT64, "uint64_val"),
    np.dtype(np.bool_): (types_pb2.DT_BOOL, "bool_val"),
}
# Strings: numpy object arrays of bytes.
STRING_FIELD = (types_pb2.DT_STRING, "string_val")
# DataType enum -> (numpy dtype, typed field), the reverse of VALUE_FIELDS.
BY_ENUM = {enum: (dtype, field) for dtype, (enum, field) in VALUE_FIELDS.items()}
