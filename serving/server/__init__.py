"""The server process: flags and options, config files, wiring, metrics, the entry point.

`python -m serving.server` takes tensorflow_model_server's flags (`options`), reads the
model, batching and monitoring files (`config_files`), and runs a `ModelServer`
(`model_server`), which wires the core, batching and both endpoints together and
records every call in `metrics`. In-process, the factory builds one from a frozen,
validated `ServerConfig`:
    config = ServerConfig(model_base_path=..., port=FREE_PORT, rest_api_port=FREE_PORT)
    server = build_server(config)
    with server: ...   # or server.start() ... server.stop()

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --port=8500 --rest_api_port=8501
"""

from serving.server.options import FREE_PORT, ServerConfig, parse_args

__all__ = ["FREE_PORT", "ServerConfig", "build_server", "parse_args"]


def build_server(config):
    """Builds (but does not start) a local model server.

    Args:
        config: a ServerConfig.

    Returns:
        A ModelServer with `start()`, `stop()`, `grpc_port`, `rest_port`, `manager`,
        `metrics` and `batch_scheduler`; usable as a context manager.

    Raises:
        ConfigError: if a configuration file is missing or invalid.
    """
    # Imported here so that flag errors print before TensorFlow's start-up logging.
    from serving.server.model_server import ModelServer

    return ModelServer(config)
