"""TF Serving's gRPC API on tensorflow-serving-api's generated servicers.

PredictionService: `Predict` (outputs in the typed fields float_val, int64_val,
string_val, ... as TF Serving sends them), `Classify`, `Regress`, `MultiInference` and
`GetModelMetadata`; ModelService: `GetModelStatus` and `HandleReloadConfigRequest`.
Refusals abort the call with TF Serving's status codes: NOT_FOUND for an unknown model or
version, INVALID_ARGUMENT for bad inputs or an unknown label, FAILED_PRECONDITION for an
unknown Predict signature. Every call is recorded in the metrics. The servicers' methods
run in the handler threads of grpc's thread-pool server: the core's coroutines are
finished there inline (`core.inline`), the model run in the same thread, or, with
batching, waited for there; `grpc.calls` records and refuses.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

import grpc
from tensorflow_serving.apis import (
    classification_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from serving.codecs import from_array, serialize_input
from serving.core import example_apis, inference, model_info
from serving.core.inline import INLINE, finish
from serving.errors import ServingError, invalid_argument
from serving.grpc.calls import rpc, servable_request
from serving.request_log.logger import RequestLogger


def _fill_model_spec(spec, servable, signature_name=None):
    spec.name = servable.name
    spec.version.value = servable.version
    if signature_name is not None:
        spec.signature_name = signature_name


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """TF Serving's PredictionService over a ModelManager's servables.

    Args:
        manager: the ModelManager.
        metrics: a server.metrics.Metrics.
        check_method_names: `--enable_signature_method_name_check`.
        tensor_content: `--enable_serialization_as_tensor_content`: Predict outputs packed
            in tensor_content instead of the typed fields.
        request_log: the RequestLogger each answered inference call is offered to.
    """

    def __init__(
        self,
        manager,
        metrics,
        check_method_names=False,
        tensor_content=False,
        request_log=None,
    ):
        self.manager = manager
        self.metrics = metrics
        self.check = check_method_names
        self.tensor_content = tensor_content
        self.request_log = request_log or RequestLogger()

    @rpc("Predict")
    def Predict(self, request):
        servable = self.manager.resolve(servable_request(request.model_spec))
        signature, outputs = finish(
            inference.predict(
                servable,
                request.model_spec.signature_name,
                dict(request.inputs),
                request.output_filter,
                INLINE,
                self.check,
            )
        )
        response = predict_pb2.PredictResponse()
        _fill_model_spec(response.model_spec, servable, signature.name)
        for key, array in outputs.items():
            from_array(array, response.outputs[key], packed=self.tensor_content)
        self.request_log.log_grpc("predict_log", request, response)
        return response

    @rpc("Classify")
    def Classify(self, request):
        return self._examples(request, example_apis.CLASSIFY)

    @rpc("Regress")
    def Regress(self, request):
        return self._examples(request, example_apis.REGRESS)

    @rpc("MultiInference", lambda request: _first_task_model(request))
    def MultiInference(self, request):
        if not request.tasks:
            raise invalid_argument("Found ModelSpec with an empty model name.")
        names = {task.model_spec.name for task in request.tasks}
        if "" in names:
            raise invalid_argument("Found ModelSpec with an empty model name.")
        if len(names) > 1:
            raise invalid_argument(
                "All ModelSpecs in a MultiInferenceRequest must access the same model name."
            )
        servable = self.manager.resolve(servable_request(request.tasks[0].model_spec))
        examples = serialize_input(request.input)
        response = finish(
            example_apis.multi_inference(servable, request.tasks, examples, INLINE, self.check)
        )
        self.request_log.log_grpc("multi_inference_log", request, response)
        return response

    @rpc("GetModelMetadata")
    def GetModelMetadata(self, request):
        servable = self.manager.resolve(servable_request(request.model_spec))
        return model_info.metadata_response(servable, list(request.metadata_field))

    def _examples(self, request, kind):
        servable = self.manager.resolve(servable_request(request.model_spec))
        signature, result = finish(
            example_apis.run(
                servable,
                kind,
                request.model_spec.signature_name,
                serialize_input(request.input),
                INLINE,
                self.check,
            )
        )
        response_type = (
            classification_pb2.ClassificationResponse
            if kind == example_apis.CLASSIFY
            else regression_pb2.RegressionResponse
        )
        response = response_type()
        _fill_model_spec(response.model_spec, servable, signature.name)
        response.result.CopyFrom(result)
        kind_log = "classify_log" if kind == example_apis.CLASSIFY else "regress_log"
        self.request_log.log_grpc(kind_log, request, response)
        return response


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """TF Serving's ModelService: GetModelStatus and HandleReloadConfigRequest.

    Args:
        manager: the ModelManager.
        metrics: a server.metrics.Metrics.
        reload_config: callable(ModelServerConfig) that applies a new model list, raising
            ServingError when it cannot.
    """

    def __init__(self, manager, metrics, reload_config):
        self.manager = manager
        self.metrics = metrics
        self.reload_config = reload_config

    @rpc("GetModelStatus")
    def GetModelStatus(self, request):
        return model_info.status_response(self.manager, servable_request(request.model_spec))

    @rpc("HandleReloadConfigRequest", lambda request: "")
    def HandleReloadConfigRequest(self, request):
        if self.reload_config is None:
            raise ServingError(grpc.StatusCode.UNIMPLEMENTED, "Config reloads are off")
        self.reload_config(request.config)
        response = model_management_pb2.ReloadConfigResponse()
        response.status.error_code = 0
        return response


def add_services(
    server,
    *,
    manager,
    metrics,
    check_method_names=False,
    reload_config=None,
    tensor_content=False,
    request_log=None,
):
    """Registers both services on a grpc.Server (grpc's thread-pool server).

    Args:
        server: the grpc.Server.
        manager: the ModelManager.
        metrics: a server.metrics.Metrics.
        check_method_names: `--enable_signature_method_name_check`.
        reload_config: see ModelServicer (None: reloads are refused).
        tensor_content: see PredictionServicer.
        request_log: see PredictionServicer (None: nothing is logged).
    """
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServicer(manager, metrics, check_method_names, tensor_content, request_log),
        server,
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelServicer(manager, metrics, reload_config), server
    )


def _first_task_model(request):
    return request.tasks[0].model_spec.name if request.tasks else ""
