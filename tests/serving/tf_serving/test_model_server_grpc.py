"""Ports of tensorflow_model_server_test.py's gRPC cases, against `python -m serving.server`.

Each server is started with RunServer's command line (see harness.py) and shared by the
cases that use the same one.

Example:
    pytest tests/serving/tf_serving/test_model_server_grpc.py
"""

import threading

import grpc
import pytest
from expected_metadata import signature_def_map
from google.protobuf import json_format
from grpc_calls import (
    add_example,
    classify,
    model_stub,
    prediction_stub,
    regress,
    verify_model_spec,
    verify_predict,
)
from harness import RPC_TIMEOUT, call_rest
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.profiler import profiler_client
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
)

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow
# text.WhitespaceTokenizer's op, which TensorFlow itself does not register.
TF_TEXT_OP = "TFText>WhitespaceTokenizeWithOffsetsV2"


@pytest.fixture(scope="module", params=["saved_model_half_plus_two_cpu", "tf2"])
def example_server(request, servers, models):
    """The TF1 and the TF2 half_plus_two, each RunServer('default', path)."""
    name = {"tf2": "saved_model_half_plus_two_tf2_cpu"}.get(request.param, request.param)
    return servers.get(model_name="default", model_path=models / name)


def test_get_model_status_reports_version_123_available(default_server):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "default"
    result = model_stub(default_server.grpc).GetModelStatus(request, RPC_TIMEOUT)
    assert len(result.model_version_status) == 1
    assert result.model_version_status[0].version == 123
    assert result.model_version_status[0].status.error_code == 0


def test_get_model_metadata_returns_the_signature_defs(default_server):
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = "default"
    request.metadata_field.append("signature_def")
    result = prediction_stub(default_server.grpc).GetModelMetadata(request, RPC_TIMEOUT)
    assert result.model_spec.name == "default"
    assert result.model_spec.version.value == 123
    assert list(result.metadata) == ["signature_def"]
    signatures = get_model_metadata_pb2.SignatureDefMap()
    assert result.metadata["signature_def"].Unpack(signatures)
    expected = {"signature_def": signature_def_map()}
    assert (
        json_format.MessageToDict(
            signatures, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        == expected
    )


def test_classify_scores_half_plus_two(example_server):
    result = classify(example_server.grpc)
    assert len(result.result.classifications) == 1
    assert len(result.result.classifications[0].classes) == 1
    assert result.result.classifications[0].classes[0].score == 3.0
    verify_model_spec(result.model_spec, "default", "classify_x_to_y", 123)


def test_regress_returns_half_plus_two(example_server):
    result = regress(example_server.grpc)
    assert len(result.result.regressions) == 1
    assert result.result.regressions[0].value == 3.0
    verify_model_spec(result.model_spec, "default", "regress_x_to_y", 123)


def test_multi_inference_runs_regress_and_classify(example_server):
    request = inference_pb2.MultiInferenceRequest()
    for signature, method in (("regress_x_to_y", "regress"), ("classify_x_to_y", "classify")):
        task = request.tasks.add()
        task.model_spec.name = "default"
        task.model_spec.signature_name = signature
        task.method_name = f"tensorflow/serving/{method}"
    add_example(request.input)
    result = prediction_stub(example_server.grpc).MultiInference(request, RPC_TIMEOUT)
    assert len(result.results) == 2
    assert result.results[0].regression_result.regressions[0].value == 3.0
    assert result.results[1].classification_result.classifications[0].classes[0].score == 3.0
    for i, task in enumerate(request.tasks):
        verify_model_spec(
            result.results[i].model_spec, "default", task.model_spec.signature_name, 123
        )


@pytest.mark.parametrize("specify_output", [True, False])
def test_predict_saved_model_returns_half_plus_two(default_server, specify_output):
    verify_predict(default_server.grpc, 3.0, 123, specify_output=specify_output)


def test_predict_over_unix_socket_returns_half_plus_two(default_server):
    verify_predict(default_server.socket, 3.0, 123, specify_output=False)


@pytest.mark.parametrize("specify_output", [True, False])
def test_good_model_config_serves_both_models(servers, good_model_config, specify_output):
    address = servers.get(model_config_file=good_model_config).grpc
    verify_predict(address, 3.0, 123, model_name="half_plus_two", specify_output=specify_output)
    verify_predict(address, 4.0, 123, model_name="half_plus_three", specify_output=specify_output)


def test_good_grpc_channel_args_server_predicts(servers, half_plus_two):
    server = servers.get(
        model_name="default",
        model_path=half_plus_two,
        grpc_channel_arguments="grpc.max_connection_age_ms=2000,grpc.lb_policy_name=grpclb",
    )
    verify_predict(server.grpc, 3.0, 123, specify_output=False)


def test_predict_on_classify_signature_without_its_input_is_invalid_argument(default_server):
    # Predict accepts any signature, but classify_x_to_y's input is "inputs", not "x".
    with pytest.raises(grpc.RpcError) as error:
        verify_predict(default_server.grpc, 3.0, 123, signature_name="classify_x_to_y")
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_predict_unknown_signature_is_failed_precondition(default_server):
    with pytest.raises(grpc.RpcError) as error:
        verify_predict(default_server.grpc, 3.0, 123, signature_name="no_such_signature")
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert 'Serving signature key "no_such_signature" not found.' in error.value.details()


@pytest.mark.parametrize(
    "model", ["saved_model_half_plus_two_tflite", "saved_model_half_plus_two_tflite_with_sigdef"]
)
def test_predict_on_tflite_returns_half_plus_two(servers, models, model):
    """Ports testPredictOnTfLite and testPredictWithSignatureDefOnTfLite: RunServer with
    model_type='tflite' adds --prefer_tflite_model=true; the version holds model.tflite only."""
    server = servers.get(
        model_name="default", model_path=models / model, prefer_tflite_model="true"
    )
    verify_predict(server.grpc, 3.0, 123, specify_output=False)


def test_profiler_service_with_valid_trace_request(default_server, tmp_path):
    """Ports test_profiler_service_with_valid_trace_request: a trace over the gRPC port
    while REST predicts run (sent from a thread rather than wget, so each answer is checked),
    then the trace file TensorFlow writes under the logdir."""
    answers = []
    tracing = threading.Event()

    def predict_while_tracing():
        body = {"instances": [2.0, 3.0, 4.0]}
        while not tracing.is_set():
            answers.append(call_rest(default_server.rest, "/v1/models/default:predict", body))
            tracing.wait(0.2)

    sender = threading.Thread(target=predict_while_tracing)
    sender.start()
    logdir = tmp_path / "logs"
    logdir.mkdir()
    try:
        profiler_client.trace(
            default_server.grpc,
            str(logdir),
            duration_ms=1000,
            worker_list="",
            num_tracing_attempts=10,
        )
    finally:
        tracing.set()
        sender.join()
    assert answers
    assert all(reply.json == {"predictions": [3.0, 3.5, 4.0]} for reply in answers)
    assert list(logdir.glob("plugins/profile/*/*.xplane.pb"))


def test_tf_text_model_predicts(servers, isolated_models):
    """Ports test_tf_text: a model whose graph runs a TensorFlow Text op, served at the
    version its directory `01` names, predicts half_plus_two."""
    base = isolated_models / "tf_text_regression"
    saved = saved_model_pb2.SavedModel.FromString((base / "01" / "saved_model.pb").read_bytes())
    # The model cannot load without TensorFlow Text's ops: its graph runs one.
    assert TF_TEXT_OP in graph_op_types(saved.meta_graphs[0].graph_def)
    server = servers.get(model_name="default", model_path=base)
    verify_predict(server.grpc, 3.0, int("01"))


@pytest.mark.parametrize(
    "model", ["keras_sequential_saved_model_save", "distrat_keras_sequential_saved_model_save"]
)
def test_sequential_keras_saved_model_save_predicts(servers, isolated_models, model):
    """Ports test_sequential_keras_saved_model_save and test_distrat_...: tf.keras Sequential
    models (the second under MirroredStrategy over two CPUs) saved by tf.saved_model.save."""
    server = servers.get(model_name="default", model_path=isolated_models / model)
    verify_predict(server.grpc, 2.0, 123, specify_output=False, batch_input=True)


def graph_op_types(graph_def):
    """The op types in a GraphDef's nodes and its library's function bodies."""
    ops = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        ops.update(node.op for node in function.node_def)
    return ops
