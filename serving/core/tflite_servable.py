"""One loaded version served from its `model.tflite`, as TF Serving's TfLiteSession serves it.

With `--prefer_tflite_model`, a version directory holding `model.tflite` is served by a pool
of `tf.lite.Interpreter`s instead of a session over its SavedModel (`load_servable` picks).
`TfLiteServable` has `Servable`'s interface, so inference, metadata, warmup and batching do
not know the difference. As in TF Serving's tflite_session.cc:
- SignatureDefs come from the model's `signature_defs_metadata` (see
  export/tflite_signatures.py), each tensor name fixed to the model's own tensor or to it
  without a ":0" suffix; without that entry one `serving_default` predict signature is made
  of the model's inputs and outputs, keyed by their names without ":0".
- `--num_tflite_pools` interpreters (at least one), one thread each, single-threaded; a run
  waits for a free one. An input whose shape differs from the request's is resized and the
  tensors reallocated; unfed inputs keep their last shape and contents.
- `--num_tflite_interpreters_per_pool` > 1 puts TfLiteSession's scheduler in front
  (`tflite_interpreters.Splitter`): a task of at most 500 rows is cut into chunks of
  ceil(500 / that) rows (the model's batch size if its one input has a fixed batch > 1),
  and the chunks run on the interpreters at once, at most 100 chunks per interpreter
  queued. Unlike TF Serving's scheduler, chunks of different requests are not merged.
One difference: a shape an interpreter cannot allocate is undone before the error returns,
so a bad request never leaves the interpreter unusable for the next one.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --prefer_tflite_model=true --num_tflite_pools=2
"""

import functools
import logging
import pathlib
import queue
import weakref

import grpc
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2

from export.tflite_signatures import read_signature_defs
from serving.core import inline
from serving.core.servable import Servable, _signature
from serving.core.tflite_interpreters import Interpreter, Splitter, chunk_rows
from serving.errors import ServingError, invalid_argument

MODEL_FILE = "model.tflite"
PREDICT_METHOD = "tensorflow/serving/predict"
log = logging.getLogger(__name__)


def load_servable(name, version, path, config, settings):
    """Loads a version as TF Serving's bundle factory does: TF Lite if preferred and present.

    Args:
        name: the model name.
        version: the version number.
        path: the version directory.
        config: a ServerConfig (`tags`, `prefer_tflite_model`, `num_tflite_pools`,
            `num_tflite_interpreters_per_pool`).
        settings: the server's Settings (`session_config`, the SavedModel session's).

    Returns:
        a TfLiteServable if `--prefer_tflite_model` is on and path holds model.tflite,
        else a Servable.
    """
    if config.prefer_tflite_model and (pathlib.Path(path) / MODEL_FILE).is_file():
        return TfLiteServable(
            name,
            version,
            path,
            config.num_tflite_pools,
            config.num_tflite_interpreters_per_pool,
        )
    return Servable(name, version, path, config.tags, settings.session_config)


class TfLiteServable:
    """A loaded model version served from model.tflite (see the module docstring).

    Args:
        name: the model name.
        version: the version number.
        path: the version directory, holding model.tflite.
        num_pools: interpreters (`--num_tflite_pools`; at least one is made).
        interpreters_per_pool: `--num_tflite_interpreters_per_pool`; > 1 splits tasks.

    Raises:
        ServingError: if the file cannot be read or is no TF Lite model, or its SignatureDefs
            are invalid or name unknown tensors.
    """

    def __init__(self, name, version, path, num_pools=1, interpreters_per_pool=1):
        self.name = name
        self.version = version
        self.path = pathlib.Path(path)
        self._batch_scheduler = None
        try:
            model_bytes = (self.path / MODEL_FILE).read_bytes()
        except OSError as error:
            raise ServingError(
                grpc.StatusCode.NOT_FOUND, f"Could not read {error.filename}"
            ) from error
        try:
            interpreters = [Interpreter(model_bytes) for _ in range(max(1, num_pools))]
        except (RuntimeError, ValueError) as error:
            raise invalid_argument(f"Cannot build FlatBufferModel from buffer: {error}") from error
        first = interpreters[0].interpreter
        self._inputs = {d["name"]: d["index"] for d in first.get_input_details()}
        self._outputs = {d["name"]: d["index"] for d in first.get_output_details()}
        self.signature_defs = _signature_defs(model_bytes, first)
        self.signatures = {key: _signature(key, sd) for key, sd in self.signature_defs.items()}
        self._pool = queue.SimpleQueue()  # the free interpreters
        for interpreter in interpreters:
            self._pool.put(interpreter)
        self._splitter = None
        if interpreters_per_pool > 1:
            self._splitter = Splitter(len(interpreters), chunk_rows(first, interpreters_per_pool))
            weakref.finalize(self, self._splitter.executor.shutdown, wait=False)

    def batch_with(self, batch_scheduler):
        """Routes every later `run` through a batch scheduler (see `Servable.batch_with`).

        Args:
            batch_scheduler: a started batching.BatchScheduler.
        """
        self._batch_scheduler = batch_scheduler

    async def run(self, signature, arrays, executor=None, output_keys=None):
        """Runs a signature on input arrays, never blocking the caller's loop.

        Args:
            signature: one of this servable's Signatures.
            arrays: dict input alias -> numpy array of the signature's dtype.
            executor: the thread pool that runs it when batching is off (None: the default),
                or `inline.INLINE` (see `Servable.run`).
            output_keys: the output aliases to fetch; None fetches them all.

        Returns:
            dict output alias -> numpy array.

        Raises:
            ServingError: INTERNAL when the interpreter cannot take a shape or fails, as in
                TF Serving; INVALID_ARGUMENT or UNAVAILABLE from the task splitter.
        """
        keys = tuple(sorted(signature.outputs) if output_keys is None else output_keys)
        call = functools.partial(self._call, signature, keys)
        key = (self, signature.name, keys)
        return await inline.run_signature(call, arrays, executor, self._batch_scheduler, key)

    def _call(self, signature, output_keys, arrays):
        invoke = functools.partial(self._invoke, signature, output_keys)
        return invoke(arrays) if self._splitter is None else self._splitter.run(invoke, arrays)

    def _invoke(self, signature, output_keys, arrays):
        feeds = {self._inputs[signature.input_names[k]]: arrays[k] for k in sorted(arrays)}
        fetches = [self._outputs[signature.output_names[k]] for k in output_keys]
        interpreter = self._pool.get()  # waits for a free one, as TF Serving's pool does
        try:
            values = interpreter.run(feeds, fetches)
        finally:
            self._pool.put(interpreter)
        return dict(zip(output_keys, values, strict=True))


def _signature_defs(model_bytes, interpreter):
    inputs = {d["name"]: d for d in interpreter.get_input_details()}
    outputs = {d["name"]: d for d in interpreter.get_output_details()}
    try:
        signature_defs = read_signature_defs(model_bytes)
    except ValueError as error:
        raise invalid_argument(f"Invalid SignatureDefs found in TfLite model: {error}") from error
    for signature_def in signature_defs.values():
        for kind, tensors, infos in (
            ("input", inputs, signature_def.inputs),
            ("output", outputs, signature_def.outputs),
        ):
            for alias, info in infos.items():
                info.name = _fixed_name(tensors, info.name, f"Signature {kind} {alias}")
    if signature_defs:
        return signature_defs
    log.warning("No signature def found in TFLite model. Generating one.")
    signature_def = meta_graph_pb2.SignatureDef(method_name=PREDICT_METHOD)
    for tensors, infos in ((inputs, signature_def.inputs), (outputs, signature_def.outputs)):
        for name, detail in tensors.items():
            info = infos[name.split(":", 1)[0]]
            info.name = name
            info.dtype = tf.as_dtype(detail["dtype"]).as_datatype_enum
            for size in detail["shape"]:
                info.tensor_shape.dim.add().size = int(size)
    return {"serving_default": signature_def}


def _fixed_name(tensors, name, what):
    # FixTfLiteTensorName: the name itself, else the name without its ":<index>" suffix.
    for candidate in (name, name.split(":", 1)[0]):
        if candidate in tensors:
            return candidate
    raise ServingError(
        grpc.StatusCode.INTERNAL,
        f"{what} references an unknown tensor: Unknown tensor '{name}'.",
    )
