"""The local server's flags: every tensorflow_model_server 2.21 flag, with its meaning and default.

`ServerConfig` holds each flag of TF Serving's model_servers/main.cc under its name, with
TF Serving's default, plus this project's extras (`host`, `max_request_bytes`); the
metadata of each field is its help text and, for a flag that has no meaning here, why it
is ignored. `parse_args` reads a command line (`--flag=value` or `--flag value`);
`ServerConfig.load()` reads the files the flags name (see `server.settings`), so a bad flag
or file fails before any port is opened or model loaded. Flags are read here and nowhere
else. One extra value: a port of `auto` (FREE_PORT) binds a free port, since 0 keeps TF
Serving's meaning (`--rest_api_port=0` disables REST).

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --rest_api_port=8501
"""

import dataclasses
import logging
import os

from common import cli
from serving.errors import ConfigError
from serving.server import settings

FREE_PORT = -1  # the extra port value `auto`: the OS picks a free port
_CPUS = os.cpu_count() or 1
log = logging.getLogger(__name__)


def _flag(default, help_text, ignored=None):
    # ignored: why a flag accepted for compatibility has no effect here (logged once if set).
    return dataclasses.field(default=default, metadata={"help": help_text, "ignored": ignored})


def _extra(default, help_text):
    return dataclasses.field(default=default, metadata={"help": help_text, "extra": True})


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """Every setting of the local server; field names and defaults are TF Serving's flags."""

    port: int = _flag(8500, "gRPC port (0: no TCP port; needs --grpc_socket_path)")
    grpc_socket_path: str = _flag("", "also serve gRPC on this UNIX domain socket")
    rest_api_port: int = _flag(0, "HTTP/REST port; 0 disables the REST API")
    rest_api_num_threads: int = _flag(4 * _CPUS, "REST threads (model runs, large bodies)")
    rest_api_timeout_in_ms: int = _flag(30000, "timeout of one REST call, in milliseconds")
    rest_api_enable_cors_support: bool = _flag(False, "CORS headers and OPTIONS preflights")
    enable_batching: bool = _flag(False, "batch concurrent requests to the same signature")
    allow_version_labels_for_unavailable_models: bool = _flag(
        False, "a new version label may name a version not loaded yet"
    )
    batching_parameters_file: str = _flag("", "text BatchingParameters (with --enable_batching)")
    enable_per_model_batching_parameters: bool = _flag(
        False, "read batching_params.pbtxt from each model", ignored="the file is not read"
    )
    model_config_file: str = _flag("", "text ModelServerConfig: models, policies, labels")
    model_config_file_poll_wait_seconds: int = _flag(
        0, "seconds between re-reads of --model_config_file (0: read once)"
    )
    model_name: str = _flag("default", "name of the single model (without a config file)")
    model_base_path: str = _flag("", "its versions' parent directory")
    num_load_threads: int = _flag(0, "threads loading versions in parallel (0: one at a time)")
    num_unload_threads: int = _flag(0, "threads unloading versions (unloads are immediate here)")
    max_num_load_retries: int = _flag(5, "retries of a failed load before giving up")
    load_retry_interval_micros: int = _flag(60_000_000, "wait between load retries")
    file_system_poll_wait_seconds: float = _flag(1.0, "seconds between version polls (0: once)")
    flush_filesystem_caches: bool = _flag(
        True, "flush file system caches after loads", ignored="no caches of its own to flush"
    )
    tensorflow_session_parallelism: int = _flag(0, "both op thread pools' size (0: auto)")
    tensorflow_session_config_file: str = _flag("", "text ConfigProto for every session")
    tensorflow_intra_op_parallelism: int = _flag(0, "intra-op thread pool size (0: auto)")
    tensorflow_inter_op_parallelism: int = _flag(0, "inter-op thread pool size (0: auto)")
    use_alts_credentials: bool = _flag(False, "ALTS", ignored="ALTS exists on Google Cloud only")
    ssl_config_file: str = _flag("", "text SSLConfig for gRPC TLS")
    platform_config_file: str = _flag(
        "", "text PlatformConfigMap", ignored="only the TensorFlow platform is served"
    )
    per_process_gpu_memory_fraction: float = _flag(0.0, "GPU memory share", ignored="no GPU")
    saved_model_tags: str = _flag("serve", "comma-separated tags of the MetaGraphDef to serve")
    grpc_channel_arguments: str = _flag("", "gRPC server arguments, e.g. k1=v1,k2=v2")
    grpc_max_threads: int = _flag(4 * _CPUS, "gRPC handler threads, each runs its call's model")
    enable_model_warmup: bool = _flag(True, "replay assets.extra/tf_serving_warmup_requests")
    num_request_iterations_for_warmup: int = _flag(0, "replays of each warmup record (if > 0)")
    version: bool = _flag(False, "print the version and exit")
    monitoring_config_file: str = _flag("", "text MonitoringConfig: Prometheus metrics")
    remove_unused_fields_from_bundle_metagraph: bool = _flag(
        True, "drop unused MetaGraphDef fields", ignored="a memory saving of the C++ loader"
    )
    prefer_tflite_model: bool = _flag(False, "serve a version's model.tflite when it has one")
    num_tflite_pools: int = _flag(_CPUS, "TF Lite interpreters per TF Lite version")
    num_tflite_interpreters_per_pool: int = _flag(1, "> 1: split TF Lite tasks into chunks")
    enable_signature_method_name_check: bool = _flag(
        False, "Classify/Regress need their method name in the signature"
    )
    xla_cpu_compilation_enabled: bool = _flag(False, "XLA on CPU", ignored="graphs run as exported")
    xla_gpu_compilation_enabled: bool = _flag(False, "XLA on GPU", ignored="no GPU")
    enable_profiler: bool = _flag(True, "tensorflow.ProfilerService on the gRPC port")
    thread_pool_factory_config_file: str = _flag(
        "", "custom thread pools", ignored="no custom thread pools"
    )
    mixed_precision: str = _flag("", "bfloat16 rewrite", ignored="graphs run as exported")
    skip_initialize_tpu: bool = _flag(False, "TPU", ignored="no TPU")
    enable_grpc_healthcheck_service: bool = _flag(False, "the standard grpc.health.v1 service")
    enable_serialization_as_tensor_content: bool = _flag(
        False, "Predict answers in tensor_content instead of the typed fields"
    )
    host: str = _extra("127.0.0.1", "[extra] address both APIs bind (TF Serving: 0.0.0.0)")
    max_request_bytes: int = _extra(32 * 1024 * 1024, "[extra] largest request accepted")
    rest_api_read_timeout_seconds: float = _extra(
        50.0, "[extra] REST: close a connection whose headers or body stall this long"
    )
    max_inflight_requests: int = _extra(1024, "[extra] requests in flight before 429")
    max_inflight_request_bytes: int = _extra(
        128 * 1024 * 1024, "[extra] request bytes in flight before 429"
    )
    request_log_max_file_bytes: int = _extra(
        64 * 1024 * 1024, "[extra] a request log file is closed at this size"
    )
    request_log_max_total_bytes: int = _extra(
        1024 * 1024 * 1024, "[extra] request log files of a prefix: oldest deleted beyond this"
    )
    request_log_max_file_seconds: float = _extra(
        60.0, "[extra] a request log file open this long is closed (0: by size only)"
    )

    def __post_init__(self):
        for flag in ("port", "rest_api_port"):
            value = getattr(self, flag)
            if value != FREE_PORT and not 0 <= value <= 65535:
                raise ConfigError(f"--{flag} must be in 0..65535 or auto, got {value}")
        if self.port == 0 and not self.grpc_socket_path:
            raise ConfigError(
                "At least one of server_options.grpc_port or server_options.grpc_socket_path "
                "must be set."
            )
        positive = ("rest_api_num_threads", "grpc_max_threads", "max_request_bytes")
        positive += ("max_inflight_requests", "max_inflight_request_bytes")
        for flag in positive:
            if getattr(self, flag) < 1:
                raise ConfigError(f"--{flag} must be positive, got {getattr(self, flag)}")
        for flag in ("file_system_poll_wait_seconds", "model_config_file_poll_wait_seconds"):
            if getattr(self, flag) < 0:
                raise ConfigError(f"--{flag} must be >= 0, got {getattr(self, flag)}")
        for flag in ("max_num_load_retries", "rest_api_timeout_in_ms"):
            if getattr(self, flag) < 0:
                raise ConfigError(f"--{flag} must be >= 0, got {getattr(self, flag)}")
        if self.rest_api_read_timeout_seconds < 0:
            raise ConfigError("--rest_api_read_timeout_seconds must be >= 0 (0: no limit)")
        if not 0 < self.request_log_max_file_bytes <= self.request_log_max_total_bytes:
            raise ConfigError(
                "--request_log_max_file_bytes must be in 1..--request_log_max_total_bytes"
            )
        if self.request_log_max_file_seconds < 0:
            raise ConfigError("--request_log_max_file_seconds must be >= 0 (0: by size only)")
        if self.max_inflight_request_bytes < self.max_request_bytes:
            raise ConfigError("--max_inflight_request_bytes must be >= --max_request_bytes")
        if not self.host:
            raise ConfigError("--host must not be empty")
        if not self.model_config_file and not self.model_base_path and not self.version:
            raise ConfigError(
                "Both server_options.model_base_path and server_options.model_config_file "
                "are empty!"
            )
        if not [tag for tag in self.saved_model_tags.split(",") if tag.strip()]:
            raise ConfigError("--saved_model_tags must name at least one tag")

    @property
    def tags(self):
        """The MetaGraphDef tag set `--saved_model_tags` names, as a tuple."""
        return tuple(tag.strip() for tag in self.saved_model_tags.split(",") if tag.strip())

    def ignored_flags(self):
        """The flags set away from their default that have no effect here, with why.

        Returns:
            list of (flag, reason).
        """
        return [
            (field.name, field.metadata["ignored"])
            for field in dataclasses.fields(self)
            if field.metadata.get("ignored") and getattr(self, field.name) != field.default
        ]

    def load(self):
        """Reads and validates the files the flags name (see `server.settings.load`).

        Returns:
            A `server.settings.Settings`.

        Raises:
            ConfigError: naming the file or model and what is wrong.
        """
        return settings.load(self)


def int_or_auto(text):
    """Parses a port flag: an integer, or `auto` (FREE_PORT) for a free port."""
    return FREE_PORT if text.strip().lower() == "auto" else int(text)


def parse_args(argv=None):
    """Parses tensorflow_model_server's flags (`--flag=value` or `--flag value`).

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
    for field in dataclasses.fields(ServerConfig):
        kind = {bool: cli.boolean, int: int, float: float}.get(type(field.default), str)
        if field.name in ("port", "rest_api_port"):
            kind = int_or_auto
        extra = {"nargs": "?", "const": True} if kind is cli.boolean else {}
        help_text = field.metadata["help"]
        if field.metadata.get("ignored"):
            help_text += f" [accepted, ignored: {field.metadata['ignored']}]"
        parser.add_argument(
            f"--{field.name}", type=kind, default=field.default, help=help_text, **extra
        )
    config = ServerConfig(**vars(parser.parse_args(argv)))
    for flag, reason in config.ignored_flags():
        log.warning("--%s is accepted for compatibility and ignored: %s", flag, reason)
    return config
