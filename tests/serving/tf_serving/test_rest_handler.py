"""Ports of http_rest_api_handler_test.cc over HTTP: routes, answers, error codes and texts.

TF Serving's test serves half_plus_two as "saved_model_half_plus_two_2_versions", version
123 only, with the label "Version_Label" on 123; the same config file is used here. A
handler status maps to HTTP as http_server.cc maps it (INVALID_ARGUMENT 400, NOT_FOUND 404)
and its message is the body's "error".

Example:
    pytest tests/serving/tf_serving/test_rest_handler.py
"""

import pytest
from expected_metadata import metadata_json
from harness import call_rest

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow

NAME = "saved_model_half_plus_two_2_versions"
MODEL = f"/v1/models/{NAME}"
LABEL = "Version_Label"
CONFIG = """model_config_list { config {
  name: "NAME" base_path: "PATH" model_platform: "tensorflow"
  model_version_policy { specific { versions: 123 } }
  version_labels { key: "LABEL" value: 123 }
} }
"""
STATUS_123 = {
    "model_version_status": [
        {
            "version": "123",
            "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""},
        }
    ]
}


@pytest.fixture(scope="module")
def rest(servers, models, tmp_path_factory):
    """host:port of the REST API of the handler test's configuration."""
    config = tmp_path_factory.mktemp("handler") / "models.config"
    path = models / "saved_model_half_plus_two_2_versions"
    config.write_text(
        CONFIG.replace("NAME", NAME).replace("PATH", str(path)).replace("LABEL", LABEL)
    )
    return servers.get(model_config_file=config).rest


def _ok(reply, expected):
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json == expected


@pytest.mark.parametrize("path", ["/statuspage", "/index"])
def test_path_regex_other_paths_are_not_handled(rest, path):
    assert call_rest(rest, path).status == 404


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/v1/foo", "Malformed request"),
        ("POST", "/v1/foo", "Malformed request"),
        ("GET", "/v1/models", "Missing model name"),
        ("GET", "/v1/models/debug/model_name", "Malformed request"),
        ("POST", "/v1/models", "Malformed request"),
        ("GET", "/v1/models/foo:predict", "Malformed request"),
        ("GET", "/v1/models/foo/version/50:predict", "Malformed request"),
        ("POST", "/v1/models/foo/version/50:regress", "Malformed request"),
        ("POST", "/v1/models/foo/versions/HELLO:regress", "Malformed request"),
        ("POST", f"/v1/models/foo/versions/{2**64 - 1}:regress", "Failed to convert version"),
        ("POST", "/v1/models/foo/metadata", "Malformed request"),
        ("POST", "/v1/models/foo/label/some_label:regress", "Malformed request"),
        ("POST", "/v1/models/foo/versions/50/labels/some_label:regress", "Malformed request"),
        ("POST", "/v1/models/foo/versions/some_label:regress", "Malformed request"),
    ],
)
def test_unsupported_api_calls_are_bad_requests(rest, method, path, message):
    body = b"" if method == "POST" else None
    reply = call_rest(rest, path, body, method=method)
    assert reply.status == 400, reply.text
    assert message in reply.json["error"]


@pytest.mark.parametrize(
    "path", ["/v1/models/foo:predict", "/v1/models/foo/versions/50:predict", f"{MODEL}99:predict"]
)
def test_predict_unknown_model_or_version_is_not_found(rest, path):
    reply = call_rest(rest, path, {"instances": [1]})
    assert reply.status == 404, reply.text


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (f"{MODEL}:predict", "", "JSON Parse error: The document is empty"),
        (f"{MODEL}:predict", "instances = [1, 2]", "JSON Parse error: Invalid value"),
        (f"{MODEL}:predict", '{ "instances": ["x", "y"] }', "not of expected type: float"),
        (
            f"{MODEL}/labels/Version_Nonexistent:predict",
            '{ "instances": ["x", "y"] }',
            "Unrecognized servable version label",
        ),
        (f"{MODEL}:predict", '{ "signature_name": 100 }', "'signature_name' key must be a string"),
    ],
)
def test_predict_request_errors_are_bad_requests(rest, path, body, message):
    reply = call_rest(rest, path, body, method="POST")
    assert reply.status == 400, reply.text
    assert message in reply.json["error"]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (f"{MODEL}:predict", {"instances": [[1.0, 2.0], [3.0, 4.0]]}, [[2.5, 3.0], [3.5, 4.0]]),
        (f"{MODEL}/versions/123:predict", {"instances": [1.0, 2.0]}, [2.5, 3.0]),
        (f"{MODEL}/labels/{LABEL}:predict", {"instances": [1.0, 2.0]}, [2.5, 3.0]),
        (
            f"{MODEL}/versions/123:predict",
            {"signature_name": "serving_default", "instances": [3.0, 4.0]},
            [3.5, 4.0],
        ),
    ],
)
def test_predict_answers_predictions(rest, path, body, expected):
    _ok(call_rest(rest, path, body), {"predictions": expected})


def test_predict_columnar_answers_outputs(rest):
    body = {"signature_name": "serving_default", "inputs": [3.0, 4.0]}
    _ok(call_rest(rest, f"{MODEL}/versions/123:predict", body), {"outputs": [3.5, 4.0]})


@pytest.mark.parametrize("route", ["", "/versions/123", f"/labels/{LABEL}"])
def test_regress_answers_results(rest, route):
    body = {"signature_name": "regress_x_to_y", "examples": [{"x": 80.0}]}
    _ok(call_rest(rest, f"{MODEL}{route}:regress", body), {"results": [42]})


@pytest.mark.parametrize(("route", "x", "score"), [("", 20.0, 12), (f"/labels/{LABEL}", 10.0, 7)])
def test_classify_answers_label_score_pairs(rest, route, x, score):
    body = {"signature_name": "classify_x_to_y", "examples": [{"x": x}]}
    _ok(call_rest(rest, f"{MODEL}{route}:classify", body), {"results": [[["", score]]]})


@pytest.mark.parametrize("route", ["", "/versions/123", f"/labels/{LABEL}"])
def test_get_status_reports_version_123(rest, route):
    _ok(call_rest(rest, f"{MODEL}{route}"), STATUS_123)


def test_get_model_metadata_equals_the_metadata_file(rest):
    _ok(call_rest(rest, f"{MODEL}/metadata"), metadata_json(NAME, 123, with_classify_x2=True))
