"""Writes TF Serving's small test models, rebuilt from TF Serving's description of them.

TF Serving's own tests serve `saved_model_half_plus_two_cpu`, its `_2_versions` and `_tf2_cpu`
variants, its `_tflite` and `_tflite_with_sigdef` model.tflite variants,
`saved_model_half_plus_three` and `bad_half_plus_two` (described by
`saved_model_half_plus_two.py`, `export_bad_half_plus_two.py`, the api_rest.md guide and the
`*_metadata.json` files). They are rebuilt here with tf.compat.v1 graphs, together with the
models the ported tests add (see `extra_models.py`). One process, a few seconds.

Example:
    python tests/serving/tf_serving/make_models.py /tmp/tf_serving_models
"""

import pathlib
import sys

import extra_models
import tensorflow as tf

from export import tflite_signatures

v1 = tf.compat.v1
VERSION = "00000123"


def _info(tensor, scalar_shape=False, unknown_rank=False):
    # TF Serving's metadata files show the shapes the exporter recorded: the parsed batch
    # [-1, 1], the serialized tf.Example input of unknown rank, or half_plus_three's
    # SignatureDef that claims scalars while the graph computes batches.
    info = v1.saved_model.utils.build_tensor_info(tensor)
    if scalar_shape:
        info.tensor_shape.Clear()
    if unknown_rank:
        info.tensor_shape.Clear()
        info.tensor_shape.unknown_rank = True
    return info


def _signature(inputs, outputs, method):
    return v1.saved_model.signature_def_utils.build_signature_def(inputs, outputs, method)


def _parse_x(serialized):
    # tf.Examples carry "x" and optionally "x2" (default 0), one float each.
    spec = {
        "x": v1.FixedLenFeature([1], tf.float32),
        "x2": v1.FixedLenFeature([1], tf.float32, default_value=[0.0]),
    }
    parsed = v1.parse_example(serialized, spec)
    for tensor in parsed.values():
        # A batch of examples: TF Serving's models record [-1, 1] even for an input of
        # unknown rank.
        tensor.set_shape([None, 1])
    return parsed


def _asset(export_dir_assets):
    # The models carry assets/foo.txt, registered in the ASSET_FILEPATHS collection.
    export_dir_assets.mkdir(parents=True, exist_ok=True)
    source = export_dir_assets / "foo.txt"
    source.write_text("asset-file-contents")
    path = tf.constant(str(source))
    v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, path)
    name = v1.Variable("foo.txt", name="filename_tensor", trainable=False, collections=[])
    return name.assign("foo.txt")


def write_half_plus_two(export_dir, staging, with_classify_x2=False):
    """Writes TF1 half_plus_two: y = 0.5x + 2, y2 = 0.5x + 3, y3 = 0.5x2 + 3.

    Args:
        export_dir: the version directory to create.
        staging: a scratch directory for the asset's source file.
        with_classify_x2: also add `classify_x2_to_y3` (the `_2_versions` model has it).
    """
    builder = v1.saved_model.Builder(str(export_dir))
    with tf.Graph().as_default(), v1.Session() as sess:
        a = v1.Variable(0.5, name="a")
        b = v1.Variable(2.0, name="b")
        c = v1.Variable(3.0, name="c")
        serialized = v1.placeholder(tf.string, name="tf_example")
        parsed = _parse_x(serialized)
        x = tf.identity(parsed["x"], name="x")
        y = tf.identity(a * x + b, name="y")
        y2 = tf.identity(a * x + c, name="y2")
        x2 = tf.identity(parsed["x2"], name="x2")
        y3 = tf.identity(v1.Variable(0.5, name="a2") * x2 + v1.Variable(3.0, name="c2"), "y3")
        assign_filename = _asset(pathlib.Path(staging) / "half_plus_two_assets")
        examples = _info(serialized, unknown_rank=True)
        regress = v1.saved_model.REGRESS_METHOD_NAME
        classify = v1.saved_model.CLASSIFY_METHOD_NAME
        signatures = {
            "serving_default": _signature(
                {"x": _info(x)}, {"y": _info(y)}, v1.saved_model.PREDICT_METHOD_NAME
            ),
            "regress_x_to_y": _signature({"inputs": examples}, {"outputs": _info(y)}, regress),
            "regress_x_to_y2": _signature({"inputs": examples}, {"outputs": _info(y2)}, regress),
            "regress_x2_to_y3": _signature({"inputs": _info(x2)}, {"outputs": _info(y3)}, regress),
            "classify_x_to_y": _signature({"inputs": examples}, {"scores": _info(y)}, classify),
        }
        if with_classify_x2:
            signatures["classify_x2_to_y3"] = _signature(
                {"inputs": _info(x2)}, {"scores": _info(y3)}, classify
            )
        sess.run(v1.global_variables_initializer())
        builder.add_meta_graph_and_variables(
            sess,
            [v1.saved_model.SERVING],
            signature_def_map=signatures,
            assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS),
            main_op=tf.group(assign_filename),
        )
    builder.save()


def write_half_plus_three(export_dir):
    """Writes half_plus_three: y = 0.5x + 3 with reference variables, and a SignatureDef
    whose shapes (scalars) differ from the graph's ([-1, 1] batches), as TF Serving's has.

    Args:
        export_dir: the version directory to create.
    """
    builder = v1.saved_model.Builder(str(export_dir))
    with tf.Graph().as_default(), v1.Session() as sess:
        a = v1.Variable(0.5, name="a", use_resource=False)
        b = v1.Variable(3.0, name="b", use_resource=False)
        serialized = v1.placeholder(tf.string, name="tf_example")
        x = tf.identity(_parse_x(serialized)["x"], name="x")
        y = tf.add(a * x, b, name="y")
        regress = _signature(
            {"inputs": _info(serialized, scalar_shape=True)},
            {"outputs": _info(tf.identity(y), scalar_shape=True)},
            v1.saved_model.REGRESS_METHOD_NAME,
        )
        predict = _signature(
            {"x": _info(x, scalar_shape=True)},
            {"y": _info(y, scalar_shape=True)},
            v1.saved_model.PREDICT_METHOD_NAME,
        )
        sess.run(v1.global_variables_initializer())
        builder.add_meta_graph_and_variables(
            sess,
            [v1.saved_model.SERVING],
            # The REST guide calls regress by this signature name.
            signature_def_map={"serving_default": predict, "tensorflow/serving/regress": regress},
        )
    builder.save()


class _HalfPlusTwo(tf.Module):
    """TF2 half_plus_two, with the signatures TF Serving's TF2 model lists."""

    def __init__(self, asset_path):
        self.a = tf.Variable(0.5, name="a")
        self.b = tf.Variable(2.0, name="b")
        self.c = tf.Variable(3.0, name="c")
        self.asset = tf.saved_model.Asset(str(asset_path))

    def _parsed(self, serialized, offset):
        return self.a * _parse_x(serialized)["x"] + offset

    @tf.function(input_signature=[tf.TensorSpec([1], tf.float32)])
    def predict(self, x):
        return {"y": self.a * x + self.b}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def regress_xy(self, serialized):
        return {"outputs": self._parsed(serialized, self.b)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def regress_xy2(self, serialized):
        return {"outputs": self._parsed(serialized, self.c)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def classify_xy(self, serialized):
        return {"scores": self._parsed(serialized, self.b)}


def write_half_plus_two_tf2(export_dir, staging):
    """Writes the TF2 (tf.Module) half_plus_two with its asset file.

    Args:
        export_dir: the version directory to create.
        staging: a scratch directory for the asset's source file.
    """
    asset = pathlib.Path(staging) / "tf2_assets" / "foo.txt"
    asset.parent.mkdir(parents=True, exist_ok=True)
    asset.write_text("asset-file-contents")
    module = _HalfPlusTwo(asset)
    signatures = {
        "serving_default": module.predict,
        "regress_x_to_y": module.regress_xy,
        "regress_x_to_y2": module.regress_xy2,
        "classify_x_to_y": module.classify_xy,
    }
    tf.saved_model.save(module, str(export_dir), signatures=signatures)


def write_half_plus_two_tflite(export_dir, with_signature_defs=False):
    """Writes half_plus_two's model.tflite as TF Serving's saved_model_half_plus_two.py does.

    A TF1 graph whose parsed x is ensure_shape'd to (1, 1) (the TF1 converter needs a known
    shape), converted with TFLiteConverter.from_session from x to y = 0.5x + 2. With
    signature defs, x is named "tflite_input" and the model carries a `serving_default`
    SignatureDef {x: "tflite_input:0"} -> {y: "y:0"} in its signature_defs_metadata.

    Args:
        export_dir: the version directory to create; it holds model.tflite only.
        with_signature_defs: name the input "tflite_input" and embed the SignatureDef.
    """
    with tf.Graph().as_default(), v1.Session() as sess:
        a = v1.Variable(0.5, name="a")
        b = v1.Variable(2.0, name="b")
        parsed = _parse_x(v1.placeholder(tf.string, name="tf_example"))
        name = "tflite_input" if with_signature_defs else "x"
        x = tf.ensure_shape(parsed["x"], (1, 1), name=name)
        y = tf.identity(a * x + b, name="y")
        sess.run(v1.global_variables_initializer())
        model = v1.lite.TFLiteConverter.from_session(sess, [x], [y]).convert()
        if with_signature_defs:
            predict = _signature(
                {"x": _info(x)}, {"y": _info(y)}, v1.saved_model.PREDICT_METHOD_NAME
            )
            model = tflite_signatures.write_signature_defs(model, {"serving_default": predict})
    pathlib.Path(export_dir).mkdir(parents=True)
    (pathlib.Path(export_dir) / "model.tflite").write_bytes(model)


def write_all(out_dir):
    """Writes every model under `out_dir`, one base path (model) per directory.

    Args:
        out_dir: the directory to fill; created if missing.

    Returns:
        The `out_dir` as a pathlib.Path.
    """
    out = pathlib.Path(out_dir)
    staging = out / ".staging"
    write_half_plus_two(out / "saved_model_half_plus_two_cpu" / VERSION, staging)
    for version in (VERSION, "00000124"):
        write_half_plus_two(
            out / "saved_model_half_plus_two_2_versions" / version, staging, with_classify_x2=True
        )
    write_half_plus_two_tf2(out / "saved_model_half_plus_two_tf2_cpu" / VERSION, staging)
    write_half_plus_three(out / "saved_model_half_plus_three" / VERSION)
    write_half_plus_two_tflite(out / "saved_model_half_plus_two_tflite" / VERSION)
    write_half_plus_two_tflite(
        out / "saved_model_half_plus_two_tflite_with_sigdef" / VERSION, with_signature_defs=True
    )
    extra_models.write_all(out)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUTDIR")
    print(write_all(sys.argv[1]))
