"""Regression adjustment for sampled Shapley values: a boosted-tree model of the game as a control variate.

Witter, Liu & Musco ("Regression-adjusted Monte Carlo Estimators for Shapley Values and Probabilistic Values",
2025) fit a model g of the game to the sampled coalitions, take g's Shapley values exactly, and estimate only
the rest, the Shapley values of v - g, by sampling. Text classifiers' games have strong interactions of order
three and more (negation, contrast), which no additive or pairwise fit captures but trees do.

Here g is a LightGBM ensemble on the coalitions' 0/1 features, cross-fitted: each fold's residuals come from
a model fitted without that fold, so the residuals stay honest and so do the standard errors. A tree's
leaf is reached by the coalitions that contain the players P of its path's "on" branches and none of its "off"
branches N; that leaf's Shapley values are closed-form (v (|P|-1)! |N|! / (|P|+|N|)! for each player of P,
minus v |P|! (|N|-1)! / (|P|+|N|)! for each of N), so the model's exact values need no approximation.
"""

from __future__ import annotations

import math

import numpy as np

FOLDS = 2
TREES = 100


def available() -> bool:
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        return False
    return True


class TreeGame:
    """A boosted-tree model of one output of a game over n players, with exact Shapley values."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        import lightgbm

        self.n = x.shape[1]
        self.model = lightgbm.LGBMRegressor(
            n_estimators=TREES, num_leaves=8, learning_rate=0.1, min_child_samples=3, subsample=0.8,
            subsample_freq=1, colsample_bytree=1.0, random_state=seed, n_jobs=1, verbose=-1,
        )
        self.model.fit(x.astype(np.float64), y)
        self.leaves = self._leaves()

    def _leaves(self) -> list[tuple[float, frozenset[int], frozenset[int]]]:
        out = []
        for tree in self.model.booster_.dump_model()["tree_info"]:
            stack = [(tree["tree_structure"], frozenset(), frozenset())]
            while stack:
                node, on, off = stack.pop()
                if "leaf_value" in node:
                    if not on & off:
                        out.append((float(node["leaf_value"]), on, off))
                    continue
                f, threshold = int(node["split_feature"]), float(node["threshold"])
                # a 0/1 feature goes left when it is at most the threshold
                for child, goes in ((node["left_child"], lambda v: v <= threshold),
                                    (node["right_child"], lambda v: v > threshold)):
                    zero, one = goes(0.0), goes(1.0)
                    if zero and one:
                        stack.append((child, on, off))
                    elif one:
                        stack.append((child, on | {f}, off))
                    elif zero:
                        stack.append((child, on, off | {f}))
        return out

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        """The model's value of each coalition (rows of 0/1), from its leaves (consistent with `shapley`)."""
        z = np.asarray(coalitions, dtype=bool)
        out = np.zeros(len(z))
        for value, on, off in self.leaves:
            hit = np.ones(len(z), dtype=bool)
            if on:
                hit &= z[:, list(on)].all(axis=1)
            if off:
                hit &= ~z[:, list(off)].any(axis=1)
            out[hit] += value
        return out

    def shapley(self) -> np.ndarray:
        """Exact Shapley values of the model's game (reference: the empty coalition)."""
        phi = np.zeros(self.n)
        for value, on, off in self.leaves:
            p, q = len(on), len(off)
            if p + q == 0:
                continue
            if p:
                phi[list(on)] += value * math.factorial(p - 1) * math.factorial(q) / math.factorial(p + q)
            if q:
                phi[list(off)] -= value * math.factorial(p) * math.factorial(q - 1) / math.factorial(p + q)
        return phi


def adjusted_targets(
    z: np.ndarray, y: np.ndarray, unit: np.ndarray, base: np.ndarray, full: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-fitted residuals of the sampled rows, the models' exact values, and what the residuals add up to.

    z (R, n) sampled coalitions, y (R, C) their values, unit (R,) each row's sampling unit (a pair stays in
    one fold). Returns (targets (R, C): residual minus the residual of the empty coalition, phi_model (n, C),
    delta (C,): output - base minus the models' own output - base), so that phi_model + the kernel fit of the
    targets constrained to delta is the adjusted estimate, additive as before.
    """
    n, n_classes = z.shape[1], y.shape[1]
    units = int(unit.max()) + 1
    fold = np.random.default_rng([seed, 3]).permutation(units) % FOLDS
    row_fold = fold[unit]
    ends = np.array([np.zeros(n, dtype=bool), np.ones(n, dtype=bool)])
    targets = y - base
    phi = np.zeros((n, n_classes))
    model_delta = np.zeros(n_classes)
    for k in range(FOLDS):
        train = row_fold != k
        x_train = np.concatenate([z[train], ends])
        for c in range(n_classes):
            model = TreeGame(x_train, np.concatenate([y[train, c], [base[c], full[c]]]), seed + 7919 * k + c)
            g_ends = model(ends)
            phi[:, c] += model.shapley() / FOLDS
            model_delta[c] += (g_ends[1] - g_ends[0]) / FOLDS
            targets[~train, c] -= model(z[~train]) - g_ends[0]
    return targets, phi, (full - base) - model_delta
