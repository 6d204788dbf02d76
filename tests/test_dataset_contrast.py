"""Contrastive dataset runs: every row explains "this class rather than `versus`", exactly, additively, and
records that contrast on disk, where a resume with another contrast or a row of another contrast is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import traitlets

import shap_widget as sw
from shap_widget.engine.explain import Explainer
from test_engine import brute_force_shapley, direct_outputs
from test_hostile_files import edit_meta, first_part, refused, rewrite_row

TEXTS = ["the plot was really fun", "i hated it", "a boring film", "we loved the music", "not good"]


def log_ratio(probs: np.ndarray, target: int, versus: int) -> float:
    return float(np.log(probs[target]) - np.log(probs[versus]))


@pytest.fixture(scope="module")
def double_model(model):
    import copy

    return copy.deepcopy(model).double()


@pytest.fixture(scope="module")
def predicted(double_model, tokenizer):
    """Each text's predicted class, from a direct forward pass."""
    return [int(np.argmax(direct_outputs(double_model, tokenizer, t, set(range(9))))) for t in TEXTS]


@pytest.fixture(scope="module")
def contrastive_run(double_model, tokenizer, predicted, tmp_path_factory):
    """A finished run against the class TEXTS[0] is predicted as, in three parts on disk."""
    path = tmp_path_factory.mktemp("contrast") / "run.parquet"
    results = sw.explain_dataset(double_model, tokenizer, TEXTS, method="exact", path=path, chunk_size=2,
                                 versus=predicted[0], progress_bar=False)
    return results, path


def test_each_row_holds_the_exact_shapley_values_of_its_contrast(contrastive_run, double_model, tokenizer,
                                                                 predicted):
    """Row values equal brute-force Shapley values of log P(target) - log P(versus), read from disk too."""
    results, path = contrastive_run
    versus = predicted[0]
    loaded = sw.DatasetResults.load(path)
    assert results.versus == loaded.versus == versus
    other = next(i for i, c in enumerate(predicted) if c != versus)  # one row of each kind, by brute force
    for i, text in enumerate(TEXTS):
        probs = direct_outputs(double_model, tokenizer, text, set(range(9)))
        others = [c for c in range(3) if c != versus]
        expected_target = max(others, key=lambda c: probs[c])  # the prediction, or the runner-up
        assert results.target_of(i) == loaded.target_of(i) == expected_target
        if i not in (0, other):
            continue
        n = len(results[i].tokens)
        expected = brute_force_shapley(
            lambda keep: log_ratio(direct_outputs(double_model, tokenizer, text, keep), expected_target, versus), n)
        for got in (results[i], loaded[i]):
            assert got.versus == versus
            np.testing.assert_allclose(got.values[:, expected_target], expected, atol=1e-6, rtol=0)
            np.testing.assert_array_equal(got.values[:, versus], 0)
        assert np.abs(expected).max() > 1e-3
    # TEXTS[0] is predicted as the versus class: it is explained against its runner-up, which it beats
    assert results.target_of(0) != predicted[0] and results[0].outputs[results.target_of(0)] < 0


def test_contrast_columns_add_up_to_the_log_ratio_and_name_the_contrast(contrastive_run, double_model, tokenizer,
                                                                         predicted):
    """to_dataframe names each row's contrast; contrast_base + sum(contrast_values) = log P(target)/P(versus)."""
    results, path = contrastive_run
    frame = results.to_dataframe()
    versus = results.class_names[predicted[0]]
    assert list(frame.columns[-6:]) == ["target", "versus", "contrast", "contrast_values", "contrast_base",
                                        "contrast_output"]
    for i, row in frame.iterrows():
        probs = direct_outputs(double_model, tokenizer, TEXTS[i], set(range(9)))
        t = results.class_names.index(row["target"])
        assert row["versus"] == versus and row["contrast"] == f"{row['target']} vs {versus}"
        assert row["contrast_output"] == pytest.approx(np.log(probs[t] / probs[predicted[0]]), abs=1e-6)
        assert row["contrast_base"] + row["contrast_values"].sum() == pytest.approx(row["contrast_output"], abs=1e-9)
    stored = pq.read_table(path).to_pandas().sort_values("index")
    assert list(stored["versus"]) == [versus] * len(TEXTS) and list(stored["target"]) == list(frame["target"])
    plain = sw.explain_dataset(double_model, tokenizer, TEXTS[:1], method="exact", progress_bar=False)
    assert "contrast" not in plain.to_dataframe().columns and plain.versus is None


def test_fixed_target_is_explained_for_every_row(double_model, tokenizer, tmp_path):
    """target= reads every row for that class against versus, the packed rows equal one text at a time, and
    the saved run opens in the dataset view for that class."""
    from shap_widget import DatasetWidget

    results = sw.explain_dataset(double_model, tokenizer, TEXTS, method="exact", versus="LABEL_2", target=0,
                                 chunk_size=3, path=tmp_path / "run.parquet", progress_bar=False)
    w = DatasetWidget.from_results(tmp_path / "run.parquet", double_model, tokenizer, progress_bar=False).wait(60)
    assert w.table.global_target == 0 and [r["target"] for r in w.table.rows] == [0] * len(TEXTS)
    alone = Explainer(double_model, tokenizer)
    assert [results.target_of(i) for i in range(len(TEXTS))] == [0] * len(TEXTS)
    assert set(results.to_dataframe()["contrast"]) == {"LABEL_0 vs LABEL_2"}
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(results[i].values, alone.attribute(text, method="exact", versus=2).values,
                                   atol=1e-10, rtol=0)


def test_resuming_with_another_contrast_is_refused(double_model, tokenizer, tmp_path):
    """Rows of one contrast are never mixed with rows of another, or with plain rows."""
    path = tmp_path / "run.parquet"
    sw.explain_dataset(double_model, tokenizer, TEXTS[:2], method="exact", versus="LABEL_2", path=path,
                       progress_bar=False)
    with pytest.raises(sw.ResultsMismatch, match="versus='LABEL_2'.*versus='LABEL_1'"):
        sw.explain_dataset(double_model, tokenizer, TEXTS[:2], method="exact", versus=1, path=path)
    with pytest.raises(sw.ResultsMismatch, match="versus='LABEL_2'.*versus=None"):
        sw.explain_dataset(double_model, tokenizer, TEXTS[:2], method="exact", path=path)
    with pytest.raises(sw.ResultsMismatch, match="target=None.*target='LABEL_0'"):
        sw.explain_dataset(double_model, tokenizer, TEXTS[:2], method="exact", versus=2, target=0, path=path)
    again = sw.explain_dataset(double_model, tokenizer, TEXTS[:3], method="exact", versus="LABEL_2", path=path,
                               progress_bar=False)
    assert again.computed == [2] and again.complete


def test_bad_contrasts_are_refused_with_what_to_do(model, tokenizer, make_bert):
    """A contrast that cannot be explained is refused before anything runs."""
    with pytest.raises(ValueError, match="target= names the class contrasted with versus"):
        sw.explain_dataset(model, tokenizer, TEXTS, target=0)
    with pytest.raises(ValueError, match="a class against itself"):
        sw.explain_dataset(model, tokenizer, TEXTS, versus="LABEL_1", target=1)
    with pytest.raises(ValueError, match="Unknown versus class 'nope'"):
        sw.explain_dataset(model, tokenizer, TEXTS, versus="nope")
    with pytest.raises(ValueError, match="one output"):
        sw.explain_dataset(make_bert(n_labels=1), tokenizer, TEXTS, versus=0)


@pytest.fixture
def run(contrastive_run, tmp_path) -> Path:
    """A copy of the finished contrastive run, to damage."""
    return Path(shutil.copytree(contrastive_run[1], tmp_path / "run.parquet"))


@pytest.mark.parametrize("changes, words", [
    ({"versus": 2}, ["'versus'", "class name"]),
    ({"versus": ["LABEL_0"]}, ["'versus'", "class name"]),
    ({"versus": "nope"}, ["'versus'", "'nope'", "not one of the run's classes"]),
    ({"target": 1.5}, ["'target'", "class name"]),
    ({"target": "LABEL_9"}, ["'target'", "not one of the run's classes"]),
    ({"versus": None, "target": "LABEL_0"}, ["'target'", "two different classes"]),
], ids=["int-versus", "list-versus", "unknown-versus", "float-target", "unknown-target", "target-without-versus"])
def test_run_file_with_a_hostile_contrast_is_refused(run, changes, words):
    """versus and target in _run.json are checked for type and for being the run's classes."""
    edit_meta(run, **changes)
    refused(run, "_run.json", *words)


def test_run_file_target_equal_to_versus_is_refused(run):
    """A run claiming to explain a class against itself is refused."""
    versus = sw.DatasetResults.load(run).meta["versus"]
    edit_meta(run, target=versus)
    refused(run, "_run.json", "'target'", "two different classes")


@pytest.mark.parametrize("changes, words", [
    ({"versus": None}, ["'versus'", "None", "contrasts every row with"]),
    ({"versus": "OTHER"}, ["'versus'", "'OTHER'", "contrasts every row with"]),
    ({"target": None}, ["'target'", "None"]),
    ({"target": "LABEL_9"}, ["'target'", "'LABEL_9'"]),
], ids=["plain-row", "other-versus", "no-target", "unknown-target"])
def test_row_of_another_contrast_is_refused_naming_the_row(run, changes, words):
    """A row whose contrast is not the run's is never read as the run's contrast."""
    part = first_part(run)
    rewrite_row(part, **changes)
    refused(run, part.name, "row 0", *words)


def test_row_target_equal_to_versus_is_refused(run):
    """A row claiming to explain the versus class against itself is refused."""
    part = first_part(run)
    versus = sw.DatasetResults.load(run).meta["versus"]
    rewrite_row(part, target=versus)
    refused(run, part.name, "row 0", "'target'", "other than versus")


def test_contrastive_row_in_a_plain_run_is_refused(run):
    """Contrast values in a run without versus would be drawn as class values: refused."""
    edit_meta(run, versus=None)
    refused(run, "'versus'", "contrasts every row with None")


def test_dataset_view_ranks_tokens_for_the_contrast(model, tokenizer):
    """With versus, the batch explains each row against it: the ranking uses the contrastive values, each row is
    read for its most likely other class, and the versus class cannot be ranked against itself."""
    from shap_widget import DatasetWidget

    w = DatasetWidget(model, tokenizer, TEXTS, versus="LABEL_2", method="exact", progress_bar=False).wait(120)
    alone = Explainer(model, tokenizer)
    assert w.table.versus == 2 and w.table.global_target == 0
    for i, (a, text) in enumerate(zip(w.attributions, TEXTS)):
        assert a.versus == 2
        np.testing.assert_allclose(a.values, alone.attribute(text, method="exact", versus=2).values, atol=1e-6)
        probs = w.probabilities[i]
        assert w.table.rows[i]["target"] == (0 if probs[0] >= probs[1] else 1)
        assert w.to_dataframe().loc[i, "contrast"] == f"LABEL_{w.table.rows[i]['target']} vs LABEL_2"
    ranking = w.token_ranking(1)
    assert ranking.attrs["contrast"] == "LABEL_1 vs LABEL_2"
    fun = ranking.set_index("token").loc["fun"]
    assert fun["mean"] == pytest.approx(w.attributions[0].values[4, 1], abs=1e-12)  # "fun" occurs once
    assert [g["token"] for g in w.table.global_tokens] == list(w.token_ranking(0, min_count=2, top=30)["token"])
    with pytest.raises(ValueError, match="versus class"):
        w.token_ranking("LABEL_2")
    with pytest.raises(traitlets.TraitError, match="versus class"):
        w.table.global_target = 2


def test_saved_contrastive_run_opens_with_its_contrast_without_computing(contrastive_run, double_model, tokenizer):
    """from_results takes the run's versus: stored rows are shown as they are, and plain results are refused."""
    from shap_widget import DatasetWidget
    from shap_widget.engine.explain import get_explainer

    results, path = contrastive_run
    evaluator = get_explainer(double_model, tokenizer).evaluator
    before = evaluator.rows_run
    w = DatasetWidget.from_results(path, double_model, tokenizer, selected=-1, progress_bar=False).wait(60)
    assert evaluator.rows_run == before
    assert w.table.versus == results.versus and w.explain_widget.versus == results.versus
    w.select(3)
    assert w.explain_widget.attribution is w.attributions[3]
    np.testing.assert_array_equal(w.attributions[3].values, results[3].values)
    plain = sw.explain_dataset(double_model, tokenizer, TEXTS, method="exact", progress_bar=False)
    with pytest.raises(ValueError, match="explained with no versus class.*versus='LABEL_"):
        DatasetWidget(double_model, tokenizer, TEXTS, results=plain, versus=results.versus, progress_bar=False)
