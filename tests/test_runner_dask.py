"""explain_dataset on a 2-worker Dask LocalCluster: same rows as one process, a dead worker loses none."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

distributed = pytest.importorskip("distributed")

import shap_widget as sw  # noqa: E402
from shap_widget.demo import load_sentiment_model  # noqa: E402
from shap_widget.runner.dask import WorkerError  # noqa: E402

TESTS = Path(__file__).resolve().parent
TWEETS = [
    "loved the show tonight", "worst service ever", "it is raining again", "so happy for you",
    "this update broke everything", "meh", "great game last night", "traffic is terrible today",
    "thanks for the help", "not sure how i feel", "what a fantastic day", "my phone died again",
]


@pytest.fixture(scope="module")
def client():
    """One short-lived 2-worker cluster for the module; workers import this checkout and tests/."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(TESTS.parent), str(TESTS)] + ([before] if before else []))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=40)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


@pytest.fixture(scope="module")
def demo():
    return load_sentiment_model()


@pytest.fixture(scope="module")
def reference(demo):
    model, tok = demo
    return sw.explain_dataset(model, tok, TWEETS, method="exact", progress_bar=False)


def _same(a, b):
    assert a.text == b.text and a.tokens == b.tokens and a.n_evals == b.n_evals
    np.testing.assert_allclose(a.values, b.values, atol=1e-5, rtol=0)
    np.testing.assert_allclose(a.probabilities_full, b.probabilities_full, atol=1e-5, rtol=0)


def test_cluster_run_equals_the_single_process_run(client, demo, reference, tmp_path):
    """Sharded over two worker processes, every row equals the one-process run; each worker loads once."""
    model, tok = demo
    path = tmp_path / "run.parquet"
    results = sw.explain_dataset(model, tok, TWEETS, method="exact", client=client, model_loader=load_sentiment_model,
                                 path=path, chunk_size=2, progress_bar=False)
    assert results.complete and sorted(results.computed) == list(range(len(TWEETS)))
    for a, b in zip(results, reference):
        _same(a, b)
    assert sorted(pq.read_table(path).column("index").to_pylist()) == list(range(len(TWEETS)))
    loads = client.run(lambda: len(__import__("shap_widget.runner.dask", fromlist=["_models"])._models))
    assert sorted(loads.values()) == [1, 1]  # six tasks, two workers, one model each


def test_worker_killed_mid_run_still_gives_every_row_once(client, demo, reference, tmp_path):
    """SIGKILL one worker after the first chunk: Dask reruns its tasks and no row is lost or written twice."""
    model, tok = demo
    pids = client.run(os.getpid)
    victim = next(iter(pids.values()))
    killed = []

    def kill_once(done, total):
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(done)

    path = tmp_path / "run.parquet"
    results = sw.explain_dataset(model, tok, TWEETS, method="exact", client=client, model_loader=load_sentiment_model,
                                 path=path, chunk_size=1, progress_bar=False, on_progress=kill_once)
    assert killed and killed[0] < len(TWEETS)
    assert victim not in client.run(os.getpid).values()  # the worker did die (its nanny started a new one)
    assert results.complete and sorted(results.computed) == list(range(len(TWEETS)))
    assert sorted(pq.read_table(path).column("index").to_pylist()) == list(range(len(TWEETS)))
    for a, b in zip(results, reference):
        _same(a, b)


def test_loader_failing_on_a_worker_is_raised_here_with_its_traceback(client, demo, tmp_path):
    """The worker's error reaches the caller in a few lines naming the loader, and finished rows stay."""
    model, tok = demo
    from dask_loaders import broken_loader

    path = tmp_path / "run.parquet"
    sw.explain_dataset(model, tok, TWEETS[:2], method="exact", path=path, progress_bar=False)
    with pytest.raises(WorkerError, match=r"OSError: no checkpoint at /models/missing \(at .*in broken_loader"):
        sw.explain_dataset(model, tok, TWEETS[:4], method="exact", client=client, model_loader=broken_loader,
                           path=path, chunk_size=1, progress_bar=False)
    assert sw.DatasetResults.load(path).indices == [0, 1]


def test_contrastive_cluster_run_equals_the_single_process_run(client, demo, tmp_path):
    """versus= reaches the workers: rows on disk hold the same contrast values as explaining in one process."""
    model, tok = demo
    texts = TWEETS[:4]
    alone = sw.explain_dataset(model, tok, texts, method="exact", versus="positive", progress_bar=False)
    path = tmp_path / "run.parquet"
    results = sw.explain_dataset(model, tok, texts, method="exact", versus="positive", client=client,
                                 model_loader=load_sentiment_model, path=path, chunk_size=2, progress_bar=False)
    loaded = sw.DatasetResults.load(path)
    assert loaded.versus == results.versus == model.config.label2id["positive"]
    for i, a in enumerate(alone):
        _same(results[i], a)
        _same(loaded[i], a)
        np.testing.assert_allclose(loaded[i].base_values + loaded[i].values.sum(0), loaded[i].outputs, atol=1e-9)
    assert set(pq.read_table(path).column("versus").to_pylist()) == {"positive"}
