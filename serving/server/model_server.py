"""The running local server: models, batching, metrics, and the gRPC and REST endpoints.

`ModelServer(config)` reads and validates the configuration; `start()` starts the batch
threads, loads every model's aspired versions (replaying their warmup records), binds
the gRPC and REST ports and starts polling for new versions; `stop()` lets in-flight
requests finish and releases everything. `serving.server.build_server` is the factory.

Example:
    python -m serving.server --model_base_path serving/models/mnist --port 0 --rest_api_port 0
"""

import concurrent.futures

from serving.batching import BatchScheduler
from serving.core import ModelManager, Servable, replay_warmup
from serving.errors import ConfigError
from serving.grpc import GrpcServer
from serving.rest import RestApi, RestServer, create_app
from serving.rest.admission import Admission
from serving.server.metrics import Metrics

GRACE_SECONDS = 5.0  # how long stop() lets in-flight requests finish


class ModelServer:
    """The local stand-in for tensorflow_model_server.

    Args:
        config: a ServerConfig.

    Raises:
        ConfigError: if a configuration file is missing or invalid.
    """

    def __init__(self, config):
        self.config = config
        self.settings = config.load()
        self.metrics = Metrics(model.name for model in self.settings.models)
        self.batch_scheduler = None
        if self.settings.batching is not None:
            self.batch_scheduler = BatchScheduler(self.settings.batching)
        self.manager = ModelManager(
            self.settings.models, self._load_version, config.file_system_poll_wait_seconds
        )
        self._grpc_server = None
        self._grpc_port = None
        self._grpc_executor = None
        self._rest_server = None
        self._executor = None
        self._parse_executor = None

    @property
    def grpc_port(self):
        """The bound gRPC port (after `start`)."""
        return self._grpc_port

    @property
    def rest_port(self):
        """The bound REST port (after `start`)."""
        return self._rest_server.port if self._rest_server is not None else None

    def start(self):
        """Loads the models and starts serving.

        Returns:
            self, serving.

        Raises:
            ConfigError: if a version label names an unavailable version or a port cannot
                be bound; the server is stopped again.
        """
        try:
            if self.batch_scheduler is not None:
                self.batch_scheduler.start()
            self.manager.load_initial()
            self._start_grpc()
            self._start_rest()
            self.manager.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace_seconds=GRACE_SECONDS):
        """Stops polling and both APIs, letting in-flight requests finish; idempotent.

        Args:
            grace_seconds: how long in-flight gRPC calls may still run.
        """
        self.manager.stop()
        if self._grpc_server is not None:
            self._grpc_server.stop(grace_seconds)
            self._grpc_server = None
        if self._rest_server is not None:
            self._rest_server.stop()
            self._rest_server = None
        for executor in (self._grpc_executor, self._executor, self._parse_executor):
            if executor is not None:
                executor.shutdown()
        self._grpc_executor = self._executor = self._parse_executor = None
        if self.batch_scheduler is not None:
            self.batch_scheduler.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _load_version(self, name, version, path):
        servable = Servable(name, version, path)
        replay_warmup(servable)
        if self.batch_scheduler is not None:
            servable.batch_with(self.batch_scheduler)
        return servable

    def _start_grpc(self):
        config = self.config
        self._grpc_executor = concurrent.futures.ThreadPoolExecutor(config.grpc_max_threads, "grpc")
        server = GrpcServer(
            self.manager,
            self.metrics,
            self._grpc_executor,
            host=config.host,
            port=config.port,
            max_request_bytes=config.max_request_bytes,
            max_concurrent_calls=config.max_inflight_requests,
        )
        server.start()
        self._grpc_server, self._grpc_port = server, server.port

    def _start_rest(self):
        config = self.config
        self._executor = concurrent.futures.ThreadPoolExecutor(config.rest_api_num_threads, "rest")
        # Large bodies are parsed one at a time, so they never take more than one core's
        # share of the GIL from the loop answering small requests.
        self._parse_executor = concurrent.futures.ThreadPoolExecutor(1, "rest-parse")
        admission = Admission(
            config.max_inflight_requests,
            config.max_inflight_request_bytes,
            config.max_request_bytes,
            config.rest_api_read_timeout_seconds,
        )
        app = create_app(
            RestApi(self.manager, self._executor, self._parse_executor),
            metrics=self.metrics,
            cors=config.rest_api_enable_cors_support,
            admission=admission,
            timeout=config.rest_api_timeout_in_ms / 1000,
            prometheus_path=self.settings.prometheus_path,
        )
        self._rest_server = RestServer(
            app,
            config.host,
            config.rest_api_port,
            GRACE_SECONDS,
            idle_timeout=config.rest_api_read_timeout_seconds,
        )
        try:
            self._rest_server.start()
        except OSError as error:
            self._rest_server = None
            raise ConfigError(
                f"cannot bind the REST port {config.host}:{config.rest_api_port}: {error}"
            ) from error
