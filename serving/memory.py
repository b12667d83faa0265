"""Memory settings of the server process, so large requests give their memory back.

Without these settings a server that decoded one large image (a 2048x2048 PNG, say) kept
that image's working set for good (`bench/hostile.py` shows it; docs/hardening.md has the
figures). Two allocators held it:
- oneDNN's CPU allocator (TensorFlow's default on x86 with `TF_ENABLE_ONEDNN_OPTS`) pools
  large blocks and never returns them. The server turns oneDNN off, as TF Serving's standard
  build is (its oneDNN build is a separate image); the MLP's matmuls do not need it.
- glibc keeps freed medium blocks in per-thread arenas (one per executor thread). Blocks of
  1 MiB and more are mmapped, so freeing them unmaps them, and the arenas are capped at two.
  (At glibc's default 64 kB threshold, every batch-32 request would map and unmap its
  buffers, a cost on every request.)
With both, RSS returns to near its resting level after the image (docs/hardening.md).
A large gRPC request, though, can stay held after its call: reference cycles (a refusal's
exception and frames) keep it until the cyclic collector runs, and its smaller blocks stay
in the arenas. `TrimSoon` collects and then calls glibc's malloc_trim a moment after large
calls end.
`configure()` must run before TensorFlow is imported; an explicit `TF_ENABLE_ONEDNN_OPTS`
in the environment wins.

Example:
    python -c "from serving import memory; memory.configure()"
"""

import ctypes
import ctypes.util
import gc
import logging
import os
import sys
import threading

# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2

# After a large call, trim this much later: the call's buffers are freed only once its answer
# is sent, and one trim serves every large call of the meantime.
TRIM_DELAY_SECONDS = 0.5

log = logging.getLogger(__name__)


def configure():
    """Turns oneDNN off (unless set) and tunes glibc's malloc to give large blocks back.

    Returns:
        bool: whether glibc's malloc was tuned (False on other C libraries).
    """
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    else:
        log.warning("TensorFlow is already imported: its oneDNN allocator stays as it is")
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) and mallopt(_M_ARENA_MAX, ARENA_MAX)
    )


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except (OSError, TypeError):
        return None


def trim():
    """Frees unreachable objects, then gives malloc's free pages back to the OS.

    A refused call's request can stay reachable from reference cycles (the refusal's
    exception and its frames) until the cyclic collector next runs, many calls later:
    collect first, so the trim finds the request's memory free.

    Returns:
        bool: whether malloc_trim released any memory (False on other C libraries).
    """
    gc.collect()
    libc = _libc()
    malloc_trim = getattr(libc, "malloc_trim", None)
    return bool(malloc_trim and malloc_trim(0))


class TrimSoon:
    """Runs `trim` TRIM_DELAY_SECONDS after a `request()`, once for all requests meanwhile.

    A steady stream of large calls is trimmed every `delay` seconds, never put off. The
    trim runs on a timer thread of its own; `request` may be called from any thread.

    Args:
        delay: seconds from the first request to the trim.
    """

    def __init__(self, delay=TRIM_DELAY_SECONDS):
        self._delay = delay
        self._lock = threading.Lock()
        self._timer = None

    def request(self):
        """Asks for a trim."""
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self._delay, self._run)
                self._timer.daemon = True  # a pending trim never holds the process up
                self._timer.start()

    def _run(self):
        with self._lock:
            self._timer = None
        try:
            trim()
        except Exception as error:  # a failed trim must not end the timer thread noisily
            log.warning("malloc_trim failed: %s", error)
