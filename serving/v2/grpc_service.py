"""The Open Inference Protocol's gRPC service, `inference.GRPCInferenceService`, over a DataPlane.

Registered beside TF Serving's services in the same gRPC server and port, its methods run
in the server's handler threads (the DataPlane's runs given `core.inline.INLINE`). ModelInfer
takes each input's elements from `raw_input_contents` (one entry per input, in order: what
tritonclient sends) or from the input's typed `contents` field of its datatype
(`fp32_contents` for FP32, `int_contents` for INT8/16/32, ...; FP16 only raw), never a
mix; it answers in the same form it was asked: raw in, `raw_output_contents` out; typed
in, typed `contents` out. The request parameter `signature_name` (a string_param) picks
the signature. Refusals abort the call: NOT_FOUND for an unknown model or version,
INVALID_ARGUMENT for a bad request. ModelReady answers `ready: false` rather than an error
for a model or version that is not available. Model calls are recorded in the metrics.

Example:
    python -c "import grpc; from serving.v2.proto import grpc_predict_v2_pb2 as pb, \
grpc_predict_v2_pb2_grpc as rpc; print(rpc.GRPCInferenceServiceStub(grpc.insecure_channel( \
'127.0.0.1:8500')).ServerLive(pb.ServerLiveRequest()))"
"""

import logging
import time

import grpc
import numpy as np

from serving.core.inline import finish
from serving.errors import ServingError, invalid_argument
from serving.v2.dataplane import InferRequest
from serving.v2.proto import grpc_predict_v2_pb2 as pb
from serving.v2.proto import grpc_predict_v2_pb2_grpc as pb_grpc
from serving.v2.tensors import from_raw, from_values, to_raw

SERVICE_NAME = "inference.GRPCInferenceService"
log = logging.getLogger(__name__)
# The typed field of InferTensorContents that holds each datatype's elements.
CONTENTS_FIELD = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}


class InferenceServicer(pb_grpc.GRPCInferenceServiceServicer):
    """GRPCInferenceService for grpc's thread-pool server.

    Args:
        dataplane: a v2.dataplane.DataPlane whose executor is `core.inline.INLINE`.
        metrics: a server.metrics.Metrics.
    """

    def __init__(self, dataplane, metrics):
        self.dataplane = dataplane
        self.metrics = metrics

    def ServerLive(self, request, context):
        return pb.ServerLiveResponse(live=self.dataplane.live())

    def ServerReady(self, request, context):
        return pb.ServerReadyResponse(ready=self.dataplane.ready())

    def ServerMetadata(self, request, context):
        return pb.ServerMetadataResponse(**self.dataplane.server_metadata())

    def ModelReady(self, request, context):
        def ready():
            try:
                return pb.ModelReadyResponse(
                    ready=self.dataplane.model_ready(request.name, request.version)
                )
            except ServingError as error:
                if error.code != grpc.StatusCode.NOT_FOUND:
                    raise
                return pb.ModelReadyResponse(ready=False)

        return self._call("ModelReady", request.name, context, ready)

    def ModelMetadata(self, request, context):
        def metadata():
            answer = self.dataplane.model_metadata(request.name, request.version)
            return pb.ModelMetadataResponse(**answer)

        return self._call("ModelMetadata", request.name, context, metadata)

    def ModelInfer(self, request, context):
        ran = {}  # the version and signature, for the metrics

        def infer():
            raw = bool(request.raw_input_contents)
            response = finish(self.dataplane.infer(_infer_request(request, raw)))
            ran.update(version=int(response.model_version), signature=response.signature)
            return _infer_response(response, raw)

        return self._call("ModelInfer", request.model_name, context, infer, ran)

    def _call(self, api, model_name, context, run, ran=None):
        # Records the outcome before aborting, so a client holding its answer finds the
        # call counted; a fault the code did not expect is logged, never sent.
        start = time.perf_counter()

        def record(code):
            elapsed = time.perf_counter() - start
            self.metrics.record(model_name, api, "GRPC", code, elapsed, **(ran or {}))

        try:
            response = run()
        except ServingError as error:
            record(error.code.name)
            context.abort(error.code, error.message)
        except Exception:
            log.exception("gRPC %s failed", api)
            record("INTERNAL")
            context.abort(grpc.StatusCode.INTERNAL, "Internal error")
        # A client that cancelled, or whose deadline passed, never gets this answer.
        record("OK" if context.is_active() else "CANCELLED")
        return response


def add_service(server, dataplane, metrics):
    """Registers GRPCInferenceService on a grpc.Server (grpc's thread-pool server).

    Args:
        server: the grpc.Server.
        dataplane: a v2.dataplane.DataPlane whose executor is `core.inline.INLINE`.
        metrics: a server.metrics.Metrics.
    """
    pb_grpc.add_GRPCInferenceServiceServicer_to_server(
        InferenceServicer(dataplane, metrics), server
    )


def parameter_value(parameter):
    """The Python value of an InferParameter.

    Args:
        parameter: an inference.InferParameter.

    Returns:
        bool, int or str; None for a value of a kind this proto does not define.
    """
    choice = parameter.WhichOneof("parameter_choice")
    return getattr(parameter, choice) if choice else None


def _infer_request(request, raw):
    if raw and len(request.raw_input_contents) != len(request.inputs):
        raise invalid_argument(
            f"raw_input_contents has {len(request.raw_input_contents)} entries for "
            f"{len(request.inputs)} inputs"
        )
    inputs = {}
    for index, tensor in enumerate(request.inputs):
        name, datatype, shape = tensor.name, tensor.datatype, list(tensor.shape)
        if name in inputs:
            raise invalid_argument(f"input '{name}' is given twice")
        set_fields = [field.name for field, _ in tensor.contents.ListFields()]
        if raw:
            if set_fields:
                raise invalid_argument(
                    f"input '{name}' sets contents while the request uses raw_input_contents"
                )
            array = from_raw(name, datatype, shape, request.raw_input_contents[index])
        else:
            field = CONTENTS_FIELD.get(datatype)
            if field is None and datatype == "FP16":
                raise invalid_argument(f"input '{name}': FP16 is sent in raw_input_contents only")
            if any(f != field for f in set_fields):
                raise invalid_argument(
                    f"input '{name}' of datatype {datatype} must give its elements in "
                    f"contents.{field}, not {', '.join(set_fields)}"
                )
            values = getattr(tensor.contents, field) if field else []
            # Elements as a list for BYTES (a numpy bytes array would drop trailing NULs).
            values = list(values) if datatype == "BYTES" else np.asarray(values)
            array = from_values(name, datatype, shape, values)
        inputs[name] = (datatype, array)
    return InferRequest(
        model_name=request.model_name,
        model_version=request.model_version,
        inputs=inputs,
        outputs=tuple(output.name for output in request.outputs),
        parameters={k: parameter_value(v) for k, v in request.parameters.items()},
        id=request.id,
    )


def _infer_response(response, raw):
    answer = pb.ModelInferResponse(
        model_name=response.model_name, model_version=response.model_version, id=response.id
    )
    # Raw for all outputs or none: raw_output_contents is indexed like `outputs`.
    raw = raw or any(datatype not in CONTENTS_FIELD for datatype, _ in response.outputs.values())
    for name, (datatype, array) in response.outputs.items():
        tensor = answer.outputs.add(name=name, datatype=datatype, shape=array.shape)
        if raw:
            answer.raw_output_contents.append(to_raw(array))
        else:
            getattr(tensor.contents, CONTENTS_FIELD[datatype]).extend(array.ravel().tolist())
    return answer
