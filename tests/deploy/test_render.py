"""Tests of the load balancer's template and renderer (deploy/nginx/), without running nginx."""

import re

import pytest

from deploy.lb import MAIN_CONFIG, main, render


def test_render_writes_one_server_line_per_replica_in_both_upstreams(tmp_path):
    replicas = ["127.0.0.1:9000:9001", "127.0.0.1:9002:9003", "tfserving:8500:8501"]
    output = tmp_path / "lb.conf"
    render(replicas, "127.0.0.1:7000", "127.0.0.1:7001", tmp_path / "access.log", output)
    text = output.read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", text, re.S))
    health = "max_fails=1 fail_timeout=10s;"
    assert re.findall(r"server (\S+) " + health, upstreams["tfserving_rest"]) == [
        "127.0.0.1:9001",
        "127.0.0.1:9003",
        "tfserving:8501",
    ]
    assert re.findall(r"server (\S+) " + health, upstreams["tfserving_grpc"]) == [
        "127.0.0.1:9000",
        "127.0.0.1:9002",
        "tfserving:8500",
    ]
    assert "listen 127.0.0.1:7001;" in text and "listen 127.0.0.1:7000 http2;" in text
    assert "proxy_pass http://tfserving_rest;" in text
    assert "grpc_pass grpc://tfserving_grpc;" in text
    # Retry on a refused or dropped connection, POSTs included, is what hides a dead replica.
    for directive in ("proxy_next_upstream", "grpc_next_upstream"):
        retry = re.search(r"^\s+" + directive + r" ([^;]*);", text, re.M)[1].split()
        assert {"error", "timeout", "non_idempotent"} <= set(retry)
    assert f"access_log {tmp_path / 'access.log'} tfserving_lb;" in text
    settings = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in settings if "@" in line]  # every placeholder was filled


def test_render_defaults_are_the_tf_serving_ports(tmp_path):
    output = tmp_path / "lb.conf"
    render(["tfserving:8500:8501"], 8500, 8501, "/dev/stdout", output)
    text = output.read_text()
    assert "listen 8501;" in text and "listen 8500 http2;" in text


@pytest.mark.parametrize("replica", ["127.0.0.1:9000", "host:grpc:8501", "host:8500:", ":1:2"])
def test_render_rejects_malformed_replica_in_one_line(tmp_path, replica):
    with pytest.raises(ValueError) as error:
        render([replica], 1, 2, "/dev/null", tmp_path / "lb.conf")
    assert str(error.value) == (
        f"render.sh: LB_REPLICAS entry '{replica}' is not HOST:GRPC_PORT:REST_PORT"
    )
    assert not (tmp_path / "lb.conf").exists()


def test_main_config_keeps_every_nginx_path_in_the_work_dir(tmp_path):
    text = MAIN_CONFIG.format(work=tmp_path, workers=1)
    paths = re.findall(r"(?:pid|error_log|_temp_path|include) (\S+?)[;\s]", text)
    assert len(paths) == 8 and all(path.startswith(str(tmp_path)) for path in paths)
    assert "daemon off;" in text


def test_lb_cli_rejects_malformed_replica_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--replica", "127.0.0.1:9000"])
    assert exit_info.value.code == (
        "python -m deploy.lb: error: render.sh: LB_REPLICAS entry '127.0.0.1:9000' "
        "is not HOST:GRPC_PORT:REST_PORT"
    )
