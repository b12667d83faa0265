"""An asyncio client for TensorFlow Serving's gRPC PredictionService (Predict and Classify).

Requests are tensorflow-serving-api's protos. Tensors are written and read by
`codecs.tensor_proto` with numpy directly (the same bytes as `tf.make_tensor_proto`, the
same arrays as `tf.make_ndarray`, at a fraction of their per-request CPU), from either
`tensor_content` or the typed fields TF Serving fills, so it works the same against
`tensorflow_model_server` and the local server.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

import grpc
import numpy as np
from tensorflow_serving.apis import (
    classification_pb2,
    model_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from common import contract
from serving.client.addresses import check_target
from serving.client.requests import RequestError, check_version_choice, scores_by_label
from serving.codecs.tensor_proto import TensorProtoError, from_array, to_array

# gRPC's default 4 MiB receive limit is too small for large batches of images.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


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
        check_version_choice(version, label)
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
            from_array(value, request.inputs[key], packed=True)
        response = await self._call(self._stub.Predict, request)
        try:
            return {key: to_array(tensor) for key, tensor in response.outputs.items()}
        except TensorProtoError as error:
            raise RequestError(f"{self._target}: unreadable output tensor: {error}") from None

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
