"""Errors that carry a TF Serving status code, and how each code maps to HTTP and gRPC.

Every refusal of the local server is a `ServingError`: the REST API turns it into
`{"error": message}` with the HTTP status TF Serving's http_server.cc gives that code,
and the gRPC API aborts the call with the same code and message.

Example:
    python -c "from serving.errors import not_found; print(not_found('x').http_status)"
"""

import re

import grpc

# TF Serving's ToHTTPStatusCode (model_servers/http_server.cc).
HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}

# Lines of a TensorFlow runtime error that locate the failure instead of stating it.
_NOISE_PREFIXES = ("Graph execution error", "Detected at node", "<stack traces unavailable>", "[[")
_OP_SUFFIX = re.compile(r"\s*\[Op:[^\]]*\]$")
# TensorFlow's error codes (tf.errors.OpError.error_code) share gRPC's numbering.
_CODE_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


class ServingError(Exception):
    """A request the server refuses, with the status code TF Serving would answer.

    Args:
        code: a `grpc.StatusCode`.
        message: the error text sent to the client.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self):
        """The HTTP status TF Serving's REST API answers for this code."""
        return HTTP_STATUS[self.code]


class ConfigError(ValueError):
    """A flag or configuration file the server cannot start with; the message says why."""


def invalid_argument(message):
    """A ServingError with code INVALID_ARGUMENT (HTTP 400).

    Args:
        message: the error text.

    Returns:
        The error, for the caller to raise.
    """
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message):
    """A ServingError with code NOT_FOUND (HTTP 404).

    Args:
        message: the error text.

    Returns:
        The error, for the caller to raise.
    """
    return ServingError(grpc.StatusCode.NOT_FOUND, message)


def without_path(message, path, shown):
    """A message with a server path replaced, so clients never see the server's file layout.

    Args:
        message: the text, e.g. "Failed to load /srv/models/mnist/3: ...".
        path: the path to hide, e.g. "/srv/models/mnist/3" (and anything under it).
        shown: what stands in its place, e.g. "mnist version 3".

    Returns:
        The message with every occurrence of path replaced by shown.
    """
    return message.replace(str(path), shown)


def from_tf_error(error):
    """Converts a TensorFlow runtime error into the ServingError TF Serving would send.

    Args:
        error: a `tf.errors.OpError` raised while running a signature.

    Returns:
        A ServingError with the same code and message.
    """
    code = _CODE_BY_NUMBER.get(error.error_code, grpc.StatusCode.UNKNOWN)
    return ServingError(code, clean_tf_message(error.message))


def clean_tf_message(message):
    """The reason in a TensorFlow runtime error, without its graph-location noise.

    Args:
        message: e.g. "Graph execution error:\n\nDetected at node ...\nUnknown image file
            format. ...\n\t [[{{node DecodePng}}]] [Op:__inference_...]".

    Returns:
        The lines that state the reason, e.g. "Unknown image file format. ...".
    """
    lines = []
    for line in message.splitlines():
        line = _OP_SUFFIX.sub("", line).strip()
        if line and not line.startswith(_NOISE_PREFIXES):
            lines.append(line)
    return " ".join(lines) or message.strip()
