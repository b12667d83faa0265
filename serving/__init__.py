"""Serving: the contract, a local TF Serving-compatible server, its clients and the demo.

The packages, one concern each (dependencies point down this list; the serving contract they
all follow is `common.contract`):
- `errors`: `ServingError` with TF Serving's status codes and their HTTP statuses.
- `server/`: `python -m serving.server`, its flags and config files, the wiring, metrics.
- `rest/`, `grpc/`: the two endpoints, thin over `core`.
- `batching/`: merges concurrent requests into one signature call.
- `core/`: servables, the model manager and version policy, Predict, Classify, Regress and
  MultiInference, warmup replay.
- `codecs/`: TensorProto, REST JSON and tf.Example, one module per wire format.
- `client/`: REST and gRPC clients, the load tester, `python -m serving.client`.
- `pad/`: `python -m serving.pad`, the drawing pad in the browser, over the REST API.
- `event_loop`: the asyncio loop thread the REST endpoint runs on.
- `memory`: the server process's allocator settings, so large requests give memory back.
- `demo`: `python -m serving.demo`, a server asked once over each API.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist
"""
