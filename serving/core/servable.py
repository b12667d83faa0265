"""One loaded version of a model: a session over its SavedModel, signatures run by tensor name.

This is how TF Serving's C++ loader serves a SavedModel: `Servable` loads the MetaGraphDef
whose tags match `--saved_model_tags` into a `tf.compat.v1.Session` of its own graph
(variables restored, asset and init ops run), and runs a signature by feeding the
SignatureDef's input tensor names and fetching its output tensor names. So TF1 and TF2
exports, `.pb` and `.pbtxt`, reference variables and several MetaGraphs all load, and
shapes are enforced by the graph alone, never by the SignatureDef (TF Serving's
`half_plus_three` declares one shape and computes another). `run` is awaited from an event
loop, or finished inline from a gRPC handler thread (`core.inline`), and goes through the
batch scheduler once `batch_with` has been called.

Example:
    python -c "from serving.core import Servable; \
print(sorted(Servable('mnist', 1, 'serving/models/mnist/1').signatures))"
"""

import dataclasses
import functools
import pathlib

import grpc
import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2
from tensorflow.python.saved_model import loader_impl

from serving.core import inline, op_libraries
from serving.errors import ServingError, from_tf_error, invalid_argument

DEFAULT_TAGS = ("serve",)


@dataclasses.dataclass(frozen=True)
class Signature:
    """A SignatureDef ready to run: its key, method, and inputs and outputs by alias.

    `inputs` and `outputs` map each alias to a `tf.TensorSpec` (dtype and declared shape),
    or None for an entry that names an op; `input_names` and `output_names` map each alias
    to the graph tensor it names (an input and an output may share an alias).
    """

    name: str
    method_name: str
    inputs: dict
    outputs: dict
    input_names: dict
    output_names: dict


class Servable:
    """A loaded model version.

    Args:
        name: the model name.
        version: the version number (the directory's name).
        path: the version directory, holding saved_model.pb (or .pbtxt) and variables/.
        tags: the tag set of the MetaGraphDef to serve (`--saved_model_tags`).
        session_config: a tf.compat.v1.ConfigProto (thread pools), or None.

    Raises:
        ServingError: if the directory holds no SavedModel with a MetaGraphDef of these tags,
            or it cannot be restored.
    """

    def __init__(self, name, version, path, tags=DEFAULT_TAGS, session_config=None):
        self.name = name
        self.version = version
        self.path = pathlib.Path(path)
        self._batch_scheduler = None  # every request runs alone until `batch_with`
        self._session = tf.compat.v1.Session(graph=tf.Graph(), config=session_config)
        try:
            with self._session.graph.as_default():
                # The loader class behind tf.compat.v1.saved_model.load, without its
                # deprecation notice: this is the TF1 session path TF Serving's C++ takes.
                loader = loader_impl.SavedModelLoader(str(self.path))
                # TF Serving links TensorFlow Text's ops; registered here only if needed.
                op_libraries.register_ops_for(loader.get_meta_graph_def_from_tags(list(tags)))
                meta_graph = loader.load(self._session, list(tags))
        except Exception as error:  # any unloadable export fails this version only
            self._session.close()
            raise _load_error(self.path, tags, error) from error
        self.signature_defs = meta_graph.signature_def
        self.signatures = {
            key: _signature(key, signature_def)
            for key, signature_def in self.signature_defs.items()
        }
        self._callables = {}

    def batch_with(self, batch_scheduler):
        """Routes every later `run` through a batch scheduler.

        The server replays a version's warmup records before this, so they run alone and
        a long `batch_timeout_micros` never delays a load.

        Args:
            batch_scheduler: a started batching.BatchScheduler.
        """
        self._batch_scheduler = batch_scheduler

    async def run(self, signature, arrays, executor=None, output_keys=None):
        """Runs a signature on input arrays, never blocking the caller's loop.

        Args:
            signature: one of this servable's Signatures.
            arrays: dict input alias -> numpy array, as `core.inputs.prepare_inputs` returns.
            executor: the thread pool that runs the signature when batching is off (None:
                the loop's default); with batching on, the call awaits its batch without
                holding any thread. `inline.INLINE` runs it in the calling thread, which
                it blocks (with batching, until the batch has run): see `core.inline`.
            output_keys: the output aliases to fetch; None fetches them all. Only what they
                depend on is computed, as in TF Serving.

        Returns:
            dict output alias -> numpy array.

        Raises:
            ServingError: with the code TensorFlow's runtime error carries.
        """
        keys = tuple(sorted(signature.outputs) if output_keys is None else output_keys)
        call = functools.partial(self._call, signature, keys)
        key = (self, signature.name, keys)
        return await inline.run_signature(call, arrays, executor, self._batch_scheduler, key)

    def _call(self, signature, output_keys, arrays):
        input_keys = tuple(sorted(arrays))
        outputs = signature.output_names
        fed = {signature.input_names[k]: arrays[k] for k in input_keys}
        # A tensor both fed and fetched (an identity signature) answers what was fed, as a
        # C++ session run does; only the others are fetched.
        fetched = tuple(k for k in output_keys if outputs[k] not in fed)
        try:
            values = {}
            if fetched:
                run = self._callable(signature.name, input_keys, fetched)
                values = {k: _as_array(v) for k, v in zip(fetched, run(*fed.values()), strict=True)}
        except tf.errors.OpError as error:
            raise from_tf_error(error) from error
        except (TypeError, ValueError) as error:  # a feed the runtime cannot take
            raise invalid_argument(str(error)) from error
        return {k: values[k] if k in values else fed[outputs[k]] for k in output_keys}

    def _callable(self, signature_name, input_keys, output_keys):
        key = (signature_name, input_keys, output_keys)
        if key not in self._callables:
            # A callable per feed and fetch list: session.run's per-call setup, done once.
            # Made from CallableOptions, as TF Serving's C++ runs a session: feeds are not
            # checked against their tensors' static shapes in Python (TF Serving's
            # half_plus_two takes [3] into a tensor declared [?, 1]); the ops check what
            # they must at run time.
            signature = self.signatures[signature_name]
            options = config_pb2.CallableOptions(
                feed=[signature.input_names[k] for k in input_keys],
                fetch=[signature.output_names[k] for k in output_keys],
            )
            self._callables[key] = self._session._make_callable_from_options(options)
        return self._callables[key]


def _as_array(value):
    # The session answers a scalar string as bytes; every output is a numpy array here,
    # strings as object arrays of bytes.
    if isinstance(value, bytes):
        array = np.empty((), dtype=object)
        array[()] = value
        return array
    return np.asarray(value)


def _signature(key, signature_def):
    def specs(infos):
        # A TensorInfo without a dtype (the `__saved_model_init_op` entry TF2 writes) names
        # an op, not a tensor: its spec is None.
        return {
            alias: tf.TensorSpec(tf.TensorShape(info.tensor_shape), tf.as_dtype(info.dtype))
            if info.dtype
            else None
            for alias, info in infos.items()
        }

    return Signature(
        name=key,
        method_name=signature_def.method_name,
        inputs=specs(signature_def.inputs),
        outputs=specs(signature_def.outputs),
        input_names={alias: info.name for alias, info in signature_def.inputs.items()},
        output_names={alias: info.name for alias, info in signature_def.outputs.items()},
    )


def _load_error(path, tags, error):
    # The reason in TF Serving's words where it has them; never a Python class name.
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, OSError) or "SavedModel file does not exist" in message:
        return ServingError(
            grpc.StatusCode.NOT_FOUND, f"Could not find SavedModel .pb or .pbtxt at {path}"
        )
    if "could not be found in SavedModel" in message:
        return ServingError(
            grpc.StatusCode.NOT_FOUND,
            f"Could not find meta graph def matching supplied tags: {{ {' '.join(tags)} }}. "
            "To inspect available tag-sets in the SavedModel, please use the SavedModel CLI: "
            "`saved_model_cli`",
        )
    if isinstance(error, tf.errors.OpError):
        return from_tf_error(error)
    return ServingError(grpc.StatusCode.UNKNOWN, f"Failed to load SavedModel at {path}: {message}")
