"""PredictionLog records from what a request handler hands the logger, built off the request path.

gRPC hands its request and response protos as they were. REST hands what it decoded, and
the record holds the gRPC request TF Serving's REST handler would have built from the same
JSON: a predict's inputs as TensorProtos of the arrays the signature ran on, a classify or
regress body's examples as `input.example_list` (each example already merged with the
body's `context`, which is what the model receives either way), and the model_spec with the
served version and signature. So a REST record replays exactly like a gRPC one.

Example:
    python -c "from serving.request_log.records import prediction_log; \
from tensorflow_serving.apis import predict_pb2 as p; \
print(prediction_log('predict_log', p.PredictRequest(), p.PredictResponse(), None, 0, ('serve',)))"
"""

from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    predict_pb2,
    prediction_log_pb2,
    regression_pb2,
)

from serving.codecs import from_array
from serving.core import example_apis, inference

# The PredictionLog oneof field of each API, and of the REST verbs.
KINDS = ("predict_log", "classify_log", "regress_log", "multi_inference_log")
REST_KINDS = {"predict": "predict_log", "classify": "classify_log", "regress": "regress_log"}


def prediction_log(kind, request, response, logging, timestamp, tags):
    """One PredictionLog record.

    Args:
        kind: a KINDS entry.
        request: the request proto (e.g. a PredictRequest for "predict_log").
        response: the response proto.
        logging: the model's config.ModelLogging (None: no sampling_config).
        timestamp: seconds since the epoch when the request was answered.
        tags: the SavedModel tags the server loads.

    Returns:
        A PredictionLog.
    """
    record = prediction_log_pb2.PredictionLog()
    metadata = record.log_metadata
    if kind == "multi_inference_log":
        spec = response.results[0].model_spec if response.results else request.tasks[0].model_spec
    else:
        spec = response.model_spec
    metadata.model_spec.CopyFrom(spec)
    if logging is not None:
        metadata.sampling_config.CopyFrom(logging.sampling_config)
    metadata.saved_model_tags.extend(tags)
    metadata.timestamp_secs = int(timestamp)
    entry = getattr(record, kind)
    entry.request.CopyFrom(request)
    entry.response.CopyFrom(response)
    return record


def rest_protos(verb, name, version, signature_name, payload, outputs):
    """The gRPC request and response equivalent to one answered REST call.

    Args:
        verb: "predict", "classify" or "regress".
        name, version, signature_name: the served model, version and signature.
        payload: predict: (input arrays, output keys asked for, empty for all);
            classify and regress: the serialized tf.Examples the signature ran on.
        outputs: dict output key -> numpy array, as the signature returned them.

    Returns:
        (request, response) protos.
    """
    if verb == "predict":
        request, response = predict_pb2.PredictRequest(), predict_pb2.PredictResponse()
        arrays, wanted = payload
        for key, array in arrays.items():
            from_array(array, request.inputs[key])
        request.output_filter.extend(wanted)
        for key, array in inference.predict_outputs(outputs, wanted).items():
            from_array(array, response.outputs[key])
    elif verb == "classify":
        request = classification_pb2.ClassificationRequest()
        response = classification_pb2.ClassificationResponse()
        response.result.CopyFrom(example_apis.classification_result(outputs, len(payload)))
    else:
        request, response = regression_pb2.RegressionRequest(), regression_pb2.RegressionResponse()
        response.result.CopyFrom(example_apis.regression_result(outputs, len(payload)))
    if verb != "predict":
        examples = request.input.example_list.examples
        for serialized in payload:
            examples.append(example_pb2.Example.FromString(serialized))
    for spec in (request.model_spec, response.model_spec):
        spec.name = name
        spec.version.value = version
        spec.signature_name = signature_name
    return request, response
