"""What the server's flags point at, read and checked: models, batching, monitoring, sessions.

`load(config)` reads `--model_config_file` (or builds the one model of `--model_name` and
`--model_base_path`), `--batching_parameters_file`, `--monitoring_config_file`,
`--tensorflow_session_config_file` and `--ssl_config_file`, and derives the session
thread pools from the parallelism flags, as TF Serving does, so a bad file fails before
anything starts.
`read_models(path)` reads a model config file alone, for reloads.

Example:
    python -c "from serving.server import ServerConfig; \
print(ServerConfig(model_base_path='serving/models').load().models)"
"""

import dataclasses
import logging
import os

from tensorflow_serving.config import model_server_config_pb2

from serving.batching.options import BatchingOptions
from serving.errors import ConfigError
from serving.request_log import check_models
from serving.server.config_files import read_text_proto

DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics"
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Settings:
    """What `load` read: the models, batching options, metrics path and session config."""

    models: list  # ModelConfig protos with absolute base paths
    batching: BatchingOptions | None  # None: batching off
    prometheus_path: str | None  # None: no Prometheus endpoint
    session_config: object  # a tf.compat.v1.ConfigProto for every version's session
    ssl: object  # an SSLConfig for gRPC, or None for an insecure port


def load(config):
    """Reads and validates every file a ServerConfig names.

    Args:
        config: a ServerConfig.

    Returns:
        Settings.

    Raises:
        ConfigError: naming the file or model and what is wrong.
    """
    if config.model_config_file:
        if config.model_base_path:
            # tensorflow_model_server ignores them too; docker-compose.yml relies on that.
            log.warning("--model_name and --model_base_path are ignored: --model_config_file")
        models = read_models(config.model_config_file)
    else:
        models = [
            model_server_config_pb2.ModelConfig(
                name=config.model_name,
                base_path=config.model_base_path,
                model_platform="tensorflow",
            )
        ]
        validate_models(models, "--model_base_path")
    batching = None
    if config.enable_batching:
        parameters = None
        if config.batching_parameters_file:
            parameters = read_text_proto("BatchingParameters", config.batching_parameters_file)
        batching = BatchingOptions.from_proto(parameters)
    elif config.batching_parameters_file:
        raise ConfigError("--batching_parameters_file needs --enable_batching")
    prometheus_path = None
    if config.monitoring_config_file:
        prometheus = read_text_proto("MonitoringConfig", config.monitoring_config_file)
        if prometheus.prometheus_config.enable:
            prometheus_path = prometheus.prometheus_config.path or DEFAULT_PROMETHEUS_PATH
    ssl = read_text_proto("SSLConfig", config.ssl_config_file) if config.ssl_config_file else None
    return Settings(models, batching, prometheus_path, _session_config(config), ssl)


def read_models(path):
    """Reads a ModelServerConfig file's model list.

    Args:
        path: the text-format file.

    Returns:
        list of validated ModelConfig protos, base paths made absolute.

    Raises:
        ConfigError: for an unreadable file or an invalid model list.
    """
    server_config = read_text_proto("ModelServerConfig", path)
    if server_config.WhichOneof("config") != "model_config_list":
        raise ConfigError(f"{path}: needs a model_config_list")
    models = list(server_config.model_config_list.config)
    validate_models(models, path)
    return models


def validate_models(models, source):
    """Checks a model list as TF Serving does; makes each base path absolute in place.

    Args:
        models: ModelConfig protos.
        source: where they came from, for messages.

    Raises:
        ConfigError: for no models, a repeated name, another platform, a bad policy, a
            bad logging_config.
    """
    if not models:
        raise ConfigError(f"{source}: no models configured")
    names = set()
    for model in models:
        if not model.name or model.name in names:
            raise ConfigError(f"{source}: model names must be unique and non-empty")
        names.add(model.name)
        if model.model_platform not in ("", "tensorflow"):
            raise ConfigError(f"{source}: model {model.name}: platform {model.model_platform!r}")
        if not model.base_path or not os.path.isdir(model.base_path):
            raise ConfigError(
                f"{source}: model {model.name}: base path {model.base_path!r} is no directory"
            )
        policy = model.model_version_policy
        if policy.WhichOneof("policy_choice") == "specific" and not policy.specific.versions:
            raise ConfigError(f"{source}: model {model.name}: specific policy lists no versions")
        # Relative to the working directory at start, so a later chdir cannot move a model.
        model.base_path = os.path.abspath(model.base_path)
    check_models(models, source)  # each logging_config (serving.request_log)


def _session_config(config):
    # TF Serving: a session config file wins; else the parallelism flags, the per-pool ones
    # over the shared one (0: TensorFlow's automatic sizing).
    if config.tensorflow_session_config_file:
        return read_text_proto("ConfigProto", config.tensorflow_session_config_file)
    from tensorflow.core.protobuf import config_pb2  # imports TensorFlow: only when needed

    shared = config.tensorflow_session_parallelism
    return config_pb2.ConfigProto(
        intra_op_parallelism_threads=config.tensorflow_intra_op_parallelism or shared,
        inter_op_parallelism_threads=config.tensorflow_inter_op_parallelism or shared,
    )
