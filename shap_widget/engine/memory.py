"""Handing freed memory back to the operating system after a computation.

glibc keeps the heap pages that numpy arrays and torch tensors of ever-changing shapes (each input has its own
length, each batch its own row count) leave behind, so a long session's resident memory creeps up although
nothing is kept. `malloc_trim` returns them; elsewhere (macOS, Windows, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_freed_memory() -> bool:
    """Return freed heap memory to the operating system; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
