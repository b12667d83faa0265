"""Keeps TensorFlow's C++ start-up lines off the terminal of every entry point.

TensorFlow's C++ runtime logs on import and on first use: oneDNN notices, "Could not find
cuda drivers", cuInit errors on a machine without a GPU, XLA service lines. None of them is
about the user's work, and they bury the lines that are. Two things silence them, and both
must happen before TensorFlow is imported, so each entry point (the `__main__` modules, the
benchmarks, the test suite's conftest) imports this module first, which calls
`silence_tensorflow()`; importing a package of the project never does it:
- `TF_CPP_MIN_LOG_LEVEL=3` hides the runtime's INFO, WARNING and ERROR lines once its
  logging is set up (a real failure still raises a Python exception with its message);
- the lines TensorFlow writes while it is being imported, before that set-up, ignore the
  variable; so `import tensorflow` itself runs with stderr (fd 2) sent to /dev/null.
A `TF_CPP_MIN_LOG_LEVEL` of 3 in the environment (as an entry point leaves it for the
processes it starts) asks for the same silence and gets both; any other level the user set
wins and turns both off:

    TF_CPP_MIN_LOG_LEVEL=0 python -m model.training

Example:
    python -c "import common.quiet, tensorflow"   # prints nothing
"""

import contextlib
import os
import sys

from common.import_hooks import around_import

QUIET_LEVEL = "3"


@contextlib.contextmanager
def _stderr_discarded(module=None):
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


def silence_tensorflow():
    """Quiets TensorFlow's start-up unless another log level is asked for or it is loaded.

    Returns:
        bool: whether it did anything.
    """
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", QUIET_LEVEL) != QUIET_LEVEL:
        return False
    if "tensorflow" in sys.modules:
        return False
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = QUIET_LEVEL
    around_import("tensorflow", _stderr_discarded)
    return True


silence_tensorflow()
