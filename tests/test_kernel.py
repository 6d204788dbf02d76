"""The default sampled estimator: convergence, honest standard errors, anytime estimates, re-use after a click."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from shap_widget.engine import estimators, kernel
from shap_widget.engine.explain import Explainer
from shap_widget.engine.kernel import kernel_plan
from shap_widget.engine.permutation import independent_orders, permutation

from games import (assert_mean_within_four_standard_errors, brute_force, first_player_off, relative_error,
                   rising_game, softmax_game)

TEXT = "the movie was great but the ending was boring and the acting was not good"


@pytest.fixture(scope="module")
def game10():
    game = softmax_game(10, seed=3)
    return game, brute_force(game, 10)


def test_converges_to_exact_shapley_values(game10):
    """More evaluations give values closer to the exact ones; all pairs give them exactly, with no error."""
    game, truth = game10
    errors = [np.mean([relative_error(estimators.run(kernel_plan(10, budget, seed), game).values, truth)
                       for seed in range(5)]) for budget in (64, 256, 1000)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 2e-3
    whole = estimators.run(kernel_plan(10, 2**10, 0), game)
    np.testing.assert_allclose(whole.values, truth, atol=1e-12)
    assert np.all(whole.errors < 1e-12)


@pytest.mark.parametrize("adjust, seeds", [(False, 200), (True, 60)])
def test_nominal_95_percent_intervals_cover_the_exact_values(game10, adjust, seeds):
    """Standard errors are honest: value ± 1.96 SE contains the exact value at least 90% of the time.

    With and without the regression adjustment of the final estimate (which is kept only where it is
    estimated to be more accurate, a choice that must not make the intervals overconfident).
    """
    game, truth = game10
    covered = []
    for seed in range(seeds):
        result = estimators.run(kernel_plan(10, 200, seed, adjust=adjust), game)
        assert np.all(result.errors > 0)
        covered.append(np.abs(result.values - truth) <= 1.96 * result.errors)
    coverage = float(np.mean(covered))
    assert 0.9 <= coverage <= 0.995, coverage


def test_regression_adjustment_helps_a_game_with_strong_high_order_interactions():
    """On a game that a tree model captures (sparse three-way effects), the adjusted estimate is more accurate
    (relative error 0.0067 against 0.0090 at 200 evaluations)."""
    n = 10
    rng = np.random.default_rng(0)
    triples = [rng.choice(n, 3, replace=False) for _ in range(6)]
    strength = rng.normal(size=(len(triples), 3)) * 3

    def game(coalitions):
        s = coalitions.astype(float)
        score = s @ np.linspace(-0.3, 0.3, n)[:, None].repeat(3, 1)
        for (i, j, k), t in zip(triples, strength):
            score = score + (s[:, i] * s[:, j] * s[:, k])[:, None] * t
        e = np.exp(score - score.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    truth = brute_force(game, n)
    plain = np.mean([relative_error(estimators.run(kernel_plan(n, 200, s, adjust=False), game).values, truth)
                     for s in range(6)])
    adjusted = np.mean([relative_error(estimators.run(kernel_plan(n, 200, s, adjust=True), game).values, truth)
                        for s in range(6)])
    assert adjusted < 0.8 * plain, (adjusted, plain)


def test_sampled_coalitions_of_a_size_hold_every_player_about_equally_often():
    """Within a size, the sample is balanced: each player is in nearly as many coalitions as any other.

    Independent draws of 40 coalitions of 3 out of 20 players leave some players in 2 and others in 11 of them;
    the balanced design keeps them within two of each other.
    """
    n, asked = 20, []

    def game(coalitions):
        asked.append(coalitions.copy())
        return softmax_game(n, seed=0)(coalitions)

    estimators.run(kernel_plan(n, 600, seed=4), game)
    rows = np.concatenate(asked)
    sizes = rows.sum(axis=1)
    checked = 0
    for size in range(2, n // 2):
        sides = rows[sizes == size]
        if len(sides) < n or len(sides) >= math.comb(n, size):
            continue  # too few to count, or the size was taken whole
        counts = sides.sum(axis=0)
        assert counts.max() - counts.min() <= 2, (size, counts)
        checked += 1
    assert checked >= 3


def test_every_streamed_estimate_adds_up_and_improves(game10):
    """Each partial estimate is additive and the standard errors shrink as batches arrive."""
    game, truth = game10
    estimates = []
    final = estimators.run(kernel_plan(10, 600, 1), game, on_estimate=estimates.append)
    estimates.append(final)
    assert len(estimates) >= 3 and [e.final for e in estimates] == [False] * (len(estimates) - 1) + [True]
    full, empty = game(np.ones((1, 10), bool))[0], game(np.zeros((1, 10), bool))[0]
    for e in estimates:
        np.testing.assert_allclose(e.base + e.values.sum(axis=0), full, atol=1e-12)
        np.testing.assert_allclose(e.base, empty)
    assert [e.n_evals for e in estimates] == sorted(e.n_evals for e in estimates)
    assert estimates[-1].errors.max() < estimates[0].errors.max()
    assert final.n_evals == 600


@pytest.mark.parametrize("n, budget", [(10, 600), (30, 500)])
def test_the_fits_on_the_model_s_device_give_the_numpy_numbers(n, budget):
    """The regression fits run in torch beside a GPU; through that path (here on the CPU) every estimate,
    partial ones and the profile terms of the last included, equals numpy's, and adds up."""
    import torch

    game = softmax_game(n, seed=4)
    on_numpy, on_torch = [], []
    estimators.run(kernel_plan(n, budget, 2), game, on_estimate=on_numpy.append)
    last = estimators.run(kernel_plan(n, budget, 2, device=torch.device("cpu")), game,
                          on_estimate=on_torch.append)
    on_torch.append(last)
    on_numpy.append(estimators.run(kernel_plan(n, budget, 2), game))
    assert len(on_torch) == len(on_numpy) >= 2
    for a, b in zip(on_numpy, on_torch):
        assert a.n_evals == b.n_evals
        np.testing.assert_allclose(b.values, a.values, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.errors, a.errors, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.base + b.values.sum(axis=0), b.output, atol=1e-12)


def test_small_fits_beside_a_cuda_model_stay_in_numpy():
    """Below a size numpy is faster than a GPU's dispatch; a CPU device given on purpose takes torch."""
    import torch

    from shap_widget.engine.linalg import CUDA_MIN_ENTRIES, NumpyLinalg, TorchLinalg, linalg_for

    unit = np.arange(4)
    assert isinstance(linalg_for(unit, 4), NumpyLinalg)
    assert isinstance(linalg_for(unit, 4, torch.device("cuda"), CUDA_MIN_ENTRIES - 1), NumpyLinalg)
    assert isinstance(linalg_for(unit, 4, torch.device("cpu"), 10), TorchLinalg)


def test_tolerance_stops_once_every_standard_error_is_small(game10):
    """With a tolerance the estimate stops early, as soon as no standard error is above it."""
    game, _ = game10
    loose = estimators.run(kernel_plan(10, 1000, 0, tolerance=0.02), game)
    assert loose.n_evals < 1000 and loose.errors.max() <= 0.02
    assert estimators.run(kernel_plan(10, 1000, 0), game).n_evals == 1000


def test_the_size_terms_take_out_what_depends_on_how_many_tokens_are_present():
    """On a 40-token game whose output rises steeply once most tokens are there, 8 evaluations per player
    reach a relative error of 0.03% (with the size term alone 0.2%, with neither 0.8%)."""
    n = 40
    game = rising_game(n)
    truth = independent_orders(game, n, 4000, seed=99)
    error = np.mean([relative_error(estimators.run(kernel_plan(n, 320, s), game).values, truth) for s in range(8)])
    assert error < 8e-4, error


def test_the_evidence_terms_follow_a_probability_that_saturates():
    """On a 14-token game whose output is a sigmoid of the tokens' summed evidence, 200 evaluations reach a
    relative error of 0.13% (0.59% without the evidence terms)."""
    n = 14
    evidence = np.random.default_rng(0).normal(size=n) * 6 / np.sqrt(n)

    def game(coalitions: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-((coalitions.astype(float) - 0.5) @ evidence + 0.5)))
        return np.stack([p, 1 - p], axis=1)

    truth = estimators.exact(game, n).values
    error = np.mean([relative_error(estimators.run(kernel_plan(n, 200, s), game).values, truth) for s in range(8)])
    assert error < 2.5e-3, error


@pytest.mark.parametrize("n", [8, 14, 20, 26, 34])
def test_every_combination_of_terms_is_identified(monkeypatch, n):
    """Each token's own size profile and the evidence terms are tried wherever the sample has room for them,
    also where the size term has a knot for every size (their sum depends on size alone)."""
    fit, failed = kernel._fit, []

    def counted(normal, cols=None):
        result = fit(normal, cols)
        failed.extend([] if result is not None else [len(cols) if cols is not None else None])
        return result

    monkeypatch.setattr(kernel, "_fit", counted)
    estimators.run(kernel_plan(n, 500, 0), softmax_game(n, seed=4))
    assert failed == []


def test_outputs_in_other_units_get_the_same_values_in_those_units():
    """A model whose outputs barely move gets the explanation of one whose outputs move 10,000 times more,
    scaled down 10,000 times: every term of the fit is judged by its shape, not by the size of its numbers."""
    n = 20
    game = softmax_game(n, seed=4)
    large = estimators.run(kernel_plan(n, 500, 0), game)
    small = estimators.run(kernel_plan(n, 500, 0), lambda z: game(z) * 1e-4)
    np.testing.assert_allclose(small.values, large.values * 1e-4, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(small.errors, large.errors * 1e-4, rtol=1e-6, atol=1e-12)


_WEIGHTS = np.random.default_rng(3).normal(size=7)


@pytest.mark.parametrize("profiles", [
    *(lambda z, shape=shape: kernel.size_profiles(z, shape) for shape in [kernel._mid, *kernel._even_hats(2)]),
    lambda z: kernel.evidence_profiles(z, _WEIGHTS),
], ids=["size-mid", "size-hat-1", "size-hat-2", "evidence"])
def test_profile_terms_have_no_shapley_value_and_vanish_at_both_ends(profiles):
    """The profile terms may take any coefficient without moving φ: each column's Shapley values are zero."""
    n = 7
    everyone = np.array(list(itertools.product([False, True], repeat=n)))
    profiles = profiles(everyone)
    assert np.abs(profiles).max() > 0.05
    for j in range(n):
        table = {row.tobytes(): value for row, value in zip(everyone, profiles[:, j])}
        column = lambda rows: np.array([[table[r.tobytes()]] * 3 for r in rows])  # noqa: E731
        np.testing.assert_allclose(brute_force(column, n), 0, atol=1e-12)
        np.testing.assert_allclose(column(np.array([[False] * n, [True] * n])), 0, atol=1e-12)


def test_weighted_size_profiles_are_the_weighted_sums_of_the_columns():
    """The profile shared by all players is the players' columns summed with a fit's values; it is computed
    without forming the columns, and must be the same sum."""
    rng = np.random.default_rng(5)
    z = rng.random((40, 9)) < 0.5
    weights = rng.normal(size=(9, 3))
    for shape in [kernel._mid, *kernel._even_hats(2)]:
        np.testing.assert_allclose(kernel.size_profiles(z, shape, weights),
                                   kernel.size_profiles(z, shape) @ weights, rtol=1e-12, atol=1e-12)


def test_rows_are_summed_per_unit_alike_in_every_layout():
    """Paired rows (a pair's two sides half a sample apart), one row per unit, and any other layout give the
    sums a sparse sum gives."""
    from scipy import sparse

    from shap_widget.engine.linalg import NumpyLinalg

    x = np.random.default_rng(1).normal(size=(12, 4))
    for unit, units in [(np.tile(np.arange(6), 2), 6), (np.arange(12), 12), (np.array([0, 2, 1] * 4), 3)]:
        rows_of = sparse.csr_matrix((np.ones(12), (unit, np.arange(12))), shape=(units, 12))
        np.testing.assert_allclose(NumpyLinalg(unit, units).unit_sums(x), rows_of @ x, atol=1e-12)


def test_texts_of_one_length_share_one_sequence_of_coalitions(monkeypatch):
    """A later text with as many players and the same seed takes the same coalitions without choosing them
    again, and its estimate equals one from a sequence chosen afresh."""
    game = softmax_game(12, seed=2)
    monkeypatch.setattr(kernel, "_tries", type(kernel._tries)())
    first = estimators.run(kernel_plan(12, 300, seed=7), game)

    def choose_none(self, more):
        assert all(k <= 0 for k in more.values()), "chose coalitions again"

    def draw_none(self, m):
        assert m <= 0, "drew pairs' keys again"

    monkeypatch.setattr(kernel._Tries, "extend", choose_none)
    monkeypatch.setattr(kernel._OrderSample, "draw", draw_none)
    again = estimators.run(kernel_plan(12, 300, seed=7), game)
    np.testing.assert_array_equal(again.values, first.values)
    monkeypatch.undo()
    monkeypatch.setattr(kernel, "_tries", type(kernel._tries)())
    afresh = estimators.run(kernel_plan(12, 300, seed=7), game)
    np.testing.assert_array_equal(afresh.values, first.values)


def test_kept_sequences_of_coalitions_stay_within_their_memory_bound(monkeypatch):
    """Sequences for many lengths are dropped least recently used first once they pass TRIES_BYTES."""
    monkeypatch.setattr(kernel, "_tries", type(kernel._tries)())
    monkeypatch.setattr(kernel, "TRIES_BYTES", 1_000_000)
    for n in range(20, 60, 4):
        estimators.run(kernel_plan(n, 4 * n, seed=0), softmax_game(n, seed=0))
    assert sum(t.nbytes for t in kernel._tries.values()) <= 1_000_000
    assert (56, 0) in kernel._tries and (20, 0) not in kernel._tries


def test_the_fitted_terms_leave_the_estimate_unbiased(game10):
    """The profile shared by all players is built from a first fit of the same sample; over 150 seeds the
    mean estimate still matches the exact values."""
    game, truth = game10
    assert_mean_within_four_standard_errors([estimators.run(kernel_plan(10, 300, seed), game)
                                             for seed in range(150)], truth)


def test_kernel_beats_permutation_at_equal_evaluations(game10):
    """At 300 evaluations the default estimator's error is well below antithetic permutation sampling's."""
    game, truth = game10
    regression = np.mean([relative_error(estimators.run(kernel_plan(10, 300, s), game).values, truth)
                          for s in range(8)])
    perm = np.mean([relative_error(permutation(game, 10, 300, s).values, truth) for s in range(8)])
    assert regression < perm / 2


def test_kernel_converges_on_a_float64_model(model, tokenizer):
    """On a real (tiny, float64) classifier the sampled values approach the exact ones as the budget grows."""
    model = copy.deepcopy(model).double()
    text = "the movie was great but the ending was boring"
    ex = Explainer(model, tokenizer)
    truth = ex.attribute(text, method="exact").values
    small = ex.attribute(text, method="kernel", max_evals=60, seed=0)
    large = ex.attribute(text, method="kernel", max_evals=400, seed=0)
    assert relative_error(large.values, truth) < relative_error(small.values, truth)
    assert relative_error(large.values, truth) < 0.01
    assert np.all(large.errors[:, :] >= 0) and large.errors.max() > 0


def test_auto_picks_exact_when_it_fits_else_kernel(model, tokenizer):
    """auto is exact when all coalitions fit the budget and the sampled estimator (with errors) otherwise."""
    ex = Explainer(model, tokenizer)
    small = ex.attribute("the movie was great", max_evals=500)
    assert small.method == "exact" and small.errors is None
    large = ex.attribute(TEXT, max_evals=500)
    assert large.method == "kernel" and large.errors.shape == large.values.shape
    assert ex.attribute(TEXT, max_evals=40).method == "partition"  # below the 3n + 2 auto asks of a regression


def test_refine_yields_additive_estimates_ending_in_the_attribute_result(model, tokenizer):
    """refine() streams estimates whose last equals attribute() for the same seed; each adds up."""
    ex = Explainer(model, tokenizer)
    steps = list(ex.refine(TEXT, max_evals=300, seed=4))
    assert len(steps) >= 2 and steps[-1].final and not any(s.final for s in steps[:-1])
    for s in steps:
        np.testing.assert_allclose(s.base_values + s.values.sum(0), s.outputs, rtol=1e-9)
    again = Explainer(model, tokenizer).attribute(TEXT, max_evals=300, seed=4)
    np.testing.assert_allclose(steps[-1].values, again.values, atol=1e-12)


def test_a_click_reuses_the_sample_and_shows_a_first_estimate_without_forward_passes(model, tokenizer):
    """After a click the first estimate costs no model rows and at least 40% of the new rows come from cache."""
    ex = Explainer(model, tokenizer)
    ex.attribute(TEXT, max_evals=500, seed=0)
    before = ex.evaluator.rows_run
    steps = ex.refine(TEXT, max_evals=500, seed=1, masked=[3])
    first = next(steps)
    assert ex.evaluator.rows_run - before == 0 and not first.final
    np.testing.assert_allclose(first.base_values + first.values.sum(0), first.outputs, rtol=1e-9)
    final = list(steps)[-1]
    assert final.values[3].tolist() == [0.0, 0.0, 0.0]
    new_rows = ex.evaluator.rows_run - before
    assert new_rows <= 0.6 * final.n_evals, (new_rows, final.n_evals)


def test_the_reused_estimate_stays_unbiased(game10):
    """Re-using an earlier design's coalitions does not shift the values: their mean matches the exact ones."""
    game, _ = game10
    n = 10

    sub_game = first_player_off(game, n)
    truth = brute_force(sub_game, n - 1)
    free_all = np.ones(n, dtype=bool)
    free_sub = free_all.copy()
    free_sub[0] = False
    reused = []
    for seed in range(60):
        designs = []
        estimators.run(kernel_plan(n, 300, seed, free=free_all, on_design=designs.append), game)
        reused.append(estimators.run(kernel_plan(n - 1, 300, 1000 + seed, free=free_sub, previous=designs[-1]),
                                     sub_game))
    assert_mean_within_four_standard_errors(reused, truth)


@pytest.mark.parametrize("tolerance, kind", [(0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                             ("small", TypeError), (True, TypeError)])
def test_bad_tolerance_is_refused_clearly(model, tokenizer, tolerance, kind):
    """A tolerance that is not a positive number gets a message saying what it should be."""
    with pytest.raises(kind, match="tolerance must be a positive"):
        Explainer(model, tokenizer).attribute(TEXT, tolerance=tolerance)


def test_budget_too_small_for_the_regression_is_refused(model, tokenizer):
    """method='kernel' with fewer evaluations than the regression needs says how many it needs."""
    with pytest.raises(ValueError, match=r"max_evals=20 is too small for method='kernel' with 15 players.*32"):
        Explainer(model, tokenizer).attribute(TEXT, method="kernel", max_evals=20)
