"""TF Serving's gRPC API on tensorflow-serving-api's generated servicers.

PredictionService: `Predict` (outputs in the typed fields float_val, int64_val,
string_val, ... as TF Serving sends them), `Classify` and `GetModelMetadata`;
ModelService: `GetModelStatus`. Refusals abort the call with TF Serving's status codes:
NOT_FOUND for an unknown model or version, INVALID_ARGUMENT for bad inputs or an unknown
label, FAILED_PRECONDITION for an unknown Predict signature. Every call is recorded in the
metrics. The servicers' methods are coroutines, for `grpc_server`'s grpc.aio server.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

import asyncio
import functools
import logging
import time

import grpc
from tensorflow_serving.apis import (
    classification_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from serving.codecs import from_array, serialize_input
from serving.core import ServableRequest, inference, model_info
from serving.errors import ServingError, invalid_argument

log = logging.getLogger(__name__)


def servable_request(model_spec):
    """The ServableRequest a gRPC ModelSpec names.

    Args:
        model_spec: a tensorflow.serving.ModelSpec.

    Returns:
        A ServableRequest with the version or version label the spec sets, if any.
    """
    choice = model_spec.WhichOneof("version_choice")
    return ServableRequest(
        model_spec.name,
        model_spec.version.value if choice == "version" else None,
        model_spec.version_label if choice == "version_label" else None,
    )


def _rpc(api):
    # Records the call's outcome and latency, then turns a ServingError into the call's
    # status. Recorded before `context.abort`, which sends the status: a client that has its
    # answer must find the call counted.
    def decorate(method):
        @functools.wraps(method)
        async def wrapper(self, request, context):
            start = time.perf_counter()

            def record(code):
                elapsed = time.perf_counter() - start
                self.metrics.record(request.model_spec.name, api, "GRPC", code, elapsed)

            try:
                if not request.HasField("model_spec"):
                    raise invalid_argument("Missing ModelSpec")
                response = await method(self, request)
            except ServingError as error:
                record(error.code.name)
                await context.abort(error.code, error.message)
            except asyncio.CancelledError:
                record("CANCELLED")
                raise
            except Exception:  # details go to the log, never to the client
                log.exception("gRPC %s failed", api)
                record("INTERNAL")
                await context.abort(grpc.StatusCode.INTERNAL, "Internal error")
            record("OK")
            return response

        return wrapper

    return decorate


def _fill_model_spec(spec, servable, signature_name=None):
    spec.name = servable.name
    spec.version.value = servable.version
    if signature_name is not None:
        spec.signature_name = signature_name


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Predict, Classify and GetModelMetadata over a ModelManager's servables, on grpc.aio.

    Args:
        manager: the ModelManager.
        metrics: a monitoring.Metrics.
        executor: the thread pool that runs signatures when batching is off.
    """

    def __init__(self, manager, metrics, executor):
        self.manager = manager
        self.metrics = metrics
        self.executor = executor

    @_rpc("Predict")
    async def Predict(self, request):
        servable = self.manager.resolve(servable_request(request.model_spec))
        signature, outputs = await inference.predict(
            servable,
            request.model_spec.signature_name,
            dict(request.inputs),
            request.output_filter,
            self.executor,
        )
        response = predict_pb2.PredictResponse()
        _fill_model_spec(response.model_spec, servable, signature.name)
        for key, array in outputs.items():
            from_array(array, response.outputs[key])
        return response

    @_rpc("Classify")
    async def Classify(self, request):
        servable = self.manager.resolve(servable_request(request.model_spec))
        signature, classes, scores = await inference.classify(
            servable,
            request.model_spec.signature_name,
            serialize_input(request.input),
            self.executor,
        )
        response = classification_pb2.ClassificationResponse()
        _fill_model_spec(response.model_spec, servable, signature.name)
        response.result.CopyFrom(inference.classification_result(classes, scores))
        return response

    @_rpc("GetModelMetadata")
    async def GetModelMetadata(self, request):
        servable = self.manager.resolve(servable_request(request.model_spec))
        return model_info.metadata_response(servable, list(request.metadata_field))


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """GetModelStatus over a ModelManager (HandleReloadConfigRequest stays UNIMPLEMENTED).

    Args:
        manager: the ModelManager.
        metrics: a monitoring.Metrics.
    """

    def __init__(self, manager, metrics):
        self.manager = manager
        self.metrics = metrics

    @_rpc("GetModelStatus")
    async def GetModelStatus(self, request):
        return model_info.status_response(self.manager, servable_request(request.model_spec))


def add_services(server, manager, metrics, executor):
    """Registers both services on a grpc.aio.Server.

    Args:
        server: the grpc.aio.Server.
        manager: the ModelManager.
        metrics: a monitoring.Metrics.
        executor: the thread pool that runs signatures when batching is off.
    """
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServicer(manager, metrics, executor), server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelServicer(manager, metrics), server
    )
