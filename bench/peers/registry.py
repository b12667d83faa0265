"""Every peer the runner knows: pinned versions, variants, and how each is started.

The server modules (kserve_peer.py and the rest) import their framework and run only in
that peer's venv; this module, in the project's venv, says how to build the venv and how
to start each variant. "local" is the project's own server (`python -m serving.server`,
started as bench/server_process.py starts it), asked over REST `:predict` for
`predict_pixels`; it answers all three outputs of the signature (TF Serving's REST API has
no output filter), where the peers answer the probabilities alone.

Example:
    .venv/bin/python bench/peers/run.py --peers local,kserve,litserve --cells b1c1 --seconds 2
"""

import json
import pathlib
import sys
import sysconfig

from peers.spec import MAX_BATCH, MODEL_NAME, TENSORFLOW, Peer, Variant, script_command

REPO = pathlib.Path(__file__).resolve().parents[2]
BATCHING_CONFIG = REPO / "serving" / "config" / "batching.config"
V1_PREDICT = f"/v1/models/{MODEL_NAME}:predict"
V2_INFER = f"/v2/models/{MODEL_NAME}/infer"
V2_READY = f"/v2/models/{MODEL_NAME}/ready"


def _local(bin_dir, model_dir, ports, variant, scratch):
    del bin_dir, scratch  # the project's own interpreter; nothing to write
    argv = [sys.executable, "-m", "serving.server", f"--port={ports.grpc}"]
    argv += [f"--rest_api_port={ports.http}", f"--model_name={MODEL_NAME}"]
    argv += [f"--model_base_path={pathlib.Path(model_dir).parent}"]
    flags = variant.flag.split("+")
    if "batching" in flags:
        argv += ["--enable_batching=true", f"--batching_parameters_file={BATCHING_CONFIG}"]
    if "tflite" in flags:
        if not (pathlib.Path(model_dir) / "model.tflite").is_file():
            raise RuntimeError(f"{model_dir} has no model.tflite (export it with --tflite)")
        argv += ["--prefer_tflite_model=true"]
    return argv, {}


def _script(module):
    def command(bin_dir, model_dir, ports, variant, scratch):
        return script_command(module, bin_dir, model_dir, ports, variant), {}

    return command


def _pytriton(bin_dir, model_dir, ports, variant, scratch):
    # Triton's Python-backend stub loads libpython3.11 by name: point it at this interpreter's
    # own, or the system's (another 3.11 patch release) meets this venv's standard library.
    argv, _ = _script("pytriton_peer")(bin_dir, model_dir, ports, variant, scratch)
    return argv, {"LD_LIBRARY_PATH": sysconfig.get_config_var("LIBDIR")}


def _mlserver(bin_dir, model_dir, ports, variant, scratch):
    # `mlserver start FOLDER` reads FOLDER/settings.json and each model's model-settings.json.
    server = {"host": "127.0.0.1", "http_port": ports.http, "grpc_port": ports.grpc}
    server["metrics_port"] = ports.metrics
    (scratch / "settings.json").write_text(json.dumps(server))
    model = {"name": MODEL_NAME, "implementation": "peers.mlserver_peer.MnistRuntime"}
    model["parameters"] = {"uri": str(model_dir)}
    if variant.flag == "batched":
        model.update(max_batch_size=MAX_BATCH, max_batch_time=0.001)
    (scratch / MODEL_NAME).mkdir(exist_ok=True)
    (scratch / MODEL_NAME / "model-settings.json").write_text(json.dumps(model))
    return [str(bin_dir / "mlserver"), "start", str(scratch)], {}


def _bentoml(bin_dir, model_dir, ports, variant, scratch):
    del scratch
    service = "MnistBatched" if variant.flag == "batched" else "Mnist"
    argv = [str(bin_dir / "bentoml"), "serve", f"peers.bentoml_peer:{service}"]
    argv += ["--host", "127.0.0.1", "--port", str(ports.http)]
    return argv, {"MNIST_PEER_MODEL_DIR": str(model_dir), "BENTOML_DO_NOT_TRACK": "True"}


def _peer(name, package, version, variants, ready_path, command, marker=b"", extra=()):
    requirements = (f"{package}=={version}", TENSORFLOW, *extra)
    return Peer(name, version, requirements, variants, ready_path, command, marker)


PEERS = {
    "local": Peer(
        "local", "", (),
        (Variant("batching off", "tfs", V1_PREDICT),
         Variant("batching on", "tfs", V1_PREDICT, "batching"),
         Variant("TF Lite", "tfs", V1_PREDICT, "tflite"),
         Variant("TF Lite, batching on", "tfs", V1_PREDICT, "tflite+batching")),
        f"/v1/models/{MODEL_NAME}", _local, b'"AVAILABLE"',
    ),
    "kserve": _peer(
        "kserve", "kserve", "0.21.0",
        (Variant("v1", "kserve-v1", V1_PREDICT), Variant("v2", "v2", V2_INFER)),
        V2_READY, _script("kserve_peer"),
    ),
    "mlserver": _peer(
        "mlserver", "mlserver", "1.7.1",
        (Variant("plain", "v2", V2_INFER), Variant("adaptive batching", "v2", V2_INFER, "batched")),
        # uvloop 0.22's get_event_loop() raises where MLServer 1.7.1's workers call it at start.
        V2_READY, _mlserver, extra=("uvloop==0.21.0",),
    ),
    "pytriton": _peer(
        "pytriton", "nvidia-pytriton", "0.7.0",
        (Variant("plain", "v2", V2_INFER), Variant("dynamic batcher", "v2", V2_INFER, "batched")),
        V2_READY, _pytriton,
    ),
    "bentoml": _peer(
        "bentoml", "bentoml", "1.4.40",
        (Variant("plain", "json-array", "/predict"),
         Variant("batchable", "json-array", "/predict", "batched")),
        "/readyz", _bentoml,
    ),
    "litserve": _peer(
        "litserve", "litserve", "0.2.19",
        (Variant("plain", "json", "/predict"),
         Variant("max_batch_size", "json", "/predict", "batched")),
        "/health", _script("litserve_peer"), b"ok",
    ),
    "rayserve": _peer(
        "rayserve", "ray[serve]", "2.60.0",
        (Variant("plain", "json", "/"), Variant("serve.batch", "json", "/", "batched")),
        "/-/routes", _script("rayserve_peer"), b'"/"',
    ),
}  # fmt: skip
