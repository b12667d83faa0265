"""The models the ported tests add to TF Serving's own: echoes, loader edge cases, warmup.

- `echo`: identity signatures for several dtypes and input sets, so JSON tensor
  encoding (json_tensor_test.cc) can be checked over REST: what goes in comes back out.
- `ref_vars` (TF1 reference variables), `multi_metagraph` (two tag sets),
  `tf_saved_model_save*` (tensorflow_model_server_test.py's tf.saved_model.save cases),
  `counter_warmup` (export_counter.py's counter with warmup records), `bad_half_plus_two`
  (export_bad_half_plus_two.py: a checkpoint and meta graph, no SavedModel).

Example:
    python tests/serving/tf_serving/make_models.py /tmp/tf_serving_models  # writes these too
"""

import pathlib

import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

v1 = tf.compat.v1
VERSION = "00000123"
PREDICT = "tensorflow/serving/predict"

# Echo signatures: name -> {input name: dtype}; each output is the input, same name,
# except those listed in _ECHO_RENAMED.
_ECHO_INPUTS = {
    # The default signature (no signature_name in a request) echoes one int32 tensor.
    "serving_default": {"default": tf.int32},
    "int32": {"default": tf.int32},
    "int64": {"default": tf.int64},
    "float": {"default": tf.float32},
    "double": {"default": tf.float64},
    "string": {"default": tf.string},
    "bool": {"default": tf.bool},
    "multi": {
        "int_tensor": tf.int32,
        "str_tensor": tf.string,
        "float_tensor": tf.float32,
        "dbl_tensor": tf.float64,
    },
    "int_str_bin": {"int_tensor": tf.int32, "str_tensor": tf.string, "bin_tensor": tf.string},
    "int_str": {"int_tensor": tf.int32, "str_tensor": tf.string},
    "multi_bytes": {
        "int_tensor": tf.int32,
        "str_tensor": tf.string,
        "float_tensor": tf.float32,
        "double_scalar_tensor": tf.float64,
        "str_tensor_bytes": tf.string,
    },
    "bytes": {"default": tf.string},
}
# Outputs named `*_bytes` are written as {"b64": ...} by TF Serving's REST API.
_ECHO_RENAMED = {"bytes": {"default": "str_tensor_bytes"}}


def _info(tensor):
    return v1.saved_model.utils.build_tensor_info(tensor)


def _save(export_dir, sess, signatures, tags=(v1.saved_model.SERVING,)):
    builder = v1.saved_model.Builder(str(export_dir))
    builder.add_meta_graph_and_variables(sess, list(tags), signature_def_map=signatures)
    builder.save()


def _sig(inputs, outputs):
    return v1.saved_model.signature_def_utils.build_signature_def(
        {k: _info(t) for k, t in inputs.items()}, {k: _info(t) for k, t in outputs.items()}, PREDICT
    )


def write_echo(export_dir):
    """Writes `echo`: identity signatures plus outputs JSON cannot carry or batch.

    Args:
        export_dir: the version directory to create.
    """
    with tf.Graph().as_default(), v1.Session() as sess:
        signatures = {}
        for name, inputs in _ECHO_INPUTS.items():
            placeholders = {k: v1.placeholder(d, name=f"{name}_{k}") for k, d in inputs.items()}
            renamed = _ECHO_RENAMED.get(name, {})
            outputs = {renamed.get(k, k): tf.identity(p) for k, p in placeholders.items()}
            signatures[name] = _sig(placeholders, outputs)
        # A method name outside predict/classify/regress, for
        # --enable_signature_method_name_check.
        c = v1.placeholder(tf.float32, name="custom_x")
        signatures["custom_method"] = v1.saved_model.signature_def_utils.build_signature_def(
            {"default": _info(c)}, {"default": _info(tf.identity(c))}, "custom/method"
        )
        x = v1.placeholder(tf.float32, name="complex_x")
        signatures["complex"] = _sig({"default": x}, {"default": tf.complex(x, x)})
        # Outputs with different batch sizes: fine in columns, "inconsistent" in rows.
        n = v1.placeholder(tf.int32, name="ragged_x")
        signatures["ragged_batch"] = _sig({"default": n}, {"a": tf.identity(n), "b": n[:1]})
        z = v1.placeholder(tf.int32, name="zero_x")
        signatures["zero_batch"] = _sig({"default": z}, {"int_tensor": tf.zeros([0, 2], tf.int32)})
        signatures["zero_batch_multi"] = _sig(
            {"default": z},
            {"str_tensor": tf.fill([0, 1, 2], ""), "float_tensor": tf.zeros([0, 3, 4])},
        )
        _save(export_dir, sess, signatures)


def write_ref_vars(export_dir):
    """Writes a TF1 half_plus_two over reference (non-resource) variables: y = 0.5x + 2.

    Args:
        export_dir: the version directory to create.
    """
    with tf.Graph().as_default(), v1.Session() as sess:
        a = v1.Variable(0.5, name="a", use_resource=False)
        b = v1.Variable(2.0, name="b", use_resource=False)
        x = v1.placeholder(tf.float32, [None], name="x")
        y = tf.identity(a * x + b, name="y")
        sess.run(v1.global_variables_initializer())
        _save(export_dir, sess, {"serving_default": _sig({"x": x}, {"y": y})})


def write_multi_metagraph(export_dir):
    """Writes one SavedModel with two MetaGraphs: tags {serve}: y = 2x; {serve, custom}: y = 3x.

    Args:
        export_dir: the version directory to create.
    """
    builder = v1.saved_model.Builder(str(export_dir))
    for tags, factor in (([v1.saved_model.SERVING], 1.0), (["serve", "custom"], 1.5)):
        with tf.Graph().as_default(), v1.Session() as sess:
            k = v1.Variable(2.0, name="k")
            x = v1.placeholder(tf.float32, [None], name="x")
            signatures = {"serving_default": _sig({"x": x}, {"y": k * x * factor})}
            sess.run(v1.global_variables_initializer())
            if factor == 1.0:
                builder.add_meta_graph_and_variables(sess, tags, signature_def_map=signatures)
            else:
                builder.add_meta_graph(tags, signature_def_map=signatures)
    builder.save()


def write_counter_with_warmup(export_dir, warmup_increments=3):
    """Writes export_counter.py's counter, with warmup records that each increment it.

    Args:
        export_dir: the version directory to create.
        warmup_increments: how many `incr_counter` requests the warmup file holds.
    """
    with tf.Graph().as_default(), v1.Session() as sess:
        # A reference variable, as export_counter.py: assign_add then yields a tensor.
        counter = v1.Variable(0.0, name="counter", use_resource=False)
        delta = v1.placeholder(tf.float32, name="delta")
        signatures = {
            "get_counter": _sig({}, {"output": counter.read_value()}),
            "incr_counter": _sig({}, {"output": counter.assign_add(1.0)}),
            "incr_counter_by": _sig({"delta": delta}, {"output": counter.assign_add(delta)}),
            "reset_counter": _sig({}, {"output": counter.assign(0.0)}),
        }
        sess.run(v1.global_variables_initializer())
        _save(export_dir, sess, signatures)
    extra = pathlib.Path(export_dir) / "assets.extra"
    extra.mkdir()
    with tf.io.TFRecordWriter(str(extra / "tf_serving_warmup_requests")) as writer:
        for _ in range(warmup_increments):
            request = predict_pb2.PredictRequest()
            request.model_spec.name = "counter_warmup"
            request.model_spec.signature_name = "incr_counter"
            log = prediction_log_pb2.PredictionLog()
            log.predict_log.request.CopyFrom(request)
            writer.write(log.SerializeToString())


def write_tf_saved_model_save(base):
    """Writes the two models tensorflow_model_server_test.py saves with tf.saved_model.save.

    Args:
        base: the directory that gets `tf_saved_model_save/` and `..._multiple_signatures/`.
    """
    root = tf.train.Checkpoint()
    root.v1 = tf.Variable(3.0)
    root.v2 = tf.Variable(2.0)
    root.f = tf.function(lambda x: {"y": root.v1 * root.v2 * x})
    to_save = root.f.get_concrete_function(tf.TensorSpec(None, tf.float32))
    tf.saved_model.save(root, str(base / "tf_saved_model_save" / VERSION), to_save)

    multi = tf.train.Checkpoint()
    spec = [tf.TensorSpec(None, tf.float32)]
    multi.f = tf.function(lambda x: {"y": 1.0}, input_signature=spec)
    multi.g = tf.function(lambda x: {"y": 2.0}, input_signature=spec)
    tf.saved_model.save(
        multi,
        str(base / "tf_saved_model_save_multiple_signatures" / VERSION),
        signatures={"serving_default": multi.f, "custom_signature_key": multi.g},
    )


def write_bad_half_plus_two(export_dir):
    """Writes half_plus_two as a bare checkpoint and meta graph: no SavedModel to load.

    Args:
        export_dir: the version directory to create.
    """
    export_dir.mkdir(parents=True)
    with tf.Graph().as_default(), v1.Session() as sess:
        x = v1.placeholder(tf.float32)
        tf.add(v1.Variable(0.5) * x, v1.Variable(2.0))
        sess.run(v1.global_variables_initializer())
        saver = v1.train.Saver()
        saver.export_meta_graph(filename=str(export_dir / "export.meta"))
        saver.save(sess, str(export_dir / "export"), write_meta_graph=False)


def write_all(out):
    """Writes every extra model under `out` (a pathlib.Path), one base path each."""
    write_echo(out / "echo" / VERSION)
    write_ref_vars(out / "ref_vars" / VERSION)
    write_multi_metagraph(out / "multi_metagraph" / VERSION)
    write_counter_with_warmup(out / "counter_warmup" / VERSION)
    write_tf_saved_model_save(out)
    write_bad_half_plus_two(out / "bad_half_plus_two" / VERSION)
