"""DatasetWidget: predictions over a set, sortable and filterable table, global token ranking, shared cache."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import traitlets

from shap_widget.widgets.dataset_widget import DatasetWidget, cross_entropy, filter_rows, rank_tokens, sort_rows
from shap_widget.engine.explain import Explainer

NAMES = {0: "negative", 1: "neutral", 2: "positive"}
TEXTS = [
    "the movie was great",
    "i hated the plot",
    "boring film but good music",
    "we loved it",
    "the acting was awful and the ending was bad",
    "not bad",
]
LABELS = ["positive", "negative", "neutral", "positive", "negative", "positive"]
MAX_EVALS = 32


@pytest.fixture(scope="module")
def named_bert(make_bert):
    """A tiny random BERT whose classes are named like the demo model's."""
    return make_bert(seed=3, id2label=NAMES, label2id={v: k for k, v in NAMES.items()})


@pytest.fixture(scope="module")
def widget(named_bert, tokenizer):
    """The six texts, predicted and explained (shared by the read-only tests of this module)."""
    return DatasetWidget(named_bert, tokenizer, TEXTS, LABELS, max_evals=MAX_EVALS, progress_bar=False).wait(120)


def direct_logits(model, tokenizer, text: str) -> torch.Tensor:
    with torch.no_grad():
        return model(**tokenizer(text, return_tensors="pt")).logits[0].double()


def test_predictions_equal_a_direct_forward_of_each_text(widget, named_bert, tokenizer):
    """Probability, predicted class, label probability and loss match the model run on each text alone."""
    df = widget.to_dataframe()
    for i, text in enumerate(TEXTS):
        logits = direct_logits(named_bert, tokenizer, text)
        probs = torch.softmax(logits, -1).numpy()
        label = list(NAMES.values()).index(LABELS[i])
        loss = torch.nn.functional.cross_entropy(logits[None], torch.tensor([label])).item()
        row = df.loc[i]
        assert row["predicted"] == NAMES[int(probs.argmax())]
        assert row["probability"] == pytest.approx(probs.max(), abs=1e-6)
        assert row["label_probability"] == pytest.approx(probs[label], abs=1e-6)
        assert row["loss"] == pytest.approx(loss, abs=1e-5)
        assert row["correct"] == (int(probs.argmax()) == label)
        np.testing.assert_allclose([row[f"P({n})"] for n in NAMES.values()], probs, atol=1e-6)
    assert widget.table.state == "ready" and widget.progress == 1.0 and widget.table.n_explained == len(TEXTS)


def test_predictions_take_one_forward_pass_for_a_small_set(make_bert, tokenizer):
    """All rows are predicted together: twelve texts of different lengths go through the model once."""
    model = make_bert(seed=5)
    calls = []
    model.register_forward_hook(lambda module, args, out: calls.append(out.logits.shape[0]))
    texts = (TEXTS * 2)[:12]
    w = DatasetWidget(model, tokenizer, texts, explain_all=False, selected=-1, progress_bar=False).wait(60)
    assert calls == [12]
    assert w.state == "ready" and w.attributions == [None] * 12 and w.table.n_explained == 0
    expected = torch.softmax(torch.stack([direct_logits(model, tokenizer, t) for t in texts]), -1).numpy()
    np.testing.assert_allclose(w.probabilities, expected, atol=1e-6)


def test_cross_entropy_is_minus_log_probability_of_the_label():
    """The loss is -log softmax(logits)[label], None for unlabelled rows, stable for large logits."""
    logits = np.array([[2.0, 0.0, -1.0], [1000.0, 0.0, 999.0], [0.0, 0.0, 0.0]])
    got = cross_entropy(logits, [0, 2, None])
    p0 = np.exp(2) / (np.exp(2) + 1 + np.exp(-1))
    assert got[0] == pytest.approx(-np.log(p0), rel=1e-12)
    assert got[1] == pytest.approx(1 + np.log(1 + np.exp(-1) + np.exp(-1000)), rel=1e-12)
    assert got[2] is None


def test_labels_may_be_names_or_indices_and_bad_ones_are_refused(named_bert, tokenizer):
    """Class names (any case) and indices give the same labels; unknown names and wrong lengths raise."""
    texts = TEXTS[:3]
    by_name = DatasetWidget(named_bert, tokenizer, texts, ["POSITIVE", "negative", "neutral"], explain_all=False,
                            selected=-1, progress_bar=False)
    by_index = DatasetWidget(named_bert, tokenizer, texts, [2, 0, np.int64(1)], explain_all=False, selected=-1,
                             progress_bar=False)
    assert by_name.labels == by_index.labels == [2, 0, 1]
    unlabelled = DatasetWidget(named_bert, tokenizer, texts, [2, None, float("nan")], explain_all=False,
                               selected=-1, progress_bar=False).wait(60)
    assert unlabelled.labels == [2, None, None]
    assert unlabelled.to_dataframe()["loss"].isna().tolist() == [False, True, True]
    with pytest.raises(ValueError, match="'happy' is not a class"):
        DatasetWidget(named_bert, tokenizer, texts, ["happy", "negative", "neutral"], progress_bar=False)
    with pytest.raises(ValueError, match="labels has 2 entries but texts has 3"):
        DatasetWidget(named_bert, tokenizer, texts, [0, 1], progress_bar=False)
    with pytest.raises(ValueError, match=r"texts\[1\] is empty"):
        DatasetWidget(named_bert, tokenizer, ["fine", "  "], progress_bar=False)
    with pytest.raises(ValueError, match=r"labels\[2\] = 3 must be a class index in 0..2"):
        DatasetWidget(named_bert, tokenizer, texts, [0, 1, 3], progress_bar=False)


ROWS = [
    {"index": 0, "text": "b", "label": 0, "predicted": 0, "probability": 0.9, "loss": 0.1, "correct": True},
    {"index": 1, "text": "a", "label": 1, "predicted": 0, "probability": 0.6, "loss": 1.2, "correct": False},
    {"index": 2, "text": "C", "label": None, "predicted": 2, "probability": 0.5, "loss": None, "correct": None},
    {"index": 3, "text": "d", "label": 2, "predicted": 0, "probability": 0.7, "loss": 2.5, "correct": False},
    {"index": 4, "text": "e", "label": 0, "predicted": 0, "probability": 0.6, "loss": 0.5, "correct": True},
]
TOKENS = [["the", "film"], ["The", "plot"], ["film"], ["bad"], ["the", "bad", "end"]]


def test_sort_rows_orders_by_column_and_puts_missing_values_last():
    """Each column sorts both ways; rows without a value go last; ties go to the higher loss."""
    assert sort_rows(ROWS, "loss", descending=True) == [3, 1, 4, 0, 2]
    assert sort_rows(ROWS, "loss") == [0, 4, 1, 3, 2]
    assert sort_rows(ROWS, "correct") == [3, 1, 4, 0, 2]  # misclassified first, highest loss first
    assert sort_rows(ROWS, "correct", descending=True) == [4, 0, 3, 1, 2]
    assert sort_rows(ROWS, "probability", descending=True) == [0, 3, 1, 4, 2]  # 0.6 tie: loss 1.2 before 0.5
    assert sort_rows(ROWS, "text") == [1, 0, 2, 3, 4]  # case-insensitive
    assert sort_rows(ROWS, "label") == [4, 0, 1, 3, 2]
    assert sort_rows(ROWS, "predicted", descending=True) == [2, 3, 1, 4, 0]
    assert sort_rows(ROWS, "index", descending=True) == [4, 3, 2, 1, 0]
    with pytest.raises(ValueError, match="sort_by must be one of"):
        sort_rows(ROWS, "magic")


def test_filter_rows_keeps_rows_passing_every_filter():
    """Misclassified, predicted class, true class and token filters combine; tokens match ignoring case."""
    assert filter_rows(ROWS, TOKENS) == {0, 1, 2, 3, 4}
    assert filter_rows(ROWS, TOKENS, misclassified=True) == {1, 3}
    assert filter_rows(ROWS, TOKENS, predicted=0) == {0, 1, 3, 4}
    assert filter_rows(ROWS, TOKENS, label=0) == {0, 4}
    assert filter_rows(ROWS, TOKENS, token=" THE ") == {0, 1, 4}
    assert filter_rows(ROWS, TOKENS, token="th") == set()  # whole tokens only
    assert filter_rows(ROWS, TOKENS, token="bad", misclassified=True) == {3}
    assert filter_rows(ROWS, TOKENS, token="film", predicted=2) == {2}


def test_table_defaults_to_misclassified_first_by_highest_loss(widget):
    """With labels, the table opens sorted so the worst mistakes come first, and the first row is chosen."""
    df = widget.to_dataframe()
    expected = sorted(range(len(TEXTS)), key=lambda i: (bool(df.loc[i, "correct"]), -df.loc[i, "loss"]))
    assert widget.table.sort_by == "correct" and widget.table.sort_descending is False
    assert widget.visible == expected
    assert not df["correct"].all() and df["correct"].any()
    assert widget.selected == expected[0]
    assert widget.explain_widget.text == TEXTS[expected[0]]


def test_changing_sort_and_filters_updates_the_visible_rows(named_bert, tokenizer):
    """Sort and filter traits (as the front end sets them) reorder and narrow `visible` at once."""
    w = DatasetWidget(named_bert, tokenizer, TEXTS, LABELS, explain_all=False, selected=-1,
                      progress_bar=False).wait(60)
    df = w.to_dataframe()
    t = w.table
    t.sort_by, t.sort_descending = "probability", True
    assert w.visible == list(df["probability"].sort_values(ascending=False, kind="stable").index)
    t.filter_misclassified = True
    wrong = set(df.index[~df["correct"].astype(bool)])
    assert set(w.visible) == wrong and len(wrong) > 0
    assert w.to_dataframe(visible_only=True).index.tolist() == w.visible
    t.filter_misclassified = False
    t.filter_token = "The"
    assert w.visible == [i for i in df["probability"].sort_values(ascending=False, kind="stable").index
                         if "the" in TEXTS[i].split()]
    t.filter_token, t.filter_label = "", 2
    assert set(w.visible) == {0, 3, 5}
    t.filter_label, t.filter_predicted = -1, int(np.argmax(w.probabilities[0]))
    assert set(w.visible) == set(np.flatnonzero(w.probabilities.argmax(1) == t.filter_predicted))


def test_global_ranking_equals_a_hand_computation(widget, named_bert, tokenizer):
    """Mean |SHAP| per token and class, with counts, as computed by hand from fresh explanations."""
    fresh = Explainer(named_bert, tokenizer)
    explained = [fresh.attribute(t, max_evals=MAX_EVALS) for t in TEXTS]
    for mine, theirs in zip(widget.attributions, explained):
        assert mine.tokens == theirs.tokens
        np.testing.assert_allclose(mine.values, theirs.values, atol=1e-6)
    for c in range(3):
        by_hand: dict[str, list[float]] = {}
        rows: dict[str, set[int]] = {}
        for r, a in enumerate(explained):
            for i, token in enumerate(a.tokens):
                by_hand.setdefault(token, []).append(a.values[i, c])
                rows.setdefault(token, set()).add(r)
        ranking = widget.token_ranking(c, min_count=1)
        assert sorted(ranking["token"]) == sorted(by_hand)
        for _, stat in ranking.iterrows():
            values = by_hand[stat["token"]]
            assert stat["mean_abs"] == pytest.approx(np.mean(np.abs(values)), abs=1e-6)
            assert stat["mean"] == pytest.approx(np.mean(values), abs=1e-6)
            assert stat["count"] == len(values) and stat["examples"] == len(rows[stat["token"]])
            n = len(values)
            bound = 0.0 if n < 2 else max(0.0, abs(np.mean(values)) - 1.96 * np.std(values, ddof=1) / np.sqrt(n))
            assert stat["bound"] == pytest.approx(bound, abs=1e-6)
        assert list(ranking["bound"]) == sorted(ranking["bound"], reverse=True)
    # "the" occurs 4 times in 3 texts, "was" 3 times in 2: the only tokens left at min_count=3.
    assert set(widget.token_ranking("negative", min_count=3)["token"]) == {"the", "was"}
    assert widget.token_ranking(0, min_count=3).set_index("token")["count"].to_dict() == {"the": 4, "was": 3}


def test_global_view_follows_its_class_and_min_count(widget):
    """The synced global ranking is recomputed when the front end picks another class or minimum count."""
    t = widget.table
    t.global_min_count, t.global_target = 1, 2
    expected = widget.token_ranking(2, min_count=1, top=t.global_top)
    assert [g["token"] for g in t.global_tokens] == list(expected["token"])
    assert [g["mean_abs"] for g in t.global_tokens] == pytest.approx(list(expected["mean_abs"]), abs=1e-12)
    t.global_min_count = 3
    assert {g["token"]: (g["count"], g["examples"]) for g in t.global_tokens} == {"the": (4, 3), "was": (3, 2)}
    t.global_target = 0
    t.global_min_count = 2


def test_rank_tokens_skips_masked_players_and_unexplained_rows(widget):
    """Masked players have no attribution and rows not explained yet are not counted."""
    a = widget.attributions[4]  # "the acting was awful and the ending was bad"
    partial = rank_tokens([None, a], target=1, min_count=1)
    assert {s.token: s.count for s in partial}["the"] == 2
    masked = Explainer(widget.explainer.model, widget.explainer.tokenizer).attribute(
        TEXTS[4], masked=[0], max_evals=MAX_EVALS)
    stats = {s.token: s for s in rank_tokens([masked], target=1)}
    assert stats["the"].count == 1
    assert stats["the"].mean_abs == pytest.approx(abs(masked.values[5, 1]), abs=1e-12)


def test_choosing_a_row_opens_it_and_revisiting_costs_no_model_evaluations(widget, named_bert, tokenizer):
    """Opening a row reuses the batch's model outputs for its explanation; going back to it runs nothing."""
    from shap_widget import ExplainWidget

    view_evaluator = widget.explain_widget._explainer.evaluator
    assert view_evaluator is widget.explainer.evaluator
    first, second = widget.visible[1], widget.visible[2]
    # What a first look at this text costs from an empty cache (another batch size: another engine),
    # and what its explanation alone costs; the view may evaluate more than the explanation.
    alone = ExplainWidget(named_bert, tokenizer, TEXTS[first], max_evals=MAX_EVALS, batch_size=999).wait(60)
    cost_alone = alone._explainer.evaluator.rows_run
    explanation_only = Explainer(named_bert, tokenizer, batch_size=998)
    explanation_only.attribute(TEXTS[first], max_evals=MAX_EVALS)
    cost_explanation = explanation_only.evaluator.rows_run
    assert cost_explanation > 0

    before = view_evaluator.rows_run
    widget.select(first).wait(60)
    assert widget.explain_widget.text == TEXTS[first]
    assert view_evaluator.rows_run - before == cost_alone - cost_explanation
    np.testing.assert_allclose(widget.explain_widget.values, widget.attributions[first].values, atol=1e-12)
    widget.selected = second
    widget.wait(60)
    rows_run = view_evaluator.rows_run
    widget.select(first).wait(60)
    assert widget.explain_widget.text == TEXTS[first] and widget.explain_widget.state == "ready"
    assert view_evaluator.rows_run == rows_run
    np.testing.assert_allclose(widget.explain_widget.values, widget.attributions[first].values, atol=1e-12)


def test_typing_another_text_in_the_explanation_clears_the_choice(named_bert, tokenizer):
    """The chosen row is only shown as chosen while the explanation view shows that row's text."""
    w = DatasetWidget(named_bert, tokenizer, TEXTS, LABELS, explain_all=False, selected=2, progress_bar=False)
    assert w.selected == 2 and w.explain_widget.text == TEXTS[2]
    w.explain_widget.text = "a different sentence"
    assert w.selected == -1 and w.table.selected == -1
    w.wait(60)


def test_batch_reports_progress_in_the_widget_and_a_tqdm_bar(named_bert, tokenizer, capsys):
    """The synced progress rises to 1 as rows are explained, and tqdm counts them in the kernel."""
    seen: list[float] = []
    w = DatasetWidget(named_bert, tokenizer, TEXTS[:4], LABELS[:4], max_evals=MAX_EVALS)
    w.table.observe(lambda change: seen.append(change["new"]), names=["progress"])
    w.wait(60)
    assert w.progress == 1.0 and w.state == "ready" and w.table.n_explained == 4
    assert seen == sorted(seen) and seen[-1] == 1.0
    err = capsys.readouterr().err
    assert "Explaining" in err and "4/4" in err


def test_batch_runs_off_the_main_thread(make_bert, tokenizer, hold_forward):
    """Creating the widget returns before any prediction, so the notebook never blocks."""
    model = make_bert(seed=7)
    gate = hold_forward(model)
    w = DatasetWidget(model, tokenizer, TEXTS[:3], max_evals=8, progress_bar=False)
    assert w.state == "predicting" and w.table.rows[0]["predicted"] is None and w.visible == [0, 1, 2]
    gate.set()
    w.wait(60)
    assert w.state == "ready" and w.table.rows[0]["predicted"] is not None
    # Without labels the table opens with the least confident prediction first.
    assert w.table.sort_by == "probability" and w.visible == list(np.argsort(w.probabilities.max(1), kind="stable"))


def test_model_error_is_shown_in_the_widget(make_bert, tokenizer):
    """A failing model shows its message in the widget and wait() raises it."""
    model = make_bert(seed=8)

    def broken(*args, **kwargs):
        raise RuntimeError("the model broke")

    model.forward = broken
    w = DatasetWidget(model, tokenizer, TEXTS[:2], progress_bar=False)
    with pytest.raises(RuntimeError, match="the model broke"):
        w.wait(60)
    assert w.state == "error" and "the model broke" in w.table.error


def test_invalid_view_settings_are_refused(widget):
    """Unknown sort columns, classes and rows are rejected instead of showing a broken table."""
    with pytest.raises(traitlets.TraitError, match="sort_by must be one of"):
        widget.table.sort_by = "magic"
    with pytest.raises(traitlets.TraitError, match="filter_predicted must be a class index"):
        widget.table.filter_predicted = 3
    with pytest.raises(traitlets.TraitError, match="selected must be a row index"):
        widget.selected = len(TEXTS)
    with pytest.raises(traitlets.TraitError, match="global_min_count must be at least 1"):
        widget.table.global_min_count = 0


def test_dataset_widget_is_exported_from_the_package():
    """`from shap_widget import DatasetWidget` works and is the dataset module's class."""
    import shap_widget
    from shap_widget.widgets import dataset_widget as dataset

    assert shap_widget.DatasetWidget is dataset.DatasetWidget
    assert "DatasetWidget" in shap_widget.__all__


def test_word_players_rank_and_filter_whole_words(named_bert, tokenizer):
    """With players="word", pieces of one word ("story" + "##line") are ranked and filtered as that word."""
    texts = ["the storyline was boring", "we loved the storyline", "great acting"]
    w = DatasetWidget(named_bert, tokenizer, texts, players="word", max_evals=16, global_min_count=2,
                      progress_bar=False).wait(60)
    assert w.attributions[0].tokens == ["the", "storyline", "was", "boring"]
    assert {g["token"]: g["count"] for g in w.table.global_tokens} == {"the": 2, "storyline": 2}
    w.table.filter_token = "Storyline"
    assert sorted(w.visible) == [0, 1]
    w.table.filter_token = "story"
    assert w.visible == []


def test_models_without_a_single_label_head_are_refused(make_bert, tokenizer):
    """Regression and multi-label heads have no single predicted class or cross-entropy, so they are refused."""
    for config in ({"n_labels": 1}, {"problem_type": "multi_label_classification"}):
        with pytest.raises(ValueError, match="needs a single-label classifier"):
            DatasetWidget(make_bert(**config), tokenizer, TEXTS[:2], progress_bar=False)


def test_an_empty_set_gives_an_empty_ready_table(named_bert, tokenizer):
    """No texts is not an error: the table is empty and ready, and nothing is chosen."""
    w = DatasetWidget(named_bert, tokenizer, [], progress_bar=False).wait(30)
    assert w.state == "ready" and w.visible == [] and w.selected == -1 and w.table.global_tokens == []
    assert w.to_dataframe().empty and w.probabilities.shape == (0, 3)


def test_global_ranking_puts_consistent_tokens_above_frequent_two_way_ones():
    """A stopword with large values of both signs loses to a rarer word that pushes one way every time."""
    from types import SimpleNamespace

    rows = [SimpleNamespace(tokens=["the", "great"], masked=(),
                            values=np.array([[0.3 * (-1) ** k], [0.1 + 0.01 * (k % 3)]])) for k in range(10)]
    stats = rank_tokens(rows, target=0, min_count=2)
    assert [s.token for s in stats] == ["great", "the"]
    the = stats[1]
    assert the.mean_abs == pytest.approx(0.3) and the.bound == 0.0
    assert stats[0].bound > 0.09
