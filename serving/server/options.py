"""The local server's flags: tensorflow_model_server's names and meaning, validated up front.

`ServerConfig` holds every tunable with its default; `parse_args` reads them from a
command line; `ServerConfig.load()` reads the model, batching and monitoring files so a
bad flag or file fails before any port is opened or model loaded.

Example:
    python -m serving.server --model_base_path serving/models/mnist --port 8500
"""

import dataclasses
import logging
import os
import pathlib

from tensorflow_serving.config import model_server_config_pb2

from model import cli
from serving import contract
from serving.batching.options import BatchingOptions
from serving.errors import ConfigError
from serving.server.config_files import read_text_proto

DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics"
_DEFAULT_THREADS = 32


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """Every setting of the local server; field names are tensorflow_model_server's flags.

    A port of 0 binds a free port. Without `model_config_file`, one model is served:
    `model_name` (default "mnist") from `model_base_path` (default serving/models/mnist).
    """

    port: int = contract.GRPC_PORT
    rest_api_port: int = contract.REST_PORT
    host: str = "127.0.0.1"
    model_name: str | None = None
    model_base_path: str | None = None
    model_config_file: str | None = None
    file_system_poll_wait_seconds: float = 1.0
    rest_api_enable_cors_support: bool = False
    enable_batching: bool = False
    batching_parameters_file: str | None = None
    monitoring_config_file: str | None = None
    rest_api_num_threads: int = _DEFAULT_THREADS
    grpc_max_threads: int = _DEFAULT_THREADS
    max_request_bytes: int = 32 * 1024 * 1024
    rest_api_timeout_in_ms: int = 30000
    rest_api_read_timeout_seconds: float = 50.0
    max_inflight_requests: int = 1024
    max_inflight_request_bytes: int = 128 * 1024 * 1024

    def __post_init__(self):
        for flag in ("port", "rest_api_port"):
            if not 0 <= getattr(self, flag) <= 65535:
                raise ConfigError(f"--{flag} must be in 0..65535, got {getattr(self, flag)}")
        positive = ("rest_api_num_threads", "grpc_max_threads", "max_request_bytes")
        positive += ("max_inflight_requests", "max_inflight_request_bytes")
        for flag in positive:
            if getattr(self, flag) < 1:
                raise ConfigError(f"--{flag} must be positive, got {getattr(self, flag)}")
        if self.file_system_poll_wait_seconds < 0:
            raise ConfigError(
                f"--file_system_poll_wait_seconds must be >= 0 (0 polls only at start), "
                f"got {self.file_system_poll_wait_seconds}"
            )
        for flag in ("rest_api_timeout_in_ms", "rest_api_read_timeout_seconds"):
            if getattr(self, flag) < 0:
                raise ConfigError(f"--{flag} must be >= 0 (0: no limit), got {getattr(self, flag)}")
        if self.max_inflight_request_bytes < self.max_request_bytes:
            raise ConfigError("--max_inflight_request_bytes must be >= --max_request_bytes")
        if not self.host:
            raise ConfigError("--host must not be empty")
        if self.model_config_file and (self.model_name or self.model_base_path):
            # tensorflow_model_server ignores them too; docker-compose.yml relies on that.
            logging.getLogger(__name__).warning(
                "--model_name and --model_base_path are ignored: --model_config_file is given"
            )
        if self.batching_parameters_file and not self.enable_batching:
            raise ConfigError("--batching_parameters_file needs --enable_batching")

    def load(self):
        """Reads and validates the configuration files.

        Returns:
            `Loaded(models, batching, prometheus_path)`: ModelConfig protos, the
            BatchingOptions (None when batching is off) and the metrics path (None when
            Prometheus monitoring is off).

        Raises:
            ConfigError: naming the file or model and what is wrong.
        """
        if self.model_config_file:
            server_config = read_text_proto("ModelServerConfig", self.model_config_file)
            if server_config.WhichOneof("config") != "model_config_list":
                raise ConfigError(f"{self.model_config_file}: needs a model_config_list")
            models = list(server_config.model_config_list.config)
        else:
            models = [
                model_server_config_pb2.ModelConfig(
                    name=self.model_name or contract.MODEL_NAME,
                    base_path=self.model_base_path or contract.DEFAULT_BASE_PATH,
                    model_platform="tensorflow",
                )
            ]
        _validate_models(models, self.model_config_file or "--model_base_path")
        batching = None
        if self.enable_batching:
            parameters = None
            if self.batching_parameters_file:
                parameters = read_text_proto("BatchingParameters", self.batching_parameters_file)
            batching = BatchingOptions.from_proto(parameters)
        prometheus_path = None
        if self.monitoring_config_file:
            prometheus = read_text_proto("MonitoringConfig", self.monitoring_config_file)
            if prometheus.prometheus_config.enable:
                prometheus_path = prometheus.prometheus_config.path or DEFAULT_PROMETHEUS_PATH
        return Loaded(models, batching, prometheus_path)


@dataclasses.dataclass(frozen=True)
class Loaded:
    """What `ServerConfig.load()` read: models, batching options, metrics path."""

    models: list
    batching: BatchingOptions | None
    prometheus_path: str | None


def _validate_models(models, source):
    # Also makes each base path absolute, so a later chdir cannot move a model.
    if not models:
        raise ConfigError(f"{source}: no models configured")
    names = set()
    for model in models:
        if not model.name or model.name in names:
            raise ConfigError(f"{source}: model names must be unique and non-empty")
        names.add(model.name)
        if model.model_platform not in ("", "tensorflow"):
            raise ConfigError(f"{source}: model {model.name}: platform {model.model_platform!r}")
        base = pathlib.Path(model.base_path)
        if not model.base_path or not base.is_dir():
            raise ConfigError(
                f"{source}: model {model.name}: base path {str(base)!r} is no directory"
            )
        policy = model.model_version_policy
        if policy.WhichOneof("policy_choice") == "specific" and not policy.specific.versions:
            raise ConfigError(f"{source}: model {model.name}: specific policy lists no versions")
        model.base_path = os.path.abspath(model.base_path)


def parse_args(argv=None):
    """Parses tensorflow_model_server-style flags (`--flag=value` or `--flag value`).

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].

    Returns:
        A validated ServerConfig.

    Raises:
        SystemExit: with status 2 and a one-line message for an unknown or malformed flag.
        ConfigError: for values that parse but are not allowed.
    """
    parser = cli.OneLineParser(
        prog="serving.server",
        description="Serves SavedModels over TF Serving's REST and gRPC APIs, with "
        "tensorflow_model_server's flags.",
    )
    defaults = ServerConfig()
    help_text = {
        "port": "gRPC port (0 picks a free one)",
        "rest_api_port": "HTTP/REST port (0 picks a free one)",
        "host": "address both APIs bind to",
        "model_name": f"name of the single served model (default {contract.MODEL_NAME})",
        "model_base_path": f"its versions' parent dir (default {contract.DEFAULT_BASE_PATH})",
        "model_config_file": "text ModelServerConfig: several models, policies, labels",
        "file_system_poll_wait_seconds": "seconds between polls for versions (0: at start only)",
        "rest_api_enable_cors_support": "add CORS headers and answer OPTIONS preflights",
        "enable_batching": "batch concurrent requests to the same signature",
        "batching_parameters_file": "text BatchingParameters (needs --enable_batching)",
        "monitoring_config_file": "text MonitoringConfig; enables Prometheus metrics",
        "rest_api_num_threads": "REST threads: run the model (batching off), parse large bodies",
        "grpc_max_threads": "gRPC threads that run the model when batching is off",
        "max_request_bytes": "largest accepted request body or gRPC message",
        "rest_api_timeout_in_ms": "answer each REST request within this many ms or with 504 "
        "DEADLINE_EXCEEDED (TF Serving's run timeout; 0: no limit)",
        "rest_api_read_timeout_seconds": "REST headers and body must arrive within this time "
        "(libevent's 50 s under TF Serving; 0: no limit)",
        "max_inflight_requests": "requests in flight per API; more are refused (REST 429, "
        "gRPC RESOURCE_EXHAUSTED)",
        "max_inflight_request_bytes": "REST body bytes in flight; more are refused with 429",
    }
    for field in dataclasses.fields(ServerConfig):
        default = getattr(defaults, field.name)
        kind = {bool: cli.boolean, int: int, float: float}.get(type(default), str)
        extra = {"nargs": "?", "const": True} if kind is cli.boolean else {}
        parser.add_argument(
            f"--{field.name}", type=kind, default=default, help=help_text[field.name], **extra
        )
    return ServerConfig(**vars(parser.parse_args(argv)))
