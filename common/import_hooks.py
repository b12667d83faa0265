"""Runs code around a module's first import without importing it early.

Two things in this project must happen exactly when a heavy library loads, and not before:
TensorFlow's start-up lines are silenced while `tensorflow` imports (`common.quiet`), and
ManualMLP joins Keras's registry of serializable classes once `keras` has loaded (`model`),
so `import model` costs nothing until Keras is wanted and `--help` of every entry point
stays quick. A finder on `sys.meta_path` sees the first import of the named module, finds
its ordinary spec, and wraps the loader; it removes itself after that one use.

Example:
    from common.import_hooks import after_import
    after_import("keras", lambda keras: print("keras", keras.__version__))
"""

import contextlib
import importlib.abc
import importlib.util
import sys


class _WrappedLoader(importlib.abc.Loader):
    # Runs the real loader's exec_module inside `around(module)`.
    def __init__(self, loader, around):
        self._loader = loader
        self._around = around

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with self._around(module):
            self._loader.exec_module(module)


class _OneShotFinder(importlib.abc.MetaPathFinder):
    # Finds `name` once, the ordinary way, and wraps its loader.
    def __init__(self, name, around):
        self._name = name
        self._around = around

    def find_spec(self, name, path=None, target=None):
        if name != self._name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _WrappedLoader(spec.loader, self._around)
        return spec


def around_import(name, around):
    """Runs a top-level module's first import inside a context manager.

    Args:
        name: the module, e.g. "tensorflow"; must not be imported yet.
        around: callable(module) returning a context manager entered while the module runs.
    """
    sys.meta_path.insert(0, _OneShotFinder(name, around))


def after_import(name, callback):
    """Calls `callback(module)` once `name` has imported, or now if it already has.

    Args:
        name: a top-level module, e.g. "keras".
        callback: callable(module), run once the module's code has finished.
    """
    if name in sys.modules:
        callback(sys.modules[name])
        return

    @contextlib.contextmanager
    def then_call(module):
        yield
        callback(module)

    around_import(name, then_call)
