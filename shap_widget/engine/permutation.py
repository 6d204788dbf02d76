"""Stratified antithetic permutation sampling: anytime Shapley estimates with standard errors, re-used after
a click.

A player's Shapley value is its average gain when it joins the players before it in a uniformly random order
(Castro, Gómez & Tejada 2009). Each order yields one gain for every player, and the gains along an order add
up to output - base, so every estimate is exactly additive. This estimator samples orders so that few of them
go far:

- **Antithetic pairs**: every order comes with its reverse (Mitchell, Cooper, Frank & Holmes, "Sampling
  Permutations for Shapley Value Estimation", JMLR 2022). A player early in one is late in the other.
- **Stratified positions**: the orders of a block of up to `BLOCK` pairs share one random ranking of the
  players, shifted by j n / b (mod n) in the j-th of the block's b pairs; each order places the players by
  their ranks, smallest at both ends and largest in the middle. Over a block, every player is therefore near
  the ends once, near the middle once and evenly in between, so its gains are taken at evenly spread numbers
  of players already present. On long inputs a token's gain often depends strongly on how many other tokens
  are present (a classifier's probability saturates), and spreading them takes that part of the variance out:
  at 64 players and 512 evaluations the error is under a quarter of independent antithetic orders'
  (benchmarks/bench_accuracy.py). Each order on its own is a uniformly random order (a shifted random ranking
  is a random ranking), so the estimate keeps its expectation.
- **Standard errors** from successive differences of the pairs' estimates within each block, taken in the
  order of the player's distance from the ends (see `_estimate`). With few pairs they are widened so that
  ±1.96 standard errors is the Student-t 95% interval.
- **Anytime**: pairs are evaluated in growing batches and an estimate is yielded after each; the i-th pair does
  not depend on how the sample was split into batches, so a streamed estimate ends where a one-batch one does.
- **Re-use across clicks**: masking a player gives the old game with that player forced off. An earlier order
  without that player is a uniformly random order of the remaining players, and every prefix of it that ends
  before the removed player's place is a coalition already evaluated: about half of each re-used order's rows
  come from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from .certainty import Settling
from .estimators import FIRST_ROWS, Attributions, Plan, _trivial_plan, run

BLOCK = 4  # pairs of orders that share one random ranking (a stratified block)
Z95 = 1.959963984540054


@dataclass
class OrderDesign:
    """The orders an estimate used, over all players of the input, kept to re-use in later games.

    `free` marks the game's free players; `orders` (pairs, free players) holds the first order of each pair as
    player indices over all players (the second is its reverse); `blocks` the stratified block of each.
    """

    free: np.ndarray
    orders: np.ndarray
    blocks: np.ndarray

    def __len__(self) -> int:
        return len(self.orders)


def min_evaluations(n: int) -> int:
    """The fewest evaluations for n players: two antithetic pairs, the fewest that give a standard error."""
    return 2 + 4 * (n - 1)


def _fold(ranks: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """An order by ranks: ranks 0 and 1 at both ends, 2 and 3 just inside them, ..., the largest in the middle.

    `flips` (n // 2,) says which of each two goes to the left end.
    """
    n = len(ranks)
    slot = ranks // 2
    right = (ranks % 2).astype(bool)
    paired = slot < n // 2
    right[paired] ^= flips[slot[paired]]
    position = np.where(right & paired, n - 1 - slot, slot)
    order = np.empty(n, dtype=np.int64)
    order[position] = np.arange(n)
    return order


def _block(n: int, seed: int, index: int, pairs: int) -> np.ndarray:
    """The first orders of a block's pairs (pairs, n); each on its own a uniformly random order.

    The ranks of the j-th pair are a random permutation's shifted by j n / pairs (mod n): each a uniformly
    random permutation, and every player's ranks over the block evenly spaced.
    """
    rng = np.random.default_rng([seed, 4, index])
    ranks = rng.permutation(n)
    return np.stack([_fold((ranks + (j * n) // pairs) % n, rng.random(n // 2) < 0.5) for j in range(pairs)])


def _block_sizes(pairs: int) -> list[int]:
    """Blocks of `BLOCK` pairs, the rest in one shorter block; never a block of one (it has no spread)."""
    sizes = [BLOCK] * (pairs // BLOCK) + ([pairs % BLOCK] if pairs % BLOCK else [])
    if len(sizes) > 1 and sizes[-1] == 1:
        sizes[-2:] = [BLOCK - 1, 2]
    return sizes


def _fresh_orders(n: int, seed: int, pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `pairs` fresh orders, block after block, and the block of each."""
    sizes = _block_sizes(pairs)
    if not sizes:
        return np.zeros((0, n), dtype=np.int64), np.zeros(0, dtype=np.int64)
    orders = np.concatenate([_block(n, seed, b, size) for b, size in enumerate(sizes)])
    return orders, np.repeat(np.arange(len(sizes)), sizes)


def _previous_orders(previous: OrderDesign, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The earlier design's orders without the players this game has forced off, as this game's indices,
    and their blocks."""
    local = np.full(len(free), -1, dtype=np.int64)
    local[free] = np.arange(int(free.sum()))
    orders = local[previous.orders]
    return orders[orders >= 0].reshape(len(orders), -1), previous.blocks


def _chains(orders: np.ndarray) -> np.ndarray:
    """The inner prefixes of each order and of its reverse: (2 * pairs * (n - 1), n) coalitions."""
    n = orders.shape[1]
    both = np.concatenate([orders, orders[:, ::-1]])
    ranks = np.argsort(both, axis=1)
    return (ranks[:, None, :] < np.arange(1, n)[None, :, None]).reshape(-1, n)


def _pair_estimates(orders: np.ndarray, out: np.ndarray, base: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Each pair's estimate (pairs, n, C): the mean gain of every player over the order and its reverse."""
    pairs, n = orders.shape
    both = np.concatenate([orders, orders[:, ::-1]])
    chain = np.concatenate([np.broadcast_to(base, (2 * pairs, 1, len(base))), out.reshape(2 * pairs, n - 1, -1),
                            np.broadcast_to(full, (2 * pairs, 1, len(base)))], axis=1)
    gains = np.diff(chain, axis=1)
    per_order = np.zeros((2 * pairs, n, len(base)))
    np.put_along_axis(per_order, both[:, :, None], gains, axis=1)
    return (per_order[:pairs] + per_order[pairs:]) / 2


def _estimate(per_pair: np.ndarray, orders: np.ndarray, blocks: np.ndarray, base: np.ndarray,
              full: np.ndarray, n_evals: int, final: bool) -> Attributions:
    """The mean of the pairs' estimates, with standard errors from successive differences within blocks.

    Within a block, each player's pairs are sorted by how far it stands from the nearer end of the order,
    and the variance is taken from the differences of neighbours (the estimator for systematic samples,
    Wolter 2007, ch. 8): the part of the spread that comes from the player's position, which the
    stratification has already taken out of the estimate, is left out of its error too.
    """
    k, n = orders.shape
    values = per_pair.mean(axis=0)
    position = np.argsort(orders, axis=1)
    folded = np.minimum(position, n - 1 - position)  # (pairs, n)
    squares = np.zeros_like(values)
    differences = 0
    for b in np.unique(blocks):
        rows = np.flatnonzero(blocks == b)
        if len(rows) < 2:
            continue
        order = np.argsort(folded[rows], axis=0, kind="stable")  # per player, its pairs from the ends inwards
        sorted_pairs = np.take_along_axis(per_pair[rows], order[:, :, None], axis=0)
        squares += (np.diff(sorted_pairs, axis=0) ** 2).sum(axis=0)
        differences += len(rows) - 1
    errors = None
    if differences:
        spread = np.sqrt(squares / (2 * differences) / k)
        errors = spread * (stats.t.ppf(0.975, differences) / Z95)
    return Attributions(values, base, full, n_evals, errors, final=final)


def permutation_plan(
    n: int,
    max_evals: int,
    seed: int = 0,
    *,
    tolerance: float | None = None,
    previous: OrderDesign | None = None,
    free: np.ndarray | None = None,
    on_design: Callable[[OrderDesign], None] | None = None,
    streaming: bool = True,
    settle: Settling | None = None,
) -> Plan:
    """Stratified antithetic permutation sampling; yields an estimate after each batch of pairs.

    `previous` is an earlier design on the same input whose free players include this game's (`free`, a
    mask over all players): its orders come first. `on_design(design)` receives this game's design as it
    grows. Stops when the budget is spent or every standard error is at most `tolerance`, or with `settle`
    (an automatic budget, see `shap_widget.engine.certainty`) at the first settled estimate. Without
    `streaming`, all rows are asked for in one batch and only the final estimate is made.
    """
    if n <= 1:
        return (yield from _trivial_plan(n))
    if max_evals < min_evaluations(n):
        raise ValueError(
            f"max_evals={max_evals} is too small for method='permutation' with {n} players: two antithetic pairs "
            f"of orders (the fewest that give a standard error) need {min_evaluations(n)} evaluations. Raise "
            "max_evals or use method='partition'."
        )
    free = np.ones(n, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    budget = (max_evals - 2) // (2 * (n - 1))
    reused, reused_blocks = np.zeros((0, n), dtype=np.int64), np.zeros(0, dtype=np.int64)
    if previous is not None:
        reused, reused_blocks = _previous_orders(previous, free)
        reused, reused_blocks = reused[:budget], reused_blocks[:budget]
    fresh, fresh_blocks = _fresh_orders(n, seed, budget - len(reused))
    orders = np.concatenate([reused, fresh])
    blocks = np.concatenate([reused_blocks, fresh_blocks + (reused_blocks.max() + 1 if len(reused) else 0)])
    players = np.flatnonzero(free)  # this game's players as indices over all players
    ends = yield np.array([[False] * n, [True] * n])
    base, full = ends[0], ends[1]
    per_pair = np.zeros((0, n, len(base)))
    step = max(2, -(-FIRST_ROWS // (2 * (n - 1)))) if streaming else budget
    done = 0
    while True:
        batch = orders[done : min(budget, done + step)]
        out = yield _chains(batch)
        per_pair = np.concatenate([per_pair, _pair_estimates(batch, out, base, full)])
        done += len(batch)
        if on_design is not None:
            on_design(OrderDesign(free.copy(), players[orders[:done]], blocks[:done]))
        result = _estimate(per_pair, orders[:done], blocks[:done], base, full, 2 + 2 * done * (n - 1), final=False)
        settled = settle is not None and result.errors is not None and settle.settled(
            result.values, result.errors, full, result.n_evals)
        stop = done >= budget or settled or (
            tolerance is not None and result.errors is not None and float(result.errors.max()) <= tolerance
        )
        if stop:
            return Attributions(result.values, base, full, result.n_evals, result.errors, final=True,
                                settled=None if settle is None else settled and not settle.timed_out)
        if result.errors is not None:
            yield result
        step = max(step, int(done * 0.6))


def permutation(game: Callable[[np.ndarray], np.ndarray], n: int, max_evals: int, seed: int = 0) -> Attributions:
    """Stratified antithetic permutation sampling of `game`'s n players, all rows in one batch."""
    return run(permutation_plan(n, max_evals, seed, streaming=False), game)


def independent_orders(game: Callable[[np.ndarray], np.ndarray], n: int, pairs: int, seed: int = 0) -> np.ndarray:
    """Values (n, C) from `pairs` independent random orders and their reverses: antithetic sampling without
    the stratification, the baseline this estimator is measured against (benchmarks, tests)."""
    rng = np.random.default_rng(seed)
    orders = np.stack([rng.permutation(n) for _ in range(pairs)])
    ends = game(np.array([[False] * n, [True] * n]))
    return _pair_estimates(orders, game(_chains(orders)), ends[0], ends[1]).mean(axis=0)
