"""The inputs people explain: shap's tutorial call form, tokenizer outputs, sentence pairs and batches."""

from __future__ import annotations

import numpy as np
import pytest
import shap
import torch

import shap_widget as sw
from shap_widget.engine import estimators
from test_engine import brute_force_shapley, direct_outputs

TEXT = "the movie was great but the ending was boring"
PREMISE, HYPOTHESIS = "the acting was superb", "i loved it"


def pair_outputs(model, tokenizer, a, b, keep):
    """Probabilities with the non-special tokens outside `keep` replaced by [MASK], computed without the engine."""
    return direct_outputs(model, tokenizer, a, keep, text_pair=b)


def test_pair_exact_values_are_brute_force_shapley_values(model, tokenizer):
    """Players span both texts; separators stay; token_type_ids are the tokenizer's."""
    e = sw.explain(model, tokenizer, (PREMISE, HYPOTHESIS), method="exact")
    n = len(tokenizer(PREMISE)["input_ids"]) + len(tokenizer(HYPOTHESIS)["input_ids"]) - 4
    assert e.values.shape == (n, 3)
    seen: dict[frozenset, np.ndarray] = {}

    def value(s):
        if frozenset(s) not in seen:
            seen[frozenset(s)] = pair_outputs(model, tokenizer, PREMISE, HYPOTHESIS, s)
        return seen[frozenset(s)]

    expected = brute_force_shapley(value, n)
    np.testing.assert_allclose(e.values, expected, atol=1e-6)
    np.testing.assert_allclose(e.base_values + e.values.sum(0), pair_outputs(model, tokenizer, PREMISE, HYPOTHESIS,
                                                                             set(range(n))), atol=1e-6)


def test_pair_attribution_knows_each_players_text(model, tokenizer):
    a = sw.Explainer(model, tokenizer).attribute(PREMISE, text_pair=HYPOTHESIS, players="word", method="exact")
    assert a.text == PREMISE and a.text_pair == HYPOTHESIS
    assert a.tokens == PREMISE.split() + HYPOTHESIS.split()
    assert a.segments == [0] * 4 + [1] * 3
    assert a.prefixes[4] == ""  # the second text starts its own row


def test_pair_partition_tree_splits_the_two_texts_first(model, tokenizer):
    game = sw.Explainer(model, tokenizer).game(PREMISE, text_pair=HYPOTHESIS)
    tree = estimators.text_tree(game.encoding, list(game.players.positions))
    n = len(game.players)
    masks = estimators._node_masks(tree, n)
    left, right = tree[-1, :2].astype(int)
    assert list(np.flatnonzero(masks[left])) == [0, 1, 2, 3]
    assert list(np.flatnonzero(masks[right])) == [4, 5, 6]
    e = sw.explain(model, tokenizer, (PREMISE, HYPOTHESIS), method="partition")
    np.testing.assert_allclose(e.base_values + e.values.sum(0),
                               pair_outputs(model, tokenizer, PREMISE, HYPOTHESIS, set(range(n))), atol=1e-6)


def test_long_pair_is_truncated_like_the_tokenizer_and_flagged(model, tokenizer):
    long_a, long_b = " ".join(["the movie was great"] * 12), " ".join(["it was fun"] * 8)
    explainer = sw.Explainer(model, tokenizer)
    game = explainer.game(long_a, text_pair=long_b)
    expected = tokenizer(long_a, long_b, truncation=True, max_length=explainer.max_length)["input_ids"]
    assert list(game.encoding.input_ids) == expected
    assert game.encoding.truncated and set(game.players.segments) == {0, 1}
    assert explainer.attribute(long_a, text_pair=long_b, method="partition", max_evals=20).truncated


@pytest.mark.parametrize("family_name", ["bert", "roberta"])
@pytest.mark.parametrize("form", ["str", "pair", "list", "pt", "np", "lists", "dict", "pair-pt", "batch-pt"])
def test_every_input_form_adds_up(family, family_name, form):
    """base + sum(values) is the model's output on each input, however it was given."""
    model, tok = family(family_name)
    texts = [TEXT, "it was fun"]
    x = {
        "str": TEXT, "pair": (PREMISE, HYPOTHESIS), "list": [TEXT, (PREMISE, HYPOTHESIS)],
        "pt": tok(TEXT, return_tensors="pt"), "np": tok(TEXT, return_tensors="np"), "lists": tok(TEXT),
        "dict": dict(tok(TEXT, return_tensors="pt")), "pair-pt": tok(PREMISE, HYPOTHESIS, return_tensors="pt"),
        "batch-pt": tok(texts, return_tensors="pt", padding=True),
    }[form]
    explainer = sw.Explainer(model, tok)
    e = explainer.explain(x, method="exact", output="logit")
    rows = [e[i] for i in range(e.shape[0])] if form in ("list", "pt", "np", "dict", "pair-pt", "batch-pt") else [e]
    inputs = {"list": [tok(TEXT), tok(PREMISE, HYPOTHESIS)], "batch-pt": [tok(t) for t in texts],
              "pair": [tok(PREMISE, HYPOTHESIS)], "pair-pt": [tok(PREMISE, HYPOTHESIS)]}.get(form, [tok(TEXT)])
    assert len(rows) == len(inputs)
    for row, enc in zip(rows, inputs):
        with torch.no_grad():
            logits = model(**{k: torch.tensor([v]) for k, v in enc.items()}).logits[0].double().numpy()
        specials = sum(i in tok.all_special_ids for i in enc["input_ids"])
        assert row.values.shape == (len(enc["input_ids"]) - specials, 3)  # pad positions and specials dropped
        np.testing.assert_allclose(row.base_values + row.values.sum(0), logits, atol=1e-5)


@pytest.mark.parametrize("return_tensors", ["pt", "np", None])
def test_tutorial_call_equals_explain_on_the_text(model, tokenizer, return_tensors):
    """shap's tutorial lines, with the import changed, give explain()'s values for the same text."""
    explainer = sw.Explainer(model, tokenizer)
    inputs = tokenizer([TEXT], return_tensors=return_tensors, padding=True, truncation=True)
    shap_values = explainer(inputs)
    direct = sw.explain(model, tokenizer, TEXT)
    assert shap_values.shape[0] == 1
    assert [t.strip() for t in shap_values[0].data] == list(direct.data)
    np.testing.assert_allclose(shap_values[0].values, direct.values, atol=1e-6)
    np.testing.assert_allclose(shap_values[0].base_values, direct.base_values, atol=1e-6)
    text = repr(shap_values)
    assert "movie" in text and ".values" in text


def test_tokenizer_output_ids_are_used_as_given(model, tokenizer):
    """Ids that no text tokenizes to (a [MASK] in the input) are explained as they are, not re-tokenized."""
    enc = tokenizer(TEXT)
    ids = list(enc["input_ids"])
    ids[3] = tokenizer.unk_token_id
    e = sw.Explainer(model, tokenizer)({"input_ids": ids, "token_type_ids": enc["token_type_ids"]}, output="logit",
                                       method="exact")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double().numpy()
    assert "[UNK]" in e.data
    np.testing.assert_allclose(e.base_values + e.values.sum(0), logits, atol=1e-5)


def test_batch_equals_the_texts_explained_one_by_one(model, tokenizer):
    texts = [TEXT, "i loved it", (PREMISE, HYPOTHESIS)]
    batch = sw.explain(model, tokenizer, texts, target="LABEL_1")
    assert batch.shape[0] == 3
    for i, t in enumerate(texts):
        one = sw.explain(model, tokenizer, t, target="LABEL_1")
        np.testing.assert_allclose(batch[i].values, one.values, atol=1e-9)
        assert batch[i].base_values == pytest.approx(one.base_values, abs=1e-9)
    shap.plots.text(batch, display=False)
    shap.plots.text(batch[0], display=False)


def test_padded_batch_encoding_equals_each_row_alone(model, tokenizer):
    texts = [TEXT, "i loved it", "the plot was awful"]
    explainer = sw.Explainer(model, tokenizer)
    batch = explainer(tokenizer(texts, return_tensors="pt", padding=True))
    for i, t in enumerate(texts):
        np.testing.assert_allclose(batch[i].values, sw.explain(model, tokenizer, t).values, atol=1e-6)


@pytest.mark.parametrize("x, error, message", [
    ({"attention_mask": [[1, 1]]}, ValueError, "no 'input_ids'"),
    ({"input_ids": [[2, 10, 3], [2, 3]]}, ValueError, "padding=True"),
    ({"input_ids": [2, 100_000, 3]}, ValueError, "outside this model's vocabulary"),
    ({"input_ids": [2, -1, 3]}, ValueError, "outside this model's vocabulary"),
    (("", "it was fun"), ValueError, "empty"),
    (("it was fun", "  "), ValueError, "text_pair"),
    (("a", "b", "c"), TypeError, "tuple of two strs"),
    ([2, 10, 3], TypeError, "tokenizer's whole output"),
    ([], ValueError, "empty"),
    (3.5, TypeError, "text must be a str, .*; got float"),
    ([TEXT, 3], TypeError, "Input 1 of the list is a int"),
])
def test_bad_inputs_get_clear_errors(model, tokenizer, x, error, message):
    with pytest.raises(error, match=message):
        sw.Explainer(model, tokenizer).explain(x)


def test_pair_for_a_tokenizer_without_pair_support_is_refused(family):
    model, tok = family("gpt2")
    with pytest.raises(ValueError, match="no sentence-pair support"):
        sw.explain(model, tok, (PREMISE, HYPOTHESIS))
