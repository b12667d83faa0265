"""The written SavedModel as tools see it: `saved_model_cli show --all`, method names and the
fingerprint.

Example:
    .venv/bin/pytest tests/export/test_savedmodel.py
"""

import pathlib
import re
import subprocess
import sys

import pytest
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.saved_model import fingerprinting_utils

from common import contract
from export import savedmodel

IMAGES_SHAPE = f"(-1, {contract.IMAGE_SIZE}, {contract.IMAGE_SIZE})"
SCORES_SHAPE = f"(-1, {contract.NUM_CLASSES})"
PREDICT_OUTPUTS = {
    contract.PROBABILITIES: ("DT_FLOAT", SCORES_SHAPE),
    contract.CLASSES: ("DT_INT64", "(-1)"),
    contract.SCORES: ("DT_FLOAT", SCORES_SHAPE),
}
# signature -> (inputs, outputs, method name); each key -> (dtype, shape) as the CLI prints them.
EXPECTED = {
    contract.SERVING_DEFAULT: (
        {contract.IMAGES: ("DT_FLOAT", IMAGES_SHAPE)},
        {contract.PROBABILITIES: ("DT_FLOAT", SCORES_SHAPE)},
        contract.PREDICT_METHOD,
    ),
    contract.PREDICT_IMAGES: (
        {contract.IMAGES: ("DT_FLOAT", f"(-1, {contract.NUM_PIXELS})")},
        {contract.SCORES: ("DT_FLOAT", SCORES_SHAPE)},
        contract.PREDICT_METHOD,
    ),
    contract.PREDICT_DETAILED: (
        {contract.IMAGES: ("DT_FLOAT", IMAGES_SHAPE)},
        PREDICT_OUTPUTS,
        contract.PREDICT_METHOD,
    ),
    contract.PREDICT_PIXELS: (
        {contract.IMAGES: ("DT_UINT8", IMAGES_SHAPE)},
        PREDICT_OUTPUTS,
        contract.PREDICT_METHOD,
    ),
    contract.PREDICT_IMAGE_BYTES: (
        {contract.IMAGE_BYTES: ("DT_STRING", "(-1)")},
        PREDICT_OUTPUTS,
        contract.PREDICT_METHOD,
    ),
    contract.CLASSIFY: (
        {contract.CLASSIFY_INPUTS: ("DT_STRING", "(-1)")},
        {
            contract.CLASSES: ("DT_STRING", SCORES_SHAPE),
            contract.SCORES: ("DT_FLOAT", SCORES_SHAPE),
        },
        contract.CLASSIFY_METHOD,
    ),
}
TENSOR = re.compile(r"(inputs|outputs)\['(\w+)'\] tensor_info:\s+dtype: (\w+)\s+shape: (.+)")


def _parse_show(text):
    # saved_model_cli's listing -> {signature: (inputs, outputs, method name)}.
    signatures = {}
    for block in re.split(r"^signature_def\['", text, flags=re.MULTILINE)[1:]:
        name = block.split("'", 1)[0]
        tensors = {"inputs": {}, "outputs": {}}
        for side, key, dtype, shape in TENSOR.findall(block):
            tensors[side][key] = (dtype, shape.strip())
        method = re.search(r"Method name is: (\S*)", block).group(1)
        signatures[name] = (tensors["inputs"], tensors["outputs"], method)
    return signatures


@pytest.mark.slow
def test_savedmodel_cli_show_lists_the_contract_signatures(exported_model):
    cli = pathlib.Path(sys.executable).parent / "saved_model_cli"
    result = subprocess.run(
        [str(cli), "show", "--dir", str(exported_model / "1"), "--all"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listed = _parse_show(result.stdout)
    listed.pop("__saved_model_init_op", None)
    assert listed == EXPECTED


def test_savedmodel_method_names_are_in_saved_model_pb(exported_model):
    path = exported_model / "1" / savedmodel.SAVED_MODEL_FILE
    (meta_graph,) = saved_model_pb2.SavedModel.FromString(path.read_bytes()).meta_graphs
    methods = {name: meta_graph.signature_def[name].method_name for name in contract.SIGNATURES}
    assert methods == savedmodel.METHOD_NAMES
    assert methods[contract.CLASSIFY] == contract.CLASSIFY_METHOD


def test_savedmodel_fingerprint_matches_rewritten_graph(exported_model):
    directory = str(exported_model / "1")
    assert fingerprinting_utils.singleprint_from_fingerprint_proto(
        directory
    ) == fingerprinting_utils.singleprint_from_saved_model_proto(directory)


def test_savedmodel_set_method_names_refuses_unknown_signature(trained_model, tmp_path):
    savedmodel.write_saved_model(trained_model, tmp_path)
    before = (tmp_path / savedmodel.SAVED_MODEL_FILE).read_bytes()
    with pytest.raises(KeyError, match="regress"):
        savedmodel.set_method_names(tmp_path, {"regress": "tensorflow/serving/regress"})
    assert (tmp_path / savedmodel.SAVED_MODEL_FILE).read_bytes() == before
