"""Writes a version's `model.tflite` from its SavedModel, checked to agree with it first.

TF Serving's `--prefer_tflite_model` serves `model.tflite` from a version directory, and its
TfLiteSession runs the model's primary subgraph only, taking signatures from the model's
`signature_defs_metadata` (export/tflite_signatures.py). So every signature that TF Lite's
builtin ops can run (numeric inputs and outputs: no strings, so not `predict_image_bytes` or
`classify`) is converted into ONE subgraph: each signature input is an input of its own
(`<signature>_<alias>`), each output an output of its own, and the metadata maps each
signature's aliases to them with the SavedModel's method names and shapes. A request feeds
one signature's inputs; the others keep their last contents.

Before the version is published, each converted signature runs in a `tf.lite.Interpreter`
(through the metadata, as TF Serving runs it) and in the SavedModel on the first
`CHECK_DIGITS` MNIST test digits: float outputs must agree within TOLERANCE x max(1, |value|)
and have the same argmax, integer outputs exactly, or `TfLiteMismatchError` fails the export.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist --tflite
"""

import pathlib
import warnings

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from common.mnist import load_mnist
from export.tflite_signatures import read_signature_defs, write_signature_defs

MODEL_FILE = "model.tflite"
CHECK_DIGITS = 256
TOLERANCE = 1e-5


class TfLiteMismatchError(ValueError):
    """The TF Lite model's outputs differ from the SavedModel's."""


def _signature_defs(directory):
    # The SignatureDefs of the SavedModel's `serve` MetaGraphDef whose tensors are all numeric.
    saved_model = saved_model_pb2.SavedModel.FromString(
        (pathlib.Path(directory) / "saved_model.pb").read_bytes()
    )
    (meta_graph,) = [m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags]
    return {
        key: signature_def
        for key, signature_def in sorted(meta_graph.signature_def.items())
        if all(
            info.dtype and info.dtype != tf.string.as_datatype_enum
            for info in [*signature_def.inputs.values(), *signature_def.outputs.values()]
        )
    }


def convert(directory):
    """Converts a SavedModel's numeric signatures into one TF Lite subgraph with metadata.

    Args:
        directory: a SavedModel directory.

    Returns:
        bytes of the TF Lite model, its signature_defs_metadata set.

    Raises:
        ValueError: no numeric signature, or two tensor names that collide.
    """
    loaded = tf.saved_model.load(str(directory))
    signature_defs = _signature_defs(directory)
    if not signature_defs:
        raise ValueError(f"{directory} has no signature TF Lite can convert (all use strings)")
    specs, input_keys, output_keys = [], [], []
    for key, signature_def in signature_defs.items():
        for alias, info in sorted(signature_def.inputs.items()):
            # The SignatureDef's shape, which the function itself may leave open: TF Lite
            # needs a known rank, and TF Serving clients send what the SignatureDef says.
            shape = tf.TensorShape(info.tensor_shape)
            specs.append(tf.TensorSpec(shape, tf.as_dtype(info.dtype), f"{key}_{alias}"))
            input_keys.append((key, alias))
        output_keys += [(key, alias) for alias in sorted(signature_def.outputs)]
    names = [f"{k}_{a}" for k, a in input_keys] + [f"{k}_{a}" for k, a in output_keys]
    if len(set(names)) != len(names):
        raise ValueError(f"signature and alias names collide as TF Lite tensor names: {names}")

    @tf.function(input_signature=specs)
    def combined(*tensors):
        feeds = {}
        for (key, alias), tensor in zip(input_keys, tensors, strict=True):
            feeds.setdefault(key, {})[alias] = tensor
        outputs = {key: loaded.signatures[key](**feed) for key, feed in feeds.items()}
        return {f"{k}_{a}": outputs[k][a] for k, a in output_keys}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [combined.get_concrete_function()], loaded
    )
    model = converter.convert()
    runner = _interpreter(model).get_signature_runner()
    tensors = {**runner.get_input_details(), **runner.get_output_details()}
    for key, signature_def in signature_defs.items():
        for infos in (signature_def.inputs, signature_def.outputs):
            for alias, info in infos.items():
                info.name = tensors[f"{key}_{alias}"]["name"]
    return write_signature_defs(model, signature_defs)


def _interpreter(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        return tf.lite.Interpreter(model_content=model, num_threads=1)


def _check_inputs(info, digits):
    # MNIST digits uint8 [n, 28, 28] as the input wants them: its row shape, and in [0, 1]
    # unless it takes uint8 pixels.
    dtype = tf.as_dtype(info.dtype)
    rows = [d.size for d in info.tensor_shape.dim[1:]]
    images = digits.reshape([len(digits), *rows])
    return images if dtype == tf.uint8 else (images / 255.0).astype(dtype.as_numpy_dtype)


def run_signature(interpreter, signature_def, arrays):
    """Runs one signature of a TF Lite model as TF Serving does: feed, resize, invoke, fetch.

    Args:
        interpreter: a tf.lite.Interpreter of the model.
        signature_def: a SignatureDef of its metadata (tensor names are the model's).
        arrays: dict input alias -> numpy array.

    Returns:
        dict output alias -> numpy array.
    """
    tensors = {d["name"]: d for d in interpreter.get_input_details()}
    tensors.update({d["name"]: d for d in interpreter.get_output_details()})
    for alias, array in arrays.items():
        interpreter.resize_tensor_input(
            tensors[signature_def.inputs[alias].name]["index"], array.shape
        )
    interpreter.allocate_tensors()
    for alias, array in arrays.items():
        interpreter.set_tensor(tensors[signature_def.inputs[alias].name]["index"], array)
    interpreter.invoke()
    return {
        alias: interpreter.get_tensor(tensors[info.name]["index"])
        for alias, info in signature_def.outputs.items()
    }


def check_agreement(directory, model, digits):
    """Runs every signature of the TF Lite model and of the SavedModel on the same digits.

    Args:
        directory: the SavedModel directory the model was converted from.
        model: bytes of the TF Lite model, with signature_defs_metadata.
        digits: uint8 MNIST images [n, 28, 28].

    Returns:
        float, the largest absolute difference of any float output.

    Raises:
        TfLiteMismatchError: naming the signature and output that disagree, and by how much.
    """
    loaded = tf.saved_model.load(str(directory))
    interpreter = _interpreter(model)
    largest = 0.0
    for key, signature_def in sorted(read_signature_defs(model).items()):
        arrays = {a: _check_inputs(info, digits) for a, info in signature_def.inputs.items()}
        lite = run_signature(interpreter, signature_def, arrays)
        reference = {k: v.numpy() for k, v in loaded.signatures[key](**arrays).items()}
        for alias, expected in sorted(reference.items()):
            got = lite[alias]
            where = f"{key} output {alias} on {len(digits)} MNIST test digits"
            if expected.dtype.kind != "f":
                if not np.array_equal(got, expected):
                    raise TfLiteMismatchError(f"model.tflite differs from the SavedModel: {where}")
                continue
            diff = np.abs(got.astype(np.float64) - expected)
            largest = max(largest, float(diff.max(initial=0.0)))
            if np.any(diff > TOLERANCE * np.maximum(1.0, np.abs(expected))):
                raise TfLiteMismatchError(
                    f"model.tflite differs from the SavedModel by up to {diff.max():.3g} "
                    f"(tolerance {TOLERANCE} x max(1, |value|)): {where}"
                )
            if expected.ndim == 2 and np.any(got.argmax(-1) != expected.argmax(-1)):
                raise TfLiteMismatchError(f"model.tflite picks another argmax: {where}")
    return largest


def write_tflite(directory):
    """Converts a written SavedModel, checks it on MNIST test digits, writes model.tflite.

    Args:
        directory: the version directory being built, holding the SavedModel.

    Returns:
        dict for export_info.json: the converted signatures, the digits checked and the
        largest absolute difference seen.

    Raises:
        TfLiteMismatchError: the TF Lite model disagrees (model.tflite is not written).
        ValueError: nothing to convert.
    """
    model = convert(directory)
    _, (x_test, _) = load_mnist()
    largest = check_agreement(directory, model, x_test[:CHECK_DIGITS])
    (pathlib.Path(directory) / MODEL_FILE).write_bytes(model)
    return {
        "signatures": sorted(read_signature_defs(model)),
        "checked_digits": CHECK_DIGITS,
        "max_abs_diff": largest,
    }
