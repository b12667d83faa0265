"""Reads TF Serving's text-format configuration files as TF Serving's own protos.

`--model_config_file` is a `ModelServerConfig` (tensorflow-serving-api ships it) and
`--tensorflow_session_config_file` a TensorFlow `ConfigProto`. `--batching_parameters_file`
is a `BatchingParameters`, `--monitoring_config_file` a `MonitoringConfig` and
`--ssl_config_file` an `SSLConfig`; the pip package ships none of these three, so their
messages are declared here with the package, names, types and field numbers of TF
Serving's session_bundle_config.proto, monitoring_config.proto and ssl_config.proto, and
parse exactly the files `tensorflow_model_server` reads.

Example:
    python -c "from serving.server.config_files import parse_text; \
print(parse_text('BatchingParameters', 'max_batch_size { value: 32 }', 'inline'))"
"""

import functools
import pathlib

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
    text_format,
    wrappers_pb2,
)
from tensorflow_serving.config import model_server_config_pb2

from serving.errors import ConfigError

_PACKAGE = "tensorflow.serving"
_FIELD = descriptor_pb2.FieldDescriptorProto
# (message, [(field, number, type, message type or None, repeated)]), from TF Serving's protos.
_MESSAGES = [
    ("PrometheusConfig", [("enable", 1, _FIELD.TYPE_BOOL, None, False),
                          ("path", 2, _FIELD.TYPE_STRING, None, False)]),
    ("MonitoringConfig", [("prometheus_config", 1, _FIELD.TYPE_MESSAGE,
                           f".{_PACKAGE}.PrometheusConfig", False)]),
    ("BatchingParameters", [
        ("max_batch_size", 1, _FIELD.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("batch_timeout_micros", 2, _FIELD.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("max_enqueued_batches", 3, _FIELD.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("num_batch_threads", 4, _FIELD.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("thread_pool_name", 5, _FIELD.TYPE_MESSAGE, ".google.protobuf.StringValue", False),
        ("allowed_batch_sizes", 6, _FIELD.TYPE_INT64, None, True),
        ("pad_variable_length_inputs", 7, _FIELD.TYPE_BOOL, None, False),
    ]),
    ("SSLConfig", [("server_key", 1, _FIELD.TYPE_STRING, None, False),
                   ("server_cert", 2, _FIELD.TYPE_STRING, None, False),
                   ("custom_ca", 3, _FIELD.TYPE_STRING, None, False),
                   ("client_verify", 4, _FIELD.TYPE_BOOL, None, False)]),
]  # fmt: skip


@functools.cache
def _message_classes():
    # A private pool, so these declarations never clash with generated modules.
    pool = descriptor_pool.DescriptorPool()
    wrappers = descriptor_pb2.FileDescriptorProto()
    wrappers_pb2.DESCRIPTOR.CopyToProto(wrappers)
    pool.Add(wrappers)
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="tensorflow_serving/local/batching_and_monitoring.proto",
        package=_PACKAGE,
        syntax="proto3",
        dependency=[wrappers.name],
    )
    for message_name, fields in _MESSAGES:
        message = file_proto.message_type.add(name=message_name)
        for name, number, field_type, type_name, repeated in fields:
            field = message.field.add(name=name, number=number, type=field_type)
            field.label = _FIELD.LABEL_REPEATED if repeated else _FIELD.LABEL_OPTIONAL
            if type_name:
                field.type_name = type_name
    pool.Add(file_proto)
    classes = {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))
        for name, _ in _MESSAGES
    }
    classes["ModelServerConfig"] = model_server_config_pb2.ModelServerConfig
    return classes


def parse_text(message_name, text, source):
    """Parses text-format protobuf into one of TF Serving's configuration messages.

    Args:
        message_name: "ModelServerConfig", "BatchingParameters" or "MonitoringConfig".
        text: the text-format content.
        source: where the text came from, for error messages (usually the file path).

    Returns:
        The parsed message.

    Raises:
        ConfigError: naming the source and the parser's complaint.
    """
    if message_name == "ConfigProto":
        # Imported here: importing it imports TensorFlow, which only this file needs.
        from tensorflow.core.protobuf import config_pb2

        message = config_pb2.ConfigProto()
    else:
        message = _message_classes()[message_name]()
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as error:
        full_name = message.DESCRIPTOR.full_name  # e.g. tensorflow.serving.ModelServerConfig
        raise ConfigError(f"{source}: Error parsing text-format {full_name}: {error}") from error
    return message


def read_text_proto(message_name, path):
    """Reads a text-format configuration file as one of TF Serving's messages.

    Args:
        message_name: "ModelServerConfig", "BatchingParameters" or "MonitoringConfig".
        path: the file to read.

    Returns:
        The parsed message.

    Raises:
        ConfigError: if the file is missing, unreadable or does not parse.
    """
    path = pathlib.Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read {message_name} file ({error})") from error
    return parse_text(message_name, text, path)
