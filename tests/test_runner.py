"""explain_dataset: packed rows equal one-at-a-time ones, Parquet results survive a kill and resume, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import shap_widget as sw
from shap_widget.engine.explain import Explainer, get_explainer
from shap_widget.runner.store import ResultStore

TESTS = Path(__file__).resolve().parent
TEXTS = [
    "the movie was great", "i hated it", "a fun film", "we loved the music", "the plot was boring",
    "really superb acting", "not good", "the ending was awful", "i loved it but the story was bad",
    "this film is fun", "it was terrible", "good music and a great story",
]


@pytest.fixture
def double_bert(make_bert):
    return make_bert().double()


def _same(a, b, atol=1e-10):
    assert a.text == b.text and a.tokens == b.tokens and a.method == b.method and a.n_evals == b.n_evals
    np.testing.assert_allclose(a.values, b.values, atol=atol, rtol=0)
    np.testing.assert_allclose(a.base_values, b.base_values, atol=atol, rtol=0)
    np.testing.assert_allclose(a.probabilities_full, b.probabilities_full, atol=atol, rtol=0)


def test_packed_run_equals_one_at_a_time_for_every_row(double_bert, tokenizer):
    """Every row of a packed run equals explaining that text alone (exact method, float64)."""
    results = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", chunk_size=5, progress_bar=False)
    assert len(results) == len(TEXTS) and results.complete and results.computed == list(range(len(TEXTS)))
    alone = Explainer(double_bert, tokenizer)
    for i, got in enumerate(results):
        _same(got, alone.attribute(TEXTS[i], method="exact"))
        assert results[i] is got
    frame = results.to_dataframe()
    assert list(frame.index) == list(range(len(TEXTS))) and list(frame["text"]) == TEXTS


def test_results_on_disk_read_back_equal_and_resume_computes_only_missing_rows(double_bert, tokenizer, tmp_path):
    """A part deleted from a finished run is recomputed, and only its rows are evaluated."""
    path = tmp_path / "run.parquet"
    labels = [0, "label_2", None] * 4
    first = sw.explain_dataset(double_bert, tokenizer, TEXTS, labels=["LABEL_0", 2, None] * 4, method="exact",
                               path=path, chunk_size=4, progress_bar=False)
    loaded = sw.DatasetResults.load(path)
    assert loaded.indices == list(range(len(TEXTS))) and loaded.labels == [0, 2, None] * 4
    for a, b in zip(first, loaded):
        _same(a, b, atol=0)
    table = pq.read_table(path).to_pandas()  # a plain Parquet reader sees the rows and nothing else
    assert sorted(table["index"]) == list(range(len(TEXTS)))
    assert {"text", "label", "predicted", "probabilities", "players", "values", "base_values", "method", "n_evals",
            "seed", "model_name", "config_hash"} <= set(table.columns)

    parts = ResultStore(path).part_files()
    assert len(parts) == 3
    parts[1].unlink()  # rows 4..7
    ex = Explainer(double_bert, tokenizer)
    resumed = sw.explain_dataset(double_bert, tokenizer, TEXTS, labels=labels, method="exact", path=path,
                                 chunk_size=4, progress_bar=False, explainer=ex)
    assert resumed.computed == [4, 5, 6, 7] and resumed.complete
    cost = Explainer(double_bert, tokenizer)
    cost.attribute_many(TEXTS[4:8], method="exact")
    assert ex.evaluator.rows_run == cost.evaluator.rows_run
    assert sorted(pq.read_table(path).column("index").to_pylist()) == list(range(len(TEXTS)))
    for a, b in zip(first, resumed):
        _same(a, b)


def test_sentence_pairs_run_and_read_back_as_pairs(double_bert, tokenizer, tmp_path):
    """(text, text_pair) examples are explained as pairs, stored with both texts, and equal a pair alone."""
    pairs = [("the acting was superb", "i loved it"), ("the plot was dull", "it was boring")]
    path = tmp_path / "pairs.parquet"
    run = sw.explain_dataset(double_bert, tokenizer, pairs, method="exact", path=path, progress_bar=False)
    alone = Explainer(double_bert, tokenizer)
    loaded = sw.DatasetResults.load(path)
    for (a, b), got, back in zip(pairs, run, loaded):
        expected = alone.attribute(a, text_pair=b, method="exact")
        _same(got, expected)
        _same(back, got, atol=0)
        assert (back.text, back.text_pair, back.segments) == (a, b, expected.segments)
    assert list(run.to_dataframe()["text_pair"]) == [b for _, b in pairs]
    assert loaded.texts == pairs
    again = sw.explain_dataset(double_bert, tokenizer, pairs, method="exact", path=path, progress_bar=False)
    assert again.computed == []  # the stored pairs are recognised as the same examples


def test_sampled_estimates_keep_their_standard_errors_on_disk(double_bert, tokenizer, tmp_path):
    """The default sampled estimator's standard errors and seed survive the round trip through Parquet."""
    path = tmp_path / "run.parquet"
    run = sw.explain_dataset(double_bert, tokenizer, [TEXTS[8], TEXTS[11]], method="kernel", max_evals=40, seed=7,
                             path=path, progress_bar=False)  # 9 and 6 players: fewer evaluations than coalitions
    loaded = sw.DatasetResults.load(path)
    for a, b in zip(run, loaded):
        assert a.errors is not None and np.any(a.errors > 0) and b.seed == 7
        _same(a, b, atol=0)
        np.testing.assert_array_equal(a.errors, b.errors)


def test_resume_with_other_settings_or_texts_is_refused(double_bert, make_bert, tokenizer, tmp_path):
    """Rows computed with another model, method, budget or for other texts are never mixed into a run."""
    path = tmp_path / "run.parquet"
    sw.explain_dataset(double_bert, tokenizer, TEXTS[:3], method="partition", max_evals=40, path=path,
                       progress_bar=False)
    with pytest.raises(sw.ResultsMismatch, match="max_evals=40.*max_evals=50"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS[:3], method="partition", max_evals=50, path=path)
    with pytest.raises(sw.ResultsMismatch, match="method='partition'.*method='permutation'"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS[:3], method="permutation", max_evals=40, path=path)
    with pytest.raises(sw.ResultsMismatch, match="weights_hash"):
        sw.explain_dataset(make_bert(seed=1).double(), tokenizer, TEXTS[:3], method="partition", max_evals=40,
                           path=path)
    with pytest.raises(sw.ResultsMismatch, match="another dataset"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS[1:4], method="partition", max_evals=40, path=path)
    assert len(sw.DatasetResults.load(path)) == 3


def test_interrupt_stops_at_the_next_chunk_keeping_finished_rows(double_bert, tokenizer, tmp_path, monkeypatch):
    """Ctrl-C during the third chunk returns (and keeps on disk) the two chunks that finished."""
    ex = Explainer(double_bert, tokenizer)
    calls = []
    original = ex.attribute_many

    def interrupted(texts, **options):
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(texts, **options)

    monkeypatch.setattr(ex, "attribute_many", interrupted)
    path = tmp_path / "run.parquet"
    with pytest.warns(UserWarning, match="8 of 12 texts explained; rerun with path="):
        results = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", path=path, chunk_size=4,
                                     progress_bar=False, explainer=ex)
    assert results.indices == list(range(8)) and results.missing == [8, 9, 10, 11] and not results.complete
    assert sw.DatasetResults.load(path).indices == list(range(8))
    with pytest.raises(KeyError, match="not been explained yet"):
        results[9]


_KILLED_RUN = """
import sys, time
sys.path.insert(0, {tests!r})
from conftest import tiny_bert, write_vocab
from pathlib import Path
from transformers import BertTokenizerFast
import shap_widget as sw
write_vocab(Path({vocab!r}))
tok = BertTokenizerFast.from_pretrained({vocab!r}, do_lower_case=True)
model = tiny_bert().double()
forward = model.forward
def slow(*args, **kwargs):  # slow enough that the kill lands mid-run
    time.sleep(0.2)
    return forward(*args, **kwargs)
model.forward = slow
sw.explain_dataset(model, tok, {texts!r}, method="exact", path={path!r}, chunk_size=2, progress_bar=False)
"""


def test_run_killed_with_sigkill_resumes_with_every_row_once(double_bert, tokenizer, tmp_path):
    """`kill -9` mid-run leaves every finished part readable; the rerun evaluates only the missing rows."""
    path, vocab = tmp_path / "run.parquet", tmp_path / "vocab"
    vocab.mkdir()
    script = _KILLED_RUN.format(tests=str(TESTS), vocab=str(vocab), texts=TEXTS, path=str(path))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], env=env, stderr=subprocess.PIPE)
    store = ResultStore(path)
    deadline = time.monotonic() + 120
    try:
        while len(store.part_files()) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run wrote no results within 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    kept = store.read_rows()  # every part on disk is whole
    assert 4 <= len(kept) < len(TEXTS)
    assert all(len(pq.read_table(p)) == 2 for p in store.part_files())
    missing = [i for i in range(len(TEXTS)) if i not in kept]
    ex = Explainer(double_bert, tokenizer)
    resumed = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", path=path, chunk_size=2,
                                 progress_bar=False, explainer=ex)
    assert resumed.computed == missing and resumed.complete
    cost = Explainer(double_bert, tokenizer)
    cost.attribute_many([TEXTS[i] for i in missing], method="exact")
    assert ex.evaluator.rows_run == cost.evaluator.rows_run
    assert sorted(pq.read_table(path).column("index").to_pylist()) == list(range(len(TEXTS)))
    alone = Explainer(double_bert, tokenizer)
    for i in (0, missing[-1]):
        _same(resumed[i], alone.attribute(TEXTS[i], method="exact"))


# --- bad input -------------------------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_message_saying_what_to_do(model, tokenizer, tmp_path):
    """Each mistake is named before any work starts, with what to do instead."""
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str or a \(text, text_pair\) pair, got int"):
        sw.explain_dataset(model, tokenizer, ["good", 3])
    with pytest.raises(TypeError, match="not one string"):
        sw.explain_dataset(model, tokenizer, "good")
    with pytest.raises(ValueError, match="labels has 1 entries but texts has 2"):
        sw.explain_dataset(model, tokenizer, ["good", "bad"], labels=[0])
    with pytest.raises(ValueError, match=r"labels\[1\] = 'happy' is not a class of this model"):
        sw.explain_dataset(model, tokenizer, ["good", "bad"], labels=[0, "happy"])
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        sw.explain_dataset(model, tokenizer, ["good"], path=tmp_path / "nowhere" / "run.parquet")
    with pytest.raises(ValueError, match="needs model_loader="):
        sw.explain_dataset(model, tokenizer, ["good"], client=object())
    with pytest.raises(ValueError, match="method must be one of"):
        sw.explain_dataset(model, tokenizer, ["good"], method="fast", path=tmp_path / "run.parquet")
    assert not (tmp_path / "run.parquet").exists()  # a typo never becomes a run's recorded settings


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_path_in_a_read_only_folder_is_refused(model, tokenizer, tmp_path):
    """A path that cannot be written fails at once, not after the first chunk was computed."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="permission denied"):
            sw.explain_dataset(model, tokenizer, ["good"], path=folder / "run.parquet")
    finally:
        folder.chmod(0o700)


def test_from_results_shows_stored_rows_without_computing_them(double_bert, tokenizer, tmp_path):
    """A partial saved run opens with its finished rows; opening one shows the stored explanation itself."""
    from shap_widget import DatasetWidget

    path = tmp_path / "run.parquet"
    sw.explain_dataset(double_bert, tokenizer, TEXTS, labels=[0, 1, 2] * 4, method="exact", path=path,
                       chunk_size=4, progress_bar=False)
    ResultStore(path).part_files()[-1].unlink()  # rows 8..11, as if the run had been killed
    evaluator = get_explainer(double_bert, tokenizer).evaluator  # the run's, which the widget shares
    evaluator.clear_cache()
    before = evaluator.rows_run
    w = DatasetWidget.from_results(path, double_bert, tokenizer, selected=-1, progress_bar=False)
    w.wait(60)
    assert w.texts == TEXTS[:8] and w.labels == [0, 1, 2, 0, 1, 2, 0, 1]
    assert w.explainer.evaluator is evaluator and evaluator.rows_run == before  # all of it came from the file
    stored = sw.DatasetResults.load(path)
    np.testing.assert_allclose(w.probabilities, np.stack([a.probabilities_full for a in stored]), atol=1e-12)
    w.select(5)
    assert w.explain_widget.attribution is w.attributions[5]
    _same(w.attributions[5], stored[5], atol=0)
    w.explain_widget.mask(1)  # a click recomputes live
    assert w.explain_widget.attribution.masked == (1,) and np.all(w.explain_widget.attribution.values[1] == 0)
