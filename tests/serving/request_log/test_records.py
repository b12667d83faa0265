"""What REST decoded becomes the gRPC request and response TF Serving would have logged."""

import numpy as np
import tensorflow as tf
from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import inference_pb2

from serving.request_log.records import prediction_log, rest_protos


def test_rest_protos_predict_holds_the_inputs_and_the_outputs_asked_for():
    inputs = {"x": np.array([[1.0, 2.5]], np.float32), "s": np.array([b"a", b"bc"], object)}
    outputs = {"y": np.array([[3.0]], np.float32), "z": np.array([7], np.int64)}
    request, response = rest_protos("predict", "m", 3, "sig", (inputs, ("y",)), outputs)
    assert (request.model_spec.name, request.model_spec.version.value) == ("m", 3)
    assert request.model_spec.signature_name == response.model_spec.signature_name == "sig"
    np.testing.assert_array_equal(tf.make_ndarray(request.inputs["x"]), inputs["x"])
    assert list(tf.make_ndarray(request.inputs["s"])) == [b"a", b"bc"]
    assert list(request.output_filter) == ["y"] and list(response.outputs) == ["y"]
    np.testing.assert_array_equal(tf.make_ndarray(response.outputs["y"]), [[3.0]])


def test_rest_protos_predict_without_filter_answers_every_output():
    outputs = {"b": np.array([1.0], np.float32), "a": np.array([2.0], np.float32)}
    _, response = rest_protos("predict", "m", 1, "s", ({}, ()), outputs)
    assert sorted(response.outputs) == ["a", "b"]


def test_rest_protos_classify_holds_the_examples_and_the_result():
    example = example_pb2.Example()
    example.features.feature["x"].float_list.value.append(2.0)
    outputs = {
        "classes": np.array([[b"no", b"yes"]], object),
        "scores": np.array([[0.25, 0.75]], np.float32),
    }
    request, response = rest_protos(
        "classify", "m", 2, "classify_x", [example.SerializeToString()], outputs
    )
    assert list(request.input.example_list.examples) == [example]
    (classification,) = response.result.classifications
    assert [(c.label, c.score) for c in classification.classes] == [("no", 0.25), ("yes", 0.75)]
    assert response.model_spec.version.value == 2


def test_rest_protos_regress_holds_the_regressions():
    example = example_pb2.Example()
    outputs = {"outputs": np.array([[4.5]], np.float32)}
    _, response = rest_protos("regress", "m", 1, "r", [example.SerializeToString()], outputs)
    assert [r.value for r in response.result.regressions] == [4.5]


def test_prediction_log_of_multi_inference_names_the_first_results_model():
    request = inference_pb2.MultiInferenceRequest()
    request.tasks.add().model_spec.name = "m"
    response = inference_pb2.MultiInferenceResponse()
    spec = response.results.add().model_spec
    spec.name, spec.signature_name = "m", "classify_x"
    spec.version.value = 5
    record = prediction_log("multi_inference_log", request, response, None, 12.7, ("serve",))
    assert record.WhichOneof("log_type") == "multi_inference_log"
    assert record.log_metadata.model_spec == spec and record.log_metadata.timestamp_secs == 12
