"""tritonclient.grpc against a server's Open Inference Protocol; prints what it saw as JSON.

Run in a subprocess by test_grpc_service.py: tritonclient.grpc registers the same
`inference.*` protobuf messages as serving.v2.proto, and one process cannot hold both.
Reads test digits (uint8, [n][28][28]) as JSON on stdin.

Example:
    echo '[[[0]]]' | .venv/bin/python tests/serving/v2/triton_grpc_calls.py 127.0.0.1:8500
"""

import json
import sys

import numpy as np
import tritonclient.grpc as triton


def status_of(call):
    try:
        call()
    except triton.InferenceServerException as error:
        return error.status()
    return "OK"


def main(address):
    digits = np.array(json.load(sys.stdin), dtype=np.uint8)
    client = triton.InferenceServerClient(address)
    pixels = {"signature_name": "predict_pixels"}
    images = triton.InferInput("images", list(digits.shape), "UINT8")
    images.set_data_from_numpy(digits)
    outputs = [triton.InferRequestedOutput("classes"), triton.InferRequestedOutput("scores")]
    result = client.infer("mnist", [images], outputs=outputs, parameters=pixels)
    floats = triton.InferInput("images", [1, 28, 28], "FP32")
    floats.set_data_from_numpy(np.zeros((1, 28, 28), np.float32))
    answer = {
        "live": client.is_server_live(),
        "ready": client.is_server_ready(),
        "model_ready": client.is_model_ready("mnist"),
        "version_9_ready": client.is_model_ready("mnist", "9"),
        "metadata": client.get_model_metadata("mnist", as_json=True),
        "classes": result.as_numpy("classes").tolist(),
        "scores": result.as_numpy("scores").tolist(),
        "unknown_model": status_of(lambda: client.infer("nope", [images])),
        "wrong_datatype": status_of(lambda: client.infer("mnist", [floats], parameters=pixels)),
    }
    client.close()
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1])
