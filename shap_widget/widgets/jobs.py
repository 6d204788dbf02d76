"""A single background worker where the newest job wins, so the notebook never blocks on a computation."""

from __future__ import annotations

import sys
import threading
from typing import Callable


class Superseded(Exception):
    """Raised inside a job when a newer job has been submitted; the job stops without publishing."""


class JobRunner:
    """Runs submitted jobs one at a time on a daemon thread; only the newest pending job is run.

    A job is `fn(generation)`. It calls `check(generation)` at safe points (e.g. between model batches)
    to stop early once a newer job exists. Jobs report their own errors; anything that still escapes a
    job, KeyboardInterrupt included, is printed through `threading.excepthook` and the worker goes on,
    because a worker that died could leave a job submitted in that moment never run.
    """

    def __init__(self, name: str = "shap-widget") -> None:
        self._cond = threading.Condition()
        self._pending: tuple[int, Callable[[int], None]] | None = None
        self._generation = 0
        self._busy = False
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def generation(self) -> int:
        return self._generation

    def submit(self, fn: Callable[[int], None]) -> int:
        """Queue `fn`, superseding any pending or running job; returns its generation."""
        with self._cond:
            self._generation += 1
            self._pending = (self._generation, fn)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    def check(self, generation: int) -> None:
        if generation != self._generation:
            raise Superseded()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is pending or running; False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None)
                generation, fn = self._pending
                self._pending = None
                self._busy = True
            try:
                fn(generation)
            except Superseded:
                pass
            except BaseException:  # noqa: BLE001 - the worker must outlive any job
                exc_type, exc, tb = sys.exc_info()
                threading.excepthook(threading.ExceptHookArgs((exc_type, exc, tb, threading.current_thread())))
                del exc, tb
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
