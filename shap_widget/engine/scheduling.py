"""Who uses the model next: interactive work before background work, and stopping between model batches.

Several widgets (and the notebook's own thread) may share one model. A forward pass cannot be interrupted,
but the evaluator reaches a safe point after every batch: there it asks the thread's cancellation check
whether to stop, and background work hands the model to waiting interactive work.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

_local = threading.local()


@contextlib.contextmanager
def cancellation(check: Callable[[], None]) -> Iterator[None]:
    """Run the block with `check` called at every model-batch boundary on this thread; it stops the work by
    raising. Nested checks all run, innermost last."""
    previous = getattr(_local, "checks", ())
    _local.checks = previous + (check,)
    try:
        yield
    finally:
        _local.checks = previous


def check_cancelled() -> None:
    """Raise if work on this thread has been asked to stop (see `cancellation`)."""
    for check in getattr(_local, "checks", ()):
        check()


@contextlib.contextmanager
def short_passes(tokens: int) -> Iterator[None]:
    """Cap the tokens of each CPU forward pass on this thread, for follow-up work (faithfulness, interactions)
    that nobody waits on: a click that arrives meanwhile waits for a short pass, not a long one."""
    previous = getattr(_local, "pass_tokens", None)
    _local.pass_tokens = tokens if previous is None else min(previous, tokens)
    try:
        yield
    finally:
        _local.pass_tokens = previous


def pass_tokens() -> int | None:
    """The cap set by `short_passes` on this thread, if any."""
    return getattr(_local, "pass_tokens", None)


@contextlib.contextmanager
def background() -> Iterator[None]:
    """Mark model work on this thread as background: it yields the model to interactive work at the next
    batch and waits while interactive work is in progress."""
    previous = getattr(_local, "background", False)
    _local.background = True
    try:
        yield
    finally:
        _local.background = previous


def is_background() -> bool:
    return getattr(_local, "background", False)


class ModelGate:
    """Lets one thread at a time use a model; background holders give way to interactive work.

    Interactive work is any evaluation not marked `background()`, plus whatever runs inside `interactive()`
    (a widget's whole job, so background work does not slip in between the estimator's rounds). Re-entrant
    for the holding thread.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._claims = 0  # interactive jobs in progress or waiting

    @contextlib.contextmanager
    def interactive(self) -> Iterator[None]:
        """Claim priority for the block: background work pauses at its next batch until it ends."""
        with self._cond:
            self._claims += 1
        try:
            yield
        finally:
            with self._cond:
                self._claims -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the model for the block, waiting for it first (background work also waits for priority)."""
        me = threading.get_ident()
        bg = is_background()
        with self._cond:
            if not bg:
                self._claims += 1
            if self._owner == me:
                self._depth += 1
            else:
                try:
                    self._wait_turn(bg)
                except BaseException:
                    if not bg:
                        self._claims -= 1
                    self._cond.notify_all()
                    raise
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                if not bg:
                    self._claims -= 1
                self._depth -= 1
                if not self._depth:
                    self._owner = None
                self._cond.notify_all()

    def checkpoint(self) -> bool:
        """At a batch boundary: a background holder hands the model over while interactive work wants it.
        Whether it did (the other work may have changed what the holder shares, such as a cache)."""
        if not is_background():
            return False
        me = threading.get_ident()
        with self._cond:
            if self._owner != me or self._depth != 1 or not self._claims:
                return False
            self._owner, self._depth = None, 0
            self._cond.notify_all()
            try:
                self._wait_turn(True)
            finally:
                # Stopped while waiting: take the model back only to release it in hold()'s exit.
                self._cond.wait_for(lambda: self._owner is None)
                self._owner, self._depth = me, 1
        return True

    def _wait_turn(self, bg: bool) -> None:
        # Wakes now and then so that a thread asked to stop (interpreter exit) does not wait forever.
        while not (self._owner is None and not (bg and self._claims)):
            self._cond.wait(0.1)
            check_cancelled()
