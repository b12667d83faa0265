"""The server's request logger: a sampling decision on the request path, files off it.

`log_grpc` and `log_rest` are called by the handlers after a request succeeded and before
its answer is sent. For a model with a logging_config they draw one uniform number against
its sampling rate and, if sampled, put the request's parts into a bounded queue without
waiting: when the queue is full the record is dropped and counted, so logging never delays
a request. One writer thread builds the PredictionLog records (`records`), serialises them
and writes each model's files (`files`); `stop()` drains the queue and publishes every open
file. Records are counted per model and status code, as TF Serving's
`:tensorflow:serving:request_log_count{model_name, status_code}` counts them: OK written,
RESOURCE_EXHAUSTED dropped (queue full, or offered after stop), INTERNAL failed to write;
`counts()` returns them and `on_count` passes each to the server's metrics.

Example:
    python -c "from serving.request_log.logger import RequestLogger; \
print(RequestLogger().counts())"
"""

import collections
import dataclasses
import functools
import logging
import queue
import random
import threading
import time

from serving.request_log import config as config_lib
from serving.request_log import records
from serving.request_log.files import LogFiles

QUEUE_RECORDS = 1024  # records waiting for the writer; beyond this they are dropped
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class FileLimits:
    """The `--request_log_*` flags: when a file is published, how much disk all may take."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    max_file_seconds: float = 60.0


class RequestLogger:
    """Samples and logs the requests of the models whose config has a logging_config.

    Args:
        models: checked ModelConfig protos (see `config.check_models`); none: logs nothing.
        tags: the SavedModel tags every record's log_metadata names.
        limits: FileLimits.
        rng: a random.Random that draws the sampling decisions (a parameter for tests).
        on_count: callable(model_name, status_code) called for each record counted.
    """

    def __init__(self, models=(), tags=("serve",), limits=FileLimits(), rng=None, on_count=None):
        self._on_count = on_count
        self._tags = tuple(tags)
        self._limits = limits
        self._random = (rng or random.Random()).random
        self._models = {}
        self._queue = queue.Queue(QUEUE_RECORDS)
        self._counts = collections.Counter()  # (model_name, status_code) -> records
        self._counts_lock = threading.Lock()
        self._files = {}  # prefix -> LogFiles; the writer thread's own
        self._stopping = threading.Event()
        self._thread = None
        self._start_lock = threading.Lock()
        self.reconfigure(models)

    def reconfigure(self, models):
        """Logs the models of a new model list from now on (a config reload).

        Args:
            models: checked ModelConfig protos.
        """
        self._models = config_lib.model_logging(models)  # one assignment: readers see old or new
        if self._models:
            self._start()

    def log_grpc(self, kind, request, response):
        """Offers one answered gRPC request to the log.

        Args:
            kind: a records.KINDS entry, e.g. "predict_log".
            request, response: the call's protos; they are not changed.
        """
        if kind == "multi_inference_log":
            name = request.tasks[0].model_spec.name if request.tasks else ""
        else:
            name = response.model_spec.name
        self._offer(name, (kind, request, response))

    def log_rest(self, verb, servable, signature_name, payload, outputs):
        """Offers one answered REST request, logged as its gRPC equivalent.

        Args:
            verb: "predict", "classify" or "regress".
            servable: the Servable that answered (name, version).
            signature_name: the signature that ran.
            payload, outputs: see `records.rest_protos`.
        """
        parts = (verb, servable.name, servable.version, signature_name, payload, outputs)
        self._offer(servable.name, ("rest", parts))

    def counts(self):
        """The counters: dict (model_name, status_code) -> records."""
        with self._counts_lock:
            return dict(self._counts)

    def stop(self, timeout=60.0):
        """Writes every queued record, publishes every open file; idempotent.

        Args:
            timeout: how long to wait for the writer thread.
        """
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("request log writer did not finish in %s s", timeout)
            self._thread = None

    def _offer(self, name, item):
        logging_ = self._models.get(name)
        if logging_ is None or not logging_.sampling_rate:
            return
        if logging_.sampling_rate < 1.0 and self._random() >= logging_.sampling_rate:
            return
        if self._stopping.is_set():
            self._count(name, "RESOURCE_EXHAUSTED")
            return
        try:
            self._queue.put_nowait((logging_, time.time(), item))
        except queue.Full:
            self._count(name, "RESOURCE_EXHAUSTED")

    def _count(self, name, status):
        with self._counts_lock:
            self._counts[(name, status)] += 1
        if self._on_count is not None:
            self._on_count(name, status)

    def _start(self):
        with self._start_lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="request-log", daemon=True)
                self._thread.start()

    def _run(self):
        # Until stop() and an empty queue: so everything queued before stop() is written.
        while True:
            try:
                logging_, timestamp, item = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._stopping.is_set():
                    break
                for files in self._files.values():
                    self._guard(logging_=None, action=files.close_if_old)
                continue
            self._guard(logging_, functools.partial(self._write, logging_, timestamp, item))
        for files in self._files.values():
            self._guard(None, files.close)

    def _guard(self, logging_, action):
        # A disk or record fault loses that record, counted, and never the writer thread.
        try:
            action()
        except Exception:
            log.exception("request log: cannot write")
            if logging_ is not None:
                self._count(logging_.model_name, "INTERNAL")

    def _write(self, logging_, timestamp, item):
        if item[0] == "rest":
            verb, *parts = item[1]
            kind = records.REST_KINDS[verb]
            request, response = records.rest_protos(verb, *parts)
        else:
            kind, request, response = item
        record = records.prediction_log(kind, request, response, logging_, timestamp, self._tags)
        data = record.SerializeToString()
        files = self._files.get(logging_.prefix)
        if files is None:
            limits = self._limits
            files = LogFiles(
                logging_.prefix,
                limits.max_file_bytes,
                limits.max_total_bytes,
                limits.max_file_seconds,
            )
            self._files[logging_.prefix] = files
        files.write(data)
        self._count(logging_.model_name, "OK")
