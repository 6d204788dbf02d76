"""Pairwise Shapley interactions: exact SII and k-SII against their definitions, efficiency, cache reuse."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
from test_engine import brute_force_shapley, direct_outputs

import shap_widget as sw
from shap_widget.engine.explain import Explainer
from shap_widget.engine.interactions import interactions

TEXT = "the plot was not fun"


def brute_force_sii(value, n):
    """SII from its definition: weighted joint effects of i and j over every coalition without them."""
    out = np.zeros((n, n) + np.shape(value(set())))
    for i, j in itertools.combinations(range(n), 2):
        others = [k for k in range(n) if k not in (i, j)]
        for size in range(n - 1):
            w = math.factorial(size) * math.factorial(n - size - 2) / math.factorial(n - 1)
            for s in map(set, itertools.combinations(others, size)):
                out[i, j] += w * (value(s | {i, j}) - value(s | {i}) - value(s | {j}) + value(s))
        out[j, i] = out[i, j]
    return out


def moebius(value, n):
    """The Moebius transform m(T) = sum over L in T of (-1)^(|T|-|L|) v(L), for every coalition T."""
    return {
        t: sum((-1) ** (len(t) - size) * value(set(sub)) for size in range(len(t) + 1)
               for sub in itertools.combinations(t, size))
        for size in range(n + 1) for t in itertools.combinations(range(n), size)
    }


@pytest.fixture(scope="module")
def double_model(model):
    return copy.deepcopy(model).double()  # float64: batched and one-row forwards agree far below 1e-6


@pytest.fixture(scope="module")
def direct(double_model, tokenizer):
    cache = {}

    def value(keep):
        key = frozenset(keep)
        if key not in cache:
            cache[key] = direct_outputs(double_model, tokenizer, TEXT, key, "logit")
        return cache[key]

    return value


def test_exact_sii_equals_the_definition(double_model, tokenizer, direct):
    """Exact SII pairs are the Shapley interaction index and the main effects the Shapley values."""
    result = sw.explain_interactions(double_model, tokenizer, TEXT, index="SII", method="exact", output="logit")
    np.testing.assert_allclose(result.pairs, brute_force_sii(direct, 5), atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.values, brute_force_shapley(direct, 5), atol=1e-6, rtol=0)
    assert np.abs(result.pairs).max() > 1e-2  # the test model really has interactions
    assert result.pairs.shape == (5, 5, 3) and np.all(np.diagonal(result.pairs, axis1=0, axis2=1) == 0)


def test_exact_k_sii_equals_the_moebius_aggregation_and_adds_up(double_model, tokenizer, direct):
    """k-SII (order 2) from the Moebius transform: pairs sum m(T)/(|T|-1), mains sum m(T) B-weighted; efficient."""
    n = 5
    m = moebius(direct, n)
    # Bordt & von Luxburg 2023: order-2 k-SII gives each Moebius coefficient m(T), |T| >= 2, to the pairs in T
    # as SII does (1/(|T|-1) each) and to the players through phi_i - 1/2 sum_j SII_ij
    sii = np.zeros((n, n, 3))
    phi = np.zeros((n, 3))
    for t, coef in m.items():
        for i in t:
            phi[i] += coef / len(t)
        for i, j in itertools.combinations(t, 2):
            sii[i, j] += coef / (len(t) - 1)
            sii[j, i] = sii[i, j]
    expected_main = phi - 0.5 * sii.sum(axis=1)
    result = sw.explain_interactions(double_model, tokenizer, TEXT, index="k-SII", method="exact", output="logit")
    np.testing.assert_allclose(result.pairs, sii, atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.values, expected_main, atol=1e-6, rtol=0)
    upper = result.pairs[np.triu_indices(n, 1)].sum(axis=0)
    np.testing.assert_allclose(result.base_values + result.values.sum(0) + upper, direct(set(range(n))), atol=1e-6)
    np.testing.assert_allclose(result.base_values, direct(set()), atol=1e-6)
    # the main effects differ from the Shapley values by the shared interactions, so this is no tautology
    assert np.abs(result.values - phi).max() > 1e-3


def test_zero_forward_rows_after_an_exact_explanation(model, tokenizer):
    """After an exact explanation of the same input and mask, exact interactions are served from the cache."""
    explainer = Explainer(model, tokenizer)
    text = "the movie was not bad at all"
    attribution = explainer.attribute(text, method="exact", masked=(1,))
    before = explainer.evaluator.rows_run
    assert before >= 2**6
    result = interactions(explainer, text, method="exact", masked=(1,), index="SII")
    assert explainer.evaluator.rows_run == before
    np.testing.assert_allclose(result.values, attribution.values, atol=1e-12)
    assert np.all(result.pairs[1] == 0) and np.all(result.pairs[:, 1] == 0)  # the masked player takes no part
    # the other index is free too, and masking more tokens needs no new rows either
    interactions(explainer, text, method="exact", masked=(1, 3), index="k-SII")
    assert explainer.evaluator.rows_run == before


def test_sampled_interactions_approach_exact_and_stay_efficient(double_model, tokenizer):
    """Permutation-sampled SII is close to exact with a large budget, and sampled k-SII still adds up exactly."""
    explainer = Explainer(double_model, tokenizer)
    exact = interactions(explainer, TEXT, method="exact", output="logit")
    sampled = interactions(explainer, TEXT, method="permutation", output="logit", max_evals=6000, seed=1)
    assert sampled.method == "permutation" and sampled.n_evals <= 6000
    scale = np.abs(exact.pairs).max()
    assert np.abs(sampled.pairs - exact.pairs).max() < 0.15 * scale
    assert np.abs(sampled.pairs - np.transpose(sampled.pairs, (1, 0, 2))).max() == 0
    k = interactions(explainer, TEXT, method="permutation", index="k-SII", output="logit", max_evals=300)
    upper = k.pairs[np.triu_indices(5, 1)].sum(axis=0)
    np.testing.assert_allclose(k.base_values + k.values.sum(0) + upper, exact.outputs, atol=1e-6)


def test_auto_samples_beyond_the_exact_limit(model, tokenizer):
    """More players than the exact limit: auto samples instead of refusing, with symmetric finite pairs."""
    text = " ".join(["the movie was not bad but the ending was boring"] * 2)
    result = sw.explain_interactions(model, tokenizer, text, max_evals=1500)
    n = len(result.tokens)
    assert n > sw.MAX_EXACT_PLAYERS and result.method == "permutation"
    assert result.pairs.shape == (n, n, 3) and np.isfinite(result.pairs).all()
    np.testing.assert_array_equal(result.pairs, np.transpose(result.pairs, (1, 0, 2)))
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, atol=1e-6)


def test_target_keeps_one_class(model, tokenizer):
    """target selects one class by label; `pair` reads one pair for every class or for one."""
    both = sw.explain_interactions(model, tokenizer, TEXT)
    one = sw.explain_interactions(model, tokenizer, TEXT, target="LABEL_2")
    assert one.labels == ["LABEL_2"] and one.pairs.shape == (5, 5, 1)
    np.testing.assert_allclose(one.pairs[:, :, 0], both.pairs[:, :, 2])
    assert both.pair(3, 4, target=2) == pytest.approx(both.pairs[3, 4, 2])
    np.testing.assert_allclose(both.pair(4, 3), both.pairs[3, 4])


def test_bad_input_is_refused_clearly(model, tokenizer):
    """Unknown index, a pair index out of range and too many players for exact each get a clear message."""
    with pytest.raises(ValueError, match=r"index must be one of \('SII', 'k-SII'\), got 'shapley'"):
        sw.explain_interactions(model, tokenizer, TEXT, index="shapley")
    with pytest.raises(ValueError, match="method must be one of"):
        sw.explain_interactions(model, tokenizer, TEXT, method="partition")
    result = sw.explain_interactions(model, tokenizer, TEXT)
    with pytest.raises(IndexError, match=r"pair index 5 is out of range: this input has 5 players \(0..4\)"):
        result.pair(0, 5)
    with pytest.raises(TypeError, match="pair indices must be player indices"):
        result.pair(0, 1.0)
    long_text = "the movie was not bad but the ending was really boring and the acting was fun"
    with pytest.raises(ValueError, match="limited to 14 players; this input has 16. Use method='permutation'"):
        sw.explain_interactions(model, tokenizer, long_text, method="exact")
    with pytest.raises(ValueError, match="too small for sampled interactions"):
        sw.explain_interactions(model, tokenizer, long_text, method="permutation", max_evals=20)
