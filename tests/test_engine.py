"""The attribution engine: exact Shapley values, additivity, agreement with shap, caching and batching."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
import shap
import torch

import shap_widget as sw
from shap_widget.engine import estimators
from shap_widget.engine.explain import Explainer

TEXT = "the movie was great but the ending was boring"


def direct_outputs(model, tokenizer, text, keep_players, output="probability", text_pair=None):
    """Model output with the players outside `keep_players` replaced by [MASK], computed without the engine."""
    enc = tokenizer(text, text_pair)
    ids = list(enc["input_ids"])
    positions = [i for i, t in enumerate(ids) if t not in tokenizer.all_special_ids]
    for p, pos in enumerate(positions):
        if p not in keep_players:
            ids[pos] = tokenizer.mask_token_id
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([enc["token_type_ids"]])).logits
    z = logits[0].double().numpy()
    if output == "logit":
        return z
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return p if output == "probability" else np.log(p / (1 - p))


def brute_force_shapley(value, n):
    """Shapley values from the definition: weighted marginal contributions over every subset."""
    phi = 0.0
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        phi = 0.0
        for size in range(n):
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                phi = phi + w * (value(set(subset) | {i}) - value(set(subset)))
        out.append(phi)
    return np.array(out)


@pytest.mark.parametrize("output", ["probability", "logit", "log-odds"])
def test_exact_equals_brute_force_shapley(model, tokenizer, output):
    """Exact values must be the Shapley values themselves, not an approximation."""
    model = copy.deepcopy(model).double()  # float64 so batched and one-row forwards agree far below 1e-6
    text = "the plot was really fun"
    result = Explainer(model, tokenizer).attribute(text, method="exact", output=output)
    expected = brute_force_shapley(lambda keep: direct_outputs(model, tokenizer, text, keep, output), 5)
    np.testing.assert_allclose(result.values, expected, atol=1e-6, rtol=0)
    assert np.abs(result.values).max() > 1e-3  # the test model is not trivially flat


@pytest.mark.parametrize("method", ["exact", "kernel", "partition", "permutation"])
@pytest.mark.parametrize("output", ["probability", "logit", "log-odds"])
@pytest.mark.parametrize("masked", [(), (1, 4)])
def test_additivity_for_every_method_output_and_mask(model, tokenizer, method, output, masked):
    """base + sum(values) must equal the model's own output on the explained (masked) input, for every class."""
    text = "the movie was great but the ending was boring" if method != "exact" else "the movie was not great"
    result = Explainer(model, tokenizer).attribute(text, method=method, output=output, masked=masked,
                                                   max_evals=300)
    n = len(result.tokens)
    direct = direct_outputs(model, tokenizer, text, set(range(n)) - set(masked), output)
    np.testing.assert_allclose(result.outputs, direct, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), direct, rtol=1e-5, atol=1e-6)
    assert np.all(result.values[list(masked)] == 0)


@pytest.mark.parametrize("target", [0, 2, "LABEL_1"])
def test_explain_returns_shap_explanation_for_target(model, tokenizer, target):
    """explain() gives a shap.Explanation of one class whose numbers add up to that class's probability."""
    e = sw.explain(model, tokenizer, TEXT, target=target)
    assert isinstance(e, shap.Explanation)
    assert e.values.shape == (9,)
    assert list(e.data) == TEXT.split()
    c = target if isinstance(target, int) else 1
    probs = direct_outputs(model, tokenizer, TEXT, set(range(9)))
    assert e.base_values + e.values.sum() == pytest.approx(probs[c], rel=1e-5)


def test_explain_without_target_covers_every_class(model, tokenizer):
    """With no target, one call explains all classes; slicing by class name works as in shap."""
    e = sw.explain(model, tokenizer, TEXT)
    assert e.values.shape == (9, 3)
    assert e.output_names == ["LABEL_0", "LABEL_1", "LABEL_2"]
    np.testing.assert_allclose(e[:, "LABEL_2"].values, e.values[:, 2])


def test_partition_agrees_with_shap_text_masker(model, tokenizer):
    """Partition values match shap's own text path where the string round trip is lossless.

    shap masks by writing " [MASK]" into the string and re-tokenizing; for lower-case whole words from the
    vocabulary that gives exactly the ids we build directly. Differences would come from word pieces
    ("story ##line" masked becomes "[MASK]line" and is re-tokenized differently) and from shap's extra
    [CLS]/[SEP] leaves, which take part of its budget.
    """

    def f(strings):
        enc = tokenizer(list(strings), return_tensors="pt", padding=True)
        with torch.no_grad():
            return torch.softmax(model(**enc).logits, -1).double().numpy()

    for text in ["the movie was great but the ending was boring", "we loved it and the acting was superb"]:
        reference = shap.Explainer(f, shap.maskers.Text(tokenizer), output_names=None)([text], max_evals=500)
        ref = np.asarray(reference.values[0])[1:-1]  # drop shap's [CLS] and [SEP] features
        ours = Explainer(model, tokenizer).attribute(text, method="partition", max_evals=500)
        for c in range(3):
            corr = np.corrcoef(ref[:, c], ours.values[:, c])[0, 1]
            assert corr >= 0.99, (text, c, corr)


class CoalitionMasker(shap.maskers.Masker):
    """A shap masker whose masked input is the coalition itself, so shap's explainers can play our game."""

    def __init__(self, n, tree):
        self.shape = (1, n)
        self.clustering = tree
        self.immutable_outputs = True

    def __call__(self, mask, x):
        return (np.asarray(mask, dtype=bool).reshape(1, -1),)


@pytest.mark.parametrize(("max_evals", "batch_size"), [(500, 10), (40, 10), (60, 6), (500, 498)])
def test_partition_equals_shaps_partition_explainer_on_the_same_game(model, tokenizer, max_evals, batch_size):
    """The planned Owen estimator is shap's PartitionExplainer, round for round, also when the budget runs out."""
    game = Explainer(model, tokenizer).game(TEXT)
    tree = estimators.text_tree(game.encoding, game.players.positions)
    np.random.seed(0)
    reference = shap.explainers.PartitionExplainer(game, CoalitionMasker(9, tree))(
        np.zeros((1, 9)), max_evals=max_evals, batch_size=batch_size, silent=True)
    ours = estimators.partition(game, 9, max_evals, tree, seed=0, batch_size=batch_size)
    np.testing.assert_allclose(ours.values, reference.values[0], atol=1e-12)
    np.testing.assert_allclose(ours.base, reference.base_values[0], atol=1e-15)
    assert ours.n_evals <= max_evals


def test_permutation_converges_to_exact(model, tokenizer):
    """Antithetic permutation sampling is unbiased: with a large budget it lands on the exact values."""
    ex = Explainer(model, tokenizer)
    exact = ex.attribute("the movie was great but boring", method="exact").values
    sampled = ex.attribute("the movie was great but boring", method="permutation", max_evals=20_000).values
    assert np.abs(sampled - exact).max() < 0.05 * np.abs(exact).max()


def test_remask_after_exact_costs_no_forward_rows(model, tokenizer):
    """Masking one more token after an exact explanation is a sub-game that is already fully cached."""
    ex = Explainer(model, tokenizer)
    ex.attribute(TEXT, method="exact")
    rows = ex.evaluator.rows_run
    assert rows == 2**9
    sub = ex.attribute(TEXT, method="exact", masked=[3])
    assert ex.evaluator.rows_run == rows
    ex.attribute(TEXT, method="exact", masked=[3], output="log-odds")
    assert ex.evaluator.rows_run == rows
    np.testing.assert_allclose(sub.values.sum(0) + sub.base_values, direct_outputs(
        model, tokenizer, TEXT, set(range(9)) - {3}), rtol=1e-5)


def test_partition_reuses_cached_rows_after_a_mask(model, tokenizer):
    """After a sampled explanation, the next one (one token masked) reuses some earlier rows."""
    ex = Explainer(model, tokenizer)
    first = ex.attribute(TEXT, method="partition", max_evals=200)
    before = ex.evaluator.rows_run
    second = ex.attribute(TEXT, method="partition", max_evals=200, masked=[8])
    assert ex.evaluator.rows_run - before < second.n_evals
    assert first.n_evals <= 200


def test_coalitions_run_in_few_large_batches(model, tokenizer):
    """The 2^9 exact coalitions go through in as few passes as the batch allows: the input, then 511 rows."""
    ex = Explainer(model, tokenizer, batch_size=1024)
    ex.attribute(TEXT, method="exact")
    assert (ex.evaluator.forward_calls, ex.evaluator.rows_run) == (2, 512)
    auto = Explainer(model, tokenizer)  # about 4k tokens a pass on CPU: 372 rows of these 11 tokens
    auto.attribute(TEXT, method="exact")
    assert (auto.evaluator.forward_calls, auto.evaluator.rows_run) == (3, 512)


def test_word_players_merge_subword_pieces(model, tokenizer):
    """With players='word', 'storyline' (story + ##line) is one player; special tokens are never players."""
    ex = Explainer(model, tokenizer)
    tokens = ex.attribute("the storyline was fun", method="exact").tokens
    words = ex.attribute("the storyline was fun", method="exact", players="word")
    assert tokens == ["the", "story", "line", "was", "fun"]
    assert words.tokens == ["the", "storyline", "was", "fun"]
    assert words.prefixes == ["", " ", " ", " "]
    np.testing.assert_allclose(words.base_values + words.values.sum(0), words.outputs, rtol=1e-6)


def test_out_of_memory_halves_the_batch_and_completes(make_bert, tokenizer, monkeypatch):
    """A CUDA out-of-memory error shrinks the batch and the explanation still completes with the same values."""
    model = make_bert()
    reference = Explainer(model, tokenizer).attribute(TEXT, method="exact")
    original = model.forward
    seen = []

    def forward(*args, **kwargs):
        rows = kwargs["input_ids"].shape[0]
        seen.append(rows)
        if rows > 64:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(*args, **kwargs)

    monkeypatch.setattr(model, "forward", forward)
    ex = Explainer(model, tokenizer, batch_size=1024)
    result = ex.attribute(TEXT, method="exact")
    assert seen[:5] == [1, 511, 255, 127, 63]  # the input alone, then halving until the batch fits
    assert max(seen[5:]) == 63 and sum(seen[4:]) == 511
    assert ex.evaluator.rows_run == 512
    np.testing.assert_allclose(result.values, reference.values, atol=1e-6)


def test_train_mode_is_restored_after_explaining(make_bert, tokenizer):
    """A model left in train mode is explained without dropout and handed back in train mode."""
    model = make_bert().train()
    a = Explainer(model, tokenizer).attribute(TEXT, method="exact")
    b = Explainer(model, tokenizer).attribute(TEXT, method="exact")
    assert model.training
    np.testing.assert_allclose(a.values, b.values, atol=1e-9)


def test_attention_masking_when_tokenizer_has_no_mask_token(model, tokenizer):
    """mask='attention' hides tokens through the attention mask and still adds up."""
    result = Explainer(model, tokenizer, mask="attention").attribute(TEXT, method="partition")
    assert np.abs(result.values).max() > 0
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-6)


def test_multi_label_head_explains_sigmoid_probabilities(make_bert, tokenizer):
    """Multi-label heads use per-label sigmoids, so each label's probability is explained on its own."""
    model = make_bert(n_labels=4, problem_type="multi_label_classification")
    result = Explainer(model, tokenizer).attribute(TEXT, method="partition")
    with torch.no_grad():
        logits = model(**tokenizer(TEXT, return_tensors="pt")).logits[0].double().numpy()
    np.testing.assert_allclose(result.outputs, 1 / (1 + np.exp(-logits)), rtol=1e-5)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-6)


def test_regression_head_explains_the_raw_value(make_bert, tokenizer):
    """A one-output regression head is explained on its raw value; probabilities are refused clearly."""
    model = make_bert(n_labels=1)
    result = Explainer(model, tokenizer).attribute(TEXT, method="partition")
    with torch.no_grad():
        value = model(**tokenizer(TEXT, return_tensors="pt")).logits[0, 0].item()
    assert result.output == "logit"
    assert result.outputs[0] == pytest.approx(value, rel=1e-5)
    with pytest.raises(ValueError, match="regression head"):
        Explainer(model, tokenizer).attribute(TEXT, output="probability")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"text": ""}, ValueError, "empty"),
        ({"text": "   \n"}, ValueError, "empty"),
        ({"text": 42}, TypeError, "must be a str"),
        ({"method": "magic"}, ValueError, "method must be one of"),
        ({"max_evals": 0}, ValueError, "max_evals must be .auto. .* or an integer of at least 2"),
        ({"max_evals": -5}, ValueError, "max_evals must be .auto. .* or an integer of at least 2"),
        ({"masked": [99]}, IndexError, "out of range"),
        ({"output": "odds"}, ValueError, "output must be one of"),
        ({"players": "chars"}, ValueError, "players must be one of"),
        ({"method": "permutation", "max_evals": 5}, ValueError, "too small for method='permutation'"),
    ],
)
def test_bad_arguments_get_clear_errors(model, tokenizer, kwargs, error, message):
    """Each bad argument raises an error whose message says what is wrong."""
    args = {"text": TEXT} | kwargs
    text = args.pop("text")
    with pytest.raises(error, match=message):
        Explainer(model, tokenizer).attribute(text, **args)


def test_exact_refuses_too_many_players(model, tokenizer):
    """Exact enumeration beyond 14 players would take 2^n forward rows; it is refused with advice."""
    text = " ".join(["the movie was great"] * 4)
    with pytest.raises(ValueError, match="limited to 14 players.*partition"):
        Explainer(model, tokenizer).attribute(text, method="exact")


def test_unknown_target_is_refused(model, tokenizer):
    """A target that is not a class name or index lists the model's classes."""
    with pytest.raises(ValueError, match="LABEL_0"):
        sw.explain(model, tokenizer, TEXT, target="positive")
    with pytest.raises(ValueError, match="out of range"):
        sw.explain(model, tokenizer, TEXT, target=7)


def test_non_classifier_and_mismatched_tokenizer_are_refused(make_bert, tokenizer):
    """A bare encoder, or a tokenizer with more ids than the embedding table, fails before any forward pass."""
    from transformers import BertConfig, BertModel

    with pytest.raises(TypeError, match="not a sequence classifier"):
        Explainer(BertModel(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1,
                                       num_attention_heads=1, intermediate_size=16)), tokenizer)
    small = make_bert()
    small.resize_token_embeddings(10)
    with pytest.raises(ValueError, match="does not belong to this model"):
        Explainer(small, tokenizer)


def test_nan_outputs_raise_a_clear_error(make_bert, tokenizer):
    """NaN model outputs are reported as such instead of drawing a silently wrong picture."""
    model = make_bert()
    with torch.no_grad():
        model.classifier.bias.fill_(float("nan"))
    with pytest.raises(sw.ModelOutputError, match="NaN or infinite"):
        Explainer(model, tokenizer).attribute(TEXT)


def test_long_input_is_truncated_and_flagged(model, tokenizer):
    """Text longer than the model accepts is explained up to the limit and marked truncated."""
    text = " ".join(["the movie was great"] * 30)
    result = Explainer(model, tokenizer).attribute(text, max_evals=100)
    assert result.truncated
    assert len(result.tokens) == 62  # 64 positions minus [CLS] and [SEP]


def test_autocast_bf16_still_adds_up(model, tokenizer):
    """Under bf16 autocast (the GPU fast path, exercised here on CPU) values stay additive and close to fp32."""
    fp32 = Explainer(model, tokenizer).attribute(TEXT, method="exact")
    bf16 = Explainer(model, tokenizer, autocast="bf16").attribute(TEXT, method="exact")
    np.testing.assert_allclose(bf16.base_values + bf16.values.sum(0), bf16.outputs, rtol=1e-6)
    assert np.corrcoef(fp32.values.ravel(), bf16.values.ravel())[0, 1] > 0.95


def test_evaluator_runs_on_the_models_device(model, tokenizer):
    """Inputs are built on the device the model's parameters live on."""
    ex = Explainer(model, tokenizer)
    assert ex.evaluator.device == next(model.parameters()).device
    with pytest.raises(ValueError, match="autocast must be"):
        Explainer(model, tokenizer, autocast="int8")
    with pytest.raises(ValueError, match="batch_size must be"):
        Explainer(model, tokenizer, batch_size=0)


@pytest.mark.parametrize("method", ["exact", "partition", "permutation"])
def test_progress_is_a_growing_share_that_ends_complete(model, tokenizer, method):
    """Progress reports count coalitions towards the planned total, never go back, and end at 100%."""
    reports = []
    Explainer(model, tokenizer, batch_size=16).attribute(
        TEXT, method=method, max_evals=300, on_progress=lambda done, total: reports.append((done, total)))
    done = [d for d, _ in reports]
    assert len(reports) > 3 and done == sorted(done)
    assert reports[-1][0] == reports[-1][1] > 0


def test_interrupted_explanation_keeps_the_rows_it_computed(model, tokenizer):
    """A job stopped midway (superseded by a newer click) leaves its finished batches in the cache."""

    class Stop(Exception):
        pass

    def stop_after_first_batch(done, total):
        if done >= 64:
            raise Stop()

    ex = Explainer(model, tokenizer, batch_size=64)
    with pytest.raises(Stop):
        ex.attribute(TEXT, method="exact", on_progress=stop_after_first_batch)
    assert ex.evaluator.rows_run == 65  # the input itself, then one batch of 64
    ex.attribute(TEXT, method="exact")
    assert ex.evaluator.rows_run == 512  # every row ran exactly once


def test_everything_masked_explains_to_the_base_value(model, tokenizer):
    """With every token masked there is nothing to attribute: values are 0 and base equals the output."""
    result = Explainer(model, tokenizer).attribute("the movie was great", masked=[0, 1, 2, 3])
    assert np.all(result.values == 0)
    np.testing.assert_allclose(result.base_values, result.outputs)
    np.testing.assert_allclose(result.outputs, direct_outputs(model, tokenizer, "the movie was great", set()),
                               rtol=1e-5)


def test_partition_agrees_with_shap_when_the_budget_is_tight(model, tokenizer):
    """On an input too long for the budget to expand the whole tree, the default rounds still follow shap's path.

    shap's own PartitionExplainer (batch_size 10) and ours must spend the budget on the same parts of the tree;
    expanding the whole frontier at once would spread it breadth-first instead.
    """
    text = " ".join(["the movie was great but the ending was boring and the acting was not fun"] * 3)
    game = Explainer(model, tokenizer).game(text)
    n = game.n_free
    tree = estimators.text_tree(game.encoding, game.players.positions)
    np.random.seed(0)
    reference = shap.explainers.PartitionExplainer(game, CoalitionMasker(n, tree))(
        np.zeros((1, n)), max_evals=200, batch_size=10, silent=True)
    ours = Explainer(model, tokenizer).attribute(text, method="partition", max_evals=200)
    assert n * (n - 1) > 200  # the budget cannot expand the full tree
    for c in range(3):
        assert np.corrcoef(reference.values[0][:, c], ours.values[:, c])[0, 1] > 0.98
