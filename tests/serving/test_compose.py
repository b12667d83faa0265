"""Static checks of the compose stack's contents, and a run of the trainer's command.

The YAML, Dockerfile and config files must agree with common/contract.py and the
exporter: model name, base path, ports, the pinned image tag, and configs that parse
as TF Serving's protos. The trainer's command, as compose and the Dockerfile give it,
is run for real with tiny training settings appended.
"""

import importlib.metadata
import json
import pathlib
import re
import shlex
import socket
import subprocess
import sys
import urllib.request

import pytest
import yaml

from common import contract
from common.versions import numeric_versions
from pipeline import train_export
from serving.server.config_files import read_text_proto

REPO = pathlib.Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
TRAINER, TFSERVING = COMPOSE["services"]["trainer"], COMPOSE["services"]["tfserving"]
IMAGE = re.compile(r"tensorflow/serving:\$\{TF_SERVING_TAG:-(?P<tag>[^}]+)\}")
SETTING = re.compile(r"\$\{[A-Z_]+:-(?P<default>[^}]*)\}")


def defaults(text):
    """A compose string with each `${NAME:-default}` replaced by its default."""
    return SETTING.sub(lambda match: match["default"], text)


def volumes(service):
    """The service's bind mounts as {container path: host path relative to the repo}."""
    pairs = (defaults(entry).split(":")[:2] for entry in service["volumes"])
    return {target: pathlib.PurePosixPath(source).as_posix() for source, target in pairs}


def flags(service):
    """The service's `--name=value` command flags as a dict."""
    return dict(arg.removeprefix("--").split("=", 1) for arg in service["command"])


def trainer_command():
    """The trainer's `command:` as an argument list, with the settings' defaults."""
    return shlex.split(defaults(TRAINER["command"]))


def config_file(flag):
    """The repo file behind a tfserving flag that names a file in a mounted directory."""
    path = pathlib.PurePosixPath(flags(TFSERVING)[flag])
    host_dir = volumes(TFSERVING)[str(path.parent)]
    return REPO / host_dir / path.name


def trainer_argv():
    """The trainer's command line: the Dockerfile's ENTRYPOINT, then compose's command."""
    lines = (REPO / "Dockerfile").read_text().splitlines()
    entrypoint = json.loads(
        next(line for line in lines if line.startswith("ENTRYPOINT")).split(None, 1)[1]
    )
    return entrypoint + trainer_command()


def test_compose_tfserving_image_tag_is_pinned_to_the_serving_api_version():
    match = IMAGE.fullmatch(TFSERVING["image"])
    assert match, TFSERVING["image"]
    assert match["tag"] == importlib.metadata.version("tensorflow-serving-api")


def test_compose_tfserving_starts_after_the_trainer_succeeds():
    assert TFSERVING["depends_on"] == {"trainer": {"condition": "service_completed_successfully"}}
    assert TRAINER["build"]["context"] == "." and TRAINER["build"]["target"] == "trainer"


def test_compose_ports_match_the_contract():
    published = {
        int(host): int(container)
        for host, container in (defaults(p).split(":") for p in TFSERVING["ports"])
    }
    assert published == {
        contract.GRPC_PORT: contract.GRPC_PORT,
        contract.REST_PORT: contract.REST_PORT,
    }


def test_compose_model_base_path_is_the_exporter_default_in_both_services():
    config = read_text_proto("ModelServerConfig", config_file("model_config_file"))
    (model,) = config.model_config_list.config
    assert model.name == contract.MODEL_NAME and model.model_platform == "tensorflow"
    served = pathlib.PurePosixPath(model.base_path)
    assert served.name == contract.MODEL_NAME
    assert volumes(TFSERVING)[str(served.parent)] == str(
        pathlib.PurePosixPath(contract.DEFAULT_BASE_PATH).parent
    )
    export_base = trainer_command()[trainer_command().index("--export-base") + 1]
    assert export_base == model.base_path
    assert volumes(TRAINER)[str(served.parent)] == volumes(TFSERVING)[str(served.parent)]


def test_compose_batching_and_monitoring_files_parse_as_tf_serving_protos():
    assert flags(TFSERVING)["enable_batching"] == "true"
    batching = read_text_proto("BatchingParameters", config_file("batching_parameters_file"))
    assert batching.max_batch_size.value >= 1 and batching.num_batch_threads.value >= 1
    monitoring = read_text_proto("MonitoringConfig", config_file("monitoring_config_file"))
    assert monitoring.prometheus_config.enable
    assert monitoring.prometheus_config.path == "/monitoring/prometheus/metrics"


def test_compose_healthcheck_asks_the_model_status_on_the_rest_port_without_curl():
    test = TFSERVING["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"]
    assert f"/dev/tcp/127.0.0.1/{contract.REST_PORT}" in test[3]
    assert f"GET /v1/models/{contract.MODEL_NAME} " in test[3]
    assert "curl" not in test[3] and "wget" not in test[3]


@pytest.fixture(scope="module")
def rest_port(make_server, exported_model):
    """The REST port of a local server serving the shared export with the compose's configs."""
    with make_server(
        model_base_path=str(exported_model),
        enable_batching=True,
        batching_parameters_file=str(config_file("batching_parameters_file")),
        monitoring_config_file=str(config_file("monitoring_config_file")),
        file_system_poll_wait_seconds=1,
    ) as server:
        yield server.rest_port


def run_healthcheck(port, model=contract.MODEL_NAME):
    """Runs the compose healthcheck's bash command against 127.0.0.1:port; returns its status."""
    command = TFSERVING["healthcheck"]["test"][3]
    command = command.replace(f"/{contract.REST_PORT}", f"/{port}")
    command = command.replace(f"/v1/models/{contract.MODEL_NAME} ", f"/v1/models/{model} ")
    return subprocess.run(["bash", "-c", command], capture_output=True, timeout=30).returncode


def test_compose_healthcheck_passes_while_the_model_is_available(rest_port):
    assert run_healthcheck(rest_port) == 0


def test_compose_monitoring_config_serves_prometheus_text_on_the_rest_port(rest_port):
    monitoring = read_text_proto("MonitoringConfig", config_file("monitoring_config_file"))
    url = f"http://127.0.0.1:{rest_port}{monitoring.prometheus_config.path}"
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.status == 200 and b"# TYPE" in reply.read()


def test_compose_healthcheck_fails_for_an_unknown_model_or_a_closed_port(rest_port):
    assert run_healthcheck(rest_port, model="nope") != 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        assert run_healthcheck(sock.getsockname()[1]) != 0


def test_dockerfile_copies_what_the_trainer_needs_and_ignores_models():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    copied = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY") and not line.startswith("COPY --from"):
            copied.append(line.split()[1])
            assert (REPO / copied[-1]).exists(), line
    # An allowlist: everything is left out, then exactly what the Dockerfile copies comes
    # back, and the exported models inside serving/ stay out.
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and r[0] != "#"]
    assert rules[0] == "*"
    assert {rule[1:] for rule in rules if rule.startswith("!")} == set(copied)
    assert "serving/models" in rules[rules.index("!serving") :]


@pytest.mark.slow
def test_trainer_command_trains_once_and_exports_a_version(tmp_path):
    argv = trainer_argv()
    assert argv[:4] == ["python", "-m", "pipeline", "--if-empty"]
    container_base = argv[argv.index("--export-base") + 1]
    base = tmp_path / "models" / contract.MODEL_NAME
    command = [sys.executable] + [str(base) if arg == container_base else arg for arg in argv[1:]]
    command += ["--epochs", "1", "--train-limit", "512", "--verbose", "0"]
    command += ["--run-dir", str(tmp_path / "run")]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    assert numeric_versions(base) == [1]
    info = json.loads((base / "1" / contract.ASSETS_EXTRA / contract.EXPORT_INFO_FILE).read_text())
    assert info["recipe"] == "tuned"
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "not training" in again.stdout
    assert numeric_versions(base) == [1]


def test_trainer_command_without_export_base_fails_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_export.main(["--if-empty", "--recipe", "tuned"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--if-empty needs --export-base" in err
