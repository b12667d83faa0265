"""Server reflection: every registered service is listed, and its methods resolve.

The listing is read with grpcio-reflection's own client, ProtoReflectionDescriptorDatabase.

Example:
    .venv/bin/pytest tests/serving/grpc/test_reflection.py
"""

import functools

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from serving.grpc import GrpcOptions, GrpcServer, add_services
from serving.grpc.reflection import ServiceRecorder
from serving.server import FREE_PORT
from serving.server.metrics import Metrics

TF_SERVING = {"tensorflow.serving.PredictionService", "tensorflow.serving.ModelService"}
REFLECTION = "grpc.reflection.v1alpha.ServerReflection"


def register_with_extra(server, **services):
    # TF Serving's services plus one added later, by a generic handler.
    add_services(server, **services)
    echo = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("test.Extra", {"Echo": echo}),)
    )


@pytest.fixture
def reflected():
    """A channel to a GrpcServer with health, the profiler and an extra service."""
    services = functools.partial(register_with_extra, manager=None, metrics=Metrics())
    options = GrpcOptions(host="127.0.0.1", port=FREE_PORT, health_service=True, profiler=True)
    server = GrpcServer(services, options)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield server, channel
    finally:
        server.stop(grace_seconds=1)


def test_reflection_lists_every_registered_service(reflected):
    server, channel = reflected
    expected = TF_SERVING | {
        "grpc.health.v1.Health",
        "tensorflow.ProfilerService",
        "test.Extra",
        REFLECTION,
    }
    assert set(ProtoReflectionDescriptorDatabase(channel).get_services()) == expected
    assert set(server.service_names) == expected


def test_reflection_resolves_method_descriptors(reflected):
    _, channel = reflected
    pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    predict = pool.FindServiceByName("tensorflow.serving.PredictionService")
    assert predict.methods_by_name["Predict"].input_type.full_name == (
        "tensorflow.serving.PredictRequest"
    )
    assert predict.methods_by_name["Predict"].output_type.full_name == (
        "tensorflow.serving.PredictResponse"
    )
    status = pool.FindServiceByName("tensorflow.serving.ModelService")
    assert status.methods_by_name["GetModelStatus"].input_type.full_name == (
        "tensorflow.serving.GetModelStatusRequest"
    )
    check = pool.FindServiceByName("grpc.health.v1.Health").methods_by_name["Check"]
    assert check.input_type.full_name == "grpc.health.v1.HealthCheckRequest"


def test_reflection_has_no_descriptor_for_the_profiler_service(reflected):
    # TensorFlow ships no Python module for profiler_service.proto: listed, not described.
    _, channel = reflected
    with pytest.raises(KeyError):
        ProtoReflectionDescriptorDatabase(channel).FindFileContainingSymbol(
            "tensorflow.ProfilerService"
        )


def test_reflection_without_options_lists_tf_serving_and_itself():
    services = functools.partial(add_services, manager=None, metrics=Metrics())
    server = GrpcServer(services, GrpcOptions(host="127.0.0.1", port=FREE_PORT))
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            names = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    finally:
        server.stop(grace_seconds=1)
    assert names == TF_SERVING | {REFLECTION}


class Registrations:
    """A server stand-in that keeps what was registered on it."""

    def __init__(self):
        self.generic = []
        self.registered = []
        self.bound = None

    def add_generic_rpc_handlers(self, handlers):
        self.generic.extend(handlers)

    def add_registered_method_handlers(self, service_name, method_handlers):
        self.registered.append(service_name)

    def add_insecure_port(self, address):
        self.bound = address
        return 1


def test_service_recorder_names_each_service_once_and_passes_calls_on():
    server = Registrations()
    recorder = ServiceRecorder(server)
    # The generated health registration calls both registration methods.
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), recorder)
    recorder.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("a.B", {}),))
    assert recorder.names == ("grpc.health.v1.Health", "a.B")
    assert len(server.generic) == 2 and server.registered == ["grpc.health.v1.Health"]
    assert recorder.add_insecure_port("127.0.0.1:1") == 1 and server.bound == "127.0.0.1:1"


def test_model_server_lists_the_profiler_by_default(grpc_channel):
    names = set(ProtoReflectionDescriptorDatabase(grpc_channel).get_services())
    # A subset: services added to the model server later are listed too.
    assert TF_SERVING | {"tensorflow.ProfilerService", REFLECTION} <= names
