"""Tests of the `make run` demo: one digit over REST and gRPC through the local server."""

import numpy as np
import pytest
import tensorflow as tf

from common import contract
from serving.demo import demo, main


def test_demo_answers_alike_over_rest_and_grpc(exported_model, loaded_export, mnist):
    lines = []
    answers = demo(exported_model, 3, print_fn=lines.append)
    _, (x_test, y_test) = mnist
    signature = loaded_export.signatures[contract.PREDICT_PIXELS]
    expected = signature(**{contract.IMAGES: tf.constant(x_test[3:4])})[contract.PROBABILITIES]
    for api in ("rest", "grpc"):
        np.testing.assert_allclose(answers[api], expected.numpy()[0], atol=1e-6)
    assert [line.split()[0] for line in lines] == ["rest", "grpc"]
    assert all(f"test[3] (label {y_test[3]}): digit " in line for line in lines)


def test_demo_main_refuses_missing_base_path(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--model-base-path", str(tmp_path / "absent")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m serving.demo: error: no model base path at ")
    assert len(err.strip().splitlines()) == 1
