"""Each model's `logging_config` from the model config file, checked as the server starts.

A ModelConfig's `logging_config` (TF Serving's LoggingConfig) turns on request logging for
that model: `log_collector_config.filename_prefix` names where its TFRecord files go
(relative to the working directory at start), `sampling_config.sampling_rate` the
fraction of requests logged. As TF Serving's RequestLogger does, the first
`per_task_sampling_configs` rule that matches this task wins over `sampling_rate`; this
server is task 0 of no datacenter, so a rule matches when its `dc` is empty and its
`task_index` is unset or 0. `log_collector_config.type` is kept in the logged metadata
only: every type writes TFRecord files (TF Serving's open-source build has no collector).

Example:
    python -c "from serving.request_log.config import model_logging; \
from tensorflow_serving.config import model_server_config_pb2 as m; \
c = m.ModelConfig(name='mnist'); c.logging_config.log_collector_config.filename_prefix = 'x'; \
c.logging_config.sampling_config.sampling_rate = 0.5; print(model_logging([c]))"
"""

import dataclasses
import os

from serving.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ModelLogging:
    """How one model's requests are logged."""

    model_name: str
    prefix: str  # absolute filename prefix: files are <prefix>.<stamp>.tfrecord
    sampling_rate: float  # the effective rate, after per-task rules
    sampling_config: object  # the SamplingConfig each record's log_metadata carries


def check_models(models, source):
    """Validates the logging_config of each model; makes each prefix absolute in place.

    Also creates each prefix's directory, so a prefix that cannot be written fails here,
    before anything serves.

    Args:
        models: ModelConfig protos.
        source: where they came from, for messages.

    Raises:
        ConfigError: one line naming the model and what is wrong.
    """
    for model in models:
        if not model.HasField("logging_config"):
            continue
        where = f"{source}: model {model.name}: logging_config"
        config = model.logging_config
        prefix = config.log_collector_config.filename_prefix
        if not prefix.strip():
            raise ConfigError(f"{where}: log_collector_config.filename_prefix is empty")
        if prefix.endswith(os.sep):
            raise ConfigError(f"{where}: filename_prefix {prefix!r} names no file, only a dir")
        sampling = config.sampling_config
        rates = [sampling.sampling_rate]
        rates += [rule.sampling_rate for rule in sampling.per_task_sampling_configs]
        for rate in rates:
            if not 0.0 <= rate <= 1.0:  # also refuses NaN
                raise ConfigError(f"{where}: sampling_rate {rate} is not in [0, 1]")
        prefix = os.path.abspath(prefix)
        try:
            os.makedirs(os.path.dirname(prefix), exist_ok=True)
        except OSError as error:
            message = f"{where}: cannot create the directory of {prefix}: {error}"
            raise ConfigError(message) from error
        config.log_collector_config.filename_prefix = prefix


def model_logging(models):
    """The logging of every model that has a logging_config (after `check_models`).

    Args:
        models: checked ModelConfig protos.

    Returns:
        dict model name -> ModelLogging.
    """
    result = {}
    for model in models:
        if not model.HasField("logging_config"):
            continue
        config = model.logging_config
        sampling = type(config.sampling_config)()
        sampling.CopyFrom(config.sampling_config)
        for rule in sampling.per_task_sampling_configs:
            if not rule.dc and (not rule.HasField("task_index") or rule.task_index == 0):
                sampling.sampling_rate = rule.sampling_rate
                break
        result[model.name] = ModelLogging(
            model.name,
            os.path.abspath(config.log_collector_config.filename_prefix),
            sampling.sampling_rate,
            sampling,
        )
    return result
