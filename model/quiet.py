"""Keeps TensorFlow's C++ start-up lines off the terminal; every package imports it first.

TensorFlow's C++ runtime logs on import and on first use: oneDNN notices, "Could not find
cuda drivers", cuInit errors on a machine without a GPU, XLA service lines. None of them is
about the user's work, and they bury the lines that are. Two things silence them, and both
must happen before TensorFlow is imported, so they are set here, in the one module that
`model`, `export` and `serving` import before anything imports TensorFlow:
- `TF_CPP_MIN_LOG_LEVEL=3` hides the runtime's INFO, WARNING and ERROR lines once its
  logging is set up (a real failure still raises a Python exception with its message);
- the lines TensorFlow 2.21 writes while it is being imported, before that set-up, ignore
  the variable; so `import tensorflow` itself runs with stderr (fd 2) sent to /dev/null.
TensorFlow is still imported lazily, where it is first needed. A `TF_CPP_MIN_LOG_LEVEL`
already in the environment wins and turns both off, so everything is back with:

    TF_CPP_MIN_LOG_LEVEL=0 python -m model.train

Example:
    python -c "import model, tensorflow"   # prints nothing
"""

import contextlib
import importlib.abc
import importlib.util
import os
import sys

QUIET_LEVEL = "3"


@contextlib.contextmanager
def _stderr_discarded():
    # At the file-descriptor level: the C++ runtime writes to fd 2, not to sys.stderr.
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    # Runs the real loader of the `tensorflow` package with stderr discarded.
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _stderr_discarded():
            self._loader.exec_module(module)


class _QuietFinder(importlib.abc.MetaPathFinder):
    # Finds `tensorflow` once, the ordinary way, and wraps its loader.
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


if "TF_CPP_MIN_LOG_LEVEL" not in os.environ and "tensorflow" not in sys.modules:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = QUIET_LEVEL
    sys.meta_path.insert(0, _QuietFinder())
