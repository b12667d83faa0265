"""Which versions of which models are served: polls base paths, loads and unloads versions.

Every poll lists each model's base path (numeric directory names are versions), applies
the model's version policy (latest N, all, or specific versions) and loads the versions
it aspires to that are not loaded yet (the loader replays warmup before a version counts
as AVAILABLE). Versions no longer aspired to are unloaded only once an aspired version is
AVAILABLE, as TF Serving's availability-preserving policy does. The map of available
versions is replaced, never mutated, so a request that resolved a version keeps it until
it finishes: a swap never fails an in-flight or concurrent request.

Example:
    python -m serving.server --model_config_file models.config --file_system_poll_wait_seconds 1
"""

import dataclasses
import logging
import threading

from export.versions import version_dirs
from serving.errors import ConfigError, ServingError, invalid_argument, not_found, without_path

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ServableRequest:
    """A model spec: the latest version, a specific one, or the version a label names."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self):
        # The form TF Serving's error messages use.
        if self.version is None:
            return f"Latest({self.name})"
        return f"Specific({self.name}, {self.version})"


@dataclasses.dataclass(frozen=True)
class VersionStatus:
    """A version's state (START, LOADING, AVAILABLE, UNLOADING, END) and its health."""

    version: int
    state: str
    error_code: str = "OK"
    error_message: str = ""


class _Model:
    def __init__(self, config):
        self.config = config
        self.available = {}  # version -> servable; replaced on every change
        self.statuses = {}  # version -> VersionStatus
        self.failed = set()  # versions whose load failed; retried once they reappear


class ModelManager:
    """Keeps the configured models' aspired versions loaded while requests are served.

    Args:
        model_configs: ModelConfig protos (name, absolute base_path, model_version_policy,
            version_labels).
        load_version: callable (name, version, path) -> servable; raises to fail the load.
        poll_seconds: seconds between polls; 0 polls only in `load_initial`.
    """

    def __init__(self, model_configs, load_version, poll_seconds):
        self._models = {config.name: _Model(config) for config in model_configs}
        self._load_version = load_version
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = None

    def load_initial(self):
        """Loads every model's aspired versions, then checks that each label has its version.

        A model whose base path holds no version yet is served once one appears.

        Raises:
            ConfigError: if every version of a model failed to load, or a version label
                names a version that is not available.
        """
        self.poll_once()
        for name, model in self._models.items():
            if model.failed and not model.available:
                failed = model.statuses[max(model.failed)]
                raise ConfigError(
                    f"model {name}: no version could be loaded; version {failed.version}: "
                    f"{failed.error_message}"
                )
            for label, version in model.config.version_labels.items():
                if version not in model.available:
                    raise ConfigError(
                        f"Request to assign label {label} to version {version} of model {name}, "
                        f"which is not currently available for inference"
                    )

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
        for model in self._models.values():
            self._update(model)

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
                raise not_found(f"Could not find any versions of model {request.name}")
            return [statuses[v] for v in sorted(statuses)]
        if version not in statuses:
            raise not_found(f"Could not find version {version} of model {request.name}")
        return [statuses[version]]

    def _label_version(self, model, label):
        labels = model.config.version_labels if model is not None else {}
        if label not in labels:
            raise invalid_argument(f"Unrecognized servable version label: {label}")
        return labels[label]

    def _poll_forever(self):
        while not self._stopping.wait(self._poll_seconds):
            try:
                self.poll_once()
            except Exception:  # polling must outlive any single failure
                log.exception("Polling the model base paths failed")

    def _update(self, model):
        base = model.config.base_path
        try:
            on_disk = version_dirs(base)
        except OSError as error:
            # A base path that is gone for a moment must not unload what is serving.
            log.warning(
                "Cannot list versions of model %s in %s: %s", model.config.name, base, error
            )
            return
        model.failed &= set(on_disk)
        aspired = _aspired(model.config.model_version_policy, set(on_disk))
        for version in sorted(aspired - set(model.available) - model.failed, reverse=True):
            if self._stopping.is_set():
                return
            self._load(model, version, on_disk[version])
        if not aspired or aspired & set(model.available):
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
            model.failed.add(version)
            message = without_path(str(error), path, f"{name} version {version}")
            self._set_status(model, VersionStatus(version, "END", code, message))
            log.error(
                "Loading servable version {name: %s version: %d} failed: %s", name, version, error
            )
            return
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


def _aspired(policy, on_disk):
    choice = policy.WhichOneof("policy_choice")
    if choice == "all":
        return set(on_disk)
    if choice == "specific":
        return set(policy.specific.versions) & on_disk
    count = max(policy.latest.num_versions, 1) if choice == "latest" else 1
    return set(sorted(on_disk)[-count:])
