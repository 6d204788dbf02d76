"""ExplainWidget's kernel side: state in traits, live recomputation off the main thread, errors kept visible."""

from __future__ import annotations

import numpy as np
import pytest
import shap
import torch
import traitlets

from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer

TEXT = "the movie was great but the ending was boring"


def test_widget_explains_its_text_on_creation(model, tokenizer):
    """A new widget computes the heatmap for its text and shows the predicted class first."""
    w = ExplainWidget(model, tokenizer, text=TEXT).wait(60)
    assert w.state == "ready"
    assert [t["text"] for t in w.tokens] == TEXT.split()
    assert w.result_for["masked"] == [] and w.result_for["text"] == TEXT
    values = np.array(w.values)
    assert values.shape == (9, 3)
    np.testing.assert_allclose(np.array(w.base_values) + values.sum(0), w.outputs, rtol=1e-6)
    assert w.target == int(np.argmax(w.probabilities_full))
    assert w.method_used == "kernel" and np.array(w.errors).shape == (9, 3)


def test_masking_a_token_recomputes_without_it(model, tokenizer):
    """mask(i) makes that token's value 0 and the prediction becomes the model's output on the masked input."""
    w = ExplainWidget(model, tokenizer, text=TEXT, method="exact", max_evals=1024).wait(60)
    before = np.array(w.values)
    w.mask(3).wait(60)
    assert w.masked == [3] and w.result_for["masked"] == [3]
    after = np.array(w.values)
    assert np.all(after[3] == 0) and not np.allclose(after, before)
    fresh = Explainer(model, tokenizer).attribute(TEXT, method="exact", masked=[3])
    np.testing.assert_allclose(after, fresh.values, atol=1e-6)
    np.testing.assert_allclose(w.probabilities, fresh.probabilities, atol=1e-6)
    assert w.probabilities_full != w.probabilities
    w.unmask(3).wait(60)
    np.testing.assert_allclose(np.array(w.values), before, atol=1e-9)


def test_rapid_mask_changes_end_in_the_final_state(model, tokenizer):
    """Many quick toggles supersede each other; what is shown equals a fresh explanation of the last mask."""
    w = ExplainWidget(model, tokenizer, text=TEXT, max_evals=200)
    for i in [1, 4, 1, 6, 2, 4, 7, 7, 0]:
        w.masked = sorted(set(w.masked) ^ {i})
    w.wait(120)
    assert w.masked == [0, 2, 6]
    assert w.result_for["masked"] == [0, 2, 6]
    fresh = Explainer(model, tokenizer).attribute(TEXT, max_evals=200, masked=[0, 2, 6])
    np.testing.assert_allclose(np.array(w.values), fresh.values, atol=1e-6)


def test_explanation_is_a_shap_explanation_of_the_selected_class(model, tokenizer):
    """w.explanation plugs into shap's plots: one class, values adding up to that class's probability."""
    w = ExplainWidget(model, tokenizer, text=TEXT, target=2)
    e = w.explanation
    assert isinstance(e, shap.Explanation)
    assert e.values.shape == (9,)
    assert e.base_values + e.values.sum() == pytest.approx(w.probabilities[2], rel=1e-6)
    w.target = 0
    assert w.explanation.base_values + w.explanation.values.sum() == pytest.approx(w.probabilities[0], rel=1e-6)


def test_new_text_resets_the_mask(model, tokenizer):
    """Editing the text explains the new input from scratch, with nothing masked."""
    w = ExplainWidget(model, tokenizer, text=TEXT, masked=[1]).wait(60)
    assert w.result_for["masked"] == [1]
    w.text = "we loved it"
    w.wait(60)
    assert w.masked == [] and [t["text"] for t in w.tokens] == ["we", "loved", "it"]


def test_word_players_toggle(model, tokenizer):
    """Switching to words merges subword pieces into one clickable player."""
    w = ExplainWidget(model, tokenizer, text="the storyline was fun").wait(60)
    assert len(w.tokens) == 5
    w.players = "word"
    w.wait(60)
    assert [t["text"] for t in w.tokens] == ["the", "storyline", "was", "fun"]
    assert len(w.values) == 4


def test_model_error_is_shown_and_the_widget_recovers(make_bert, tokenizer):
    """An exception in the model's forward shows in the widget; the next action computes normally."""
    model = make_bert()
    w = ExplainWidget(model, tokenizer, text=TEXT, max_evals=500).wait(60)  # the click's rows are not all cached
    original = model.forward

    def broken(*args, **kwargs):
        raise RuntimeError("the model broke")

    model.forward = broken
    w.mask(2)
    with pytest.raises(RuntimeError, match="the model broke"):
        w.wait(60)
    assert w.state == "error" and "the model broke" in w.error
    model.forward = original
    w.mask(3).wait(60)
    assert w.state == "ready" and w.error == "" and w.result_for["masked"] == [2, 3]


def test_invalid_intents_are_refused(model, tokenizer):
    """Out-of-range masks and unknown methods are rejected with a message instead of a broken picture."""
    w = ExplainWidget(model, tokenizer, text=TEXT).wait(60)
    with pytest.raises(traitlets.TraitError, match="out of range"):
        w.masked = [42]
    with pytest.raises(traitlets.TraitError, match="method must be one of"):
        w.method = "magic"
    with pytest.raises(ValueError, match="Unknown target"):
        ExplainWidget(model, tokenizer, text=TEXT, target="positive")
    with pytest.raises(TypeError, match="must be a str"):
        ExplainWidget(model, tokenizer, text=None)


def test_computation_runs_off_the_main_thread(make_bert, tokenizer, hold_forward):
    """Creating the widget returns before the explanation is done, so the notebook never blocks."""
    model = make_bert()
    gate = hold_forward(model)
    w = ExplainWidget(model, tokenizer, text=TEXT)
    assert w.state == "computing"
    gate.set()
    w.wait(60)
    assert w.state == "ready"


def test_from_pipeline_uses_the_pipeline_model_and_tokenizer(model, tokenizer):
    """A transformers text-classification pipeline is accepted as is."""
    from transformers import pipeline

    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, device=torch.device("cpu"))
    w = ExplainWidget.from_pipeline(pipe, text=TEXT).wait(60)
    assert w.state == "ready" and len(w.values) == 9


def test_a_front_end_cannot_overwrite_results_or_state(model, tokenizer):
    """A host that sends back its stale copy of the state (marimo, older clients) changes only the intents."""
    w = ExplainWidget(model, tokenizer, text=TEXT, method="exact", max_evals=1024).wait(60)
    values, request = w.values, dict(w.result_for)
    w.set_state({"state": "refining", "values": [[0.0] * 3] * 9, "result_for": {}, "error": "stale"})
    assert (w.state, w.values, w.result_for, w.error) == ("ready", values, request, "")
    w.set_state({"masked": [2], "state": "ready"})
    w.wait(60)
    assert w.state == "ready" and w.masked == [2] and w.result_for["masked"] == [2]
    assert w.values[2] == [0.0, 0.0, 0.0] and w.values != values
    w.set_state({"shown_for": dict(w.result_for)})
    assert w.shown_for == w.result_for
