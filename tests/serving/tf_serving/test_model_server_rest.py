"""Ports of tensorflow_model_server_test.py's REST cases, against `python -m serving.server`.

The server is RunServer('default', saved_model_half_plus_two_cpu); answers are compared as
TF Serving's test compares them: the parsed JSON, whole.

Example:
    pytest tests/serving/tf_serving/test_model_server_rest.py
"""

import pytest
from expected_metadata import metadata_json
from harness import call_rest

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow


def test_classify_rest_returns_label_and_score(default_server):
    body = {"signature_name": "classify_x_to_y", "examples": [{"x": 2.0}]}
    reply = call_rest(default_server.rest, "/v1/models/default:classify", body)
    assert reply.status == 200, reply.text
    assert reply.json == {"results": [[["", 3.0]]]}


def test_regress_rest_returns_results(default_server):
    body = {"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}
    reply = call_rest(default_server.rest, "/v1/models/default:regress", body)
    assert reply.status == 200, reply.text
    assert reply.json == {"results": [3.0]}


def test_predict_rest_row_format_returns_predictions(default_server):
    reply = call_rest(
        default_server.rest, "/v1/models/default:predict", {"instances": [2.0, 3.0, 4.0]}
    )
    assert reply.status == 200, reply.text
    assert reply.json == {"predictions": [3.0, 3.5, 4.0]}


def test_predict_rest_columnar_format_returns_outputs(default_server):
    reply = call_rest(
        default_server.rest, "/v1/models/default:predict", {"inputs": [2.0, 3.0, 4.0]}
    )
    assert reply.status == 200, reply.text
    assert reply.json == {"outputs": [3.0, 3.5, 4.0]}


def test_get_status_rest_reports_version_123_available(default_server):
    reply = call_rest(default_server.rest, "/v1/models/default")
    assert reply.status == 200, reply.text
    assert reply.json == {
        "model_version_status": [
            {
                "version": "123",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


def test_get_model_metadata_rest_equals_the_metadata_file(default_server):
    reply = call_rest(default_server.rest, "/v1/models/default/metadata")
    assert reply.status == 200, reply.text
    assert reply.json == metadata_json("default", 123)


def test_prometheus_endpoint_serves_metric_types(default_server):
    reply = call_rest(default_server.rest, "/monitoring/prometheus/metrics")
    assert reply.status == 200, reply.text
    assert "# TYPE" in reply.text
