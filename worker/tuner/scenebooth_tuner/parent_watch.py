"""The tuner dies with the worker that started it, so a dead worker never leaves a GPU held.

On Linux the kernel sends SIGTERM when the parent exits (PR_SET_PDEATHSIG). Elsewhere, and as a
second line, a daemon thread notices that the process was re-parented and exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except OSError:
        return False


def _watch(parent: int, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        if os.getppid() != parent:
            sys.stderr.write("scenebooth_tuner: the worker that started this process is gone; exiting\n")
            os._exit(1)


def die_with_parent(interval_s: float = 2.0) -> None:
    """Call once at start-up. A parent that is already gone (pid 1) ends the process at once."""
    parent = os.getppid()
    _set_parent_death_signal()
    # The parent may have died before the prctl call took effect.
    if os.getppid() != parent or parent == 1:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, interval_s), daemon=True, name="parent-watch").start()
