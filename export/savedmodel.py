"""Writes a model's serving functions as a SavedModel that TF Serving's loader accepts.

`keras.export.ExportArchive` is used rather than `tf.saved_model.save(model)`: the latter
gives Keras 3 models SavedModels that the TF1 session loader (which TF Serving's C++ loader
mirrors) rejects with "Could not find variable". TF2 saving always stamps signatures with the
predict method name, so the classify signature's method name is then set to
`tensorflow/serving/classify` (TF Serving's Classify API checks it) by editing saved_model.pb,
and fingerprint.pb, which hashes the signatures, is written anew to match.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist
"""

import pathlib

import keras
from tensorflow.core.protobuf import saved_model_pb2

# The writer tf.saved_model.save itself uses; TF has no public API to refresh a fingerprint.
from tensorflow.python.saved_model import fingerprinting_utils

from common import contract
from export.signatures import serving_functions

SAVED_MODEL_FILE = "saved_model.pb"
METHOD_NAMES = {
    contract.SERVING_DEFAULT: contract.PREDICT_METHOD,
    contract.PREDICT_PIXELS: contract.PREDICT_METHOD,
    contract.PREDICT_IMAGE_BYTES: contract.PREDICT_METHOD,
    contract.CLASSIFY: contract.CLASSIFY_METHOD,
}


def write_saved_model(model, directory):
    """Writes the four contract signatures of a model as a SavedModel.

    Args:
        model: a built Keras model mapping float32 [batch, 784] to scores [batch, 10].
        directory: an existing, empty directory to write into.
    """
    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (function, input_signature) in serving_functions(model).items():
        archive.add_endpoint(name, function, input_signature=input_signature)
    archive.write_out(str(directory), verbose=False)
    set_method_names(directory, METHOD_NAMES)


def set_method_names(directory, method_names):
    """Sets the method name of signatures in a written SavedModel and refreshes its fingerprint.

    Args:
        directory: a SavedModel directory.
        method_names: dict from signature name to method name; every name must exist.

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
    path.write_bytes(saved_model.SerializeToString())
    fingerprinting_utils.write_fingerprint(str(directory))
