"""The examples of TF Serving's REST guide (api_rest.md) and Docker guide (docker.md).

Each guide starts the server as the tensorflow/serving image does, with
`--model_name=NAME --model_base_path=BASE/NAME` and REST on, and shows the answers checked
here: half_plus_two for Docker, saved_model_half_plus_three for REST.

Example:
    pytest tests/serving/tf_serving/test_guides.py
"""

import pytest
from harness import ModelServer, call_rest, free_port

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow


def _image_server(name, base_path):
    # The image's entrypoint: gRPC 8500, REST 8501, one model; free ports here instead.
    args = [
        f"--port={free_port()}",
        f"--rest_api_port={free_port()}",
        f"--model_name={name}",
        f"--model_base_path={base_path}",
    ]
    return ModelServer(args)


@pytest.fixture(scope="module")
def docker_guide(half_plus_two):
    """The Docker guide's server: half_plus_two."""
    with _image_server("half_plus_two", half_plus_two) as server:
        yield server.wait_ready()


@pytest.fixture(scope="module")
def rest_guide(models):
    """The REST guide's server: saved_model_half_plus_three from the testdata directory."""
    base = models / "saved_model_half_plus_three"
    with _image_server("saved_model_half_plus_three", base) as server:
        yield server.wait_ready()


def test_docker_guide_predict_returns_half_plus_two(docker_guide):
    body = {"instances": [1.0, 2.0, 5.0]}
    reply = call_rest(docker_guide.rest, "/v1/models/half_plus_two:predict", body)
    assert reply.json == {"predictions": [2.5, 3.0, 4.5]}, reply.text


def test_rest_guide_status_shows_version_123_available(rest_guide):
    reply = call_rest(rest_guide.rest, "/v1/models/saved_model_half_plus_three")
    assert reply.json == {
        "model_version_status": [
            {
                "version": "123",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }, reply.text


def test_rest_guide_predict_returns_half_plus_three(rest_guide):
    # The SignatureDef records scalars; TF Serving feeds the [3] batch all the same.
    body = {"instances": [1.0, 2.0, 5.0]}
    reply = call_rest(rest_guide.rest, "/v1/models/saved_model_half_plus_three:predict", body)
    assert reply.json == {"predictions": [3.5, 4.0, 5.5]}, reply.text


def test_rest_guide_regress_on_named_signature(rest_guide):
    body = {"signature_name": "tensorflow/serving/regress", "examples": [{"x": 1.0}, {"x": 2.0}]}
    reply = call_rest(rest_guide.rest, "/v1/models/saved_model_half_plus_three:regress", body)
    assert reply.json == {"results": [3.5, 4.0]}, reply.text


def test_rest_guide_unknown_model_is_404_with_json_error(rest_guide):
    reply = call_rest(rest_guide.rest, "/v1/models/half:predict", {"instances": [1.0, 5.0]})
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json == {"error": "Servable not found for request: Latest(half)"}
