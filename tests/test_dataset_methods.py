"""Other methods beside SHAP over a dataset run: per-row values equal `compare`, disagreement by hand, storage."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

import shap_widget as sw
from shap_widget.engine.compare import compare_with
from shap_widget.engine.explain import Explainer
from shap_widget.runner.store import ResultStore

TEXTS = ["the movie was great", "i hated it but the music was fun", "a fun film", "we loved the story",
         "the plot was boring and the ending was awful"]
ALL = ["occlusion", "lime", "integrated_gradients", "gradient_x_input", "attention"]
RESOLVED = ("occlusion", "lime", "integrated_gradients", "gradient_x_input", "attention_rollout", "attention_cls")
EVALS = 64  # SHAP's budget, and LIME's samples


@pytest.fixture(scope="module")
def double_bert(make_bert):
    return make_bert(seed=2).double()


@pytest.fixture(scope="module")
def run(double_bert, tokenizer, tmp_path_factory):
    """Every method over five texts, written in parts of two rows."""
    path = tmp_path_factory.mktemp("methods") / "run.parquet"
    results = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", max_evals=EVALS, path=path,
                                 chunk_size=2, progress_bar=False, methods=ALL)
    return results, path


def test_each_rows_method_values_equal_compare_on_its_text(run, double_bert, tokenizer):
    """Row i's values for every method are what compare() gives for texts[i], for the same (predicted) class."""
    results, _ = run
    assert results.methods == RESOLVED
    alone = Explainer(double_bert, tokenizer)
    for i, text in enumerate(TEXTS):
        found = compare_with(alone, text, ["shap", *ALL], max_evals=EVALS, shap_method="exact")
        assert found.target == int(np.argmax(results[i].probabilities_full)) and not found.errors
        got = results.method_values(i)
        assert list(got) == ["shap", *RESOLVED]
        for name, values in found.values.items():
            np.testing.assert_allclose(got[name], values, atol=1e-9, rtol=0, err_msg=f"{name}, row {i}")


def test_lime_gets_the_evaluations_shap_spent_under_an_automatic_budget(double_bert, tokenizer):
    """Under max_evals="auto" each row's LIME has SHAP's budget for that row, as in the widget's Compare mode,
    not a fixed 500 samples."""
    texts = TEXTS[:2]
    results = sw.explain_dataset(double_bert, tokenizer, texts, method="kernel", progress_bar=False,
                                 methods=["lime"])
    alone = Explainer(double_bert, tokenizer)
    for i, text in enumerate(texts):
        spent = results[i].n_evals
        assert spent != 500
        found = compare_with(alone, text, ["lime"], max_evals=spent)
        np.testing.assert_allclose(results.method_values(i)["lime"], found.values["lime"], atol=1e-9, rtol=0)


def test_disagreement_is_one_minus_scipy_kendall_tau_with_shap(run):
    """Per method 1 - tau-b(SHAP, method) over the players, their mean, largest first; the same on disk."""
    results, path = run
    frame = results.disagreement()
    expected = {}
    for i in range(len(TEXTS)):
        values = results.method_values(i)
        per = {m: 1 - kendalltau(values["shap"], values[m]).statistic for m in RESOLVED}
        assert np.isfinite(list(per.values())).all()
        expected[i] = {**per, "disagreement": np.mean(list(per.values()))}
    hand = pd.DataFrame.from_dict(expected, orient="index")
    order = sorted(expected, key=lambda i: -expected[i]["disagreement"])
    assert list(frame.index) == order
    np.testing.assert_allclose(frame.loc[order].to_numpy(), hand.loc[order, frame.columns].to_numpy(), atol=1e-12)
    stored = pd.read_parquet(path).set_index("index").sort_index()  # as any Parquet reader sees the run
    np.testing.assert_allclose(stored["disagreement"], hand["disagreement"], atol=1e-12)
    np.testing.assert_allclose(stored["disagreement_lime"], hand["lime"], atol=1e-12)
    np.testing.assert_allclose(stored.loc[1, "values_occlusion"], results.method_values(1)["occlusion"], atol=0)
    table = results.to_dataframe()
    np.testing.assert_allclose(table["disagreement"], hand["disagreement"], atol=1e-12)
    assert len(table.loc[3, "values_attention_rollout"]) == len(results[3].tokens)


def test_a_run_read_back_keeps_its_method_values_and_resumes_only_missing_rows(run, double_bert, tokenizer,
                                                                              tmp_path):
    """Loading gives the same values; a killed run's missing rows get their methods on resume."""
    import shutil

    results, pristine = run
    path = shutil.copytree(pristine, tmp_path / "run.parquet")
    loaded = sw.DatasetResults.load(path)
    assert loaded.methods == RESOLVED
    for i in range(len(TEXTS)):
        for name, values in results.method_values(i).items():
            np.testing.assert_array_equal(loaded.method_values(i)[name], values)
    ResultStore(path).part_files()[-1].unlink()  # the last row, as if the run had been killed
    resumed = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", max_evals=EVALS, path=path,
                                 chunk_size=2, progress_bar=False, methods=ALL)
    assert resumed.computed == [4]
    np.testing.assert_allclose(resumed.method_values(4)["lime"], results.method_values(4)["lime"], atol=1e-12)
    pd.testing.assert_frame_equal(sw.DatasetResults.load(path).disagreement(), results.disagreement())


def test_resuming_a_finished_run_runs_the_model_no_more(run, double_bert, tokenizer, tmp_path):
    """Every row and its methods are on disk, so reading them back costs no forward pass, not even the check
    that each method can serve the model (which runs on a text still to explain)."""
    import shutil

    results, pristine = run
    path = shutil.copytree(pristine, tmp_path / "run.parquet")
    passes = []
    hook = double_bert.register_forward_hook(lambda *_: passes.append(1))
    try:
        resumed = sw.explain_dataset(double_bert, tokenizer, TEXTS, method="exact", max_evals=EVALS, path=path,
                                     chunk_size=2, progress_bar=False, methods=ALL)
    finally:
        hook.remove()
    assert resumed.computed == [] and len(passes) == 0
    np.testing.assert_array_equal(resumed.method_values(2)["lime"], results.method_values(2)["lime"])


def test_resuming_with_other_methods_is_refused(run, double_bert, tokenizer, tmp_path):
    """Rows computed with other methods (or none) are never mixed into a run."""
    _, path = run
    options = {"method": "exact", "max_evals": EVALS, "path": path, "progress_bar": False}
    with pytest.raises(sw.ResultsMismatch, match=r"methods=\['occlusion', 'lime'.*methods=\['occlusion'\]"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS, methods=["occlusion"], **options)
    with pytest.raises(sw.ResultsMismatch, match=r"methods=\[.*but this run uses methods=None"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS, **options)
    plain = tmp_path / "plain.parquet"
    sw.explain_dataset(double_bert, tokenizer, TEXTS[:1], **{**options, "path": plain})
    with pytest.raises(sw.ResultsMismatch, match=r"methods=None, but this run uses methods=\['lime'\]"):
        sw.explain_dataset(double_bert, tokenizer, TEXTS[:1], methods=["lime"], **{**options, "path": plain})


def test_a_method_the_model_cannot_serve_is_refused_before_anything_is_written(model, tokenizer, tmp_path,
                                                                              monkeypatch):
    """mask='attention' has no base ids for gradients; without Captum the message says how to install it."""
    path = tmp_path / "run.parquet"
    with pytest.raises(ValueError, match="gradient_x_input.*mask='pad'.*Drop them from methods="):
        sw.explain_dataset(model, tokenizer, TEXTS, mask="attention", path=path, progress_bar=False,
                           methods=["occlusion", "gradient_x_input"])
    assert not path.exists()
    monkeypatch.setitem(sys.modules, "captum", None)
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    with pytest.raises(ValueError, match=r"\['integrated_gradients'\].*pip install"):
        sw.explain_dataset(model, tokenizer, TEXTS, max_evals=EVALS, progress_bar=False,
                           methods=["integrated_gradients", "lime"])


@pytest.mark.parametrize("methods, error, words", [
    (["occlusion", "saliency"], ValueError, "Unknown explanation method 'saliency'"),
    (["shap"], ValueError, "no method beside SHAP"),
    (42, TypeError, "list of method names"),
])
def test_bad_methods_are_refused_saying_what_to_name(model, tokenizer, methods, error, words):
    with pytest.raises(error, match=words):
        sw.explain_dataset(model, tokenizer, TEXTS, progress_bar=False, methods=methods)


def test_methods_with_a_dask_client_are_refused_before_connecting(model, tokenizer):
    """The methods run in the calling process; a cluster run says so instead of silently skipping them."""
    with pytest.raises(ValueError, match="not on Dask workers: leave out client="):
        sw.explain_dataset(None, None, TEXTS, client=object(), model_loader=lambda: (model, tokenizer),
                           methods=["occlusion"])


def test_methods_with_a_contrast_are_refused_before_anything_is_written(model, tokenizer, tmp_path):
    """Methods are compared on each row's predicted class; a contrastive run would mix two questions."""
    with pytest.raises(ValueError, match="not on a contrast"):
        sw.explain_dataset(model, tokenizer, TEXTS, progress_bar=False, path=tmp_path / "run", versus=0,
                           methods=["occlusion"])
    assert not (tmp_path / "run").exists()


def test_dataset_widget_ranks_rows_by_disagreement_and_shows_the_methods_of_the_chosen_row(run, double_bert,
                                                                                         tokenizer):
    """A saved run with methods opens with a disagreement per row; sorting by it is the run's own ranking."""
    from shap_widget import DatasetWidget

    results, path = run
    w = DatasetWidget.from_results(path, double_bert, tokenizer, selected=-1, progress_bar=False).wait(60)
    assert w.table.methods == list(RESOLVED)
    ranking = results.disagreement()
    np.testing.assert_allclose([r["disagreement"] for r in w.table.rows], ranking.sort_index()["disagreement"],
                               atol=1e-12)
    w.table.sort_by, w.table.sort_descending = "disagreement", True
    assert w.visible == list(ranking.index)
    np.testing.assert_allclose(w.to_dataframe()["disagreement"], ranking.sort_index()["disagreement"], atol=1e-12)
    w.select(w.visible[0])
    shown = w.table.method_rows
    i = w.visible[0]
    assert shown["index"] == i and shown["tokens"] == results[i].tokens
    assert [r["method"] for r in shown["rows"]] == ["shap", *RESOLVED]
    for r in shown["rows"]:
        np.testing.assert_array_equal(r["values"], results.method_values(i)[r["method"]])
        if r["method"] != "shap":
            assert r["disagreement"] == pytest.approx(ranking.loc[i, r["method"]], abs=1e-12)


def test_dataset_widget_of_a_run_without_methods_has_no_disagreement(double_bert, tokenizer, tmp_path):
    from shap_widget import DatasetWidget

    path = tmp_path / "run.parquet"
    plain = sw.explain_dataset(double_bert, tokenizer, TEXTS[:2], method="exact", path=path, progress_bar=False)
    w = DatasetWidget.from_results(path, double_bert, tokenizer, selected=0, progress_bar=False).wait(60)
    assert w.table.methods == [] and "disagreement" not in w.table.rows[0] and w.table.method_rows == {}
    assert "disagreement" not in w.to_dataframe().columns
    with pytest.raises(ValueError, match="methods=\\[...\\]"):
        plain.disagreement()
