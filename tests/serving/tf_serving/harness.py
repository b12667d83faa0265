"""Runs `python -m serving.server` the way TF Serving's tests run tensorflow_model_server.

`server_args` builds RunServer's command line (tensorflow_model_server_test_base.py):
`--port`, `--rest_api_port`, `--rest_api_timeout_in_ms=5000`, `--grpc_socket_path`,
`--grpc_channel_arguments=grpc.so_reuseaddr=1`, then the model flags. `ModelServer` starts
it, waits as WaitForServerReady does (a Predict to a missing model answers with
"Servable ...") and stops it. `ServerPool` shares one process per command line, as RunServer
does. Ports are picked free by binding port 0 and releasing it, since TF Serving's
`--rest_api_port=0` disables REST.

Example:
    with ModelServer(server_args(model_name="default", model_path=path)) as server:
        server.wait_ready()
        verify_predict(server.grpc, expected_output=3.0, expected_version=123)
"""

import collections
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import grpc
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common.ports import free_port

RPC_TIMEOUT = 20.0
READY_TIMEOUT = 60.0
REST_TIMEOUT_MS = 5000
SOCKET_DIR_PREFIX = "tfs-sock-"

Reply = collections.namedtuple("Reply", "status text json headers")


def server_args(model_name=None, model_path=None, model_config_file=None, extra=(), **flags):
    """The command line of TF Serving's RunServer, with fresh ports and socket path.

    Args:
        model_name, model_path: `--model_name`/`--model_base_path` (without a config file).
        model_config_file: `--model_config_file` (wins over the two above, as in RunServer).
        extra: further flags, e.g. ("--enable_grpc_healthcheck_service",).
        **flags: `--name=value` flags; `grpc_channel_arguments` is joined with so_reuseaddr.

    Returns:
        The argument list (without the program).
    """
    socket_dir = tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX)
    channel_args = ",".join(
        a for a in (flags.pop("grpc_channel_arguments", ""), "grpc.so_reuseaddr=1") if a
    )
    args = [
        f"--port={flags.pop('port', free_port())}",
        f"--rest_api_port={flags.pop('rest_api_port', free_port())}",
        f"--rest_api_timeout_in_ms={REST_TIMEOUT_MS}",
        f"--grpc_socket_path={socket_dir}/tf-serving.sock",
    ]
    if model_config_file:
        args.append(f"--model_config_file={model_config_file}")
    else:
        args += [f"--model_name={model_name}", f"--model_base_path={model_path}"]
    args += [f"--{name}={value}" for name, value in flags.items()]
    args.append(f"--grpc_channel_arguments={channel_args}")
    return args + list(extra)


def flag(args, name):
    """The value of `--name=value` in `args` (None when absent)."""
    prefix = f"--{name}="
    return next((a[len(prefix) :] for a in args if a.startswith(prefix)), None)


class ModelServer:
    """One `python -m serving.server` subprocess; `grpc`, `rest` and `socket` addresses."""

    def __init__(self, args):
        self.args = list(args)
        self.grpc = f"localhost:{flag(args, 'port')}"
        self.rest = f"localhost:{flag(args, 'rest_api_port')}"
        self.socket = f"unix:{flag(args, 'grpc_socket_path')}"
        # The log lives as long as the server; stop() closes it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serving.server", *self.args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        """Everything the server printed so far (stdout and stderr)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Waits until a Predict to a missing model is refused with "Servable ..."."""
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "intentionally_missing_model"
        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(self.grpc) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited {self.process.returncode}:\n{self.output()}")
                try:
                    stub.Predict(request, timeout=2)
                except grpc.RpcError as error:
                    if "Servable" in (error.details() or ""):
                        return self
                time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.output()}")

    def wait_exit(self, timeout=READY_TIMEOUT):
        """Waits for the process to end on its own; returns its exit status."""
        return self.process.wait(timeout=timeout)

    def stop(self):
        """Stops the server (SIGTERM, then SIGKILL after 10 s) and closes its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        # server_args made the socket's own directory; nothing else is removed.
        socket_dir = pathlib.Path(flag(self.args, "grpc_socket_path") or "/").parent
        if socket_dir.name.startswith(SOCKET_DIR_PREFIX):
            shutil.rmtree(socket_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ServerPool:
    """Ready servers shared by command line (without ports), like RunServer's dict."""

    def __init__(self):
        self._servers = {}
        self._failures = {}

    def get(self, **kwargs):
        """A ready server for `server_args(**kwargs)`, started on first use.

        Raises:
            RuntimeError: with the server's output, if it exited or never got ready (again
            for every later test that asks for the same command line).
        """
        key = json.dumps(kwargs, sort_keys=True, default=str)
        if key in self._failures:
            raise RuntimeError(self._failures[key])
        if key not in self._servers:
            server = ModelServer(server_args(**kwargs))
            self._servers[key] = server
            try:
                server.wait_ready()
            except RuntimeError as error:
                self._failures[key] = str(error)
                raise
        return self._servers[key]

    def close(self):
        """Stops every server the pool started."""
        # SIGTERM to all first, so their graceful shutdowns overlap.
        for server in self._servers.values():
            if server.process.poll() is None:
                server.process.terminate()
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


def call_rest(address, path, body=None, method=None):
    """One HTTP call; a dict body is sent as JSON, a str or bytes body as it is.

    Returns:
        Reply(status, text, json, headers): json is the parsed body (NaN and Infinity
        accepted, as TF Serving writes them) or None if the body is no JSON.
    """
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    request = urllib.request.Request(f"http://{address}{path}", data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=RPC_TIMEOUT) as response:
            status, headers, text = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, error.headers, error.read().decode()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return Reply(status, text, parsed, headers)


def raw_numbers(text):
    """Parses JSON keeping every number as its text ("9e+06", "NaN"), as TF Serving's
    CompareJsonAllValuesAsStrings does."""
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
