"""Static checks of the replicas compose override (no Docker engine here).

The override must reuse the base file's tfserving service, publish TF Serving's ports only on
nginx, mount the one template and renderer the local tests run, and name the replicas' ports
the contract gives. The rendered config itself runs in tests/deploy/test_nginx_lb.py.
"""

import os
import pathlib
import re

import yaml

from common import contract
from deploy.lb import render

REPO = pathlib.Path(__file__).resolve().parents[2]


class ComposeLoader(yaml.SafeLoader):
    """A SafeLoader that reads compose's `!reset` tag as the string "!reset"."""


ComposeLoader.add_constructor("!reset", lambda loader, node: "!reset")
BASE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
OVERRIDE = yaml.load((REPO / "deploy/compose/replicas.yml").read_text(), Loader=ComposeLoader)
LB = OVERRIDE["services"]["lb"]


def test_replicas_override_runs_the_base_tfserving_as_replicas_without_host_ports():
    tfserving = OVERRIDE["services"]["tfserving"]
    assert set(OVERRIDE["services"]) == {"tfserving", "lb"}
    assert "tfserving" in BASE["services"] and tfserving["ports"] == "!reset"
    assert tfserving["deploy"]["replicas"] == "${TFSERVING_REPLICAS:-2}"
    # The shared model directory comes from the base file, read-only.
    assert (
        "${MNIST_MODELS_DIR:-./serving/models}:/models:ro"
        in BASE["services"]["tfserving"]["volumes"]
    )


def test_replicas_override_publishes_the_contract_ports_on_nginx_only():
    assert LB["ports"] == [
        f"{contract.GRPC_PORT}:{contract.GRPC_PORT}",
        f"{contract.REST_PORT}:{contract.REST_PORT}",
    ]
    env = LB["environment"]
    assert env["LB_REPLICAS"] == f"tfserving:{contract.GRPC_PORT}:{contract.REST_PORT}"
    assert (env["LB_GRPC_PORT"], env["LB_REST_PORT"]) == (
        str(contract.GRPC_PORT),
        str(contract.REST_PORT),
    )
    assert LB["depends_on"] == {"tfserving": {"condition": "service_healthy"}}
    assert re.fullmatch(r"nginx:\$\{NGINX_TAG:-\d+\.\d+\.\d+\}", LB["image"])


def test_replicas_override_mounts_the_template_and_renderer_the_tests_use():
    mounts = dict(volume.rsplit(":", 2)[:2] for volume in LB["volumes"])
    assert mounts == {
        "./deploy/nginx/tfserving-lb.conf.template": LB["environment"]["LB_TEMPLATE"],
        "./deploy/nginx/render.sh": "/docker-entrypoint.d/40-tfserving-lb.sh",
    }
    # Paths are relative to the first compose file, at the repo root.
    assert all((REPO / source).is_file() for source in mounts)
    # nginx's entrypoint runs only executable scripts.
    assert os.access(REPO / "deploy/nginx/render.sh", os.X_OK)


def test_replicas_override_renders_a_config_with_one_upstream_name(tmp_path):
    env = LB["environment"]
    output = tmp_path / "default.conf"
    render([env["LB_REPLICAS"]], env["LB_GRPC_PORT"], env["LB_REST_PORT"], "/dev/stdout", output)
    text = output.read_text()
    assert "server tfserving:8501 max_fails=1" in text
    assert "server tfserving:8500 max_fails=1" in text
    assert "listen 8500 http2;" in text and "listen 8501;" in text
