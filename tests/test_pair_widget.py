"""ExplainWidget and its exports for sentence pairs: two texts, one game, players in both."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer

PREMISE, HYPOTHESIS = "the acting was superb", "i loved it"


def test_pair_widget_explains_both_texts_and_masks_in_the_second(model, tokenizer):
    w = ExplainWidget(model, tokenizer, text=PREMISE, text_pair=HYPOTHESIS, method="exact").wait(60)
    assert [t["text"] for t in w.tokens] == PREMISE.split() + HYPOTHESIS.split()
    assert [t["segment"] for t in w.tokens] == [0, 0, 0, 0, 1, 1, 1]
    assert w.result_for["text_pair"] == HYPOTHESIS
    assert "error" not in w.faithfulness and w.faithfulness["result_for"]["text_pair"] == HYPOTHESIS
    np.testing.assert_allclose(np.array(w.base_values) + np.array(w.values).sum(0), w.outputs, atol=1e-6)
    before = np.array(w.values)
    w.mask(5).wait(60)
    after = np.array(w.values)
    assert np.all(after[5] == 0) and not np.allclose(after, before)
    fresh = Explainer(model, tokenizer).attribute(PREMISE, text_pair=HYPOTHESIS, method="exact", masked=[5])
    np.testing.assert_allclose(after, fresh.values, atol=1e-6)
    df = w.to_dataframe()
    assert list(df["segment"]) == [0, 0, 0, 0, 1, 1, 1] and list(df["token"]) == PREMISE.split() + HYPOTHESIS.split()
    assert w.view_state()["text_pair"] == HYPOTHESIS


def test_changing_the_second_text_renumbers_and_recomputes(model, tokenizer):
    w = ExplainWidget(model, tokenizer, text=PREMISE, text_pair=HYPOTHESIS, method="exact").wait(60)
    w.mask(1).wait(60)
    w.text_pair = "it was fun and good"
    w.wait(60)
    assert w.masked == [] and [t["text"] for t in w.tokens][4:] == "it was fun and good".split()
    assert w.result_for["text_pair"] == "it was fun and good"


def test_emptying_the_second_text_is_an_error_not_a_single_text(model, tokenizer):
    w = ExplainWidget(model, tokenizer, text=PREMISE, text_pair=HYPOTHESIS, method="exact").wait(60)
    w.text_pair = ""
    with pytest.raises(RuntimeError, match="text_pair"):
        w.wait(60)
    assert w.state == "error" and "second text" in w.error


def test_single_text_widget_has_no_segments(model, tokenizer):
    w = ExplainWidget(model, tokenizer, text=PREMISE, method="exact").wait(60)
    assert all("segment" not in t for t in w.tokens) and "segment" not in w.to_dataframe()


def test_dataset_of_pairs_predicts_explains_and_shows_each_pair(model, tokenizer):
    from shap_widget import DatasetWidget

    pairs = [(PREMISE, HYPOTHESIS), ("the plot was awful", "it was bad"), ("a fun movie", "we loved it")]
    d = DatasetWidget(model, tokenizer, pairs, labels=[0, 1, 2], progress_bar=False, method="exact").wait(120)
    assert d.texts == pairs
    df = d.to_dataframe()
    assert list(df["text_pair"]) == [p[1] for p in pairs]
    with torch.no_grad():
        enc = tokenizer([p[0] for p in pairs], [p[1] for p in pairs], return_tensors="pt", padding=True)
        expected = torch.softmax(model(**enc).logits.double(), -1).numpy()
    np.testing.assert_allclose(df[[f"P({n})" for n in d.class_names]].to_numpy(dtype=float), expected, atol=1e-5)
    for i, (a, b) in enumerate(pairs):
        att = d.attributions[i]
        assert att.text_pair == b and 1 in att.segments
        np.testing.assert_allclose(att.base_values + att.values.sum(0), expected[i], atol=1e-5)
    d.selected = 1
    d.explain_widget.wait(60)
    assert (d.explain_widget.text, d.explain_widget.text_pair) == pairs[1]
    assert d.explain_widget.result_for["text_pair"] == pairs[1][1]


def test_dataset_refuses_mixed_singles_and_pairs(model, tokenizer):
    from shap_widget import DatasetWidget

    with pytest.raises(TypeError, match="mixes single texts"):
        DatasetWidget(model, tokenizer, [PREMISE, (PREMISE, HYPOTHESIS)], progress_bar=False)
