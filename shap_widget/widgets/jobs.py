"""A single background worker where the newest job wins, so the notebook never blocks on a computation."""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from typing import Callable

from ..engine.memory import release_freed_memory
from ..engine.scheduling import cancellation

# How long interpreter exit waits for each worker to reach its next model batch and stop.
STOP_TIMEOUT_S = 3.0
_EXIT_PASS_LIMIT_S = 120.0  # after STOP_TIMEOUT_S, exit still waits this long for a pass in progress
_runners: "weakref.WeakSet[JobRunner]" = weakref.WeakSet()
_exit_hook_lock = threading.Lock()
_exit_hook_registered = False


class Superseded(Exception):
    """Raised inside a job when a newer job has been submitted; the job stops without publishing."""


class Stopped(Superseded):
    """Raised inside a job when its runner is stopping (interpreter exit, kernel shutdown or restart)."""


def stop_all(timeout: float = STOP_TIMEOUT_S, *, at_exit: bool = False) -> bool:
    """Stop every runner's worker at its next model batch and wait for them; False if one is still running.

    Runs at interpreter exit (kernels included, on shutdown and restart) with `at_exit`: a worker thread
    still inside a forward pass while the interpreter finalizes aborts the process, so there a pass slower
    than `timeout` is waited for (with a note on stderr) rather than left running.
    """
    runners = list(_runners)
    for runner in runners:
        runner.stop(wait=False)
    deadline = time.monotonic() + timeout
    if all(runner.join(max(0.0, deadline - time.monotonic())) for runner in runners):
        return True
    if not at_exit:
        return False
    # A forward pass cannot be interrupted, and leaving it running would abort the process: wait it out.
    print("shap-widget: waiting for a model forward pass to finish before exiting...", file=sys.stderr, flush=True)
    deadline = time.monotonic() + _EXIT_PASS_LIMIT_S
    return all(runner.join(max(0.0, deadline - time.monotonic())) for runner in runners)


def _register_exit_hook() -> None:
    # Registered when the first worker starts, after torch's own exit hooks, so that it runs before them.
    global _exit_hook_registered
    with _exit_hook_lock:
        if not _exit_hook_registered:
            atexit.register(stop_all, at_exit=True)
            _exit_hook_registered = True


class JobRunner:
    """Runs submitted jobs one at a time on a daemon thread; only the newest pending job is run.

    A job is `fn(generation)`. It calls `check(generation)` at safe points (e.g. between model batches)
    to stop early once a newer job exists. Jobs report their own errors; anything that still escapes a
    job, KeyboardInterrupt included, is printed through `threading.excepthook` and the worker goes on,
    because a worker that died could leave a job submitted in that moment never run. While a job runs,
    `check` is also the thread's cancellation check, so the evaluator calls it between model batches.
    `stop()` (and interpreter exit) ends the worker at the next check.
    """

    def __init__(self, name: str = "shap-widget") -> None:
        self._cond = threading.Condition()
        self._pending: tuple[int, Callable[[int], None]] | None = None
        self._generation = 0
        self._busy = False
        self._name = name
        self._thread: threading.Thread | None = None
        self._stopped = False
        _runners.add(self)

    @property
    def generation(self) -> int:
        return self._generation

    def submit(self, fn: Callable[[int], None]) -> int:
        """Queue `fn`, superseding any pending or running job; returns its generation."""
        with self._cond:
            self._generation += 1
            if self._stopped:
                return self._generation
            self._pending = (self._generation, fn)
            if self._thread is None or not self._thread.is_alive():
                _register_exit_hook()
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    def check(self, generation: int) -> None:
        if self._stopped:
            raise Stopped()
        if generation != self._generation:
            raise Superseded()

    def pause(self, generation: int, seconds: float) -> None:
        """Wait up to `seconds`, stopping at once (Superseded or Stopped) when a newer job is submitted."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopped or generation != self._generation, seconds)
        self.check(generation)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self, wait: bool = True, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Drop the pending job, stop the running one at its next check and end the worker for good.

        Returns whether the worker has ended (within `timeout` when `wait`)."""
        with self._cond:
            self._stopped = True
            self._pending = None
            self._cond.notify_all()
        return self.join(timeout) if wait else not self.running

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for a stopped worker to end; False if it is still running after `timeout`."""
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is pending or running; False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._stopped)
                if self._stopped:
                    return
                generation, fn = self._pending
                self._pending = None
                self._busy = True
            try:
                with cancellation(lambda: self.check(generation)):
                    fn(generation)
            except Superseded:
                pass
            except BaseException:  # noqa: BLE001 - the worker must outlive any job
                exc_type, exc, tb = sys.exc_info()
                threading.excepthook(threading.ExceptHookArgs((exc_type, exc, tb, threading.current_thread())))
                del exc, tb
            finally:
                if self._pending is None:
                    release_freed_memory()  # idle now: a long session's memory stays flat
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
