"""One BLAS thread for the estimators' own linear algebra.

The regression fits are small matrices (a few hundred rows, a few hundred columns): a multi-threaded BLAS
only makes its threads spin, and on a busy machine (a browser, a build beside the notebook) those spinning
threads made a click's fit 35 times slower. Torch's threads, which do the forward passes, are left alone.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_controller: ThreadpoolController | None = None
_limit = None
_depth = 0

F = TypeVar("F", bound=Callable)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with the BLAS libraries limited to one thread, then restore them.

    The limit is process-wide, so nested and concurrent blocks (a widget's worker and a dataset run) share
    one: the first to enter sets it, the last to leave restores the previous setting.
    """
    global _controller, _limit, _depth
    with _lock:
        if _depth == 0:
            if _controller is None:
                _controller = ThreadpoolController()
            _limit = _controller.select(user_api="blas").limit(limits=1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limit is not None:
                _limit.restore_original_limits()
                _limit = None


def single_threaded(fn: F) -> F:
    """`fn` run under `one_blas_thread`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
