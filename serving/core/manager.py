"""Which versions of which models are served: polls base paths, loads and unloads versions.

Every poll lists each model's base path (the scan `common.versions` shares with the
exporter), applies the model's version policy and loads the aspired versions that are not
loaded yet (the loader replays warmup before a version counts as AVAILABLE), in parallel
with `--num_load_threads`. A failed load is retried on later polls as
`--max_num_load_retries` and `--load_retry_interval_micros` say, then given up; it never
affects another version or model. Versions no longer aspired to are unloaded only once an
aspired version is AVAILABLE, as TF Serving's availability-preserving policy does. The map
of available versions is replaced, never mutated, so a swap never fails an in-flight or
concurrent request. `reconfigure` applies a new model list (HandleReloadConfigRequest,
`--model_config_file_poll_wait_seconds`): models are added, removed and relabelled live.

Example:
    python -m serving.server --model_config_file models.config --file_system_poll_wait_seconds 1
"""

import concurrent.futures
import dataclasses
import logging
import threading
import time

from common.versions import version_dirs
from serving.core.model_state import ModelState, RetryPolicy, VersionStatus, aspired_versions
from serving.errors import ConfigError, ServingError, invalid_argument, not_found, without_path

log = logging.getLogger(__name__)
# How much of a client-given model name or label an error message repeats: a status message
# is copied into the call's trailers and the log, so an unbounded name would be held many times.
SHOWN_NAME_CHARS = 256


def shown_name(text):
    """A model name or version label as error messages quote it: cut at SHOWN_NAME_CHARS.

    Args:
        text: the name or label a request gave.

    Returns:
        str.
    """
    if len(text) <= SHOWN_NAME_CHARS:
        return text
    return f"{text[:SHOWN_NAME_CHARS]}... ({len(text)} characters)"


@dataclasses.dataclass(frozen=True)
class ServableRequest:
    """A model spec: the latest version, a specific one, or the version a label names."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self):
        # The form TF Serving's error messages use.
        if self.version is None:
            return f"Latest({shown_name(self.name)})"
        return f"Specific({shown_name(self.name)}, {self.version})"


class ModelManager:
    """Keeps the configured models' aspired versions loaded while requests are served.

    Args:
        model_configs: ModelConfig protos (name, absolute base_path, model_version_policy,
            version_labels).
        load_version: callable (name, version, path) -> servable; raises to fail the load.
        poll_seconds: seconds between polls; 0 polls only in `load_initial`.
        retry: a RetryPolicy for failed loads (None: TF Serving's defaults).
        load_threads: versions loaded at once (0 or 1: one at a time).
        allow_unavailable_labels: `--allow_version_labels_for_unavailable_models`.
    """

    def __init__(
        self,
        model_configs,
        load_version,
        poll_seconds,
        retry=None,
        load_threads=0,
        allow_unavailable_labels=False,
    ):
        self._models = {config.name: ModelState(config) for config in model_configs}
        self._load_version = load_version
        self._poll_seconds = poll_seconds
        self._retry = retry or RetryPolicy()
        self._load_threads = max(load_threads, 1)
        self._allow_unavailable_labels = allow_unavailable_labels
        self._lock = threading.Lock()  # guards statuses and the models map
        self._poll_lock = threading.Lock()  # one poll or reconfiguration at a time
        self._stopping = threading.Event()
        self._thread = None

    def load_initial(self):
        """Loads every model's aspired versions, as TF Serving's server start waits for them.

        A model whose base path holds no version yet is served once one appears; a failed
        load is retried per the RetryPolicy before the start gives up.

        Raises:
            ConfigError: "N model(s) did not become available: ..." if a model's aspired
                versions all failed, or a version label names an unavailable version.
        """
        self._wait_until_available(list(self._models.values()))
        for model in self._models.values():
            self._check_labels(model, model.config, {})

    def start(self):
        """Starts polling the base paths in a background thread (unless polling is off)."""
        if self._poll_seconds > 0:
            self._thread = threading.Thread(target=self._poll_forever, name="poll", daemon=True)
            self._thread.start()

    def stop(self):
        """Stops polling; loaded versions stay loaded."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def poll_once(self):
        """Brings every model's loaded versions in line with its base path and policy."""
        with self._poll_lock:
            self._poll(list(self._models.values()))

    def reconfigure(self, model_configs):
        """Serves a new model list: adds, removes and updates models without a restart.

        Args:
            model_configs: validated ModelConfig protos with absolute base paths.

        Raises:
            ServingError: INVALID_ARGUMENT if a new model cannot be loaded or a label names
                an unavailable version; the models that could be applied stay applied.
        """
        with self._poll_lock:
            old = dict(self._models)
            models = {}
            for config in model_configs:
                model = old.get(config.name) or ModelState(config)
                models[config.name] = model
            added = [models[name] for name in models if name not in old]
            previous_labels = {name: dict(m.config.version_labels) for name, m in old.items()}
            for config in model_configs:
                # The new policy and base path apply at once; the new labels once checked.
                models[config.name].config = _with_labels(config, previous_labels)
            with self._lock:
                self._models = models
            for name in set(old) - set(models):
                log.info("Model %s removed from the configuration; unloading it", name)
            try:
                self._wait_until_available(added, locked=True)
            except ConfigError as error:
                raise invalid_argument(str(error)) from error
            for config in model_configs:
                self._check_labels(models[config.name], config, previous_labels)
                models[config.name].config = config

    def resolve(self, request):
        """Finds the servable a request names.

        Args:
            request: a ServableRequest.

        Returns:
            The servable: the highest available version, or the one asked for.

        Raises:
            ServingError: NOT_FOUND ("Servable not found for request: Latest(name)") or
                INVALID_ARGUMENT for an unknown version label.
        """
        model = self._models.get(request.name)
        if request.label is not None:
            request = ServableRequest(request.name, self._label_version(model, request.label))
        available = model.available if model is not None else {}
        if request.version is None and available:
            return available[max(available)]
        if request.version in available:
            return available[request.version]
        raise not_found(f"Servable not found for request: {request}")

    def statuses(self, request):
        """The states of a model's versions, as TF Serving's GetModelStatus reports them.

        Args:
            request: a ServableRequest; without version or label, all versions are listed.

        Returns:
            VersionStatus entries, lowest version first.

        Raises:
            ServingError: NOT_FOUND for an unknown model or version, INVALID_ARGUMENT for
                an unknown label.
        """
        model = self._models.get(request.name)
        version = request.version
        if request.label is not None:
            version = self._label_version(model, request.label)
        with self._lock:
            statuses = dict(model.statuses) if model is not None else {}
        if version is None:
            if not statuses:
                raise not_found(f"Could not find any versions of model {shown_name(request.name)}")
            return [statuses[v] for v in sorted(statuses)]
        if version not in statuses:
            raise not_found(f"Could not find version {version} of model {shown_name(request.name)}")
        return [statuses[version]]

    def available_versions(self):
        """What every configured model serves now.

        Returns:
            dict model name -> dict version -> Servable (empty for a model serving none).
        """
        with self._lock:
            models = dict(self._models)
        return {name: dict(model.available) for name, model in models.items()}

    def _label_version(self, model, label):
        labels = model.config.version_labels if model is not None else {}
        if label not in labels:
            raise invalid_argument(f"Unrecognized servable version label: {shown_name(label)}")
        return labels[label]

    def _wait_until_available(self, models, locked=False):
        # Polls the given models until each has an available version, has nothing to load
        # yet, or has given up on every aspired version.
        while True:
            if locked:
                self._poll(models)
            else:
                self.poll_once()
            pending, failed = [], []
            for model in models:
                on_disk = _listing(model)
                aspired = aspired_versions(model.config.model_version_policy, set(on_disk))
                if model.available or not aspired:
                    continue
                if aspired <= model.given_up(self._retry):
                    failed.append(model)
                else:
                    pending.append(model)
            if failed:
                raise ConfigError(_unavailable_message(failed, self._retry))
            if not pending or self._stopping.is_set():
                return
            time.sleep(min(self._retry.load_retry_interval_micros / 1e6, 1.0))

    def _check_labels(self, model, config, previous_labels):
        name = config.name
        for label, version in config.version_labels.items():
            if version in model.available:
                continue
            is_new = label not in previous_labels.get(name, {})
            if self._allow_unavailable_labels and is_new:
                continue
            raise ConfigError(
                f"Request to assign label {label} to version {version} of model {name}, "
                f"which is not currently available for inference"
            )

    def _poll_forever(self):
        while not self._stopping.wait(self._poll_seconds):
            try:
                self.poll_once()
            except Exception:  # polling must outlive any single failure
                log.exception("Polling the model base paths failed")

    def _poll(self, models):
        jobs = []
        for model in models:
            on_disk = _listing(model)
            if on_disk is None:
                continue
            model.forget_missing(on_disk)
            aspired = aspired_versions(model.config.model_version_policy, set(on_disk))
            for version in sorted(aspired - set(model.available), reverse=True):
                if model.due(version, self._retry):
                    jobs.append((model, version, on_disk[version]))
            model.aspired = aspired
        if self._load_threads > 1 and len(jobs) > 1:
            with concurrent.futures.ThreadPoolExecutor(self._load_threads, "load") as pool:
                list(pool.map(lambda job: self._load(*job), jobs))
        else:
            for job in jobs:
                if self._stopping.is_set():
                    return
                self._load(*job)
        for model in models:
            aspired = model.aspired
            if aspired is not None and (not aspired or aspired & set(model.available)):
                for version in sorted(set(model.available) - aspired):
                    self._unload(model, version)

    def _load(self, model, version, path):
        name = model.config.name
        self._set_status(model, VersionStatus(version, "LOADING"))
        log.info("Loading servable version {name: %s version: %d} from %s", name, version, path)
        try:
            servable = self._load_version(name, version, path)
        except Exception as error:  # any failure marks this version, never the server
            code = error.code.name if isinstance(error, ServingError) else "UNKNOWN"
            reason = error.message if isinstance(error, ServingError) else str(error)
            message = without_path(reason, path, f"{name} version {version}")
            gave_up = model.failed(version, self._retry)
            state = "END" if gave_up else "LOADING"
            self._set_status(model, VersionStatus(version, state, code, message))
            log.error(
                "Loading servable version {name: %s version: %d} failed%s: %s",
                name, version, " for good" if gave_up else "; it will be retried", message,
            )  # fmt: skip
            return
        model.loaded(version)
        model.available = {**model.available, version: servable}
        self._set_status(model, VersionStatus(version, "AVAILABLE"))
        log.info("Successfully loaded servable version {name: %s version: %d}", name, version)

    def _unload(self, model, version):
        self._set_status(model, VersionStatus(version, "UNLOADING"))
        model.available = {v: s for v, s in model.available.items() if v != version}
        self._set_status(model, VersionStatus(version, "END"))
        log.info("Unloaded servable version {name: %s version: %d}", model.config.name, version)

    def _set_status(self, model, status):
        with self._lock:
            model.statuses[status.version] = status


def _listing(model):
    # version -> path, or None when the base path cannot be listed right now: a base path
    # that is gone for a moment must not unload what is serving.
    try:
        return version_dirs(model.config.base_path)
    except OSError as error:
        log.warning(
            "Cannot list versions of model %s in %s: %s",
            model.config.name, model.config.base_path, error,
        )  # fmt: skip
        return None


def _with_labels(config, previous_labels):
    # A copy of config that keeps the model's labels so far (none for a new model).
    copy = type(config)()
    copy.CopyFrom(config)
    copy.ClearField("version_labels")
    copy.version_labels.update(previous_labels.get(config.name, {}))
    return copy


def _unavailable_message(models, retry):
    # TF Serving's WaitUntilModelsAvailable wording.
    parts = []
    for model in models:
        for version in sorted(model.given_up(retry)):
            status = model.statuses.get(version)
            error = f" due to error: {status.error_message}" if status else ""
            parts.append(f"{{name: {model.config.name} version: {version}}}{error}")
    return f"{len(models)} model(s) did not become available: {{{', '.join(parts)}}}"
