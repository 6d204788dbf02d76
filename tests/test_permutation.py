"""The stratified permutation estimator: unbiased, honest standard errors, anytime, re-used after a click."""

from __future__ import annotations

import numpy as np
import pytest

from shap_widget.engine import estimators
from shap_widget.engine.explain import Explainer
from shap_widget.engine.permutation import BLOCK, _fresh_orders, independent_orders, permutation, permutation_plan

from games import brute_force, first_player_off, relative_error, rising_game, softmax_game

LONG_TEXT = ("the movie was great but the ending was boring and the acting was not good although the music was "
             "lovely and the camera work was bold yet the story dragged on for far too long")


@pytest.fixture(scope="module")
def game10():
    game = softmax_game(10, seed=3)
    return game, brute_force(game, 10)


def evaluations(n: int, pairs: int) -> int:
    return 2 + 2 * (n - 1) * pairs


def test_each_order_is_uniform_and_each_player_is_spread_over_positions():
    """Any single order is a uniformly random order, yet within a block each player visits ends and middle."""
    n, seeds = 8, 4000
    first = np.stack([_fresh_orders(n, seed, BLOCK)[0] for seed in range(seeds)])  # (seeds, pairs, n)
    for j in range(BLOCK):
        position_of_0 = np.argmax(first[:, j] == 0, axis=1)
        counts = np.bincount(position_of_0, minlength=n)
        assert np.all(np.abs(counts - seeds / n) < 5 * np.sqrt(seeds / n)), (j, counts)
    folded = np.minimum(np.argsort(first, axis=2), n - 1 - np.argsort(first, axis=2))  # 0 = at an end
    spread = folded.max(axis=1) - folded.min(axis=1)  # per seed and player, over the block's pairs
    assert np.mean(spread >= 2) > 0.95  # independent orders: about 0.69


def test_converges_to_exact_shapley_values_and_is_unbiased(game10):
    """More pairs give values closer to the exact ones, and the mean over seeds lands on them."""
    game, truth = game10
    errors = [np.mean([relative_error(permutation(game, 10, evaluations(10, pairs), seed).values, truth)
                       for seed in range(5)]) for pairs in (2, 8, 64)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 2e-3
    estimates = np.stack([permutation(game, 10, evaluations(10, 4), seed).values for seed in range(300)])
    standard_error_of_mean = estimates.std(axis=0) / np.sqrt(len(estimates))
    assert np.all(np.abs(estimates.mean(axis=0) - truth) <= 4 * standard_error_of_mean + 1e-12)


@pytest.mark.parametrize("pairs", [2, 5, 12])
def test_nominal_95_percent_intervals_cover_the_exact_values(game10, pairs):
    """value ± 1.96 SE contains the exact value at least 90% of the time, from two pairs of orders up."""
    game, truth = game10
    covered = []
    for seed in range(200):
        result = permutation(game, 10, evaluations(10, pairs), seed)
        assert np.all(result.errors > 0)
        covered.append(np.abs(result.values - truth) <= 1.959964 * result.errors)
    coverage = float(np.mean(covered))
    assert 0.9 <= coverage <= 0.995, coverage


def test_stratified_orders_beat_independent_ones_where_the_output_rises_with_the_tokens_present():
    """On a long input whose output rises steeply once most tokens are present (as a classifier's does when
    masked inputs read as neutral), spreading each player's positions cuts the error many times over."""
    n = 40
    game = rising_game(n)
    truth = independent_orders(game, n, 4000, seed=99)
    stratified = np.mean([relative_error(permutation(game, n, evaluations(n, 4), s).values, truth)
                          for s in range(8)])
    independent = np.mean([relative_error(independent_orders(game, n, 4, s), truth) for s in range(8)])
    assert stratified < 0.25 * independent, (stratified, independent)


def test_every_streamed_estimate_adds_up_and_the_last_equals_one_batch(game10):
    """Each partial estimate is additive; the streamed result equals the one-batch result of the same seed."""
    game, _ = game10
    estimates = []
    final = estimators.run(permutation_plan(10, evaluations(10, 20), 2), game, on_estimate=estimates.append)
    assert len(estimates) >= 2 and not any(e.final for e in estimates) and final.final
    full, empty = game(np.ones((1, 10), bool))[0], game(np.zeros((1, 10), bool))[0]
    for e in estimates + [final]:
        np.testing.assert_allclose(e.base + e.values.sum(axis=0), full, atol=1e-12)
        np.testing.assert_allclose(e.base, empty)
        assert e.errors.shape == e.values.shape
    assert [e.n_evals for e in estimates] == sorted(e.n_evals for e in estimates) and final.n_evals == 2 + 20 * 18
    np.testing.assert_allclose(final.values, permutation(game, 10, evaluations(10, 20), 2).values, atol=1e-12)


def test_tolerance_stops_once_every_standard_error_is_small(game10):
    """With a tolerance the estimate stops early, as soon as no standard error is above it."""
    game, _ = game10
    loose = estimators.run(permutation_plan(10, evaluations(10, 60), 0, tolerance=0.03), game)
    assert loose.n_evals < evaluations(10, 60) and loose.errors.max() <= 0.03


def test_the_reused_orders_stay_unbiased(game10):
    """Orders of an earlier design without a masked player are re-used, and the values keep their expectation."""
    game, _ = game10
    n = 10

    sub_game = first_player_off(game, n)
    truth = brute_force(sub_game, n - 1)
    free_sub = np.ones(n, dtype=bool)
    free_sub[0] = False
    means = []
    for seed in range(200):
        designs = []
        estimators.run(permutation_plan(n, evaluations(n, 4), seed, on_design=designs.append), game)
        plan = permutation_plan(n - 1, evaluations(n, 4), 1000 + seed, free=free_sub, previous=designs[-1])
        means.append(estimators.run(plan, sub_game).values)
    standard_error_of_mean = np.std(means, axis=0) / np.sqrt(len(means))
    assert np.all(np.abs(np.mean(means, axis=0) - truth) <= 4 * standard_error_of_mean + 1e-12)


def test_a_click_takes_at_least_40_percent_of_its_rows_from_the_cache(model, tokenizer):
    """Masking a token re-explains with the earlier orders minus that token: about half their rows are cached."""
    ex = Explainer(model, tokenizer)
    first = ex.attribute(LONG_TEXT, method="permutation", max_evals=400, seed=0)
    before_rows, before_evals = ex.evaluator.rows_run, first.n_evals
    clicked = ex.attribute(LONG_TEXT, method="permutation", max_evals=400, seed=0, masked=[5])
    fresh = ex.evaluator.rows_run - before_rows
    assert clicked.values[5].tolist() == [0.0] * clicked.values.shape[1]
    np.testing.assert_allclose(clicked.base_values + clicked.values.sum(0), clicked.outputs, rtol=1e-9)
    assert fresh <= 0.6 * clicked.n_evals, (fresh, clicked.n_evals, before_evals)
    again = ex.attribute(LONG_TEXT, method="permutation", max_evals=400, seed=0)  # unmask: all rows cached
    assert ex.evaluator.rows_run - before_rows == fresh
    np.testing.assert_allclose(again.values, first.values, atol=1e-12)


def test_budget_too_small_for_two_pairs_is_refused(model, tokenizer):
    """method='permutation' below two antithetic pairs of orders says how many evaluations it needs."""
    with pytest.raises(ValueError, match=r"max_evals=40 is too small for method='permutation' with 15 players.*58"):
        Explainer(model, tokenizer).attribute(
            "the movie was great but the ending was boring and the acting was not good",
            method="permutation", max_evals=40)
