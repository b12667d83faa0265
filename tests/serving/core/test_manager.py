"""Version lifecycle: policies, labels, failed loads, and a swap under load without failures.

Example:
    .venv/bin/pytest tests/serving/core/test_manager.py
"""

import re
import shutil
import threading
import time

import grpc
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
from tensorflow_serving.config import model_server_config_pb2

from common import contract
from serving.core import ModelManager, RetryPolicy, ServableRequest
from serving.errors import ConfigError, ServingError


class FakeLoader:
    """Loads versions as plain tuples; fails the versions in `failing`."""

    def __init__(self, failing=()):
        self.failing = set(failing)
        self.loaded = []
        self.during_load = None  # called with the version while it loads

    def __call__(self, name, version, path):
        self.loaded.append(version)
        if self.during_load is not None:
            self.during_load(version)
        if version in self.failing:
            raise RuntimeError(f"broken version {version}")
        return (name, version)


NO_RETRY = RetryPolicy(max_num_load_retries=0, load_retry_interval_micros=0)


def make_manager(tmp_path, versions, policy="", labels=None, loader=None, retry=NO_RETRY):
    base = tmp_path / "m"
    for version in versions:
        (base / str(version)).mkdir(parents=True)
    base.mkdir(parents=True, exist_ok=True)
    (base / "tmp-export").mkdir()  # not a number: never a version
    config = model_server_config_pb2.ModelConfig(name="m", base_path=str(base))
    text_format.Parse(policy, config.model_version_policy)
    config.version_labels.update(labels or {})
    manager = ModelManager([config], loader or FakeLoader(), poll_seconds=0, retry=retry)
    return manager, base


def states(manager):
    return {s.version: s.state for s in manager.statuses(ServableRequest("m"))}


def test_manager_latest_policy_serves_only_the_highest_version(tmp_path):
    manager, _ = make_manager(tmp_path, [1, 2, 3])
    manager.load_initial()
    assert manager.resolve(ServableRequest("m")) == ("m", 3)
    assert states(manager) == {3: "AVAILABLE"}
    with pytest.raises(ServingError, match=r"Servable not found for request: Specific\(m, 1\)"):
        manager.resolve(ServableRequest("m", 1))


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("all {}", {1, 2, 3}),
        ("latest { num_versions: 2 }", {2, 3}),
        ("specific { versions: 1 versions: 3 versions: 9 }", {1, 3}),
    ],
)
def test_manager_policies_choose_the_aspired_versions(tmp_path, policy, expected):
    manager, _ = make_manager(tmp_path, [1, 2, 3], policy)
    manager.load_initial()
    assert set(states(manager)) == expected
    for version in expected:
        assert manager.resolve(ServableRequest("m", version)) == ("m", version)


def test_manager_new_version_replaces_old_only_once_loaded(tmp_path):
    loader = FakeLoader()
    manager, base = make_manager(tmp_path, [1], loader=loader)
    manager.load_initial()
    served_while_loading = []
    loader.during_load = lambda version: served_while_loading.append(
        manager.resolve(ServableRequest("m"))
    )
    (base / "2").mkdir()
    shutil.rmtree(base / "1")
    manager.poll_once()
    assert served_while_loading == [("m", 1)]
    assert manager.resolve(ServableRequest("m")) == ("m", 2)
    assert states(manager) == {1: "END", 2: "AVAILABLE"}


def test_manager_failed_load_keeps_the_previous_version(tmp_path):
    loader = FakeLoader(failing={2})
    manager, base = make_manager(tmp_path, [1], loader=loader)
    manager.load_initial()
    (base / "2").mkdir()
    manager.poll_once()
    manager.poll_once()
    assert manager.resolve(ServableRequest("m")) == ("m", 1)
    (failed,) = manager.statuses(ServableRequest("m", 2))
    assert (failed.state, failed.error_code) == ("END", "UNKNOWN")
    assert "broken version 2" in failed.error_message
    assert loader.loaded == [1, 2]  # not retried while the same directory stays
    shutil.rmtree(base / "2")
    manager.poll_once()
    (base / "2").mkdir()
    loader.failing.clear()
    manager.poll_once()
    assert manager.resolve(ServableRequest("m")) == ("m", 2)


def test_manager_retries_a_failed_load_on_later_polls_then_gives_up(tmp_path):
    loader = FakeLoader(failing={2})
    retry = RetryPolicy(max_num_load_retries=2, load_retry_interval_micros=0)
    manager, base = make_manager(tmp_path, [1, 2], "all {}", loader=loader, retry=retry)
    manager.load_initial()  # version 1 serves; version 2 failed once and will be retried
    assert loader.loaded.count(2) == 1 and states(manager) == {1: "AVAILABLE", 2: "LOADING"}
    manager.poll_once()
    manager.poll_once()
    assert loader.loaded.count(2) == 3 and states(manager) == {1: "AVAILABLE", 2: "END"}
    manager.poll_once()
    assert loader.loaded.count(2) == 3  # given up: no fourth try while the directory stays
    shutil.rmtree(base / "2")
    manager.poll_once()
    (base / "2").mkdir()
    loader.failing.clear()  # e.g. a permission fixed
    manager.poll_once()
    assert states(manager) == {1: "AVAILABLE", 2: "AVAILABLE"}


def test_manager_retry_waits_for_the_interval(tmp_path):
    loader = FakeLoader(failing={1})
    retry = RetryPolicy(max_num_load_retries=5, load_retry_interval_micros=3_600_000_000)
    manager, _ = make_manager(tmp_path, [1], loader=loader, retry=retry)
    manager.poll_once()
    manager.poll_once()
    assert loader.loaded == [1]  # the hour has not passed
    (status,) = manager.statuses(ServableRequest("m", 1))
    assert (status.state, status.error_code) == ("LOADING", "UNKNOWN")


def test_manager_unloads_vanished_versions_but_survives_a_missing_base(tmp_path):
    manager, base = make_manager(tmp_path, [1, 2], "all {}")
    manager.load_initial()
    shutil.rmtree(base / "1")
    manager.poll_once()
    assert states(manager) == {1: "END", 2: "AVAILABLE"}
    shutil.rmtree(base)
    manager.poll_once()
    assert manager.resolve(ServableRequest("m")) == ("m", 2)
    base.mkdir()
    manager.poll_once()
    with pytest.raises(ServingError, match=r"Servable not found for request: Latest\(m\)"):
        manager.resolve(ServableRequest("m"))


def test_manager_resolves_labels_and_refuses_unknown_ones(tmp_path):
    manager, _ = make_manager(tmp_path, [1, 2], "all {}", {"stable": 1, "canary": 2})
    manager.load_initial()
    assert manager.resolve(ServableRequest("m", label="stable")) == ("m", 1)
    assert [s.version for s in manager.statuses(ServableRequest("m", label="canary"))] == [2]
    with pytest.raises(ServingError, match="Unrecognized servable version label: beta") as caught:
        manager.resolve(ServableRequest("m", label="beta"))
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT


def test_manager_start_fails_when_no_version_of_a_model_loads(tmp_path):
    manager, _ = make_manager(tmp_path, [1], loader=FakeLoader(failing={1}))
    message = "1 model(s) did not become available: {{name: m version: 1} due to error: broken"
    with pytest.raises(ConfigError, match=re.escape(message)):
        manager.load_initial()
    empty, _ = make_manager(tmp_path / "empty", [])
    empty.load_initial()  # nothing to load yet is no failure: versions may appear later


def test_manager_refuses_a_label_of_an_unavailable_version(tmp_path):
    manager, _ = make_manager(tmp_path, [1, 2], "", {"stable": 1})
    with pytest.raises(ConfigError, match="label stable to version 1 of model m, which is not"):
        manager.load_initial()


def test_manager_statuses_of_unknown_models_and_versions_are_not_found(tmp_path):
    manager, _ = make_manager(tmp_path, [1])
    manager.load_initial()
    with pytest.raises(ServingError, match="Could not find any versions of model nope"):
        manager.statuses(ServableRequest("nope"))
    with pytest.raises(ServingError, match="Could not find version 9 of model m"):
        manager.statuses(ServableRequest("m", 9))


def test_manager_swaps_versions_under_concurrent_requests_without_failures(
    make_server, trained_model, exported_model, tmp_path, http
):
    from export import export_model

    base = tmp_path / contract.MODEL_NAME
    shutil.copytree(exported_model / "1", base / "1")
    pixels = np.zeros((1, 28, 28), np.uint8)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(pixels))
    body = {"signature_name": contract.PREDICT_PIXELS, "instances": pixels.tolist()}
    failures, versions, stop = [], [], threading.Event()

    with make_server(model_base_path=str(base), file_system_poll_wait_seconds=0.2) as server:
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/{contract.MODEL_NAME}:predict"
        channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

        def call_grpc():
            while not stop.is_set():
                try:
                    versions.append(stub.Predict(request, timeout=60).model_spec.version.value)
                except grpc.RpcError as error:
                    failures.append(f"gRPC {error.code()}: {error.details()}")

        def call_rest():
            while not stop.is_set():
                status, _, answer = http("POST", url, body)
                if status != 200:
                    failures.append(f"REST {status}: {answer}")

        threads = [threading.Thread(target=f) for f in (call_grpc, call_grpc, call_rest, call_rest)]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: len(versions) >= 20)
            export_model(trained_model, base, version=2)
            shutil.rmtree(base / "1")  # the old version vanishes as the new one appears
            wait_for(lambda: states_of(server) == {1: "END", 2: "AVAILABLE"})
            seen = len(versions)
            wait_for(lambda: len(versions) >= seen + 20)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            channel.close()
    assert failures == []
    assert versions[0] == 1 and versions[-1] == 2
    assert sorted(set(versions)) == [1, 2]


def states_of(server):
    request = ServableRequest(contract.MODEL_NAME)
    return {s.version: s.state for s in server.manager.statuses(request)}


def wait_for(condition, limit_seconds=180):
    # A guard against hanging, not a timing assertion: the condition must become true.
    deadline = time.monotonic() + limit_seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)
