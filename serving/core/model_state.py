"""One served model's state: its config, loaded versions, statuses and load attempts.

`ModelState` is the manager's record of a model. `available` maps version -> servable and
is replaced, never mutated, so a request that resolved a version keeps it until it ends.
`statuses` is what GetModelStatus reports. Load attempts are counted per version as TF
Serving's `--max_num_load_retries` and `--load_retry_interval_micros` mean them: a failed
load is tried again on a later poll once the interval has passed, up to that many retries,
then given up (state END with the last error) until the version directory disappears.

Example:
    python -c "from serving.core.model_state import aspired_versions; \
from tensorflow_serving.config import model_server_config_pb2 as c; \
print(aspired_versions(c.ModelConfig().model_version_policy, {1, 2, 3}))"
"""

import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class VersionStatus:
    """A version's state (START, LOADING, AVAILABLE, UNLOADING, END) and its health."""

    version: int
    state: str
    error_code: str = "OK"
    error_message: str = ""


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How failed loads are retried (TF Serving's flags of the same names)."""

    max_num_load_retries: int = 5
    load_retry_interval_micros: int = 60_000_000


class ModelState:
    """A model's config, available versions, statuses and load attempts.

    Args:
        config: the ModelConfig proto (name, absolute base_path, policy, labels).
    """

    def __init__(self, config):
        self.config = config
        self.available = {}  # version -> servable; replaced on every change
        self.statuses = {}  # version -> VersionStatus
        self.aspired = None  # the versions the last poll aspired to (None: not polled yet)
        self._attempts = {}  # version -> (failed attempts, monotonic time of the last)

    def due(self, version, retry):
        """Whether a version not yet available should be (re)loaded on this poll.

        Args:
            version: the version number.
            retry: a RetryPolicy.

        Returns:
            bool: never loaded, or failed fewer than 1 + max retries times and the retry
            interval has passed since.
        """
        if version not in self._attempts:
            return True
        failures, last = self._attempts[version]
        if failures > retry.max_num_load_retries:
            return False
        return time.monotonic() - last >= retry.load_retry_interval_micros / 1e6

    def failed(self, version, retry):
        """Counts a failed load; returns whether the version is now given up."""
        failures = self._attempts.get(version, (0, 0.0))[0] + 1
        self._attempts[version] = (failures, time.monotonic())
        return failures > retry.max_num_load_retries

    def loaded(self, version):
        """Forgets a version's failures once it loads."""
        self._attempts.pop(version, None)

    def forget_missing(self, on_disk):
        """Drops the attempts of versions whose directories are gone (a fresh start if back)."""
        self._attempts = {v: a for v, a in self._attempts.items() if v in on_disk}

    def given_up(self, retry):
        """The versions whose loads failed for good."""
        return {v for v, (n, _) in self._attempts.items() if n > retry.max_num_load_retries}


def aspired_versions(policy, on_disk):
    """The versions a model's version policy asks to serve, as TF Serving picks them.

    Args:
        policy: a FileSystemStoragePathSourceConfig.ServableVersionPolicy.
        on_disk: the set of version numbers in the base path.

    Returns:
        set of int: all, the listed specific ones present, or the latest N (default 1).
    """
    choice = policy.WhichOneof("policy_choice")
    if choice == "all":
        return set(on_disk)
    if choice == "specific":
        return set(policy.specific.versions) & set(on_disk)
    count = max(policy.latest.num_versions, 1) if choice == "latest" else 1
    return set(sorted(on_disk)[-count:])
