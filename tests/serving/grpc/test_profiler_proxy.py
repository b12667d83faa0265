"""The profiler service on the gRPC port: forwarded bytes, deadline and status; off by flag.

The forwarding is checked against a stand-in profiler server that answers known bytes;
the real TensorFlow profiler is traced end to end in
tests/serving/tf_serving/test_model_server_grpc.py.

Example:
    .venv/bin/pytest tests/serving/grpc/test_profiler_proxy.py
"""

import concurrent.futures
import functools

import grpc
import pytest

from serving.grpc import GrpcOptions, GrpcServer, add_services, profiler_proxy
from serving.server import FREE_PORT
from serving.server.metrics import Metrics

PROFILE = "/tensorflow.ProfilerService/Profile"
TERMINATE = "/tensorflow.ProfilerService/Terminate"


class StandInProfiler:
    """A TF profiler server stand-in: Profile answers its request reversed, Terminate fails."""

    def __init__(self):
        self.deadlines = []  # time_remaining() of each Profile call as it arrived
        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(2))
        methods = {
            "Profile": grpc.unary_unary_rpc_method_handler(self._profile),
            "Terminate": grpc.unary_unary_rpc_method_handler(self._terminate),
        }
        self.server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(profiler_proxy.SERVICE, methods),)
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def _profile(self, request, context):
        self.deadlines.append(context.time_remaining())
        return request[::-1]

    def _terminate(self, request, context):
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no such session")


def serve(**options):
    """A started GrpcServer with TF Serving's services; `options` as GrpcOptions."""
    services = functools.partial(add_services, manager=None, metrics=Metrics())
    server = GrpcServer(services, GrpcOptions(host="127.0.0.1", port=FREE_PORT, **options))
    server.start()
    return server


@pytest.fixture
def stand_in(monkeypatch):
    profiler = StandInProfiler()
    profiler.server.start()
    monkeypatch.setattr(profiler_proxy, "backend_port", lambda: profiler.port)
    yield profiler
    profiler.server.stop(grace=None)


def test_profiler_proxy_passes_bytes_and_the_deadline_through(stand_in):
    server = serve(profiler=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            answer = channel.unary_unary(PROFILE)(b"\x08\xe8\x07trace", timeout=30)
    finally:
        server.stop(grace_seconds=1)
    assert answer == b"ecart\x07\xe8\x08"
    # The forwarded call carries the caller's deadline, never a longer one.
    assert len(stand_in.deadlines) == 1 and 0 < stand_in.deadlines[0] <= 30


def test_profiler_proxy_passes_the_backends_status_through(stand_in):
    server = serve(profiler=True)
    try:
        with (
            grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel,
            pytest.raises(grpc.RpcError) as caught,
        ):
            channel.unary_unary(TERMINATE)(b"", timeout=30)
    finally:
        server.stop(grace_seconds=1)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "no such session"


def test_grpc_server_without_profiler_answers_unimplemented():
    server = serve()
    try:
        with (
            grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel,
            pytest.raises(grpc.RpcError) as caught,
        ):
            channel.unary_unary(PROFILE)(b"", timeout=30)
    finally:
        server.stop(grace_seconds=1)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_model_server_enable_profiler_false_answers_unimplemented(make_server, exported_model):
    server = make_server(
        model_base_path=str(exported_model), rest_api_port=0, enable_profiler=False
    )
    with (
        server,
        grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        channel.unary_unary(PROFILE)(b"", timeout=30)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
