"""The running local server: models, batching, metrics, and the gRPC and REST endpoints.

`ModelServer(config)` reads and validates the configuration; `start()` starts the batch
threads, loads every model's aspired versions (replaying their warmup records), binds
gRPC (port and/or UNIX socket) and REST (unless `--rest_api_port=0`), and starts polling
for new versions and, with `--model_config_file_poll_wait_seconds`, for a changed model
config file; `reload_config` applies a new model list (HandleReloadConfigRequest); `stop()`
lets in-flight requests finish and releases everything. `serving.server.build_server` is
the factory.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --port=auto --rest_api_port=auto
"""

import concurrent.futures
import logging
import threading

from serving import request_log
from serving.batching import BatchScheduler
from serving.core import ModelManager, RetryPolicy, replay_warmup, tflite_servable
from serving.errors import ConfigError, invalid_argument
from serving.server import endpoints
from serving.server import settings as settings_lib
from serving.server.endpoints import GRACE_SECONDS
from serving.server.metrics import Metrics

log = logging.getLogger(__name__)


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
        self.request_log = request_log.for_server(config, self.settings.models, self.metrics)
        self.batch_scheduler = None
        if self.settings.batching is not None:
            self.batch_scheduler = BatchScheduler(self.settings.batching, self.metrics)
        self.manager = ModelManager(
            self.settings.models,
            self._load_version,
            config.file_system_poll_wait_seconds,
            RetryPolicy(config.max_num_load_retries, config.load_retry_interval_micros),
            config.num_load_threads,
            config.allow_version_labels_for_unavailable_models,
        )
        self._grpc_server = None
        self._rest_server = None
        self._executor = None
        self._stopping = threading.Event()
        self._config_poller = None
        self._parse_executor = None

    @property
    def grpc_port(self):
        """The bound gRPC TCP port (after `start`), or None without one."""
        return self._grpc_server.port if self._grpc_server is not None else None

    @property
    def rest_port(self):
        """The bound REST port (after `start`), or None when REST is off."""
        return self._rest_server.port if self._rest_server is not None else None

    def start(self):
        """Loads the models and starts serving.

        Returns:
            self, serving.

        Raises:
            ConfigError: if a model cannot be loaded, a version label names an unavailable
                version or a port cannot be bound; the server is stopped again.
        """
        try:
            if self.batch_scheduler is not None:
                self.batch_scheduler.start()
            self.manager.load_initial()
            self._start_grpc()
            self._start_rest()
            self.manager.start()
            if self.config.model_config_file and self.config.model_config_file_poll_wait_seconds:
                self._config_poller = threading.Thread(
                    target=self._poll_config_file, name="config-poll", daemon=True
                )
                self._config_poller.start()
        except BaseException:
            self.stop()
            raise
        return self

    def reload_config(self, server_config):
        """Serves the models of a new ModelServerConfig (HandleReloadConfigRequest).

        Args:
            server_config: a ModelServerConfig with a model_config_list.

        Raises:
            ServingError: INVALID_ARGUMENT for a config TF Serving would refuse.
        """
        if server_config.WhichOneof("config") != "model_config_list":
            raise invalid_argument("ServerCore config must be a model_config_list")
        models = list(server_config.model_config_list.config)
        try:
            settings_lib.validate_models(models, "HandleReloadConfigRequest")
        except ConfigError as error:
            raise invalid_argument(str(error)) from error
        self._reconfigure(models)

    def stop(self, grace_seconds=GRACE_SECONDS):
        """Stops polling and both APIs, letting in-flight requests finish; idempotent.

        Args:
            grace_seconds: how long in-flight gRPC calls may still run.
        """
        self._stopping.set()
        if self._config_poller is not None:
            self._config_poller.join()
            self._config_poller = None
        self.manager.stop()
        if self._grpc_server is not None:
            self._grpc_server.stop(grace_seconds)
            self._grpc_server = None
        if self._rest_server is not None:
            self._rest_server.stop()
            self._rest_server = None
        for executor in (self._executor, self._parse_executor):
            if executor is not None:
                executor.shutdown()
        self._executor = self._parse_executor = None
        if self.batch_scheduler is not None:
            self.batch_scheduler.stop()
        self.request_log.stop()  # last: every answered request's record is queued by now

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _load_version(self, name, version, path):
        config = self.config
        servable = tflite_servable.load_servable(name, version, path, config, self.settings)
        if config.enable_model_warmup:
            replay_warmup(servable, config.num_request_iterations_for_warmup)
        if self.batch_scheduler is not None:
            servable.batch_with(self.batch_scheduler)
        return servable

    def _reconfigure(self, models):
        # Metrics count the new models by name, whatever part of the reload took effect.
        try:
            self.request_log.reconfigure(models)
            self.manager.reconfigure(models)
        finally:
            self.metrics.set_models(model.name for model in models)

    def _poll_config_file(self):
        # TF Serving's PollFilesystemAndReloadConfig: a bad file or reload is logged, and
        # what serves keeps serving.
        while not self._stopping.wait(self.config.model_config_file_poll_wait_seconds):
            try:
                self._reconfigure(settings_lib.read_models(self.config.model_config_file))
            except Exception as error:  # polling must outlive any single failure
                log.error("PollFilesystemAndReloadConfig failed to ReloadConfig: %s", error)

    def _start_grpc(self):
        self._grpc_server = endpoints.grpc_endpoint(self)
        self._grpc_server.start()

    def _start_rest(self):
        if not endpoints.rest_wanted(self.config):
            return
        self._executor = concurrent.futures.ThreadPoolExecutor(
            self.config.rest_api_num_threads, "rest"
        )
        # Large bodies are parsed one at a time, so they never take more than one core's
        # share of the GIL from the loop answering small requests.
        self._parse_executor = concurrent.futures.ThreadPoolExecutor(1, "rest-parse")
        self._rest_server = endpoints.start_rest(self, self._executor, self._parse_executor)
