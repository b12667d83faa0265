"""Runs the replicas' load balancer, Debian's nginx, as an ordinary process on this machine.

The nginx configuration is deploy/nginx/tfserving-lb.conf.template rendered by
deploy/nginx/render.sh, the same template and script the compose override's nginx
container uses; here it is wrapped in a main config whose pid, logs and temporary files
live in a working directory, so no root, no system nginx and no port outside loopback.

Example:
    python -m deploy.lb --replica 127.0.0.1:9000:9001 --replica 127.0.0.1:9002:9003 \\
        --grpc-port 8500 --rest-port 8501
"""

import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from common.cli import OneLineParser, positive_int

NGINX_DIR = pathlib.Path(__file__).resolve().parent / "nginx"
MAIN_CONFIG = """daemon off;
worker_processes {workers};
pid {work}/nginx.pid;
error_log {work}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/tfserving-lb.conf;
}}
"""


def find_nginx():
    """The nginx binary's path, or None if nginx is not installed."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render(replicas, grpc_listen, rest_listen, access_log, output):
    """Renders the load balancer's http-context config with deploy/nginx/render.sh.

    Args:
        replicas: list of "HOST:GRPC_PORT:REST_PORT" strings.
        grpc_listen: nginx's gRPC listen address, e.g. "127.0.0.1:8500" or "8500".
        rest_listen: nginx's REST listen address.
        access_log: path of the access log.
        output: path of the file to write.

    Raises:
        ValueError: with render.sh's one-line reason if a replica is malformed.
    """
    env = {
        "LB_REPLICAS": " ".join(replicas),
        "LB_GRPC_PORT": str(grpc_listen),
        "LB_REST_PORT": str(rest_listen),
        "LB_ACCESS_LOG": str(access_log),
        "LB_OUTPUT": str(output),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        ["sh", str(NGINX_DIR / "render.sh")], env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise ValueError(result.stderr.strip())


def _wait_for_port(port, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class LoadBalancer:
    """nginx on 127.0.0.1 in front of `replicas`; use as `with LoadBalancer(...) as lb:`.

    Args:
        replicas: list of "HOST:GRPC_PORT:REST_PORT" strings.
        grpc_port: port for gRPC clients.
        rest_port: port for REST clients.
        work_dir: directory for the config, pid, logs and temporary files; created if missing,
            left for the caller to remove.
        workers: nginx worker processes.
    """

    def __init__(self, replicas, grpc_port, rest_port, work_dir, workers=1):
        self.grpc_port, self.rest_port = grpc_port, rest_port
        self.work = pathlib.Path(work_dir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.access_log = self.work / "access.log"
        listen = (f"127.0.0.1:{grpc_port}", f"127.0.0.1:{rest_port}")
        render(replicas, *listen, self.access_log, self.work / "tfserving-lb.conf")
        self.config = self.work / "nginx.conf"
        self.config.write_text(MAIN_CONFIG.format(work=self.work, workers=workers))
        self.process = None

    def start(self, timeout=30.0):
        """Starts nginx and waits until both ports accept connections.

        Raises:
            RuntimeError: with nginx's reason if it exits or never listens.
        """
        nginx = find_nginx()
        if nginx is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        # A port someone else listens on would look ready to the wait below.
        for port in self.ports():
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError as error:
                    raise RuntimeError(f"port {port} on 127.0.0.1: {error.strerror}") from None
        command = [nginx, "-p", str(self.work), "-c", str(self.config)]
        self.process = subprocess.Popen(command + ["-e", str(self.work / "error.log")])
        if not all(_wait_for_port(p, self.process, timeout) for p in self.ports()):
            self.stop()
            raise RuntimeError(f"nginx did not start: {self.reason()}")
        return self

    def reason(self):
        """The last [emerg] line of nginx's error log: why it stopped or never started."""
        error_log = self.work / "error.log"
        lines = error_log.read_text().splitlines() if error_log.exists() else []
        return next((line for line in reversed(lines) if "[emerg]" in line), "no reason logged")

    def ports(self):
        """(grpc_port, rest_port)."""
        return self.grpc_port, self.rest_port

    def stop(self):
        """Stops nginx: SIGQUIT lets it finish the requests in flight; killed after 10 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def main(argv=None):
    """Runs the load balancer until Ctrl-C; one-line error and non-zero exit on bad input."""
    parser = OneLineParser(prog="python -m deploy.lb", description=__doc__.split("\n")[0])
    parser.add_argument("--replica", action="append", required=True, help="HOST:GRPC:REST")
    parser.add_argument("--grpc-port", type=positive_int, default=8500, help="gRPC port")
    parser.add_argument("--rest-port", type=positive_int, default=8501, help="REST port")
    args = parser.parse_args(argv)
    # SIGTERM ends the process the way Ctrl-C does, so nginx is stopped too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tfserving-lb-") as work,
            LoadBalancer(args.replica, args.grpc_port, args.rest_port, work) as lb,
        ):
            print(f"nginx on 127.0.0.1:{lb.grpc_port} (gRPC), 127.0.0.1:{lb.rest_port} (REST)")
            if lb.process.wait():
                raise RuntimeError(f"nginx exited: {lb.reason()}")
    except (ValueError, RuntimeError) as error:
        sys.exit(f"python -m deploy.lb: error: {error}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
