"""tritonclient.http against the local server's Open Inference Protocol, JSON and binary.

The answers equal TF Serving's REST `:predict` of the same digits on the same server.

Example:
    .venv/bin/pytest tests/serving/v2/test_tritonclient_http.py
"""

import numpy as np
import pytest
import tritonclient.http as triton

from common import contract


@pytest.fixture(scope="module")
def digits(mnist):
    _, (x_test, _) = mnist
    return x_test[:8]


def predict_v1(http, model_url, signature, instances):
    status, _, body = http(
        "POST", model_url + ":predict", {"signature_name": signature, "instances": instances}
    )
    assert status == 200, body
    return body["predictions"]


def test_v2_tritonclient_http_reads_metadata_and_infers(served_model, model_url, http, digits):
    client = triton.InferenceServerClient(f"127.0.0.1:{served_model.rest_port}")
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("mnist") and not client.is_model_ready("mnist", "7")
    assert client.get_model_metadata("mnist")["inputs"][0]["shape"] == [-1, 28, 28]
    expected = predict_v1(http, model_url, contract.PREDICT_PIXELS, digits.tolist())
    for binary in (False, True):
        tensor = triton.InferInput("images", list(digits.shape), "UINT8")
        tensor.set_data_from_numpy(digits, binary_data=binary)
        outputs = [
            triton.InferRequestedOutput(k, binary_data=binary) for k in ("classes", "scores")
        ]
        result = client.infer(
            "mnist", [tensor], outputs=outputs, parameters={"signature_name": "predict_pixels"}
        )
        assert result.as_numpy("classes").tolist() == [row["classes"] for row in expected]
        np.testing.assert_array_equal(
            result.as_numpy("scores"), np.float32([row["scores"] for row in expected])
        )
    with pytest.raises(triton.InferenceServerException, match="is UINT8, got FP32"):
        tensor = triton.InferInput("images", [1, 28, 28], "FP32")
        tensor.set_data_from_numpy(np.zeros((1, 28, 28), np.float32))
        client.infer("mnist", [tensor], parameters={"signature_name": "predict_pixels"})
    client.close()
