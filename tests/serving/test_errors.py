"""Status codes mapped to HTTP as TF Serving maps them, and TensorFlow errors made readable.

Example:
    .venv/bin/pytest tests/serving/test_errors.py
"""

import grpc
import tensorflow as tf

from serving.errors import ServingError, clean_tf_message, from_tf_error


def test_http_status_follows_tf_servings_mapping():
    expected = {
        "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "NOT_FOUND": 404,
        "UNIMPLEMENTED": 501, "UNAVAILABLE": 503, "RESOURCE_EXHAUSTED": 429,
        "DEADLINE_EXCEEDED": 504, "INTERNAL": 500, "UNKNOWN": 500, "DATA_LOSS": 500,
    }  # fmt: skip
    for name, status in expected.items():
        assert ServingError(grpc.StatusCode[name], "x").http_status == status


def test_from_tf_error_keeps_the_code_and_the_reason():
    message = (
        "Graph execution error:\n\nDetected at node DecodePng defined at (most recent call "
        "last):\n<stack traces unavailable>\nUnknown image file format.\n\t "
        "[[{{node DecodePng}}]] [Op:__inference_signature_wrapper_1]"
    )
    error = from_tf_error(tf.errors.InvalidArgumentError(None, None, message))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.message == "Unknown image file format."
    assert clean_tf_message("plain reason") == "plain reason"
