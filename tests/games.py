"""Small games with known Shapley values, shared by the estimator tests."""

from __future__ import annotations

import itertools
import math

import numpy as np


def softmax_game(n: int, seed: int, interaction: float = 1.0):
    """A game as a classifier makes it: class probabilities of a linear-plus-pairwise score of the coalition."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 3))
    b = rng.normal(size=(n, n, 3)) * interaction / n

    def game(coalitions: np.ndarray) -> np.ndarray:
        s = coalitions.astype(float)
        score = s @ a + np.einsum("bi,ijc,bj->bc", s, b, s)
        e = np.exp(score - score.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return game


def brute_force(game, n: int) -> np.ndarray:
    """Shapley values by the definition, one subset at a time."""
    values = np.zeros((n, 3))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                row = np.zeros((2, n), dtype=bool)
                row[:, list(subset)] = True
                row[1, i] = True
                v = game(row)
                values[i] += w * (v[1] - v[0])
    return values


def relative_error(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(((estimate - truth) ** 2).sum() / (truth**2).sum())


def assert_mean_within_four_standard_errors(results, truth: np.ndarray) -> None:
    """The mean of many seeds' estimates is within four standard errors of the mean (from the estimates' own
    standard errors) of the exact values: the estimator is unbiased."""
    bias = np.abs(np.mean([r.values for r in results], axis=0) - truth)
    standard_error_of_mean = np.sqrt(np.mean([r.errors**2 for r in results], axis=0) / len(results))
    assert np.all(bias <= 4 * standard_error_of_mean + 1e-9), (bias, standard_error_of_mean)


def rising_game(n: int, seed: int = 0):
    """A long input whose output rises steeply only once most tokens are present, as a classifier's does
    when inputs with many masked tokens read as neutral; small per-token effects on top."""
    weights = np.random.default_rng(seed).normal(size=n) * 0.1

    def game(coalitions: np.ndarray) -> np.ndarray:
        s = coalitions.astype(float)
        p = 1 / (1 + np.exp(-(8 * (s.mean(axis=1) - 0.8) + s @ weights)))
        return np.stack([p, 1 - p], axis=1)

    return game



def first_player_off(game, n: int):
    """The game on players 1..n-1 with player 0 forced off: what a click on the first token leaves."""

    def sub_game(coalitions: np.ndarray) -> np.ndarray:
        rows = np.zeros((len(coalitions), n), dtype=bool)
        rows[:, 1:] = coalitions
        return game(rows)

    return sub_game
