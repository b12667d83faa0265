"""gRPC server reflection over every service the server registers, as TF Serving offers it.

`ServiceRecorder` wraps a grpc.Server while the services are registered and keeps the
full name of each (the generated `add_*Servicer_to_server` functions and
`grpc.method_handlers_generic_handler` both name their service), so a service added later
is listed without touching this module. `enable_reflection` then adds
`grpc.reflection.v1alpha.ServerReflection` listing those names; descriptors come from
protobuf's default pool, which holds every generated `_pb2` module imported. A generated
`x_pb2_grpc` module imports only the messages its service uses, not `x_pb2`, which defines
the service, so `enable_reflection` imports the `x_pb2` of every `x_pb2_grpc` loaded. A service
whose `_pb2` module Python does not have (TensorFlow ships none for
`tensorflow.ProfilerService`) is listed, and describing it answers NOT_FOUND.

Example:
    grpcurl -plaintext 127.0.0.1:8500 list
"""

import importlib
import importlib.util
import sys

import grpc
from grpc_reflection.v1alpha import reflection

_GRPC_SUFFIX = "_grpc"  # protoc's gRPC plugin writes x_pb2_grpc beside x_pb2


class ServiceRecorder:
    """A grpc.Server that records the full name of every service registered on it.

    Pass it to registration functions in place of the server; everything but the two
    registration methods goes to the server unchanged. It is no grpc.Server instance, so
    code that checks the type (grpc_reflection's does) must get `server` itself.

    Args:
        server: the grpc.Server to register on.
    """

    def __init__(self, server):
        self.server = server
        self._names = {}  # a dict: insertion order, no repeats

    @property
    def names(self):
        """The full names of the services registered so far, in registration order."""
        return tuple(self._names)

    def add_generic_rpc_handlers(self, handlers):
        """Registers `handlers`, recording the service each grpc.ServiceRpcHandler names."""
        for handler in handlers:
            if isinstance(handler, grpc.ServiceRpcHandler):
                self._names[handler.service_name()] = None
        self.server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name, method_handlers):
        """Registers a service's method handlers, recording `service_name`."""
        self._names[service_name] = None
        self.server.add_registered_method_handlers(service_name, method_handlers)

    def __getattr__(self, name):
        return getattr(self.server, name)


def enable_reflection(recorder):
    """Adds the reflection service, listing what `recorder` saw and itself.

    Call it after every other service is registered: it lists the names known then.

    Args:
        recorder: the ServiceRecorder the services were registered through.

    Returns:
        tuple of the service names reflection lists.
    """
    _import_service_descriptors()
    names = (*recorder.names, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(names, recorder.server)
    return names


def _import_service_descriptors():
    # Puts the service descriptors of the loaded gRPC modules in the default pool.
    for name in [module for module in sys.modules if module.endswith("_pb2" + _GRPC_SUFFIX)]:
        descriptors = name.removesuffix(_GRPC_SUFFIX)
        if descriptors not in sys.modules and importlib.util.find_spec(descriptors) is not None:
            importlib.import_module(descriptors)
