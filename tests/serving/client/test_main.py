"""`python -m serving.client`: predict and evaluate over REST and gRPC against the local server.

The server runs in-process on free ports and serves the shared export of the trained
model; answers are compared with that export's signatures called in-process.
"""

import asyncio
import re
import socket

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from common import contract
from serving import client
from serving.client.__main__ import main as client_main
from serving.client.requests import PIXEL_SIGNATURES, predict_pixels

NUM_EVAL = 1000
# Addresses for argument checks: nothing listens there, and nothing may be sent.
NO_REST, NO_GRPC = "http://127.0.0.1:9", "127.0.0.1:9"


@pytest.fixture(scope="module")
def local_server(make_server, exported_model):
    with make_server(model_base_path=str(exported_model)) as server:
        yield server


@pytest.fixture(scope="module")
def labelled_server(make_server, exported_model, tmp_path_factory):
    """A server whose model config labels version 1 of the shared export "stable"."""
    config_file = tmp_path_factory.mktemp("config") / "models.config"
    config_file.write_text(
        f'model_config_list {{ config {{ name: "{contract.MODEL_NAME}" '
        f'base_path: "{exported_model}" model_platform: "tensorflow" '
        f'version_labels {{ key: "stable" value: 1 }} }} }}'
    )
    with make_server(model_config_file=str(config_file)) as server:
        yield server


@pytest.fixture(scope="module")
def in_process_probabilities(loaded_export, mnist):
    """The export's predict_pixels signature called in-process on the first NUM_EVAL digits."""
    _, (x_test, _) = mnist
    signature = loaded_export.signatures[contract.PREDICT_PIXELS]
    return signature(images=tf.constant(x_test[:NUM_EVAL]))[contract.PROBABILITIES].numpy()


@pytest.fixture(params=["rest", "grpc"])
def transport(request, local_server):
    """(transport name, its address) for the local server, once per transport."""
    if request.param == "rest":
        return "rest", f"http://127.0.0.1:{local_server.rest_port}"
    return "grpc", f"127.0.0.1:{local_server.grpc_port}"


def run_cli(capsys, *argv):
    """Runs `python -m serving.client ARGV` in-process; returns (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        client_main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_evaluate_error_rate_over_rest_and_grpc_equals_in_process(
    transport, mnist, in_process_probabilities
):
    _, (x_test, y_test) = mnist
    expected = np.argmax(in_process_probabilities, axis=1)
    name, address = transport
    result = asyncio.run(
        client.evaluate_with(
            client.connect(**{name: address}),
            x_test[:NUM_EVAL],
            y_test[:NUM_EVAL],
            concurrency=8,
            batch_size=1,
            signature=contract.PREDICT_PIXELS,
        )
    )
    assert not result.load.failures
    assert len(result.load.latencies) == NUM_EVAL
    np.testing.assert_array_equal(result.predictions, expected)
    assert result.error_rate == np.mean(expected != y_test[:NUM_EVAL])


@pytest.mark.parametrize("signature", PIXEL_SIGNATURES)
def test_predict_pixels_matches_in_process_for_every_pixel_signature(
    transport, signature, mnist, in_process_probabilities
):
    _, (x_test, _) = mnist
    name, address = transport

    async def scenario():
        async with client.connect(**{name: address}) as opened:
            return await predict_pixels(opened, x_test[:7], signature)

    np.testing.assert_allclose(asyncio.run(scenario()), in_process_probabilities[:7], atol=1e-5)


def test_predict_cli_classifies_png_files_like_the_pixel_path(
    transport, tmp_path, capsys, mnist, in_process_probabilities
):
    _, (x_test, _) = mnist
    paths = []
    for index in range(3):
        paths.append(tmp_path / f"digit{index}.png")
        Image.fromarray(x_test[index]).save(paths[-1])
    status, out, _ = run_cli(capsys, "predict", f"--{transport[0]}", transport[1], *paths)
    assert status == 0
    lines = out.splitlines()
    for path, line, probabilities in zip(paths, lines, in_process_probabilities[:3], strict=True):
        assert line.startswith(f"{path}: digit {np.argmax(probabilities)}  [0:")
        printed = [float(part.split(":")[1]) for part in line.rsplit("[", 1)[1].rstrip("]").split()]
        np.testing.assert_allclose(printed, probabilities, atol=1e-3)


def test_predict_cli_prints_test_digits_with_labels(transport, capsys, mnist):
    _, (_, y_test) = mnist
    status, out, _ = run_cli(
        capsys, "predict", f"--{transport[0]}", transport[1], "--mnist-index", 0, 1
    )
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"test[0] (label {y_test[0]}): digit ")
    assert lines[1].startswith(f"test[1] (label {y_test[1]}): digit ")


def test_evaluate_cli_prints_error_rate_throughput_and_percentiles(
    transport, capsys, mnist, in_process_probabilities
):
    _, (_, y_test) = mnist
    expected = np.mean(np.argmax(in_process_probabilities[:100], axis=1) != y_test[:100])
    status, out, _ = run_cli(
        capsys, "evaluate", f"--{transport[0]}", transport[1],
        "--num-tests", 100, "--concurrency", 4, "--batch-size", 10,
    )  # fmt: skip
    assert status == 0
    rate = float(re.search(r"Inference error rate: ([\d.]+)%", out)[1])
    assert rate == pytest.approx(expected * 100, abs=0.005)
    assert re.search(r"100 digits in 10 requests .* [\d.]+ requests/s", out)
    assert re.search(r"latency ms: p50 [\d.]+  p95 [\d.]+  p99 [\d.]+", out)


def test_predict_cli_unknown_model_fails_with_the_servers_message(transport, capsys):
    status, out, err = run_cli(
        capsys, "predict", f"--{transport[0]}", transport[1], "--model", "nope",
        "--mnist-index", 0,
    )  # fmt: skip
    assert status != 0 and not out
    assert err.count("\n") == 1 and re.search("NOT_FOUND|HTTP 404", err)
    assert "nope" in err


@pytest.mark.parametrize("flag", ["--rest", "--grpc"])
def test_predict_cli_asks_the_version_or_label_given(flag, labelled_server, capsys):
    address = {"--rest": f"http://127.0.0.1:{labelled_server.rest_port}"}
    address["--grpc"] = f"127.0.0.1:{labelled_server.grpc_port}"
    for which in (["--version", 1], ["--label", "stable"]):
        status, out, _ = run_cli(capsys, "predict", flag, address[flag], *which, "--mnist-index", 0)
        assert status == 0 and out.startswith("test[0]")
    # TF Serving: an unknown version is NOT_FOUND (404), an unknown label INVALID_ARGUMENT (400).
    for which, expected in [
        (["--version", 9], r"(NOT_FOUND|HTTP 404): Servable not found"),
        (["--label", "canary"], r"(INVALID_ARGUMENT|HTTP 400): .*canary"),
    ]:
        status, out, err = run_cli(
            capsys, "predict", flag, address[flag], *which, "--mnist-index", 0
        )
        assert status == 1 and not out
        assert re.search(expected, err), err


def test_evaluate_cli_unreachable_server_counts_every_digit_as_an_error(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        port = sock.getsockname()[1]
        status, out, err = run_cli(
            capsys, "evaluate", "--grpc", f"127.0.0.1:{port}", "--num-tests", 5, "--timeout", 5
        )
    assert status == 1
    assert "Inference error rate: 100.00%" in out
    assert "5 requests failed" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--mnist-index", "0"],
        ["predict", "--rest", "127.0.0.1:8501", "--mnist-index", "0"],
        ["predict", "--grpc", "127.0.0.1", "--mnist-index", "0"],
        ["predict", "--rest", NO_REST],
        ["predict", "--rest", NO_REST, "a.png", "--mnist-index", "0"],
        ["predict", "--rest", NO_REST, "--mnist-index", "10000"],
        ["predict", "--grpc", NO_GRPC, "--mnist-index", "0", "--signature", "predict_image_bytes"],
        ["predict", "--grpc", NO_GRPC, "missing.png"],
        ["predict", "--grpc", NO_GRPC, "--signature", "nope", "--mnist-index", "0"],
        ["evaluate", "--rest", NO_REST, "--num-tests", "0"],
        ["evaluate", "--rest", NO_REST, "--num-tests", "10001"],
        ["evaluate", "--grpc", NO_GRPC, "--concurrency", "0"],
        ["evaluate", "--grpc", NO_GRPC, "--batch-size", "-1"],
        ["evaluate", "--grpc", NO_GRPC, "--timeout", "0"],
        ["evaluate", "--grpc", NO_GRPC, "--rest", NO_REST],
        ["evaluate", "--grpc", NO_GRPC, "--version", "-1"],
        ["evaluate", "--grpc", NO_GRPC, "--version", "1", "--label", "stable"],
    ],
)  # fmt: skip
def test_cli_rejects_bad_input_in_one_line_before_any_request(argv, capsys):
    status, out, err = run_cli(capsys, *argv)
    assert status != 0 and not out
    assert err.count("\n") == 1 and "error:" in err
