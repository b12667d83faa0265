"""The ranks a request's tensor may have, and how refusals name shapes.

TensorFlow's tensors have at most 254 dimensions (TensorShape::MaxDimensions()); numpy's
arrays, which hold every input here, at most 64. A deeper input is refused before any
array is built, naming the input's expected shape when the signature declares one; within
64 dimensions the graph decides, as TF Serving leaves it to the session.

Example:
    python -c "from serving.codecs.ranks import rank_problem; print(rank_problem(100))"
"""

import numpy as np

MAX_RANK = 254  # TensorFlow's TensorShape::MaxDimensions()
ARRAY_MAX_RANK = 64  # numpy's NPY_MAXDIMS (32 before numpy 2)
if np.lib.NumpyVersion(np.__version__) < "2.0.0":
    ARRAY_MAX_RANK = 32
_SHOWN_CHARS = 200  # how much of a shape a message repeats


def shape_text(dims):
    """A shape as TensorFlow's messages write it: [2,28,28], -1 for an unknown size.

    Args:
        dims: the sizes (ints or None for unknown), or a tf.TensorShape.

    Returns:
        str, cut after 200 characters.
    """
    sizes = list(dims) if getattr(dims, "rank", 0) is not None else None
    if sizes is None:
        return "<unknown>"
    text = "[" + ",".join("-1" if size is None else str(size) for size in sizes) + "]"
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "...]"


def rank_problem(rank, expected=None):
    """Why a tensor of `rank` dimensions cannot be served, or None if it can be.

    Args:
        rank: the request's number of dimensions.
        expected: the signature input's tf.TensorShape, if known.

    Returns:
        None, or the end of a refusal ("a tensor has at most 254 dimensions", or the
        expected shape).
    """
    if rank > MAX_RANK:
        return f"a tensor has at most {MAX_RANK} dimensions"
    if rank <= ARRAY_MAX_RANK:
        return None
    if expected is not None and expected.rank is not None:
        return f"the input expects shape {shape_text(expected)}"
    return f"this server takes tensors of at most {ARRAY_MAX_RANK} dimensions"
