"""What a peer is to the runner: pinned requirements, variants, and how it is started.

Each peer module defines `PEER`, a Peer. Its `command` builds the argv (and extra
environment) that starts one variant on the ports it is given; the server then loads
the SavedModel's `predict_pixels` and answers the variant's protocol on `path`. This
module imports nothing outside the standard library, because peer servers import it
inside their own venvs.

Example:
    python -c "from peers import litserve_peer; print(litserve_peer.PEER.variants)"
"""

import argparse
import dataclasses
from collections.abc import Callable

SIGNATURE = "predict_pixels"
INPUT = "images"
OUTPUT = "probabilities"
MODEL_NAME = "mnist"
TENSORFLOW = "tensorflow-cpu==2.21.0"
# The cells a run can measure: name -> (digits per request, requests in flight).
CELLS = {"b1c1": (1, 1), "b1c16": (1, 16), "b32c1": (32, 1), "b32c16": (32, 16)}
# The largest batch a batching variant forms: one batch-32 request fills it.
MAX_BATCH = 32


@dataclasses.dataclass(frozen=True)
class Ports:
    """The free loopback ports one server variant gets: REST, gRPC and metrics."""

    http: int
    grpc: int
    metrics: int


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way of running a peer: its label, request protocol, URL path and server flag."""

    name: str
    protocol: str
    path: str
    flag: str = ""


@dataclasses.dataclass(frozen=True)
class Peer:
    """A peer server: its pinned install, its variants and how one variant is started.

    `command(bin_dir, model_dir, ports, variant, scratch)` returns `(argv, env)`: the argv
    to run (with `bin_dir` the venv's bin/), extra environment variables, and it may
    write configuration files into the `scratch` directory.
    """

    name: str
    version: str
    requirements: tuple
    variants: tuple
    ready_path: str
    command: Callable
    ready_marker: bytes = b""

    def variant(self, name):
        """The variant called `name`; KeyError naming the choices otherwise."""
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(f"{self.name} has no variant {name!r}: {[v.name for v in self.variants]}")


def server_parser(prog):
    """The flags every peer server script takes, so the runner starts them all alike.

    Args:
        prog: the script's name for its usage line.

    Returns:
        argparse.ArgumentParser with --model-dir, --port, --grpc-port, --metrics-port
        and --variant.
    """
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--model-dir", required=True, help="the SavedModel version directory")
    parser.add_argument("--port", type=int, required=True, help="REST port")
    parser.add_argument("--grpc-port", type=int, default=0, help="gRPC port, where served")
    parser.add_argument("--metrics-port", type=int, default=0, help="metrics port, where served")
    parser.add_argument("--variant", default="", help="the variant's flag, e.g. batched")
    return parser


def script_command(module, bin_dir, model_dir, ports, variant):
    """The argv that runs a peer module's own server script in its venv.

    Args:
        module: the module's name under peers/, e.g. "litserve_peer".
        bin_dir: the venv's bin/ directory.
        model_dir: the SavedModel version directory.
        ports: a Ports.
        variant: a Variant.

    Returns:
        list of str.
    """
    return [
        str(bin_dir / "python"), "-m", f"peers.{module}", f"--model-dir={model_dir}",
        f"--port={ports.http}", f"--grpc-port={ports.grpc}", f"--metrics-port={ports.metrics}",
        f"--variant={variant.flag}",
    ]  # fmt: skip
