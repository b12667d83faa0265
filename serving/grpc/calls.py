"""How every TF Serving gRPC call is answered: counted, refused with its code, trimmed after.

`rpc(api)` wraps a servicer method `method(self, request) -> response` into a handler that
grpc's thread-pool server runs in one of its threads: a request without its ModelSpec is
INVALID_ARGUMENT ("Missing ModelSpec"), a ServingError aborts the call with its status, an
unexpected fault is logged and answered INTERNAL "Internal error", and every outcome is
recorded in `self.metrics` (with the version and signature the answer names; CANCELLED for
an answer its client no longer waited for) before the status is sent. Requests of a MiB
or more ask for a malloc_trim once their buffers are freed (`memory.TrimSoon`).
`servable_request` reads a ModelSpec.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0
"""

import functools
import logging
import time

import grpc

from serving import memory
from serving.core import ServableRequest
from serving.errors import ServingError, invalid_argument

log = logging.getLogger(__name__)
# Requests at least this large ask for a malloc_trim after them (see memory.TrimSoon).
TRIM_AFTER_BYTES = memory.MMAP_THRESHOLD_BYTES
_TRIM = memory.TrimSoon()  # one per process: malloc_trim frees the whole heap


def servable_request(model_spec):
    """The ServableRequest a gRPC ModelSpec names.

    Args:
        model_spec: a tensorflow.serving.ModelSpec.

    Returns:
        A ServableRequest with the version or version label the spec sets, if any.
    """
    choice = model_spec.WhichOneof("version_choice")
    return ServableRequest(
        model_spec.name,
        model_spec.version.value if choice == "version" else None,
        model_spec.version_label if choice == "version_label" else None,
    )


def rpc(api, model_name=lambda request: request.model_spec.name):
    # Records the call's outcome and latency, then turns a ServingError into the call's
    # status. Recorded before `context.abort`, which sends the status: a client that has its
    # answer must find the call counted. `model_name` reads the name a request is counted
    # under; requests without a model_spec (MultiInference, reload) pass their own.
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request, context):
            start = time.perf_counter()

            def record(code, response=None):
                elapsed = time.perf_counter() - start
                # An answer naming its signature gives the version and signature it ran.
                spec = getattr(response, "model_spec", None)
                ran = {}
                if spec is not None and spec.signature_name:
                    ran = {"version": spec.version.value, "signature": spec.signature_name}
                self.metrics.record(model_name(request), api, "GRPC", code, elapsed, **ran)

            try:
                return call(self, request, context, record)
            finally:
                # The call's buffers are freed once it ends: the trim waits for that.
                if request.ByteSize() >= TRIM_AFTER_BYTES:
                    _TRIM.request()

        def call(self, request, context, record):
            try:
                if "model_spec" in request.DESCRIPTOR.fields_by_name and not request.HasField(
                    "model_spec"
                ):
                    raise invalid_argument("Missing ModelSpec")
                response = method(self, request)
            except ServingError as error:
                record(error.code.name)
                context.abort(error.code, error.message)
            except Exception:  # details go to the log, never to the client
                log.exception("gRPC %s failed", api)
                record("INTERNAL")
                context.abort(grpc.StatusCode.INTERNAL, "Internal error")
            # A client that cancelled, or whose deadline passed, never gets this answer.
            record("OK" if context.is_active() else "CANCELLED", response)
            return response

        return wrapper

    return decorate
