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
`configure()` must run before TensorFlow is imported; an explicit `TF_ENABLE_ONEDNN_OPTS`
in the environment wins.

Example:
    python -c "from serving import memory; memory.configure()"
"""

import ctypes
import ctypes.util
import logging
import os
import sys

# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2

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
