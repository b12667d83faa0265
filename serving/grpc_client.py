"""An asyncio client for TensorFlow Serving's gRPC PredictionService (Predict and Classify).

Requests are tensorflow-serving-api's protos; output tensors are read from either
`tensor_content` or the typed fields (`float_val`, `int64_val`, ...) that TF Serving
fills, so it works the same against `tensorflow_model_server` and the local server.
TensorProtos are built and read here with numpy directly: the same bytes as
`tf.make_tensor_proto` and the same arrays as `tf.make_ndarray`, at a fraction of
their per-request CPU.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

import grpc
import numpy as np
from tensorflow.core.framework import tensor_pb2, types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    model_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from serving import contract
from serving.proto_dtypes import BY_ENUM, STRING_FIELD, VALUE_FIELDS
from serving.signature_io import RequestError, scores_by_label

# gRPC's default 4 MiB receive limit is too small for large batches of images.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

# Dtypes that tf.make_tensor_proto keeps in their typed field even when it holds more
# than one value; every other numeric array is packed into tensor_content.
_UNPACKED = (np.dtype(np.uint16), np.dtype(np.bool_))


def encode_tensor(value):
    """Builds the TensorProto that `tf.make_tensor_proto(value)` builds for a numpy array.

    Args:
        value: numpy array (others go through np.asarray); bytes, str or object arrays
            become DT_STRING tensors of UTF-8 bytes.

    Returns:
        A TensorProto: numbers in `tensor_content` (typed fields for one value or
        uint16/bool), strings in `string_val`.

    Raises:
        ValueError: for a dtype TensorProtos cannot carry.
    """
    array = np.asarray(value)
    proto = tensor_pb2.TensorProto()
    proto.tensor_shape.SetInParent()  # a scalar still carries an (empty) shape
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    if array.dtype.kind in "OSU":
        proto.dtype = STRING_FIELD[0]
        proto.string_val.extend(
            item.encode() if isinstance(item, str) else item for item in array.ravel()
        )
        return proto
    if array.dtype not in VALUE_FIELDS:
        raise ValueError(f"cannot send a {array.dtype} array as a tensor")
    proto.dtype, field = VALUE_FIELDS[array.dtype]
    if array.dtype not in _UNPACKED and array.size > 1:
        proto.tensor_content = array.tobytes()
    elif field == "half_val":
        proto.half_val.extend(array.ravel().view(np.uint16).tolist())
    else:
        getattr(proto, field).extend(array.ravel().tolist())
    return proto


def decode_tensor(proto):
    """Reads a TensorProto into the array `tf.make_ndarray(proto)` returns.

    Args:
        proto: a TensorProto with its values in `tensor_content` or a typed field.

    Returns:
        A writable numpy array of the proto's shape (object array of bytes for strings).

    Raises:
        RequestError: for a dtype this client does not read.
    """
    shape = [dim.size for dim in proto.tensor_shape.dim]
    count = int(np.prod(shape, dtype=np.int64))
    if proto.dtype == types_pb2.DT_STRING:
        values = list(proto.string_val)
        values += [values[-1] if values else ""] * (count - len(values))
        return np.array(values, dtype=object).reshape(shape)
    if proto.dtype not in BY_ENUM:
        raise RequestError(f"cannot read a tensor of DataType {proto.dtype}")
    dtype, field = BY_ENUM[proto.dtype]
    if proto.tensor_content:
        return np.frombuffer(proto.tensor_content, dtype=dtype).reshape(shape).copy()
    if field == "half_val":
        values = np.fromiter(proto.half_val, dtype=np.uint16).view(np.float16)
    else:
        values = np.fromiter(getattr(proto, field), dtype=dtype)
    if values.size == 0:
        return np.zeros(shape, dtype)
    if values.size != count:
        # TF Serving may send one value for a tensor of equal values; the last one repeats.
        values = np.pad(values, (0, count - values.size), "edge")
    return values.reshape(shape)


def check_target(target):
    """Validates a gRPC target such as 127.0.0.1:8500.

    Args:
        target: HOST:PORT of the gRPC port.

    Returns:
        The target unchanged.

    Raises:
        ValueError: if it is not HOST:PORT with a port in 1-65535.
    """
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"gRPC target must look like HOST:PORT, got {target!r}")
    return target


class GrpcClient:
    """Predict and classify over TF Serving's gRPC API; use as `async with GrpcClient(target)`.

    Args:
        target: HOST:PORT of the gRPC port.
        model: model name put in each request's ModelSpec.
        timeout: seconds before a request is abandoned.
        version: ask this version (int) instead of the latest, or None.
        label: ask the version with this label instead of the latest, or None.
    """

    def __init__(self, target, model=contract.MODEL_NAME, timeout=30.0, version=None, label=None):
        if version is not None and label is not None:
            raise ValueError("give a model version or a version label, not both")
        self._target = check_target(target)
        self._spec = model_pb2.ModelSpec(name=model)
        if version is not None:
            self._spec.version.value = int(version)
        elif label is not None:
            self._spec.version_label = label
        self._timeout = timeout
        self._channel = None
        self._stub = None

    async def __aenter__(self):
        options = [
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ]
        self._channel = grpc.aio.insecure_channel(self._target, options=options)
        self._stub = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        return self

    async def __aexit__(self, *exc_info):
        await self._channel.close()

    async def predict(self, inputs, signature=contract.SERVING_DEFAULT):
        """Calls PredictionService.Predict.

        Args:
            inputs: dict of input key to array (bytes arrays become DT_STRING tensors).
            signature: the signature name.

        Returns:
            dict of output key to numpy array.

        Raises:
            RequestError: with the gRPC status code and TF Serving's message.
        """
        request = predict_pb2.PredictRequest()
        request.model_spec.CopyFrom(self._spec)
        request.model_spec.signature_name = signature
        for key, value in inputs.items():
            request.inputs[key].CopyFrom(encode_tensor(value))
        response = await self._call(self._stub.Predict, request)
        return {key: decode_tensor(tensor) for key, tensor in response.outputs.items()}

    async def classify(self, features, signature=contract.CLASSIFY):
        """Calls PredictionService.Classify with one tf.Example per row.

        Args:
            features: float array [n, 784], the contract's example feature per row.
            signature: the classification signature name.

        Returns:
            float32 array [n, 10]: each example's scores ordered by digit.

        Raises:
            RequestError: with the gRPC status code and TF Serving's message.
        """
        request = classification_pb2.ClassificationRequest()
        request.model_spec.CopyFrom(self._spec)
        request.model_spec.signature_name = signature
        for row in np.asarray(features, dtype=np.float32):
            example = request.input.example_list.examples.add()
            example.features.feature[contract.EXAMPLE_FEATURE].float_list.value.extend(row)
        response = await self._call(self._stub.Classify, request)
        results = response.result.classifications
        if len(results) != len(features):
            raise RequestError(f"Classify answered {len(results)} results for {len(features)}")
        return np.stack([scores_by_label((c.label, c.score) for c in r.classes) for r in results])

    async def _call(self, method, request):
        try:
            return await method(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise RequestError(f"{self._target}: {error.code().name}: {error.details()}") from error
