"""Faithfulness measures: deletion/insertion curves, AOPC, comprehensiveness and sufficiency, on known answers."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from transformers import PretrainedConfig
from transformers.modeling_outputs import SequenceClassifierOutput

import shap_widget as sw
from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer
from shap_widget.engine.faithfulness import curve_coalitions, measure, ranking, top_k

TEXT = "the movie was great but the ending was boring"
KEYWORD_AT = 3  # "great"


class KeywordForSequenceClassification(torch.nn.Module):
    """Says positive exactly when one keyword is in the input: that token carries all the signal."""

    def __init__(self, keyword_id: int, vocab_size: int, strength: float = 3.0) -> None:
        super().__init__()
        self.config = PretrainedConfig(id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
        self.embeddings = torch.nn.Embedding(vocab_size, 1)
        self.keyword_id = keyword_id
        self.strength = strength

    def get_input_embeddings(self) -> torch.nn.Embedding:
        return self.embeddings

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        seen = input_ids == self.keyword_id
        if attention_mask is not None:
            seen &= attention_mask.bool()
        half = self.strength * (seen.any(dim=1).double() - 0.5)
        return SequenceClassifierOutput(logits=torch.stack([-half, half], dim=1))


@pytest.fixture
def keyword_model(tokenizer):
    return KeywordForSequenceClassification(tokenizer.convert_tokens_to_ids("great"), len(tokenizer))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


class CountingGame:
    """An additive game f(S) = sum of the kept players' weights (one output), counting its calls."""

    def __init__(self, weights) -> None:
        self.weights = np.asarray(weights, dtype=float)
        self.calls = 0

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        self.calls += 1
        return (np.asarray(coalitions, dtype=float) @ self.weights)[:, None]


def test_top_k_is_the_ceiling_of_the_share():
    """k(q) = ceil(q n): 10 % of 9 tokens is 1 token, 50 % of 9 is 5, and 30 % of 10 is exactly 3."""
    assert [top_k(q, 9) for q in (0.1, 0.2, 0.5, 1.0)] == [1, 2, 5, 9]
    assert [top_k(q, 10) for q in (0.1, 0.2, 0.3, 0.5)] == [1, 2, 3, 5]
    assert top_k(0.0, 10) == 0 and top_k(0.1, 0) == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        top_k(20, 10)


def test_ranking_puts_the_largest_first_and_keeps_ties_in_order():
    """Players are removed from the most supporting down; equal scores go in position order."""
    assert ranking(np.array([0.1, 0.5, -0.2, 0.5, 0.0])).tolist() == [1, 3, 0, 4, 2]


def test_curve_coalitions_remove_or_keep_the_top_k():
    """Row k of the deletion plan drops the k best players; row k of the insertion plan keeps only them."""
    deletion, insertion = curve_coalitions(np.array([2, 0, 1]))
    assert deletion.astype(int).tolist() == [[1, 1, 1], [1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert insertion.astype(int).tolist() == [[0, 0, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1]]


def test_one_decisive_player_drops_the_deletion_curve_to_the_base_at_once():
    """When one player carries all the signal and is ranked first, every measure takes its extreme value."""
    game = CountingGame([0, 0, 0.8, 0, 0])
    f = measure(game, np.array([0.0, 0.0, 0.8, 0.0, 0.0]), 0, levels=(0.2, 0.5))
    np.testing.assert_allclose(f.deletion, [0.8, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(f.insertion, [0, 0.8, 0.8, 0.8, 0.8, 0.8])
    np.testing.assert_allclose(f.fractions, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert f.order.tolist() == [2, 0, 1, 3, 4]
    assert f.comprehensiveness == pytest.approx({0.2: 0.8, 0.5: 0.8})
    assert f.sufficiency == pytest.approx({0.2: 0.0, 0.5: 0.0})
    assert f.aopc_deletion == pytest.approx(5 * 0.8 / 6)  # mean of 0, 0.8, 0.8, 0.8, 0.8, 0.8
    assert f.aopc_insertion == pytest.approx(0.8 / 6)  # mean of 0.8, 0, 0, 0, 0, 0
    assert (f.full, f.base) == pytest.approx((0.8, 0.0))
    assert game.calls == 1  # both curves in one batched call


def test_aopc_by_hand_on_an_additive_game():
    """Additive game with weights 3, -1, 2, 0.5: every point and both AOPCs as computed on paper."""
    weights = [3.0, -1.0, 2.0, 0.5]
    f = measure(CountingGame(weights), np.array(weights), 0, levels=(0.25, 0.5, 1.0))
    # order 0 (3), 2 (2), 3 (0.5), 1 (-1); full output 4.5, base 0
    assert f.order.tolist() == [0, 2, 3, 1]
    np.testing.assert_allclose(f.deletion, [4.5, 1.5, -0.5, -1.0, 0.0])
    np.testing.assert_allclose(f.insertion, [0.0, 3.0, 5.0, 5.5, 4.5])
    assert f.aopc_deletion == pytest.approx((0 + 3 + 5 + 5.5 + 4.5) / 5)
    assert f.aopc_insertion == pytest.approx((4.5 + 1.5 - 0.5 - 1.0 + 0) / 5)
    assert f.comprehensiveness == pytest.approx({0.25: 3.0, 0.5: 5.0, 1.0: 4.5})
    assert f.sufficiency == pytest.approx({0.25: 1.5, 0.5: -0.5, 1.0: 0.0})


def test_a_worse_ranking_scores_worse():
    """Ranking the players in reverse lowers the deletion AOPC and raises the insertion AOPC."""
    weights = np.array([3.0, -1.0, 2.0, 0.5])
    good = measure(CountingGame(weights), weights, 0)
    bad = measure(CountingGame(weights), -weights, 0)
    assert bad.aopc_deletion < good.aopc_deletion
    assert bad.aopc_insertion > good.aopc_insertion


def test_keyword_model_comprehensiveness_is_the_exact_drop(keyword_model, tokenizer):
    """With the masking of the explanation, removing the keyword costs exactly sigmoid(3) - sigmoid(-3)."""
    explainer = Explainer(keyword_model, tokenizer)
    attribution = explainer.attribute(TEXT, method="exact")
    drop = sigmoid(3.0) - sigmoid(-3.0)
    np.testing.assert_allclose(attribution.values[:, 1], np.eye(9)[KEYWORD_AT] * drop, atol=1e-12)
    f = sw.faithfulness(explainer, attribution, target="positive")
    assert f.target == 1 and f.label == "positive" and f.output == "probability"
    assert f.order[0] == KEYWORD_AT
    np.testing.assert_allclose(f.deletion, [sigmoid(3.0)] + [sigmoid(-3.0)] * 9, atol=1e-12)
    np.testing.assert_allclose(f.insertion, [sigmoid(-3.0)] + [sigmoid(3.0)] * 9, atol=1e-12)
    for q in (0.1, 0.2, 0.5):
        assert f.comprehensiveness[q] == pytest.approx(drop, abs=1e-12)
        assert f.sufficiency[q] == pytest.approx(0.0, abs=1e-12)
    assert f.aopc_deletion == pytest.approx(9 * drop / 10, abs=1e-12)
    assert f.aopc_insertion == pytest.approx(drop / 10, abs=1e-12)


def test_keyword_model_for_the_other_class_ranks_the_keyword_last(keyword_model, tokenizer):
    """For "negative" the keyword has the lowest value: removing the top tokens changes nothing until the end."""
    explainer = Explainer(keyword_model, tokenizer)
    attribution = explainer.attribute(TEXT, method="exact")
    f = sw.faithfulness(explainer, attribution, target=0)
    drop = sigmoid(3.0) - sigmoid(-3.0)
    assert f.order[-1] == KEYWORD_AT
    np.testing.assert_allclose(f.deletion, [sigmoid(-3.0)] * 9 + [sigmoid(3.0)], atol=1e-12)
    assert f.comprehensiveness[0.5] == pytest.approx(0.0, abs=1e-12)
    assert f.aopc_deletion == pytest.approx(-drop / 10, abs=1e-12)


def test_measures_are_in_the_output_space_of_the_explanation(keyword_model, tokenizer):
    """A logit explanation is measured in logits: the keyword moves the positive logit from -1.5 to +1.5."""
    explainer = Explainer(keyword_model, tokenizer)
    attribution = explainer.attribute(TEXT, method="exact", output="logit")
    f = sw.faithfulness(explainer, attribution, target="positive")
    assert f.output == "logit"
    assert (f.full, f.base) == pytest.approx((1.5, -1.5))
    assert f.comprehensiveness[0.1] == pytest.approx(3.0)


def test_default_target_is_the_predicted_class(keyword_model, tokenizer):
    """Without a target, the class the model predicts for the explained input is measured (as in ERASER)."""
    explainer = Explainer(keyword_model, tokenizer)
    assert sw.faithfulness(explainer, explainer.attribute(TEXT)).target == 1
    assert sw.faithfulness(explainer, explainer.attribute("the movie was boring")).target == 0


def test_curves_match_the_model_on_inputs_masked_by_hand(model, tokenizer):
    """Each point is the model's output with the top-k tokens (and the user-masked one) replaced by [MASK]."""
    model = copy.deepcopy(model).double()
    explainer = Explainer(model, tokenizer)
    attribution = explainer.attribute(TEXT, method="exact", masked=[1], max_evals=1024)
    f = sw.faithfulness(explainer, attribution, target=2)
    assert len(f.deletion) == 9 and 1 not in f.order.tolist()  # the masked player is not a free player
    enc = tokenizer(TEXT)
    positions = [i for i, t in enumerate(enc["input_ids"]) if t not in tokenizer.all_special_ids]

    def direct(removed: set[int]) -> float:
        ids = list(enc["input_ids"])
        for p in removed | {1}:
            ids[positions[p]] = tokenizer.mask_token_id
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([enc["token_type_ids"]])).logits
        return float(torch.softmax(logits[0], dim=0)[2])

    order = f.order.tolist()
    assert np.ptp(f.deletion) > 0.05  # the points differ far more than the tolerance below
    for k in (0, 1, 3, 8):  # the engine returns float32 logits
        assert f.deletion[k] == pytest.approx(direct(set(order[:k])), abs=1e-6)
        assert f.insertion[k] == pytest.approx(direct(set(order[k:])), abs=1e-6)
    assert f.deletion[0] == pytest.approx(attribution.outputs[2], abs=1e-12)
    assert f.base == pytest.approx(attribution.base_values[2], abs=1e-12)


def test_after_an_exact_explanation_the_curves_cost_no_model_rows(model, tokenizer):
    """Every coalition of the curves was already evaluated by the exact explanation, so the cache answers."""
    explainer = Explainer(model, tokenizer)
    attribution = explainer.attribute("the plot was really fun", method="exact")
    rows = explainer.evaluator.rows_run
    sw.faithfulness(explainer, attribution, target=0)
    assert explainer.evaluator.rows_run == rows


def test_curves_run_as_one_batch_of_new_rows(model, tokenizer):
    """After a partition explanation the missing curve points go through the model in one forward call."""
    explainer = Explainer(model, tokenizer)
    attribution = explainer.attribute(TEXT, method="partition", max_evals=40)
    rows, calls = explainer.evaluator.rows_run, explainer.evaluator.forward_calls
    sw.faithfulness(explainer, attribution, target=1)
    assert explainer.evaluator.forward_calls == calls + 1
    assert 0 < explainer.evaluator.rows_run - rows <= 2 * 9


def test_bad_arguments_get_clear_errors(model, tokenizer):
    """A missing attribution, an unknown class or a share outside [0, 1] is refused with a message."""
    explainer = Explainer(model, tokenizer)
    attribution = explainer.attribute("we loved it")
    with pytest.raises(TypeError, match="pass the Attribution"):
        sw.faithfulness(explainer)
    with pytest.raises(ValueError, match="Unknown target"):
        sw.faithfulness(explainer, attribution, target="happy")
    with pytest.raises(ValueError, match="between 0 and 1"):
        sw.faithfulness(explainer, attribution, levels=(10,))
    with pytest.raises(TypeError, match="Explainer or an ExplainWidget"):
        sw.faithfulness("not an explainer", attribution)


def test_widget_measures_the_selected_class_after_each_explanation(model, tokenizer):
    """The faithfulness trait answers the shown request and class, with the numbers of faithfulness()."""
    w = ExplainWidget(model, tokenizer, text=TEXT, target=2).wait(60)
    f = w.faithfulness
    assert f["result_for"] == w.result_for and f["target"] == 2
    expected = sw.faithfulness(w.explainer, w.attribution, target=2)
    np.testing.assert_allclose(f["deletion"], expected.deletion, atol=1e-12)
    np.testing.assert_allclose(f["insertion"], expected.insertion, atol=1e-12)
    assert f["aopc_deletion"] == pytest.approx(expected.aopc_deletion, abs=1e-12)
    assert f["levels"] == [0.1, 0.2, 0.5]
    assert f["comprehensiveness"] == pytest.approx([expected.comprehensiveness[q] for q in (0.1, 0.2, 0.5)])
    assert sw.faithfulness(w) is w._cached_faithfulness(w.attribution, 2, (0.1, 0.2, 0.5))


def test_widget_remeasures_when_the_class_or_the_mask_changes(model, tokenizer):
    """A new class or mask is measured again; the trait is never left tagged with an older request."""
    w = ExplainWidget(model, tokenizer, text=TEXT, target=2).wait(60)
    old = w.faithfulness["deletion"]
    w.target = 0
    w.wait(60)
    assert w.faithfulness["target"] == 0 and w.faithfulness["deletion"] != old
    assert w.faithfulness["deletion"][0] == pytest.approx(w.outputs[0], abs=1e-12)
    w.mask(3).wait(60)
    assert w.faithfulness["result_for"]["masked"] == [3] and w.faithfulness["target"] == 0
    assert len(w.faithfulness["deletion"]) == 9  # 8 free players: 0..8 removed


def test_class_chosen_while_computing_is_the_one_measured(make_bert, tokenizer, hold_forward):
    """Selecting a class during an explanation makes the same job measure that class, not the earlier one."""
    model = make_bert()
    gate = hold_forward(model)
    w = ExplainWidget(model, tokenizer, text=TEXT, target=2)
    assert w.state == "computing"
    w.target = 1
    gate.set()
    w.wait(60)
    assert w.faithfulness["target"] == 1 and w.faithfulness["result_for"] == w.result_for


def test_faithfulness_of_a_widget_uses_its_explanation_and_class(keyword_model, tokenizer):
    """faithfulness(w) measures what the widget shows, for its selected class unless told otherwise."""
    w = ExplainWidget(keyword_model, tokenizer, text=TEXT, method="exact").wait(60)
    assert w.target == 1
    f = sw.faithfulness(w)
    assert f.target == 1 and f.comprehensiveness[0.1] == pytest.approx(sigmoid(3.0) - sigmoid(-3.0))
    assert sw.faithfulness(w, target="negative").target == 0


def test_after_a_sampled_explanation_the_curves_cost_at_most_their_share_of_its_rows(model, tokenizer):
    """Side work is bounded: the curves are measured at some steps, within SHARE of the explanation's own
    evaluations; comprehensiveness and sufficiency stay exact, and full=True measures every step."""
    from shap_widget.engine.faithfulness import SHARE

    text = " ".join(["the plot was fun but the ending was long and slow"] * 4)  # 44 players
    explainer = Explainer(model, tokenizer)
    attribution = explainer.attribute(text, max_evals=120)
    n = len(attribution.tokens)
    rows = explainer.evaluator.rows_run
    sampled = sw.faithfulness(explainer, attribution, target=1)
    assert 0 < explainer.evaluator.rows_run - rows <= SHARE * attribution.n_evals < 2 * (n + 1)
    assert not sampled.complete and len(sampled.deletion) == len(sampled.steps) < n + 1
    full = sw.faithfulness(explainer, attribution, target=1, full=True)
    assert full.complete and len(full.deletion) == n + 1
    np.testing.assert_allclose(sampled.deletion, full.deletion[sampled.steps], atol=1e-12)
    assert sampled.comprehensiveness == pytest.approx(full.comprehensiveness, abs=1e-12)
    assert sampled.sufficiency == pytest.approx(full.sufficiency, abs=1e-12)
    assert sampled.aopc_deletion == pytest.approx(full.aopc_deletion, abs=0.05)


def test_sampled_curves_on_an_additive_game_interpolate_the_full_aopc():
    """On an additive game with equal weights the curves are straight, so their AOPC from a few steps is exact."""
    game = CountingGame(np.ones(40))
    sampled = measure(game, np.arange(40.0), 0, points=8)
    full = measure(game, np.arange(40.0), 0)
    assert len(sampled.steps) <= 8 and sampled.steps[0] == 0 and sampled.steps[-1] == 40
    assert sampled.aopc_deletion == pytest.approx(full.aopc_deletion)
    assert sampled.aopc_insertion == pytest.approx(full.aopc_insertion)


def test_opening_the_panel_measures_every_step_of_the_shown_curves_once(model, tokenizer, monkeypatch):
    """The panel's full_curve message measures every step for the shown result, once, and only for it; the
    sampled numbers of the summary line stay."""
    text = " ".join(["the plot was fun but the ending was long and slow"] * 4)  # 44 players
    w = ExplainWidget(model, tokenizer, text=text, max_evals=120, target=1).wait(60)
    n = len(w.tokens)
    sampled = dict(w.faithfulness)
    assert len(sampled["steps"]) == len(sampled["deletion"]) < n + 1
    replies: list[dict] = []
    monkeypatch.setattr(w, "send", replies.append)
    evaluator = w.explainer.evaluator

    rows = evaluator.rows_run
    w._on_message(w, {"event": "full_curve", "id": 1, "result_for": {**w.result_for, "masked": [2]},
                      "target": 1}, [])
    w._on_message(w, {"event": "full_curve", "id": 2, "result_for": w.result_for, "target": 0}, [])
    w.wait(60)
    assert replies == [{"event": "full_curve", "id": 1, "done": False}, {"event": "full_curve", "id": 2, "done": False}]
    assert evaluator.rows_run == rows and "full_curve" not in w.faithfulness

    w._on_message(w, {"event": "full_curve", "id": 3, "result_for": w.result_for, "target": 1}, [])
    w.wait(60)
    assert replies[-1] == {"event": "full_curve", "id": 3, "done": True}
    spent = evaluator.rows_run - rows
    assert 0 < spent <= 2 * (n + 1) - len(sampled["steps"])  # the sampled steps' rows come from the cache
    full = w.faithfulness["full_curve"]
    assert full["steps"] is None and len(full["deletion"]) == len(full["insertion"]) == n + 1
    assert full["result_for"] == w.result_for and full["target"] == 1
    np.testing.assert_allclose(np.array(full["deletion"])[sampled["steps"]], sampled["deletion"], atol=1e-12)
    assert {k: v for k, v in w.faithfulness.items() if k != "full_curve"} == sampled  # the summary's numbers
    assert sw.faithfulness(w, full=True).complete  # the widget's cache holds it now

    rows = evaluator.rows_run
    w._on_message(w, {"event": "full_curve", "id": 4, "result_for": w.result_for, "target": 1}, [])
    w.wait(60)
    assert replies[-1] == {"event": "full_curve", "id": 4, "done": True} and evaluator.rows_run == rows
