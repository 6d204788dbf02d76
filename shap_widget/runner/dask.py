"""Chunks of a dataset run on Dask workers: each worker builds the model once and keeps it across tasks.

The caller keeps the only writer: workers return finished attributions, and the caller writes them to the
run's Parquet parts as they arrive, keyed by row index, so a task Dask re-runs after its worker died never
writes a row twice.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import traceback
from typing import Any, Callable, Sequence

from ..engine.explain import Attribution, Explainer

_models: dict[bytes, Explainer] = {}  # in each worker process: loader -> its model's explainer
_models_lock = threading.Lock()


class WorkerError(RuntimeError):
    """A task failed on a Dask worker; the message summarizes the worker's traceback."""


def _require_distributed():
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError('Running on a Dask cluster needs distributed: pip install "shap-widget[dask]"') from err
    return distributed


def worker_explainer(loader: Callable[[], tuple[Any, Any]], options: dict[str, Any]) -> Explainer:
    """This worker's explainer for `loader`'s model, built on first use and then reused by every task.

    The model goes to the worker's GPU when it has one (one worker per GPU: each sees its own device).
    """
    key = hashlib.sha256(pickle.dumps((loader, sorted(options.items())))).digest()
    with _models_lock:
        if key not in _models:
            import torch

            model, tok = loader()
            if torch.cuda.is_available():
                model = model.to("cuda")
            try:
                from distributed import get_worker

                torch.set_num_threads(max(1, get_worker().state.nthreads))
            except (ImportError, ValueError, AttributeError):
                pass
            _models[key] = Explainer(model, tok, **options)
        return _models[key]


def explain_shard(
    loader: Callable[[], tuple[Any, Any]],
    engine_options: dict[str, Any],
    index: list[int],
    texts: list[str],
    options: dict[str, Any],
) -> tuple[list[int], list[Attribution]]:
    """One task: explain `texts` (rows `index`) with the worker's model."""
    explainer = worker_explainer(loader, engine_options)
    return index, explainer.attribute_many(texts, **options)


def summarize_failure(err: BaseException, tb: Any) -> str:
    """The worker's error and the last frames of its traceback, in a few lines."""
    frames = traceback.extract_tb(tb)[-3:] if tb is not None else []
    where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames)
    return f"{type(err).__name__}: {err}" + (f" (at {where})" if where else "")


def run_on_cluster(
    client: Any,
    loader: Callable[[], tuple[Any, Any]],
    texts: Sequence[str],
    chunks: list[list[int]],
    options: dict[str, Any],
    engine_options: dict[str, Any],
    finished: Callable[[list[int], list[Attribution]], None],
) -> None:
    """Submit one task per chunk and hand each result to `finished` as it arrives (on the caller's thread).

    A worker that dies has its tasks re-run by Dask elsewhere; an error in a task (a failing loader, a bad
    text) cancels the rest and is raised here, after every finished chunk has been handed on.
    """
    distributed = _require_distributed()
    try:
        pickle.dumps(loader)
    except Exception as err:  # noqa: BLE001 - any pickling failure means workers cannot get the loader
        raise TypeError(f"model_loader must be picklable to reach the Dask workers (define it at module level): "
                        f"{err}") from err
    futures = [
        client.submit(explain_shard, loader, engine_options, chunk, [texts[i] for i in chunk], options,
                      pure=False, key=f"shap-widget-chunk-{chunk[0]}-{len(chunk)}-{id(chunks):x}")
        for chunk in chunks
    ]
    try:
        for future in distributed.as_completed(futures):
            if future.status == "error":
                err, tb = future.exception(), future.traceback()
                client.cancel(futures)
                raise WorkerError(
                    f"A Dask worker failed while explaining rows {min(chunks[futures.index(future)])}.."
                    f"{max(chunks[futures.index(future)])}: {summarize_failure(err, tb)}. Rows finished before "
                    "were kept; fix the cause and rerun (with the same path=, only the missing rows run)."
                ) from err
            index, attributions = future.result()
            finished(index, attributions)
    except BaseException:
        client.cancel(futures)
        raise
