"""Writes a model's serving functions as a SavedModel that TF Serving's loader accepts.

`keras.export.ExportArchive` is used rather than `tf.saved_model.save(model)`: the latter
gives Keras 3 models SavedModels that the TF1 session loader (which TF Serving's C++ loader
mirrors) rejects with "Could not find variable". TF2 saving always stamps signatures with the
predict method name, so the classify signature's method name is then set to
`tensorflow/serving/classify` (TF Serving's Classify API checks it) by editing saved_model.pb,
as are the declared shapes of the pixel inputs (whose functions take any shape and check it
themselves, see export/signatures.py), and fingerprint.pb, which hashes the signatures, is
written anew to match.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist
"""

import pathlib

import keras
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

# The writer tf.saved_model.save itself uses; TF has no public API to refresh a fingerprint.
from tensorflow.python.saved_model import fingerprinting_utils

from common import contract
from export.signatures import DECLARED_SHAPES, serving_functions

SAVED_MODEL_FILE = "saved_model.pb"
METHOD_NAMES = {
    name: contract.CLASSIFY_METHOD if name == contract.CLASSIFY else contract.PREDICT_METHOD
    for name in contract.SIGNATURES
}


def write_saved_model(model, directory):
    """Writes the contract's signatures of a model as a SavedModel.

    Args:
        model: a built Keras model mapping float32 [batch, 784] to scores [batch, 10].
        directory: an existing, empty directory to write into.
    """
    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (function, input_signature) in serving_functions(model).items():
        archive.add_endpoint(name, function, input_signature=input_signature)
    archive.write_out(str(directory), verbose=False)
    set_method_names(directory, METHOD_NAMES, DECLARED_SHAPES)


def set_method_names(directory, method_names, input_shapes=None):
    """Sets signatures' method names (and input shapes) in a SavedModel, refreshing its fingerprint.

    Args:
        directory: a SavedModel directory.
        method_names: dict from signature name to method name; every name must exist.
        input_shapes: dict from signature name to the shape its one input declares (None
            for an unknown dimension), or None to leave the shapes as written.

    Raises:
        KeyError: a signature named in method_names is not in the SavedModel.
    """
    path = pathlib.Path(directory) / SAVED_MODEL_FILE
    saved_model = saved_model_pb2.SavedModel.FromString(path.read_bytes())
    for meta_graph in saved_model.meta_graphs:
        for name, method_name in method_names.items():
            if name not in meta_graph.signature_def:
                raise KeyError(f"signature {name!r} is not in {path}")
            meta_graph.signature_def[name].method_name = method_name
        for name, shape in (input_shapes or {}).items():
            (info,) = meta_graph.signature_def[name].inputs.values()
            info.tensor_shape.CopyFrom(tf.TensorShape(shape).as_proto())
    path.write_bytes(saved_model.SerializeToString())
    fingerprinting_utils.write_fingerprint(str(directory))
