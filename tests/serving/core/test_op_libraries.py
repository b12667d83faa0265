"""Op libraries registered on demand: which op types a graph needs that this process lacks.

Example:
    .venv/bin/pytest tests/serving/core/test_op_libraries.py
"""

from tensorflow.core.framework import graph_pb2
from tensorflow.core.protobuf import meta_graph_pb2

from serving.core import op_libraries


def _graph(node_ops, function_ops=(), function_name="my_function"):
    graph = graph_pb2.GraphDef()
    for i, op in enumerate(node_ops):
        graph.node.add(name=f"n{i}", op=op)
    function = graph.library.function.add()
    function.signature.name = function_name
    for i, op in enumerate(function_ops):
        function.node_def.add(name=f"f{i}", op=op)
    return graph


def test_op_types_lists_nodes_and_function_bodies_but_not_function_calls():
    graph = _graph(["Placeholder", "my_function"], ["AddV2", "NoSuchOpInBody"])
    assert op_libraries.op_types(graph) == {"Placeholder", "AddV2", "NoSuchOpInBody"}


def test_missing_ops_names_only_unregistered_op_types():
    graph = _graph(["Placeholder", "NoSuchOp"], ["MatMul", "NoSuchOpInBody"])
    assert op_libraries.missing_ops(graph) == ["NoSuchOp", "NoSuchOpInBody"]


def test_register_ops_for_imports_the_op_packages_only_when_an_op_is_missing(monkeypatch):
    imported = []
    monkeypatch.setattr(op_libraries, "_import_once", imported.append)
    known = meta_graph_pb2.MetaGraphDef(graph_def=_graph(["Placeholder", "Identity"]))
    assert op_libraries.register_ops_for(known) == []
    assert imported == []
    unknown = meta_graph_pb2.MetaGraphDef(graph_def=_graph(["NoSuchOp"]))
    assert op_libraries.register_ops_for(unknown) == ["NoSuchOp"]
    assert imported == list(op_libraries.OP_PACKAGES)


def test_import_once_reports_a_missing_package_without_raising(caplog):
    op_libraries._import_once("no_such_op_package_here")
    assert "Cannot register the ops of no_such_op_package_here" in caplog.text
