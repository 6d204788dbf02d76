"""Shapley estimators over a game's free players: exact and partition (Owen); the sampled ones live in
`kernel` and `permutation`.

Each estimator is a *plan*: a generator that yields boolean coalition matrices (rows = coalitions, columns =
free players), is sent back their values (B, C), and returns attributions that add up exactly: base +
sum(values) = output of the full input. A plan may also yield an `Attributions` between requests: a partial
estimate (anytime estimators). `run(plan, game)` drives one plan against one game; a dataset runner can drive
many plans at once and pack their requests into shared forward passes.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Generator, Iterator, Union

import numpy as np
from shap.maskers._text import partition_tree

from .game import Encoding

MAX_EXACT_PLAYERS = 14
FIRST_ROWS = 64  # rows of a sampled estimator's first batch, at least: a first estimate comes fast
METHODS = ("auto", "exact", "kernel", "partition", "permutation")

Game = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Attributions:
    """Values (n, C) for n players and C outputs; base = value of the empty coalition, output = full.

    `errors` (n, C) are standard errors of sampled values (None for deterministic methods); `final` is
    False for a partial estimate that an anytime estimator yields before its budget is spent.
    """

    values: np.ndarray
    base: np.ndarray
    output: np.ndarray
    n_evals: int
    errors: np.ndarray | None = None
    final: bool = True
    hierarchical: np.ndarray | None = None  # (2n-1, C) partition credit per tree node before it is pushed down
    settled: bool | None = None  # with an automatic budget: whether it stopped settled (not at its cap)


Plan = Generator[Union[np.ndarray, Attributions], Union[np.ndarray, None], Attributions]


@dataclass
class DesignPool:
    """Recent designs of the sampled estimators per input, so a click's game can start from the coalitions
    already evaluated: a kernel `Design` or a permutation `OrderDesign`, each with `free` and a length."""

    max_inputs: int = 64
    per_input: int = 16
    _designs: dict = field(default_factory=dict)

    def add(self, key, design) -> None:
        """Keep `design`, replacing smaller ones on the same players."""
        designs = self._designs.pop(key, [])
        designs = [d for d in designs if not (np.array_equal(d.free, design.free) and len(d) <= len(design))]
        self._designs[key] = (designs + [design])[-self.per_input :]
        while len(self._designs) > self.max_inputs:
            self._designs.pop(next(iter(self._designs)))

    def usable(self, key, free: np.ndarray):
        """The most recent design with more free players than `free` (all of them among its own).

        Its coalitions are valid rows of the game on `free`. A design on the same players is not re-used: the
        same seed draws the same coalitions again (all cached), so an explanation without new masks does not
        depend on what was explained before.
        """
        for design in reversed(self._designs.get(key, [])):
            if not np.any(free & ~design.free) and np.any(design.free & ~free):
                return design
        return None


def estimates(plan: Plan, game: Game) -> Iterator[Attributions]:
    """Drive `plan` against `game`: evaluate each coalition matrix it yields; yield every estimate it makes,
    partial ones first and its result last."""
    try:
        item = next(plan)
        while True:
            if isinstance(item, Attributions):
                yield item
                item = plan.send(None)
            else:
                item = plan.send(game(item))
    except StopIteration as stop:
        yield stop.value


def run(plan: Plan, game: Game, on_estimate: Callable[[Attributions], None] | None = None) -> Attributions:
    """Drive `plan` against `game` to its result; hand partial estimates to `on_estimate` on the way."""
    last = None
    for item in estimates(plan, game):
        if last is not None and on_estimate is not None:
            on_estimate(last)
        last = item
    return last


def _trivial_plan(n: int) -> Plan:
    v = yield np.array([[False] * n, [True] * n], dtype=bool)
    values = (v[1] - v[0])[None, :] if n == 1 else np.zeros((0, v.shape[1]))
    return Attributions(values, v[0], v[1], 2)


def choose_method(n_players: int, max_evals: int) -> str:
    """Exact when all coalitions fit in the budget, else the sampled kernel estimator (lowest error per
    evaluation, with standard errors); partition only where the budget is too small for a regression over
    n players to be reliably identified (fewer than 3n + 2 evaluations, about 1.5 pairs per player)."""
    if n_players <= 1 or (n_players <= MAX_EXACT_PLAYERS and 2**n_players <= max_evals):
        return "exact"
    if max_evals >= 2 + 3 * n_players:
        return "kernel"
    return "partition"


def planned_evaluations(method: str, n: int, max_evals: int) -> int:
    """How many coalitions `method` will evaluate for n players (partition: at most this many)."""
    if n <= 1:
        return 2
    if method == "exact":
        return 2**n
    if method == "permutation":
        return 2 + 2 * ((max_evals - 2) // (2 * (n - 1))) * (n - 1)
    if method == "kernel":
        return 2 + 2 * min((max_evals - 2) // 2, 2 ** (n - 1) - 1)
    return max_evals


def exact(game: Game, n: int) -> Attributions:
    """Shapley values from all 2^n coalitions, evaluated in one planned batch."""
    return run(exact_plan(n), game)


def exact_plan(n: int) -> Plan:
    """Shapley values from all 2^n coalitions, requested in one batch."""
    if n > MAX_EXACT_PLAYERS:
        raise ValueError(
            f"method='exact' evaluates all 2^n coalitions and is limited to {MAX_EXACT_PLAYERS} players; this "
            f"input has {n}. Use method='partition' or 'permutation', players='word', or mask some tokens."
        )
    if n <= 1:
        return (yield from _trivial_plan(n))
    index = np.arange(2**n)
    coalitions = ((index[:, None] >> np.arange(n)) & 1).astype(bool)
    v = yield coalitions
    sizes = coalitions.sum(axis=1)
    # weight of a coalition S not containing i: |S|! (n - |S| - 1)! / n!
    weights = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    values = np.zeros((n, v.shape[1]))
    for i in range(n):
        without = index[(index >> i) & 1 == 0]
        values[i] = weights[sizes[without]] @ (v[without | (1 << i)] - v[without])
    return Attributions(values, v[0], v[-1], len(coalitions))


def _segments(encoding: Encoding) -> list[str]:
    """Each token's substring up to the next token, as shap's Text masker cuts them (specials are "")."""
    text, offsets = encoding.text, encoding.offsets
    if offsets is None:
        return ["" if s else t.replace("##", "", 1) for t, s in zip(encoding.tokens, encoding.special)]
    ends = [max(offsets[i][1], offsets[i + 1][0]) for i in range(len(offsets) - 1)] + [offsets[-1][1]]
    return [text[start:end] for (start, _), end in zip(offsets, ends)]


def _shap_text_tree(segments: list[str]) -> np.ndarray:
    """shap.maskers.Text's partition tree over token segments: pieces of a word join first, then phrases."""
    tokens: list[str] = []
    for i, v in enumerate(segments):
        joins = i > 0 and re.match(r"^.*\W$", segments[i - 1]) is None and re.match(r"^[A-Za-z]", v) is not None
        tokens.append("##" + v.strip() if joins and tokens[i - 1] != "" else v.strip())
    return partition_tree(tokens, [])


def _restrict_tree(tree: np.ndarray, leaf_player: list[int | None], n: int) -> np.ndarray | None:
    """The tree over `n` players, given each token leaf's player (None: not a player, e.g. special or masked).

    Leaves without a player are dropped (they are null players, so the others' Owen values are unchanged)
    and the pieces of one player collapse into one leaf. None when a player's pieces are not one subtree.
    """
    nodes: list[tuple[int | None, frozenset[int]]] = [
        (p, frozenset() if p is None else frozenset({p})) for p in leaf_player
    ]
    rows: list[list[float]] = []
    for left, right in tree[:, :2].astype(int):
        (a, pa), (b, pb) = nodes[left], nodes[right]
        if not pa or not pb or pa == pb:
            nodes.append((a, pa) if pa else (b, pb))
            continue
        if pa & pb:
            return None
        rows.append([a, b, 0.0, len(pa) + len(pb)])
        nodes.append((n + len(rows) - 1, pa | pb))
    out = np.array(rows, dtype=float).reshape(-1, 4)
    out[:, 2] = out[:, 3] / max(1.0, out[:, 3].max()) if len(out) else out[:, 2]
    return out


def text_tree(encoding: Encoding, positions: list[np.ndarray]) -> np.ndarray:
    """The partition tree shap would build for this text, over the given players (lists of token positions).

    For a sentence pair the two texts split first: each has its own tree, and the root joins them.
    """
    if encoding.segment is not None:
        return _pair_tree(encoding, positions)
    leaf_player: list[int | None] = [None] * len(encoding.input_ids)
    for p, pos in enumerate(positions):
        for i in pos:
            leaf_player[int(i)] = p
    tree = _restrict_tree(_shap_text_tree(_segments(encoding)), leaf_player, len(positions))
    if tree is None:  # players that cut across shap's token tree: build the tree over the players themselves
        segments = _segments(encoding)
        merged = ["".join(segments[int(i)] for i in pos) for pos in positions]
        tree = _shap_text_tree(merged)
        tree[:, 2] = tree[:, 3] / tree[:, 3].max()
    return tree


def _pair_tree(encoding: Encoding, positions: list[np.ndarray]) -> np.ndarray:
    """Each segment's own text tree over its players, joined at the root (players of segment 0 come first)."""
    parts = []
    for k in (0, 1):
        idx = np.flatnonzero(encoding.segment == k)
        local = np.full(len(encoding.input_ids), -1)
        local[idx] = np.arange(len(idx))
        mine = [local[pos] for pos in positions if encoding.segment[int(pos[0])] == k]
        if not mine:
            continue
        sub = Encoding(
            text=encoding.segment_text(k), input_ids=encoding.input_ids[idx], extra={}, special=encoding.special[idx],
            offsets=None if encoding.offsets is None else [encoding.offsets[i] for i in idx],
            word_ids=None, tokens=[encoding.tokens[i] for i in idx], truncated=False,
        )
        parts.append((len(mine), text_tree(sub, mine) if len(mine) > 1 else np.zeros((0, 4))))
    if len(parts) == 1:
        return parts[0][1]
    (na, ta), (nb, tb) = parts
    n = na + nb

    def shift(tree: np.ndarray, leaves: int, leaf_start: int, node_start: int) -> np.ndarray:
        out = tree.copy()
        ids = out[:, :2]
        out[:, :2] = np.where(ids < leaves, ids + leaf_start, ids - leaves + node_start)
        return out

    a = shift(ta, na, 0, n)
    b = shift(tb, nb, na, n + na - 1)
    root_a = n + na - 2 if na > 1 else 0
    root_b = n + na - 1 + nb - 2 if nb > 1 else na
    tree = np.vstack([a, b, [[root_a, root_b, 0.0, n]]])
    tree[:, 2] = tree[:, 3] / n
    return tree


def _node_masks(tree: np.ndarray, n: int) -> np.ndarray:
    """Dense (2n-1, n) membership of every tree node: leaves first, then internal nodes in linkage order."""
    masks = np.zeros((2 * n - 1, n), dtype=bool)
    masks[np.arange(n), np.arange(n)] = True
    for k, (left, right) in enumerate(tree[:, :2].astype(int)):
        masks[n + k] = masks[left] | masks[right]
    return masks


def _lower_credit(credit: np.ndarray, tree: np.ndarray, n: int) -> np.ndarray:
    """Push each internal node's credit down to its leaves in proportion to their sizes (as shap does)."""
    sizes = np.concatenate([np.ones(n), tree[:, 3]])
    for node in range(2 * n - 2, n - 1, -1):  # parents come after their children in a linkage
        left, right = tree[node - n, :2].astype(int)
        credit[left] += credit[node] * sizes[left] / sizes[node]
        credit[right] += credit[node] * sizes[right] / sizes[node]
    return credit[:n]


def partition(
    game: Game, n: int, max_evals: int, tree: np.ndarray, seed: int = 0, batch_size: int | None = None,
    fixed_context: int | None = None,
) -> Attributions:
    """Owen values over `tree` (see `partition_plan`)."""
    return run(partition_plan(n, max_evals, tree, seed, batch_size, fixed_context), game)


def partition_plan(n: int, max_evals: int, tree: np.ndarray, seed: int = 0, batch_size: int | None = None,
                   fixed_context: int | None = None) -> Plan:
    """Owen values over `tree`: shap's PartitionExplainer recursion, planned in rounds of large batches.

    Each round expands the most promising tree nodes (largest output change, as in shap) and evaluates all
    their coalitions in one call; ties are broken by a seeded random stream exactly as shap breaks them with
    the global one, so for the same batch size the values equal shap's. `batch_size` is the number of
    coalitions per round; by default a quarter of the budget (at least 32): a handful of large batches, while
    the budget still goes deep where outputs change most (one round for the whole budget would spread it
    breadth-first and agree far less with shap on long inputs).
    `fixed_context` is shap's: None for Owen values; 0 (or 1) explores each node's children with the rest of
    the tree masked (or kept) only, leaving their interaction on the node. The result's `hierarchical` holds
    each tree node's own credit (shap's `hierarchical_values`).
    """
    if fixed_context not in (None, 0, 1):
        raise ValueError(f"fixed_context must be None, 0 or 1, got {fixed_context!r}.")
    if n <= 1:
        return (yield from _trivial_plan(n))
    masks = _node_masks(tree, n)
    f00, f11 = yield np.array([[False] * n, [True] * n])
    credit = np.zeros((2 * n - 1, len(f00)))
    budget = max_evals - 2
    per_round = max(32, max_evals // 4) if batch_size is None else batch_size
    rng = np.random.RandomState(seed)
    empty = np.zeros(n, dtype=bool)
    heap: list = [(0, 0, (empty, f00, f11, 2 * n - 2, 1.0))]
    evals = 0
    while heap:
        if evals >= budget:
            for _, _, (m00, g00, g11, node, weight) in heap:
                credit[node] += (g11 - g00) * weight
            break
        expand, rows = [], []
        while heap and len(rows) < per_round and evals + len(rows) < budget:
            m00, g00, g11, node, weight = heapq.heappop(heap)[2]
            if node < n or tree[node - n, 2] < 0:
                credit[node] += (g11 - g00) * weight
                continue
            left, right = tree[node - n, :2].astype(int)
            m10, m01 = m00 | masks[left], m00 | masks[right]
            expand.append((m00, m10, m01, g00, g11, node, left, right, weight))
            rows += [m10, m01]
        if not expand:
            continue
        out = yield np.array(rows)
        evals += len(rows)
        for k, (m00, m10, m01, g00, g11, node, left, right, weight) in enumerate(expand):
            g10, g01 = out[2 * k], out[2 * k + 1]
            half = weight / 2 if fixed_context is None else weight
            if fixed_context is not None:  # the children's interaction stays on their parent
                sign = 1.0 if fixed_context == 0 else -1.0
                credit[node] += sign * (g11 - g10 - g01 + g00) * weight
            children = ((m00, g00, g10, left), (m00, g00, g01, right), (m01, g01, g11, left), (m10, g10, g11, right))
            explored = {None: children, 0: children[:2], 1: children[2:]}[fixed_context]
            for m, lo, hi, child in explored:
                heapq.heappush(heap, (-np.max(np.abs(hi - lo)) * half, rng.randn(), (m, lo, hi, child, half)))
    hierarchical = credit.copy()
    return Attributions(_lower_credit(credit, tree, n), f00, f11, evals + 2, hierarchical=hierarchical)
