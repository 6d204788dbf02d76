"""ExplainWidget's interactions mode: pairs computed in the background, tagged, exported in long form."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

from shap_widget import ExplainWidget, explain_interactions

TEXT = "the movie was not bad"


def test_interactions_mode_publishes_the_engine_pairs_without_new_rows(model, tokenizer):
    """Switching to interactions after an exact explanation fills `pairs` with the exact SII and no forward pass."""
    w = ExplainWidget(model, tokenizer, text=TEXT, method="exact", masked=[0]).wait(60)
    assert w.pairs == {}
    before = w.explainer.evaluator.rows_run
    w.mode = "interactions"
    w.wait(60)
    assert w.explainer.evaluator.rows_run == before
    expected = explain_interactions(model, tokenizer, TEXT, masked=[0], method="exact")
    assert w.pairs["result_for"] == w.result_for and w.pairs["index"] == "SII" and w.pairs["method"] == "exact"
    np.testing.assert_allclose(w.pairs["values"], expected.pairs, atol=1e-12)
    np.testing.assert_allclose(w.pairs["main"], w.values, atol=1e-12)
    assert np.abs(expected.pairs[3, 4]).max() > 1e-3

    w.interaction_index = "k-SII"
    w.wait(60)
    k = np.asarray(w.pairs["main"])
    upper = np.asarray(w.pairs["values"])[np.triu_indices(5, 1)].sum(0)
    np.testing.assert_allclose(np.asarray(w.base_values) + k.sum(0) + upper, w.outputs, atol=1e-6)


def test_masking_in_interactions_mode_recomputes_the_pairs(model, tokenizer):
    """A mask change in interactions mode gives pairs for the new mask, with the masked player's row zero."""
    w = ExplainWidget(model, tokenizer, text=TEXT, mode="interactions").wait(60)
    assert w.pairs["result_for"]["masked"] == []
    w.mask(2).wait(60)
    assert w.pairs["result_for"]["masked"] == [2]
    pairs = np.asarray(w.pairs["values"])
    assert np.all(pairs[2] == 0) and np.abs(pairs[3, 4]).max() > 1e-3


def test_to_dataframe_gives_the_long_form(model, tokenizer):
    """to_dataframe(interactions=True): one row per pair i < j with tokens and a value per class."""
    w = ExplainWidget(model, tokenizer, text=TEXT).wait(60)
    df = w.to_dataframe(interactions=True)  # computed on demand in attributions mode
    expected = explain_interactions(model, tokenizer, TEXT)
    assert list(df.columns) == ["i", "j", "token_i", "token_j", *w.labels]
    assert len(df) == 10
    row = df[(df.i == 3) & (df.j == 4)].iloc[0]
    assert (row.token_i, row.token_j) == ("not", "bad")
    assert row[w.labels[2]] == pytest.approx(expected.pairs[3, 4, 2])


def test_invalid_interaction_intents_are_refused(model, tokenizer):
    """Unknown mode or index and a focus outside the players are refused with the allowed values."""
    w = ExplainWidget(model, tokenizer, text=TEXT).wait(60)
    with pytest.raises(traitlets.TraitError, match="mode must be one of"):
        w.mode = "pairs"
    with pytest.raises(traitlets.TraitError, match=r"interaction_index must be one of \('SII', 'k-SII'\)"):
        w.interaction_index = "STII"
    with pytest.raises(traitlets.TraitError, match=r"focus 5 is out of range: the input has 5 players \(0..4\)"):
        w.focus = 5
    w.focus = 4
    w.text = "the plot was fun"
    assert w.focus == -1  # new players: nothing is picked


def test_standalone_page_carries_the_interactions(model, tokenizer, tmp_path):
    """A page written in interactions mode holds the mode, picked token and pairs, so it can redraw them offline."""
    from shap_widget.widgets.export import read_state

    w = ExplainWidget(model, tokenizer, text=TEXT, mode="interactions").wait(60)
    w.focus = 3
    state = read_state(w.to_html(tmp_path / "pairs.html").read_text(encoding="utf-8"))
    assert state["mode"] == "interactions" and state["focus"] == 3
    np.testing.assert_allclose(state["pairs"]["values"], w.pairs["values"], atol=1e-12)
    assert state["pairs"]["result_for"] == state["result_for"]


def test_sampled_interactions_stay_within_the_widgets_budget(model, tokenizer):
    """After a sampled explanation the pairs are sampled too, with no more model rows than the Budget field."""
    w = ExplainWidget(model, tokenizer, text="the movie was great but the ending was boring", method="partition",
                      max_evals=300).wait(60)
    assert w.method_used == "partition"
    w.explainer.evaluator.clear_cache()  # the explainer is shared: rows other tests left must not hide the cost
    before = w.explainer.evaluator.rows_run
    w.mode = "interactions"
    w.wait(60)
    assert w.pairs["method"] == "permutation" and w.pairs["n_evals"] <= 300
    assert 0 < w.explainer.evaluator.rows_run - before <= 300
    pairs = np.asarray(w.pairs["values"])
    np.testing.assert_array_equal(pairs, np.transpose(pairs, (1, 0, 2)))
    assert np.abs(pairs).max() > 1e-3
