"""One loaded version of a model: its SavedModel's signatures, ready to run.

A `Servable` loads `BASE/VERSION` with `tf.saved_model.load`, describes each signature
(inputs, outputs, method name) and reads the SignatureDefs from saved_model.pb so that
metadata is exactly what TF Serving reports. `run` calls a signature on numpy arrays from
an event loop, through the batch scheduler when batching is on.

Example:
    python -c "from serving.core import Servable; \
print(sorted(Servable('mnist', 1, 'serving/models/mnist/1').signatures))"
"""

import asyncio
import dataclasses
import functools
import pathlib

import grpc
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2

from serving.errors import ServingError, from_tf_error, invalid_argument


@dataclasses.dataclass(frozen=True)
class Signature:
    """A runnable signature: its inputs and outputs (key -> tf.TensorSpec) and method."""

    name: str
    method_name: str
    inputs: dict
    outputs: dict
    function: object


class Servable:
    """A loaded model version.

    Args:
        name: the model name.
        version: the version number (the directory's name).
        path: the version directory, holding saved_model.pb and variables/.

    Raises:
        ServingError: if the directory holds no loadable SavedModel.
    """

    def __init__(self, name, version, path):
        self.name = name
        self.version = version
        self.path = pathlib.Path(path)
        self._batch_scheduler = None  # every request runs alone until `batch_with`
        self.signature_defs = _read_signature_defs(self.path)
        try:
            self._loaded = tf.saved_model.load(str(self.path))
        except (OSError, ValueError, tf.errors.OpError) as error:
            raise ServingError(
                grpc.StatusCode.UNKNOWN, f"Failed to load {self.path}: {str(error).splitlines()[0]}"
            ) from error
        self.signatures = {}
        for key, function in self._loaded.signatures.items():
            self.signatures[key] = Signature(
                name=key,
                method_name=self.signature_defs[key].method_name,
                inputs=dict(function.structured_input_signature[1]),
                outputs=dict(function.structured_outputs),
                function=function,
            )

    def batch_with(self, batch_scheduler):
        """Routes every later `run` through a batch scheduler.

        The server replays a version's warmup records before this, so they run alone and
        a long `batch_timeout_micros` never delays a load.

        Args:
            batch_scheduler: a started batching.BatchScheduler.
        """
        self._batch_scheduler = batch_scheduler

    async def run(self, signature, arrays, executor=None):
        """Runs a signature on validated input arrays, never blocking the caller's loop.

        Args:
            signature: one of this servable's Signatures.
            arrays: dict input key -> numpy array, as `core.inputs.prepare_inputs` returns.
            executor: the thread pool that runs the signature when batching is off (None:
                the loop's default); with batching on, the call awaits its batch without
                holding any thread.

        Returns:
            dict output key -> numpy array.

        Raises:
            ServingError: with the code TensorFlow's runtime error carries.
        """
        call = functools.partial(self._call, signature)
        if self._batch_scheduler is not None:
            return await self._batch_scheduler.run((self, signature.name), call, arrays)
        return await asyncio.get_running_loop().run_in_executor(executor, call, arrays)

    def _call(self, signature, arrays):
        try:
            # The signature converts each array to its input's dtype: one conversion per input.
            outputs = signature.function(**arrays)
        except tf.errors.OpError as error:
            raise from_tf_error(error) from error
        except (TypeError, ValueError) as error:
            raise invalid_argument(f"signature '{signature.name}': {error}") from error
        return {key: value.numpy() for key, value in outputs.items()}


def _read_signature_defs(path):
    # TF Serving reports the MetaGraphDef's SignatureDefs as stored, so read them as stored.
    saved_model = saved_model_pb2.SavedModel()
    binary, text = path / "saved_model.pb", path / "saved_model.pbtxt"
    try:
        if binary.is_file():
            saved_model.ParseFromString(binary.read_bytes())
        else:
            text_format.Parse(text.read_text(), saved_model)
    except Exception as error:  # a missing, unreadable or corrupt file: one message
        raise ServingError(
            grpc.StatusCode.UNKNOWN, f"No readable SavedModel in {path}: {error}"
        ) from error
    if not saved_model.meta_graphs:
        raise ServingError(grpc.StatusCode.UNKNOWN, f"SavedModel in {path} has no MetaGraphDef")
    return saved_model.meta_graphs[0].signature_def
