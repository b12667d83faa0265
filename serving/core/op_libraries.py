"""Op libraries TF Serving links beyond TensorFlow's, registered when a model needs them.

`tensorflow_model_server` links TensorFlow Text's ops, so a SavedModel that tokenizes in its
graph loads there. Here they are registered on demand: before a version is loaded, the op
types its MetaGraphDef names (graph nodes and function bodies) are looked up in this
process's op registry, and if one is missing, `tensorflow_text` is imported once, which
registers its ops. A server whose models use only TensorFlow's ops never pays for it. Ops
still missing after that are left to TensorFlow's own "Op type not registered" error.

Example:
    python -c "import tensorflow as tf; from serving.core.op_libraries import missing_ops; \
print(missing_ops(tf.Graph().as_graph_def()))"
"""

import functools
import importlib
import logging

from tensorflow.python.framework import op_def_registry

# Python packages whose import registers ops TF Serving links, tried in this order.
OP_PACKAGES = ("tensorflow_text",)

log = logging.getLogger(__name__)


def op_types(graph_def):
    """The op types a GraphDef runs, in its nodes and in its library's function bodies.

    Args:
        graph_def: a tf.compat.v1.GraphDef (a MetaGraphDef's `graph_def`).

    Returns:
        set of op type names; calls of the library's own functions are left out.
    """
    functions = {f.signature.name for f in graph_def.library.function}
    ops = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        ops.update(node.op for node in function.node_def)
    return ops - functions


def missing_ops(graph_def):
    """The op types of a GraphDef that this process has not registered.

    Args:
        graph_def: a tf.compat.v1.GraphDef.

    Returns:
        sorted list of op type names.
    """
    return sorted(op for op in op_types(graph_def) if op_def_registry.get(op) is None)


def register_ops_for(meta_graph_def):
    """Imports the op packages once if the MetaGraphDef names an unregistered op type.

    Args:
        meta_graph_def: the MetaGraphDef about to be loaded.

    Returns:
        sorted list of the op types still unregistered afterwards (empty when all are known).
    """
    missing = missing_ops(meta_graph_def.graph_def)
    if not missing:
        return missing
    log.info("Registering op libraries for op types %s", ", ".join(missing))
    for package in OP_PACKAGES:
        _import_once(package)
    return missing_ops(meta_graph_def.graph_def)


@functools.cache
def _import_once(package):
    # A package that is not installed is reported once; the load then fails with
    # TensorFlow's own message naming the op.
    try:
        importlib.import_module(package)
    except ImportError as error:
        log.warning("Cannot register the ops of %s: %s", package, error)
