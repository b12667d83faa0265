"""Entry point of the local model server: TF Serving's REST and gRPC APIs without Docker.

It takes tensorflow_model_server's flags (see `python -m serving.server --help`), serves
until SIGTERM or Ctrl-C, then lets in-flight requests finish and exits 0. A bad flag or
configuration file exits non-zero with a one-line reason. Once serving, it prints
    Running gRPC ModelServer at HOST:PORT ...
    Exporting HTTP/REST API at:HOST:PORT ...
(the bound ports, also when `auto` asked for free ones; the gRPC line names the socket
with `--grpc_socket_path`, and the REST line is missing with `--rest_api_port=0`).
In-process, see `serving.server`.

Example:
    python -m serving.server --model_base_path serving/models/mnist --port 8500 --rest_api_port 8501
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import importlib.metadata
import logging
import signal
import sys
import threading

from serving import memory

memory.configure()  # before TensorFlow is imported (by serving.server)

from serving.errors import ConfigError  # noqa: E402
from serving.server import build_server, parse_args  # noqa: E402


def main(argv=None):
    """Runs the server until SIGTERM or SIGINT.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].

    Returns:
        The exit status: 0 after a clean shutdown, 1 if the server could not start.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    try:
        config = parse_args(argv)
        if config.version:
            print(version_text())
            return 0
        server = build_server(config).start()
    except ConfigError as error:
        print(f"serving.server: error: {error}", file=sys.stderr)
        return 1
    if server.grpc_port is not None:
        print(f"Running gRPC ModelServer at {config.host}:{server.grpc_port} ...", flush=True)
    if config.grpc_socket_path:
        print(f"Running gRPC ModelServer at UNIX socket {config.grpc_socket_path} ...", flush=True)
    if server.rest_port is not None:
        print(f"Exporting HTTP/REST API at:{config.host}:{server.rest_port} ...", flush=True)
    stop.wait()
    print("Shutting down ...", flush=True)
    server.stop()
    return 0


def version_text():
    """What `--version` prints, in tensorflow_model_server's two-line form."""
    return (
        f"TensorFlow ModelServer: {importlib.metadata.version('mnist-serving')} "
        f"(local Python server, tensorflow-serving-api "
        f"{importlib.metadata.version('tensorflow-serving-api')})\n"
        f"TensorFlow Library: {importlib.metadata.version('tensorflow')}"
    )


if __name__ == "__main__":
    sys.exit(main())
