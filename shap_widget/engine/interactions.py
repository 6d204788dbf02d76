"""Pairwise Shapley interactions: which tokens act together, as in "not" x "bad".

Two indices, both of order 2:

* "SII", the Shapley interaction index (Grabisch & Roubens 1999): main effects are the Shapley values and
  the pair value of i and j is the weighted average over coalitions S without them of the joint effect
  v(S+ij) - v(S+i) - v(S+j) + v(S), with the weights |S|! (n-|S|-2)! / (n-1)!.
* "k-SII" of order 2 (Bordt & von Luxburg 2023, "From Shapley values to generalized additive models and
  back"): the same pairs, and main effects phi_i - 1/2 sum_j SII_ij (the Bernoulli-number aggregation, B_1 =
  -1/2), so that the main effects plus each pair once add up exactly to output - base.

Like the estimators, the computations are *plans* (generators of coalition matrices over the free players,
see `estimators.run`), so they go through the game and the evaluator's cache: after an exact explanation of
the same input and mask every coalition is already there and the exact interactions cost no forward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from . import estimators
from .estimators import MAX_EXACT_PLAYERS, Plan
from .explain import Explainer, _check_masked, get_explainer, resolve_target
from .game import probabilities

INDICES = ("SII", "k-SII")
METHODS = ("auto", "exact", "permutation")
DEFAULT_MAX_EVALS = 4096  # exact up to 12 players


@dataclass(frozen=True)
class PairValues:
    """What a plan returns: main effects (n, C), symmetric pairs (n, n, C) with zero diagonal, base, output."""

    values: np.ndarray
    pairs: np.ndarray
    base: np.ndarray
    output: np.ndarray
    n_evals: int


@dataclass(frozen=True)
class Interactions:
    """Main effects and pairwise interactions of one input, for every class, with what they were computed for.

    `values` (n, C) are the main effects, `pairs` (n, n, C) the pair values (symmetric, zero diagonal);
    players that were masked have zeros. With index "k-SII", base + values.sum(0) + the upper triangle of
    `pairs` summed equals `outputs`; with "SII", base + values.sum(0) does (the main effects are the Shapley
    values).
    """

    text: str
    tokens: list[str]
    prefixes: list[str]
    players: str
    labels: list[str]
    index: str
    values: np.ndarray
    pairs: np.ndarray
    base_values: np.ndarray
    outputs: np.ndarray
    probabilities: np.ndarray
    output: str
    method: str
    masked: tuple[int, ...]
    max_evals: int
    n_evals: int
    truncated: bool
    versus: int | None = None  # each class contrasted with this one, as in `Attribution.versus`

    def pair(self, i: int, j: int, target: int | str | None = None) -> np.ndarray | float:
        """The interaction of players i and j: for every class (C,), or one float for `target`."""
        n = len(self.tokens)
        for k in (i, j):
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
                raise TypeError(f"pair indices must be player indices (ints), got {k!r}.")
            if not 0 <= k < n:
                raise IndexError(f"pair index {k} is out of range: this input has {n} players (0..{n - 1}).")
        row = self.pairs[int(i), int(j)]
        return row.copy() if target is None else float(row[resolve_target(target, self.labels)])

    def for_class(self, target: int | str) -> tuple[np.ndarray, np.ndarray, float]:
        """(main effects (n,), pairs (n, n), base value) of one class."""
        c = resolve_target(target, self.labels)
        return self.values[:, c].copy(), self.pairs[:, :, c].copy(), float(self.base_values[c])


def _check_index(index: str) -> str:
    if index not in INDICES:
        raise ValueError(f"index must be one of {INDICES}, got {index!r}.")
    return index


def _coalitions(n: int) -> np.ndarray:
    index = np.arange(2**n)
    return ((index[:, None] >> np.arange(n)) & 1).astype(bool)


def exact_sii_plan(n: int) -> Plan:
    """Shapley values and the Shapley interaction index of every pair, from all 2^n coalitions in one batch.

    The coalitions are requested in the same order as `estimators.exact_plan`, so either shares the other's
    cached rows.
    """
    if n > MAX_EXACT_PLAYERS:
        raise ValueError(
            f"method='exact' evaluates all 2^n coalitions and is limited to {MAX_EXACT_PLAYERS} players; this "
            f"input has {n}. Use method='permutation' (sampled), players='word', or mask some tokens."
        )
    if n <= 1:
        alone = yield from estimators._trivial_plan(n)
        return PairValues(alone.values, np.zeros((n, n, len(alone.base))), alone.base, alone.output, 2)
    coalitions = _coalitions(n)
    v = yield coalitions
    index = np.arange(2**n)
    sizes = coalitions.sum(axis=1)
    fact = [math.factorial(k) for k in range(n + 1)]
    phi_w = np.array([fact[s] * fact[n - s - 1] / fact[n] for s in range(n)])
    sii_w = np.array([fact[s] * fact[n - s - 2] / fact[n - 1] for s in range(n - 1)])
    values = np.zeros((n, v.shape[1]))
    pairs = np.zeros((n, n, v.shape[1]))
    for i in range(n):
        without = index[(index >> i) & 1 == 0]
        values[i] = phi_w[sizes[without]] @ (v[without | (1 << i)] - v[without])
        for j in range(i + 1, n):
            s = without[(without >> j) & 1 == 0]
            joint = v[s | (1 << i) | (1 << j)] - v[s | (1 << i)] - v[s | (1 << j)] + v[s]
            pairs[i, j] = pairs[j, i] = sii_w[sizes[s]] @ joint
    return PairValues(values, pairs, v[0], v[-1], len(coalitions))


def permutation_sii_plan(n: int, max_evals: int, seed: int = 0) -> Plan:
    """Sampled Shapley values and SII by permutation sampling, for inputs beyond the exact limit.

    For a uniformly random order, players i and j stand next to each other with probability 2/n, and then
    the players before them form a coalition S drawn with exactly the SII weights; so averaging the joint
    effect of each adjacent pair over orders estimates SII without bias (the permutation-sampling baseline of
    Fumagalli et al. 2023, "SHAP-IQ", NeurIPS). Each order costs its chain of n - 1 prefixes plus, for each
    adjacent pair, the prefix with the second player alone; the reversed order is sampled too (antithetic).
    The main effects are the permutation-sampling Shapley values of the same chains, so they add up exactly.
    A pair that never stood adjacent is estimated as 0; a larger `max_evals` covers more pairs more often.
    """
    if n <= 1:
        return (yield from exact_sii_plan(n))
    per_order = 2 * (n - 1)
    if max_evals < sampled_minimum(n, 2):
        raise ValueError(
            f"max_evals={max_evals} is too small for sampled interactions with {n} players: one pair of orders "
            f"needs {sampled_minimum(n, 2)} evaluations. Raise max_evals (about {sampled_minimum(n, 4 * n)} gives "
            "each pair a few samples)."
        )
    n_orders = 2 * ((max_evals - 2) // (2 * per_order))
    rng = np.random.default_rng(seed)
    half = np.stack([rng.permutation(n) for _ in range(n_orders // 2)])
    orders = np.concatenate([half, half[:, ::-1]])
    ranks = np.argsort(orders, axis=1)
    steps = np.arange(1, n)
    chains = ranks[:, None, :] < steps[None, :, None]  # (orders, n-1, n): the first k players of each order
    # prefix of the first k players plus the (k+2)-th one: the "S + j" coalition of the adjacent pair at k, k+1
    skips = ranks[:, None, :] < np.arange(0, n - 1)[None, :, None]
    skips[np.arange(len(orders))[:, None], np.arange(n - 1)[None, :], orders[:, 1:]] = True
    ends = np.array([[False] * n, [True] * n])
    v = yield np.concatenate([ends, chains.reshape(-1, n), skips.reshape(-1, n)])
    empty, full = v[0], v[1]
    n_chain = len(orders) * (n - 1)
    inner = v[2 : 2 + n_chain].reshape(len(orders), n - 1, -1)
    skip = v[2 + n_chain :].reshape(len(orders), n - 1, -1)
    chain = np.concatenate([np.broadcast_to(empty, (len(orders), 1, v.shape[1])), inner,
                            np.broadcast_to(full, (len(orders), 1, v.shape[1]))], axis=1)
    values = np.zeros((n, v.shape[1]))
    np.add.at(values, orders.reshape(-1), np.diff(chain, axis=1).reshape(-1, v.shape[1]))
    values /= len(orders)
    # adjacent pair at positions k, k+1 with S = first k: v(S+ab) - v(S+a) - v(S+b) + v(S)
    joint = chain[:, 2:] - chain[:, 1:-1] - skip + chain[:, :-2]
    a, b = orders[:, :-1].reshape(-1), orders[:, 1:].reshape(-1)
    sums = np.zeros((n, n, v.shape[1]))
    counts = np.zeros((n, n))
    np.add.at(sums, (a, b), joint.reshape(-1, v.shape[1]))
    np.add.at(counts, (a, b), 1)
    sums, counts = sums + sums.transpose(1, 0, 2), counts + counts.T
    pairs = np.divide(sums, counts[:, :, None], out=np.zeros_like(sums), where=counts[:, :, None] > 0)
    return PairValues(values, pairs, empty, full, len(v))


def sampled_minimum(n: int, orders: int = 10) -> int:
    """Evaluations for `orders` random orders of n players in `permutation_sii_plan` (10: a rough estimate)."""
    return 2 + orders * 2 * max(n - 1, 1)


def to_k_sii(values: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """k-SII main effects of order 2 from Shapley values and SII pairs: phi_i - 1/2 sum_j SII_ij."""
    return values - 0.5 * pairs.sum(axis=1)


def choose_method(n_players: int, max_evals: int) -> str:
    """Exact up to the exact limit when all 2^n coalitions fit the budget, else permutation sampling."""
    return "exact" if estimators.choose_method(n_players, max_evals) == "exact" else "permutation"


def interactions(
    explainer: Explainer,
    text: str,
    *,
    index: str = "SII",
    method: str = "auto",
    output: str | None = None,
    players: str = "token",
    masked: Sequence[int] = (),
    max_evals: int = DEFAULT_MAX_EVALS,
    seed: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
    versus: int | str | None = None,
) -> Interactions:
    """Main effects and pairwise interactions of `text` for every class, through `explainer`'s cache.

    With `versus`, of each class's contrast with that class (see `shap_widget.explain`)."""
    _check_index(index)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 2:
        raise ValueError(f"max_evals must be an integer of at least 2, got {max_evals!r}.")
    game = explainer.game(text, players=players, masked=_check_masked(masked), output=output,
                          on_progress=on_progress, **({} if versus is None else {"versus": versus}))
    n = game.n_free
    if method == "auto":
        method = choose_method(n, int(max_evals))
    if method == "exact":
        plan = exact_sii_plan(n)
        game.plan(2**n)
    else:
        plan = permutation_sii_plan(n, int(max_evals), seed)
        game.plan(int(max_evals))
    result: PairValues = estimators.run(plan, game)
    if on_progress is not None:
        on_progress(game.evaluations_done, game.evaluations_done)
    C = len(result.base)
    main = to_k_sii(result.values, result.pairs) if index == "k-SII" else result.values
    values = np.zeros((len(game.players), C))
    pairs = np.zeros((len(game.players), len(game.players), C))
    values[game.free] = main
    pairs[np.ix_(game.free, game.free)] = result.pairs
    probs = probabilities(game.raw(np.ones((1, n), dtype=bool)), game.kind)[0]
    return Interactions(
        text=text,
        tokens=list(game.players.texts),
        prefixes=list(game.players.prefixes),
        players=players,
        labels=explainer.labels,
        index=index,
        values=values,
        pairs=pairs,
        base_values=np.asarray(result.base, dtype=np.float64),
        outputs=np.asarray(result.output, dtype=np.float64),
        probabilities=probs,
        output=game.output,
        method=method,
        masked=game.masked,
        max_evals=int(max_evals),
        n_evals=result.n_evals,
        truncated=game.encoding.truncated,
        versus=game.versus,
    )


def explain_interactions(
    model: torch.nn.Module,
    tokenizer: Any,
    text: str,
    *,
    index: str = "SII",
    method: str = "auto",
    target: int | str | None = None,
    output: str | None = None,
    players: str = "token",
    masked: Sequence[int] = (),
    max_evals: int = DEFAULT_MAX_EVALS,
    mask: str | int = "auto",
    batch_size: int | str = "auto",
    autocast: str | None = None,
    seed: int = 0,
) -> Interactions:
    """Which tokens of `text` act together in `model`'s prediction: main effects and pairwise interactions.

    index: "SII" (Shapley interaction index, Grabisch & Roubens 1999: main effects are the Shapley values) or
    "k-SII" (order 2, Bordt & von Luxburg 2023: main effects plus each pair once add up to output - base).
    method: "exact" (all 2^n coalitions, up to 14 players; free after an exact `explain` of the same input
    and mask, which leaves every coalition in the shared cache), "permutation" (sampled, Fumagalli et al.
    2023's permutation baseline) or "auto". target: None keeps every class (`values` (n, C), `pairs`
    (n, n, C)); a class index or label keeps that class alone (C = 1, `labels` = [it]). The other options
    are those of `shap_widget.explain`.
    """
    explainer = get_explainer(model, tokenizer, mask=mask, batch_size=batch_size, autocast=autocast)
    result = interactions(explainer, text, index=index, method=method, output=output, players=players,
                          masked=masked, max_evals=max_evals, seed=seed)
    if target is None:
        return result
    c = resolve_target(target, result.labels)
    keep = slice(c, c + 1)
    return Interactions(**{**result.__dict__, "labels": [result.labels[c]], "values": result.values[:, keep],
                           "pairs": result.pairs[:, :, keep], "base_values": result.base_values[keep],
                           "outputs": result.outputs[keep], "probabilities": result.probabilities})
