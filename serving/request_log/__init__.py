"""Request logging: TF Serving's `logging_config`, written as PredictionLog TFRecord files.

- `config`: each model's logging_config from the model config file, checked at start.
- `logger`: the sampling decision and bounded queue on the request path; the writer thread.
- `records`: PredictionLog records from gRPC protos, or from what REST decoded.
- `files`: rotating, size-bounded TFRecord files, published complete by a rename.
- `reading`, `cli`: `python -m serving.request_log summary|to-jsonl|to-warmup FILES...`.
The package itself imports only `config` (light); `logger.RequestLogger` is the logger.
See docs/request-logging.md.

Example:
    python -m serving.request_log summary logs/mnist.*.tfrecord
"""

from serving.request_log.config import check_models

__all__ = ["check_models", "for_server"]


def for_server(config, models, metrics):
    """The running server's request logger, counting into the server's metrics.

    Args:
        config: the ServerConfig (`--request_log_*` flags, `--saved_model_tags`).
        models: the checked ModelConfig protos to log.
        metrics: the server.metrics.Metrics that counts `request_log_count`.

    Returns:
        A RequestLogger; the server calls `reconfigure` on reloads and `stop` last.
    """
    # Imported here: the logger imports TensorFlow, and this package's config is read
    # (by the server's settings) before anything needs it.
    from serving.request_log.logger import FileLimits, RequestLogger
    from serving.server.metrics import REQUEST_LOG_COUNT

    limits = FileLimits(
        config.request_log_max_file_bytes,
        config.request_log_max_total_bytes,
        config.request_log_max_file_seconds,
    )

    def count(model_name, status_code):
        metrics.count(REQUEST_LOG_COUNT, {"model_name": model_name, "status_code": status_code})

    return RequestLogger(models, config.tags, limits, on_count=count)
