"""Contrastive explanations: "why this class rather than that one", exact, additive and labelled as such."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import shap_widget as sw
from shap_widget.engine.explain import Explainer
from test_engine import TEXT, brute_force_shapley, direct_outputs


def contrast(out: np.ndarray, output: str, target: int, versus: int) -> float:
    """target rather than versus, from one input's outputs in `output` space: log-ratio for probabilities."""
    if output == "probability":
        return float(np.log(out[target]) - np.log(out[versus]))
    return float(out[target] - out[versus])


@pytest.mark.parametrize("output", ["probability", "logit", "log-odds"])
def test_contrastive_values_equal_brute_force_shapley_of_the_difference(model, tokenizer, output):
    """Each class's column holds the Shapley values of that class's output minus the versus class's."""
    model = copy.deepcopy(model).double()
    text = "the plot was really fun"
    result = Explainer(model, tokenizer).attribute(text, method="exact", output=output, versus=2)
    for target in (0, 1):
        expected = brute_force_shapley(
            lambda keep: contrast(direct_outputs(model, tokenizer, text, keep, output), output, target, 2), 5)
        np.testing.assert_allclose(result.values[:, target], expected, atol=1e-6, rtol=0)
        assert np.abs(expected).max() > 1e-3
    np.testing.assert_array_equal(result.values[:, 2], 0)
    assert result.versus == 2


@pytest.mark.parametrize("method", ["exact", "kernel", "permutation", "partition"])
@pytest.mark.parametrize("output", ["probability", "log-odds"])
def test_contrast_adds_up_to_the_models_output_difference(family, method, output):
    """base + sum(values) equals log P(target) - log P(versus) of the explained input, masks included."""
    model, tokenizer = family("roberta")
    text = "the story was fun" if method == "exact" else "the movie was great but the ending was boring"
    explainer = Explainer(model, tokenizer)
    result = explainer.attribute(text, method=method, output=output, versus="positive", masked=(1,), max_evals=200)
    plain = explainer.attribute(text, method="exact" if method == "exact" else "partition", output=output,
                                masked=(1,), max_evals=200)
    expected = np.array([contrast(plain.outputs, output, c, 2) for c in range(3)])
    np.testing.assert_allclose(result.outputs, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), expected, rtol=1e-5, atol=1e-6)
    if method == "exact":  # Shapley values are linear in the game: the contrast of log-odds is a difference
        if output == "log-odds":
            np.testing.assert_allclose(result.values[:, 0], plain.values[:, 0] - plain.values[:, 2], atol=1e-9)


def test_explain_names_the_contrast_in_its_outputs(model, tokenizer):
    """The shap.Explanation names the contrast of each class; one target's values add up to its log-ratio."""
    every = sw.explain(model, tokenizer, TEXT, versus="LABEL_2")
    assert every.output_names == ["LABEL_0 vs LABEL_2", "LABEL_1 vs LABEL_2", "LABEL_2 vs LABEL_2"]
    one = sw.explain(model, tokenizer, TEXT, target="LABEL_0", versus="LABEL_2")
    probs = direct_outputs(model, tokenizer, TEXT, set(range(9)))
    assert one.base_values + one.values.sum() == pytest.approx(np.log(probs[0] / probs[2]), rel=1e-6)


def test_multi_label_contrast_is_the_log_ratio_of_sigmoid_probabilities(make_bert, tokenizer):
    """For per-label sigmoids the contrast is log sigma(z_t) - log sigma(z_v), not a logit difference."""
    model = make_bert(n_labels=3, problem_type="multi_label_classification")
    result = Explainer(model, tokenizer).attribute(TEXT, method="partition", versus=1)
    with torch.no_grad():
        z = model(**tokenizer(TEXT, return_tensors="pt")).logits[0].double().numpy()
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(result.outputs, np.log(p) - np.log(p[1]), rtol=1e-5)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-6, atol=1e-9)


def test_contrast_needs_two_classes_and_a_known_one(make_bert, tokenizer, model):
    """A one-output model or an unknown class gets a message that says what to do."""
    with pytest.raises(ValueError, match="one output"):
        Explainer(make_bert(n_labels=1), tokenizer).attribute(TEXT, method="partition", versus=0)
    with pytest.raises(ValueError, match="Unknown versus class 'nope'"):
        Explainer(model, tokenizer).attribute(TEXT, method="partition", versus="nope")
    with pytest.raises(ValueError, match="versus=7 is out of range"):
        Explainer(model, tokenizer).attribute(TEXT, method="partition", versus=7)


def test_faithfulness_and_interactions_measure_the_contrast(model, tokenizer):
    """Faithfulness curves and interactions of a contrast run on the contrast game, so they add up to it."""
    from shap_widget.engine.interactions import interactions

    explainer = Explainer(model, tokenizer)
    result = explainer.attribute("the plot was really fun", method="exact", versus=1)
    measured = sw.faithfulness(explainer, result, target=0)
    assert measured.deletion[0] == pytest.approx(result.outputs[0], rel=1e-6)
    assert measured.insertion[0] == pytest.approx(result.base_values[0], rel=1e-6)
    pairs = interactions(explainer, "the plot was really fun", method="exact", versus=1)
    np.testing.assert_allclose(pairs.values, result.values, atol=1e-9)
    assert pairs.versus == 1


def test_widget_versus_recomputes_the_contrast_and_exports_say_so(model, tokenizer):
    """Setting versus in the widget shows the contrast; the DataFrame names it; choosing it as target swaps."""
    from shap_widget import ExplainWidget

    w = ExplainWidget(model, tokenizer, text="the plot was really fun", method="exact", target=0).wait(60)
    assert w.versus == -1 and w.result_for["versus"] == -1
    w.versus = 2
    w.wait(60)
    expected = Explainer(model, tokenizer).attribute("the plot was really fun", method="exact", versus=2)
    np.testing.assert_allclose(np.array(w.values), expected.values, atol=1e-6)
    assert w.result_for["versus"] == 2
    frame = w.to_dataframe()
    assert list(frame.columns) == ["token", "index", "masked", "LABEL_0 vs LABEL_2", "LABEL_1 vs LABEL_2"]
    assert frame.attrs["explained"]["LABEL_0 vs LABEL_2"] == "log P(LABEL_0) - log P(LABEL_2)"
    w.target = 2
    w.wait(60)
    assert (w.target, w.versus) == (2, 0) and w.result_for["versus"] == 0
    assert w.view_state()["versus"] == 0  # the standalone page shows the same contrast


def test_widget_picks_the_predicted_class_other_than_versus(model, tokenizer):
    """With versus given and no target, the shown class is the most likely one of the others."""
    from shap_widget import ExplainWidget

    probs = Explainer(model, tokenizer).attribute(TEXT, method="partition").probabilities_full
    top = int(np.argmax(probs))
    w = ExplainWidget(model, tokenizer, text=TEXT, method="partition", versus=top).wait(60)
    others = [c for c in range(3) if c != top]
    assert w.versus == top and w.target == max(others, key=lambda c: probs[c])


def test_packed_texts_are_explained_as_the_contrast_too(model, tokenizer):
    """attribute_many with versus gives each text the values attribute gives it alone, not its plain ones."""
    model = copy.deepcopy(model).double()
    explainer = Explainer(model, tokenizer)
    texts = ["the plot was really fun", "i hated it"]
    packed = explainer.attribute_many(texts, method="exact", versus=2)
    for text, got in zip(texts, packed):
        alone = explainer.attribute(text, method="exact", versus=2)
        np.testing.assert_allclose(got.values, alone.values, atol=1e-10, rtol=0)
        np.testing.assert_allclose(got.outputs, alone.outputs, atol=1e-10, rtol=0)
        assert got.versus == 2 and got.outputs[2] == 0
