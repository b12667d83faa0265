"""The model metadata TF Serving answers for half_plus_two, as its metadata files record it.

TF Serving's tests compare GetModelMetadata's JSON with `half_plus_two_model_metadata.json`
and `saved_model_half_plus_two_2_versions_metadata.json`. Those files are restated here as
a table of signatures and rendered in the JSON shape TF Serving prints (proto3 JSON with
every field: int64 sizes as strings, empty dim names, `unknown_rank`, empty `defaults`).

Example:
    expected = metadata_json("default", 123, with_classify_x2=False)
"""

_BATCH = [-1, 1]
_EXAMPLES = None  # the serialized tf.Example input is recorded with unknown rank

# signature -> (method, {input key: (tensor, dtype, shape)}, {output key: (tensor, shape)})
_SIGNATURES = {
    "serving_default": ("predict", {"x": ("x:0", "DT_FLOAT", _BATCH)}, {"y": ("y:0", _BATCH)}),
    "regress_x_to_y": (
        "regress",
        {"inputs": ("tf_example:0", "DT_STRING", _EXAMPLES)},
        {"outputs": ("y:0", _BATCH)},
    ),
    "regress_x_to_y2": (
        "regress",
        {"inputs": ("tf_example:0", "DT_STRING", _EXAMPLES)},
        {"outputs": ("y2:0", _BATCH)},
    ),
    "regress_x2_to_y3": (
        "regress",
        {"inputs": ("x2:0", "DT_FLOAT", _BATCH)},
        {"outputs": ("y3:0", _BATCH)},
    ),
    "classify_x_to_y": (
        "classify",
        {"inputs": ("tf_example:0", "DT_STRING", _EXAMPLES)},
        {"scores": ("y:0", _BATCH)},
    ),
}
_CLASSIFY_X2 = (
    "classify",
    {"inputs": ("x2:0", "DT_FLOAT", _BATCH)},
    {"scores": ("y3:0", _BATCH)},
)


def _tensor_info(name, dtype, shape):
    if shape is None:
        tensor_shape = {"dim": [], "unknown_rank": True}
    else:
        tensor_shape = {"dim": [{"size": str(s), "name": ""} for s in shape], "unknown_rank": False}
    return {"dtype": dtype, "tensor_shape": tensor_shape, "name": name}


def signature_def_map(with_classify_x2=False):
    """The `signature_def` map of half_plus_two's metadata, as JSON objects.

    Args:
        with_classify_x2: include `classify_x2_to_y3` (the `_2_versions` model has it).
    """
    signatures = dict(_SIGNATURES)
    if with_classify_x2:
        signatures["classify_x2_to_y3"] = _CLASSIFY_X2
    return {
        name: {
            "inputs": {k: _tensor_info(*v) for k, v in inputs.items()},
            "outputs": {k: _tensor_info(t, "DT_FLOAT", s) for k, (t, s) in outputs.items()},
            "method_name": f"tensorflow/serving/{method}",
            "defaults": {},
        }
        for name, (method, inputs, outputs) in signatures.items()
    }


def metadata_json(model_name, version, with_classify_x2=False):
    """The whole GetModelMetadata REST answer TF Serving's metadata files hold.

    Returns:
        A dict equal to the parsed JSON file.
    """
    return {
        "model_spec": {"name": model_name, "signature_name": "", "version": str(version)},
        "metadata": {
            "signature_def": {"signature_def": signature_def_map(with_classify_x2)},
        },
    }
