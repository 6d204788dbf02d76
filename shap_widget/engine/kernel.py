"""The default sampled estimator: paired kernel regression over an order sample of coalition pairs.

Shapley values are the solution of a weighted least-squares problem over all coalitions (Charnes et al. 1988;
Lundberg & Lee 2017, KernelSHAP), constrained so that they add up to output - base. This estimator solves that
problem on a sample and says how far off it may be:

- **Paired coalitions** S and its complement (Covert & Lee, "Improving KernelSHAP", AISTATS 2021): the pair
  cancels the odd part of the game's deviation from additivity, so near-additive games (most text classifiers)
  are recovered from few rows.
- **Without replacement, sizes by a measure** (as in Musco & Witter, "Provably Accurate Shapley Value
  Estimation via Leverage Score Sampling", ICLR 2025): each pair at most once, sizes drawn by a per-size measure
  (`BETA` interpolates between their leverage scores and the kernel's own weights; on the demo model's games the
  measure halfway between them gave the lowest error). Sizes whose pairs all fit are taken whole (exact strata,
  no variance), which is where the kernel weight is largest.
- **Balanced within a size**: the fresh coalitions of a size are chosen so that every player is in about
  as many of them as any other, and every pair of players too (a greedy form of balanced sampling;
  Deville & Tillé 2004). The rule treats all players alike, so each coalition is still uniformly random
  among those of its size and the estimate keeps its expectation; the standard errors, computed as if the
  draws were independent, err on the safe side. On the demo model's 26-player game this halved the error.
- **Terms with Shapley values zero**: beside the values the fit has free terms that leave the estimate's
  expectation alone and take what they fit out of its variance (see `_solve`). A function of the coalition's
  size: a classifier's probability often rises steeply only once most tokens are present (inputs with many
  masked tokens read as neutral). A size profile shared by all players, weighted by a first fit's values:
  where the output is steep every token counts more in proportion. Where the sample has room, a profile per
  player, and terms in how much evidence the rest of the coalition gives by the first fit (a token moves a
  probability least where the others have pushed it close to 0 or 1). On the demo model's 64-player game at
  512 evaluations the size terms took the error from 0.29 (none) to 0.050 (size) to 0.025 (size profiles);
  the evidence terms took it from 0.00055 to 0.00031 at 12 players and from 0.0062 to 0.0048 at 26.
- **Order sampling** (Rosén 1997; Ohlsson's sequential Poisson sampling): every pair gets a key u / λ, and the
  sample after m pairs is the m smallest keys. Each prefix is itself a proper sample, so the estimate can stop
  after any batch ("anytime"), Horvitz-Thompson weights follow from the next key, and the budget is met
  exactly.
- **Standard errors** by linearising the constrained regression (a sandwich estimator under Poisson sampling);
  exact strata contribute none.
- **Re-use across clicks**: masking a player gives the old game with one player forced off. Every coalition of
  the new game is one side of exactly one pair of the old design, drawn with a known probability, so the old
  sample is a proper (unpaired) sample of the new game: the first estimate after a click needs no forward
  pass. The new design then takes, within each size, the pairs the old one already half-evaluated before fresh
  ones; pairs within a size are exchangeable, so this keeps the sample uniform.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from . import surrogate
from .estimators import FIRST_ROWS, Attributions, Plan, _trivial_plan
from .certainty import Settling
from .linalg import NumpyLinalg, TorchLinalg, linalg_for
from .threads import single_threaded

# Per-coalition size measure ∝ 1 / (C(n, s) * (s (n - s)) ** BETA): 0 is leverage-score sampling (every size
# equally likely), 1 the kernel's own weights. Chosen by benchmarks/bench_accuracy.py (0.25-0.75 were within
# noise of each other at 12 and 26 players; 0 and 1 were worse at 26, 1 much worse at 64).
BETA = 0.5
# Up to this many players, sampled coalitions also balance pairs of players (n x n counts per size).
PAIR_BALANCE_PLAYERS = 128
# Hat functions of the coalition size fitted beside the values (see `_solve`); 19 knots (every 5% of the
# players) were as accurate as 31 at 64 players and no worse than none at 12 and 26.
SIZE_KNOTS = 19
# Shapes of the size profile shared by all players (see `_solve`); 2 were as good as 4 or 8 on the demo
# model's games and on a synthetic rising game, 1 was worse.
PROFILE_SHAPES = 2
# Each player's own size profile (n more coefficients) is tried once the sample has this many pairs per
# player beside the size knots; with fewer it raised the error at 64 players.
PLAYER_SIZE_ROOM = 3
# Rows of n uniform numbers a class's balanced choice draws from its stream at once.
UNIFORM_ROWS = 16
# A fit whose normal equations are worse conditioned than this cannot identify the values (1-norm).
MAX_CONDITION = 1e10


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass
class Design:
    """The pairs a sampled estimate used, as player-level coalitions, kept to re-use in later games.

    `free` marks the game's free players (over all players of the input); `sides` holds one side of each
    pair (the other is `free & ~side`); `pi` each pair's inclusion probability.
    """

    free: np.ndarray
    sides: np.ndarray
    pi: np.ndarray

    def __len__(self) -> int:
        return len(self.sides)


class _Classes:
    """Pair classes k = 1..n//2 (a coalition of size k and its complement): counts, measures, kernel weights."""

    def __init__(self, n: int, beta: float = BETA) -> None:
        self.n = n
        self.k = np.arange(1, n // 2 + 1)
        log_c = np.array([_log_comb(n, int(k)) for k in self.k])
        half = 2 * self.k == n
        self.count = [math.comb(n, int(k)) // (2 if h else 1) for k, h in zip(self.k, half)]
        self.log_count = log_c - np.log(2.0) * half
        # selection measure of the whole class: (s (n - s))^-beta / C(n, s) per coalition, over its pairs
        self.log_measure = -beta * np.log(self.k * (n - self.k)) - np.log(2.0) * half
        # kernel weight of one coalition of size k, up to a constant: 1 / (C(n, k) k (n - k))
        self.log_mu = -log_c - np.log(self.k * (n - self.k))

    def of(self, size: int | np.ndarray) -> int | np.ndarray:
        """The class index of a coalition of this size (0 < size < n), or of each size in an array."""
        return np.minimum(size, self.n - size) - 1


class _OrderSample:
    """Pair keys in increasing order, class by class, as if every pair had drawn a uniform u and key u / λ.

    The keys depend only on n and the seed, so the pairs drawn are kept (`drawn_classes`, `drawn_keys`) with
    that length's sides in `_Tries`, and each estimate reads them through its own `_OrderReader`.
    """

    def __init__(self, classes: _Classes, rng: np.random.Generator) -> None:
        self.classes = classes
        self.rng = rng
        self.taken = [0] * len(classes.k)
        self._g = [0.0] * len(classes.k)  # count * u of the last order statistic drawn, per class
        self._heap: list[tuple[float, int]] = []
        self.drawn_classes: list[int] = []
        self.drawn_keys: list[float] = []
        for c in range(len(classes.k)):
            self._push(c)

    def _push(self, c: int) -> None:
        count, i = self.classes.count[c], self.taken[c]
        if i >= count:
            return
        # the next of `count` uniform order statistics, scaled by count (stable for astronomically many pairs)
        e = -math.expm1(math.log1p(-self.rng.random()) / float(count - i))
        self._g[c] += (float(count) - self._g[c]) * e
        heapq.heappush(self._heap, (math.log(max(self._g[c], 1e-300)) - self.classes.log_measure[c], c))

    def draw(self, m: int) -> None:
        """The next m pairs in key order (fewer once every pair is drawn)."""
        while m > 0 and self._heap:
            key, c = heapq.heappop(self._heap)
            self.taken[c] += 1
            self.drawn_classes.append(c)
            self.drawn_keys.append(key)
            self._push(c)
            m -= 1


class _OrderReader:
    """One estimate's place in the order sample of its n and seed: the classes of the pairs it takes, and each
    class's inclusion probability for the sample taken so far."""

    def __init__(self, tries: "_Tries") -> None:
        self.order, self.lock = tries.order, tries.lock
        self.at = 0
        self.taken = [0] * len(self.order.classes.k)

    def take(self, m: int) -> list[int]:
        """The classes of the next m pairs in key order."""
        order = self.order
        with self.lock:
            order.draw(self.at + m + 1 - len(order.drawn_classes))  # and the key after them
            out = order.drawn_classes[self.at: self.at + m]
        self.at += len(out)
        for c in out:
            self.taken[c] += 1
        return out

    def log_pi(self) -> np.ndarray:
        """Each class's inclusion probability (log) for the sample taken so far: min(1, λ · next key)."""
        classes, keys = self.order.classes, self.order.drawn_keys
        next_key = keys[self.at] if self.at < len(keys) else np.inf
        log_pi = np.minimum(0.0, classes.log_measure - classes.log_count + next_key)
        exhausted = np.array([t >= cnt for t, cnt in zip(self.taken, classes.count)])
        return np.where(exhausted, 0.0, log_pi)


class _Tries:
    """The order sample's pairs (`order`) and each class's sequence of fresh sides for n players and a seed,
    grown on demand and shared by every estimate with that n and seed.

    Fresh sides of a class are balanced: each player joins as few sides as possible so far, and among those,
    each pair of players as few; the rest is random, and the rule treats all players alike, so each side is
    still a uniformly random coalition of its size. Beyond `PAIR_BALANCE_PLAYERS` players only the first
    rule applies (dealt from shuffled decks, without the n x n co-occurrence counts). Each class draws from
    its own random stream and keeps its own counts, so its i-th side depends on n, the seed, the class and i
    alone: texts of the same length re-use one sequence instead of choosing it again, and a streamed estimate
    ends where a one-batch estimate is. A side drawn before within the class still counts (the next one
    differs); whoever reads the sequence skips the sides it already has.
    """

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.lock = threading.Lock()
        self.order = _OrderSample(_Classes(n), np.random.default_rng([seed, 1]))
        self.seed = seed
        self._rngs: dict[int, np.random.Generator] = {}
        self._drawn: dict[int, list] = {}  # per class: uniform numbers drawn ahead (rows, rows used)
        self.sides: list[list[np.ndarray]] = [[] for _ in range(n // 2)]
        self.keys: list[list[bytes]] = [[] for _ in range(n // 2)]
        balanced = n <= PAIR_BALANCE_PLAYERS
        self.counts = np.zeros((n // 2, n), dtype=np.int64) if balanced else None  # per class: sides each player joined
        # per class: sides each pair of players joined (exact integers, added to the float scores as they are)
        self.together = np.zeros((n // 2, n, n), dtype=np.int32) if balanced else None
        self.decks: dict[int, np.ndarray] = {}  # per class, beyond PAIR_BALANCE_PLAYERS: players still to deal

    @property
    def nbytes(self) -> int:
        drawn = sum(len(s) for s in self.sides) * (self.n + self.n // 8 + 200) + 100 * len(self.order.drawn_keys)
        drawn += sum(rows.nbytes for rows, _ in self._drawn.values())
        return drawn + (self.together.nbytes + self.counts.nbytes if self.together is not None else 0)

    def rng(self, c: int) -> np.random.Generator:
        """Class c's own random stream."""
        if c not in self._rngs:
            self._rngs[c] = np.random.default_rng([self.seed, 2, c])
        return self._rngs[c]

    def _uniform(self, c: int) -> np.ndarray:
        """The next n uniform numbers of class c's stream, drawn UNIFORM_ROWS rows at a time (the same numbers
        as n at a time)."""
        drawn = self._drawn.get(c)
        if drawn is None or drawn[1] == len(drawn[0]):
            drawn = self._drawn[c] = [self.rng(c).random((UNIFORM_ROWS, self.n)), 0]
        drawn[1] += 1
        return drawn[0][drawn[1] - 1]

    def extend(self, more: dict[int, int]) -> None:
        """`more[c]` more sides for each class c, a round at a time (one side of every class still short)."""
        left = dict(more)
        while left:
            short = sorted(c for c, k in left.items() if k > 0)
            if not short:
                break
            hands = self._balanced(short) if self.together is not None else [self._dealt(c) for c in short]
            sides = np.zeros((len(short), self.n), dtype=bool)
            sides[np.repeat(np.arange(len(short)), np.array(short) + 1), np.concatenate(hands)] = True
            sides = _canonical(sides)
            for c, side, key in zip(short, sides, np.packbits(sides, axis=1)):
                self.sides[c].append(side)
                self.keys[c].append(key.tobytes())
                left[c] -= 1

    def _balanced(self, classes: list[int]) -> list[np.ndarray]:
        """c + 1 players for each class c, one at a time: fewest sides so far first, then fewest sides with
        those chosen."""
        n = self.n
        order = sorted(classes, key=lambda c: -c)  # largest first, so the hands still open are a prefix
        cls = np.array(order, dtype=np.int64)
        counts = self.counts[cls]
        # counts weigh more than any co-occurrence total (at most the largest count); the fraction breaks
        # ties at random
        score = (counts * (n * (counts.max(axis=1, keepdims=True) + 1)).astype(np.float64)
                 + np.stack([self._uniform(c) for c in order]) * 0.5)
        members = np.zeros((len(order), order[0] + 1), dtype=np.int64)
        open_, rows = len(order), np.arange(len(order))
        first = cls * n  # row of (class, player 0) in the co-occurrence counts as (classes * n, n)
        pair_rows = self.together.reshape(-1, n)
        for j in range(order[0] + 1):
            while order[open_ - 1] < j:
                open_ -= 1
            head = score[:open_]
            members[:open_, j] = i = head.argmin(axis=1)
            head += pair_rows[first[:open_] + i]
            head[rows[:open_], i] = np.inf
        held = np.arange(members.shape[1])[None, :] <= cls[:, None]
        self.counts.reshape(-1)[(first[:, None] + members)[held]] += 1
        both = held[:, :, None] & held[:, None, :]
        self.together.reshape(-1)[((first[:, None, None] + members[:, :, None]) * n + members[:, None, :])[both]] += 1
        hands = {c: members[k, : c + 1] for k, c in enumerate(order)}
        return [hands[c] for c in classes]

    def _dealt(self, c: int) -> np.ndarray:
        """c + 1 players dealt from shuffled decks of all players: each player once per deck."""
        k, deck = c + 1, self.decks.get(c, np.zeros(0, dtype=np.int64))
        if len(deck) < k:
            # the new deck's first cards complete the hand left over without repeating a player
            players, rng = np.arange(self.n), self.rng(c)
            head = rng.permutation(np.setdiff1d(players, deck))[: k - len(deck)]
            deck = np.concatenate([deck, head, rng.permutation(np.setdiff1d(players, head))])
        self.decks[c] = deck[k:]
        return deck[:k]


# Sequences of fresh sides kept for later estimates with the same number of players and seed, most recently
# used last, up to TRIES_BYTES in all (about 4 MiB each at 128 players).
TRIES_BYTES = 64 << 20
_tries: OrderedDict[tuple[int, int], _Tries] = OrderedDict()
_tries_lock = threading.Lock()


def _tries_for(n: int, seed: int) -> _Tries:
    """The shared side sequences for n players and this seed, now the most recently used."""
    with _tries_lock:
        tries = _tries.pop((n, seed), None) or _Tries(n, seed)
        _tries[(n, seed)] = tries
    _bound_tries()
    return tries


def _bound_tries() -> None:
    """Drop the least recently used sequences while all of them hold more than TRIES_BYTES (the most recent
    one stays, whatever its size)."""
    with _tries_lock:
        while len(_tries) > 1 and sum(t.nbytes for t in _tries.values()) > TRIES_BYTES:
            _tries.popitem(last=False)


def _canonical(sides: np.ndarray) -> np.ndarray:
    """The side that stands for each pair (rows of `sides`): the smaller one, or for halves the one with
    player 0."""
    n = sides.shape[1]
    size = sides.sum(axis=1)
    flip = (2 * size > n) | ((2 * size == n) & ~sides[:, 0])
    return np.where(flip[:, None], ~sides, sides)


class _PairPicker:
    """Uniformly random pairs within each class, without replacement; pairs handed in come first (re-use),
    then each class's fresh sides (`_Tries`) that are not among them."""

    def __init__(self, tries: _Tries, seed: int, reuse: dict[int, list[np.ndarray]]) -> None:
        self.n = n = tries.n
        self.tries = tries
        self.read = [0] * (n // 2)  # per class: fresh sides read so far
        self.seen: set[bytes] = set()
        self.reuse = {c: list(v) for c, v in reuse.items()}
        for c, pool in self.reuse.items():
            np.random.default_rng([seed, 3, c]).shuffle(pool)

    def _new(self, key: bytes) -> bool:
        """Whether the side with this key (its packed bits) is not in the sample yet; it is from now on."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def pick_many(self, classes: list[int]) -> np.ndarray:
        """One side of a new pair for each class in `classes` (in that order)."""
        wanted: dict[int, int] = {}
        for c in classes:
            wanted[c] = wanted.get(c, 0) + 1
        picked: dict[int, list[np.ndarray]] = {c: [] for c in wanted}
        for c, k in wanted.items():
            pool = self.reuse.get(c)
            while pool and len(picked[c]) < k:
                side = _canonical(pool.pop()[None])[0]
                if self._new(np.packbits(side).tobytes()):
                    picked[c].append(side)
        tries, grown = self.tries, False
        with tries.lock:
            while True:
                short = {c: k - len(picked[c]) for c, k in wanted.items() if len(picked[c]) < k}
                if not short:
                    break
                more = {c: self.read[c] + k - len(tries.sides[c]) for c, k in short.items()}
                grown = grown or any(k > 0 for k in more.values())
                tries.extend(more)
                for c, k in short.items():
                    sides, keys = tries.sides[c], tries.keys[c]
                    end = self.read[c] + k
                    picked[c] += [sides[j] for j in range(self.read[c], end) if self._new(keys[j])]
                    self.read[c] = end
        if grown:
            _bound_tries()
        out = np.zeros((len(classes), self.n), dtype=bool)
        for j, c in enumerate(classes):
            out[j] = picked[c].pop(0)
        return out


def size_features(z: np.ndarray, knots: int = SIZE_KNOTS) -> np.ndarray:
    """Hat functions of the coalition's share of players, t = |S| / n: a term that depends on size alone.

    `knots` hats (at most one per size), each 1 at its knot and 0 at the neighbouring knots and at t = 0
    and 1, so the term never changes the value of the empty or the full input.
    """
    n = z.shape[1]
    knots = min(knots, n - 1)
    t = z.sum(axis=1) / n
    centres = np.arange(1, knots + 1) / (knots + 1)
    return np.maximum(0.0, 1.0 - np.abs(t[:, None] - centres[None, :]) * (knots + 1))


def size_profiles(
    z: np.ndarray, shape: Callable[[np.ndarray], np.ndarray], weights: np.ndarray | None = None
) -> np.ndarray:
    """One column per player: the player's presence, ±1/2, times `shape`(|S| / n), an even function that is 0
    at both ends, minus the additive game with the same Shapley values. With `weights` (n, k), those columns
    summed with each column of weights, (R, k), without forming the (R, n) columns.

    So every column is zero at the empty and the full input and all its Shapley values are zero: its
    coefficient can take any value without moving φ. It is odd under taking the complement, the part of a
    game that paired coalitions do not cancel: it says how much more a player counts in coalitions of some
    sizes than of others (a probability moves least where it is close to 0 or 1).
    """
    n = z.shape[1]
    x = z.astype(np.float64)
    sizes = np.arange(n)
    # the Shapley value of (z_i - 1/2) shape(t) for player i is its mean over the sizes i can join at; the
    # others share its negative equally, since the column is 0 at both ends
    own = float(np.sum(shape((sizes + 1) / n) + shape(sizes / n))) / (2 * n)
    present = x.sum(axis=1, keepdims=True)
    if weights is None:
        return (x - 0.5) * shape(present / n) - (own * x - own / (n - 1) * (present - x))
    xa, total = x @ weights, weights.sum(axis=0, keepdims=True)
    return (xa - 0.5 * total) * shape(present / n) - (own * xa - own / (n - 1) * (present * total - xa))


def evidence_profiles(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """One column per player: the player's presence, ±1/2, times u², where u = Σ_j a_j (z_j - 1/2) is the
    additive game with values a, minus the additive game with the same Shapley values and its value at the
    empty input.

    Zero at the empty and the full input, Shapley values zero and odd under taking the complement, as
    `size_profiles`; here a player counts more or less by how much evidence the rest of the coalition
    already gives (a probability moves least where the other tokens have pushed it close to 0 or 1). Their
    sum weighted by a is the same for u³. The Shapley values come from the values of the monomials:
    z_i - 1/2 has 1 for i, and (z_i - 1/2)(z_j - 1/2)(z_k - 1/2) has 1/12 for each of its three players.
    """
    present = z.astype(np.float64)
    x = present - 0.5
    a = np.asarray(a, dtype=np.float64)
    s1, s2 = float(a.sum()), float((a**2).sum())
    u = x @ a
    # shapley[l, i]: player l's Shapley value in column i
    shapley = 0.5 * np.outer(a, a) + a[:, None] * (s1 - a[None, :] - a[:, None]) / 6.0
    others = ((s1 - a) ** 2 - (s2 - a**2)) / 2.0  # sum of a_j a_k over pairs of the other players
    np.fill_diagonal(shapley, s2 / 4.0 + others / 6.0)
    at_empty = -0.5 * (0.5 * s1) ** 2
    return x * (u**2)[:, None] - at_empty - present @ shapley


def _mid(t: np.ndarray) -> np.ndarray:
    return 4.0 * t * (1.0 - t)


def _even_hats(k: int) -> list[Callable[[np.ndarray], np.ndarray]]:
    """k hat functions mirrored about t = 1/2, with knots at j / (2k + 1), j = 1..k."""
    width = 1.0 / (2 * k + 1)

    def hat(centre: float) -> Callable[[np.ndarray], np.ndarray]:
        return lambda t: (np.maximum(0.0, 1.0 - np.abs(t - centre) / width)
                          + np.maximum(0.0, 1.0 - np.abs(1.0 - t - centre) / width))

    return [hat(j * width) for j in range(1, k + 1)]


@single_threaded
def _solve(
    z: np.ndarray, y: np.ndarray, unit: np.ndarray, w: np.ndarray, var_w: np.ndarray, delta: np.ndarray,
    profiles: bool = True, device: torch.device | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Constrained weighted least squares and its standard errors; None where the sample cannot identify φ.

    z (R, n) rows, y (R, C) their values minus the base, unit (R,) the sampling unit of each row, w (U,)
    each unit's weight (kernel weight / inclusion probability), var_w (U,) = (1 - π) w² for the variance,
    delta (C,) = output - base, which the values add up to. Besides φ the fit has free terms whose Shapley
    values are zero, so they leave the estimate's expectation alone and take what they fit out of its
    variance:

    - a term in the coalition's size (`size_features`): the part of the game that depends on how many
      players are present (a classifier's probability often rises steeply only once most tokens are there)
      is a symmetric game, whose Shapley values are equal, so the constraint alone fixes its share;
    - a size profile shared by all players (`size_profiles` weighted by a first fit's φ, one term per
      shape in `_even_hats`): where the output is steep, every token's effect is larger in proportion;
    - where the sample has room for n more coefficients (`PLAYER_SIZE_ROOM`), terms in the evidence the
      rest of the coalition gives, u = Σ φ_j (z_j - 1/2) with a first fit's φ (`evidence_profiles`: one
      per player, or their sum, the term in u³), and a size profile of each player's own (`size_profiles`
      with `_mid`, less their sum, which depends on size alone).

    Of these combinations the fit with the lowest estimated variance is kept, per class; one is left out
    only where the sample cannot identify it (`_fit`).

    Without `profiles`, only the size term. The fits run in torch on `device` where one is given (the
    model's accelerator), else in numpy.
    """
    n = z.shape[1]
    rw = w[unit]
    la = linalg_for(unit, len(w), device, z.size)
    on = _FitData(la, la.array(z), la.array(y), la.array(rw), la.array(var_w), la.array(delta),
                  int(np.count_nonzero(var_w)))
    # as many knots as the sample has room for beside the n values, so small samples stay identified
    size = size_features(z, min(SIZE_KNOTS, max(0, (len(w) - n) // 2)))
    size = size[:, (rw @ size) > 0]  # only sizes the sample has
    every = slice(None)
    sized = _Normal.of(on, every, size)
    first = _fit(sized)
    if first is None:
        return _fit(_Normal.of(on, every, size[:, :0])) if size.shape[1] else None
    if not profiles or not size.shape[1] or len(w) < n + size.shape[1] + PROFILE_SHAPES + 8:
        return first
    shared = [size_profiles(z, shape, first[0]) for shape in _even_hats(PROFILE_SHAPES)]  # (R, C) each
    room = len(w) >= PLAYER_SIZE_ROOM * n + size.shape[1] + PROFILE_SHAPES
    own = None
    if room:
        # their sum depends on the coalition's size alone, which the size term spans wherever it has a knot per
        # size: the profiles less their mean, the last left out, span the rest
        own = size_profiles(z, _mid)
        own = (own - own.mean(axis=1, keepdims=True))[:, :-1]
    values, errors = first[0].copy(), first[1].copy()
    mirrored = _mirrored(y, delta)
    for c in range(y.shape[1]):
        if c == mirrored:  # the negative of the other output's game: the same fits, negated
            values[:, c], errors[:, c] = -values[:, 0], errors[:, 0]
            continue
        a = first[0][:, c]
        features = [size] + [profile[:, c:c + 1] for profile in shared]
        base = sum(f.shape[1] for f in features)
        tries = [np.arange(base)]
        if room:
            # scaled so that u stays of order 1 whatever the output's units
            evidence = evidence_profiles(z, a * (4.0 / max(float(np.abs(a).sum()), 1e-300)))
            features += [evidence @ a[:, None], own, evidence]
            cubic, own_at, evidence_at = [base], base + 1 + np.arange(n - 1), base + n + np.arange(n)
            tries += [np.concatenate([tries[0], *more])
                      for more in ([cubic], [own_at], [own_at, cubic], [evidence_at], [own_at, evidence_at])]
        normal = _Normal.of(on, slice(c, c + 1), np.concatenate(features, axis=1), sized)
        fits = [f for f in (_fit(normal, cols) for cols in tries) if f]
        if fits:
            best = min(fits, key=lambda f: float((f[1] ** 2).sum()))
            values[:, c], errors[:, c] = best[0][:, 0], best[1][:, 0]
    return values, errors


def _mirrored(y: np.ndarray, delta: np.ndarray) -> int | None:
    """1 where the second of two outputs is the negative of the first (a two-class model's probabilities,
    which add up to 1), else None."""
    if y.shape[1] != 2:
        return None
    tiny = 1e-12 * max(float(np.abs(y).max(initial=0.0)), float(np.abs(delta).max()), 1e-300)
    close = np.abs(y[:, 0] + y[:, 1]).max(initial=0.0) <= tiny and abs(float(delta[0] + delta[1])) <= tiny
    return 1 if close else None


@dataclass(frozen=True)
class _FitData:
    """What every fit of one `_solve` shares, as arrays of its `la`: rows z (R, n), their values y (R, C),
    row weights rw (R,), unit variance weights var_w (U,), delta (C,), and how many units were sampled."""

    la: NumpyLinalg | TorchLinalg
    z: np.ndarray | torch.Tensor
    y: np.ndarray | torch.Tensor
    rw: np.ndarray | torch.Tensor
    var_w: np.ndarray | torch.Tensor
    delta: np.ndarray | torch.Tensor
    sampled: int


@dataclass(frozen=True)
class _Normal:
    """The design [z | free features] (R, n + f) of the outputs `c`, with its weighted Gram matrix G and
    right-hand sides b, shared by the fits that keep some of the feature columns."""

    on: _FitData
    c: slice
    X: np.ndarray | torch.Tensor
    G: np.ndarray | torch.Tensor
    b: np.ndarray | torch.Tensor

    @classmethod
    def of(cls, on: _FitData, c: slice, features: np.ndarray, base: "_Normal | None" = None) -> "_Normal":
        """The design with these features; `base`, a design whose features are the first ones of these, lends
        its columns and their Gram matrix."""
        la, rw = on.la, on.rw[:, None]
        rows, n = on.z.shape
        if base is None:
            X = la.zeros(rows, n + features.shape[1])
            X[:, :n] = on.z
            X[:, n:] = la.array(features)
            Xw = X * rw
            return cls(on, c, X, Xw.T @ X, Xw.T @ on.y[:, c])
        k = base.X.shape[1]
        more = la.array(features[:, k - n:])
        X = la.zeros(rows, k + more.shape[1])
        X[:, :k] = base.X
        X[:, k:] = more
        more_w = more * rw
        G = la.zeros(X.shape[1], X.shape[1])
        G[:k, :k] = base.G
        G[:k, k:] = base.X.T @ more_w
        G[k:, :k] = G[:k, k:].T
        G[k:, k:] = more_w.T @ more
        return cls(on, c, X, G, X.T @ (rw * on.y[:, c]))


def _fit(normal: _Normal, cols: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """`_solve` for `normal`'s outputs with its feature columns `cols` (all where None), each with Shapley
    values zero and zero at both ends."""
    on = normal.on
    la, y, delta = on.la, on.y[:, normal.c], on.delta[normal.c]
    rows, n = on.z.shape
    X, A, Xty = normal.X, normal.G, normal.b
    if cols is not None and len(cols) < X.shape[1] - n:
        cols = np.sort(np.asarray(cols, dtype=np.int64))
        if cols[-1] == len(cols) - 1:  # the first feature columns: views, not copies
            X, A, Xty = X[:, : n + len(cols)], A[: n + len(cols), : n + len(cols)], Xty[: n + len(cols)]
        else:
            keep = np.concatenate([np.arange(n), n + cols])
            if isinstance(X, torch.Tensor):
                keep = torch.as_tensor(keep, device=X.device)
            X, A, Xty = X[:, keep], A[keep][:, keep], Xty[keep]
    p = X.shape[1]
    # every column scaled to unit weight, so that the condition number judges the fit and not the units of
    # its columns (a profile weighted by small values is as good a term as one weighted by large ones)
    diagonal = A.diagonal()
    s = 1.0 / (diagonal + (diagonal <= 0)) ** 0.5
    c = n / float(s[:n].sum())  # the constraint's row, scaled like the others
    K = la.zeros(p + 1, p + 1)
    K[:p, :p] = A * s[:, None] * s[None, :]
    K[:n, p] = c * s[:n]
    K[p, :n] = c * s[:n]
    # only the columns of the inverse the fit reads: the values' (for their standard errors) and the solution
    outputs = Xty.shape[1]
    rhs = la.zeros(p + 1, n + outputs)
    rhs[:n, :n] = la.array(np.eye(n))
    rhs[:p, n:] = Xty * s[:, None]
    rhs[p, n:] = c * delta
    solved = la.solve(K, rhs, MAX_CONDITION)
    if solved is None:
        return None
    Qn = solved[:p, :n] * s[:, None] * s[None, :n]  # the values' columns of the fit's inverse
    coef = solved[:p, n:] * s[:, None]
    resid = y - X @ coef
    # each unit's influence on φ: the sum over its rows of (X Q)_r times the row's residual; for one output the
    # rows are summed per unit before the product, which then has fewer rows
    units = len(on.var_w)
    if outputs == 1 and units < rows:
        influence = la.unit_sums(X * resid) @ Qn
    else:
        lever = X @ Qn
        influence = la.unit_sums((lever[:, :, None] * resid[:, None, :]).reshape(rows, n * outputs))
    var = (on.var_w @ influence**2).reshape(n, outputs)
    if on.sampled > p:  # small-sample correction of the sandwich (HC1): p - 1 coefficients are fitted
        var = var * (on.sampled / (on.sampled - p + 1))
    return la.numpy(coef[:n]), la.numpy(var.clip(min=0.0) ** 0.5)


def _weights(log_mu: np.ndarray, log_pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horvitz-Thompson weights μ/π (rescaled; the fit is scale-free) and the variance weights (1 - π) w²."""
    log_w = log_mu - log_pi
    w = np.exp(log_w - log_w.max())
    return w, (1.0 - np.exp(log_pi)) * w**2


def _previous_rows(previous: Design, free: np.ndarray, classes: _Classes):
    """The earlier design's coalitions that are coalitions of this game, with their pairs' inclusion.

    Each coalition T of this game is one side of exactly one pair of the earlier design ({T, rest}), so
    the sides found here are a proper sample of this game's coalitions, drawn with that pair's probability.
    """
    n = classes.n
    gone = previous.free & ~free
    # each pair's two sides in turn
    sides = np.stack([previous.sides, previous.free & ~previous.sides], axis=1).reshape(-1, len(free))
    rows = sides[:, free]
    size = rows.sum(axis=1)
    kept = ~np.any(sides & gone, axis=1) & (size > 0) & (size < n)
    log_pi = np.log(np.repeat(np.asarray(previous.pi, dtype=np.float64), 2))
    return rows[kept].reshape(-1, n), log_pi[kept], bool(np.any(gone))


def kernel_plan(
    n: int,
    max_evals: int,
    seed: int = 0,
    *,
    tolerance: float | None = None,
    previous: Design | None = None,
    free: np.ndarray | None = None,
    on_design: Callable[[Design], None] | None = None,
    streaming: bool = True,
    adjust: bool = False,
    settle: Settling | None = None,
    device: torch.device | None = None,
) -> Plan:
    """Paired kernel regression on an order sample of pairs; yields an estimate after each batch.

    `previous` is an earlier design on the same input whose free players include this game's (`free`, a
    mask over all players): its coalitions are re-used. `on_design(design)` receives this game's design as
    it grows, for later games to re-use. Stops when the budget is spent or every standard error is at most
    `tolerance`. Without `streaming`, all rows are asked for in one batch (one large forward pass on a GPU)
    and only the final estimate is made. With `adjust` (and LightGBM installed) the final estimate is
    regression-adjusted by a cross-fitted tree model of the game (see `shap_widget.engine.surrogate`); it is
    off by default: it lowers the error on short inputs but at 26 players and more its standard errors were
    found too small (benchmarks/bench_accuracy.py). With `settle` (an automatic budget, see
    `shap_widget.engine.certainty`) it also stops at the first settled estimate; `max_evals` is then its cap.
    The regression fits run in torch on `device` where one is given (see `shap_widget.engine.linalg`).
    """
    if n <= 1:
        return (yield from _trivial_plan(n))
    if max_evals < 2 + 2 * n:
        raise ValueError(
            f"max_evals={max_evals} is too small for method='kernel' with {n} players: the regression needs at "
            f"least {2 + 2 * n} evaluations ({n} pairs of coalitions plus the empty and full inputs). Raise "
            "max_evals, or use method='partition'."
        )
    free = np.ones(n, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    classes = _Classes(n)
    ends = yield np.array([[False] * n, [True] * n])
    base, full = ends[0], ends[1]
    delta = full - base
    reuse: dict[int, list[np.ndarray]] = {}
    if previous is not None:
        rows, log_pi, fewer = _previous_rows(previous, free, classes)
        sizes = rows.sum(axis=1)
        of_class = classes.of(sizes)
        for c in np.unique(of_class):
            reuse[int(c)] = list(rows[of_class == c])
        if fewer and len(rows) > n and streaming:
            # a click: the old sample, unpaired, is already a sample of this game and costs no forward pass
            values = yield rows
            sizes = rows.sum(axis=1)
            w, var_w = _weights(-np.array([_log_comb(n, int(s)) for s in sizes]) - np.log(sizes * (n - sizes)),
                                log_pi)
            fit = _solve(rows, values - base, np.arange(len(rows)), w, var_w, delta, profiles=False,
                         device=device)
            if fit is not None:
                yield Attributions(fit[0], base, full, 2 + len(rows), fit[1], final=False)
    tries = _tries_for(n, seed)
    order = _OrderReader(tries)
    picker = _PairPicker(tries, seed, reuse)
    budget = min((max_evals - 2) // 2, sum(classes.count))
    sides = np.zeros((0, n), dtype=bool)
    values = np.zeros((0, 2, len(base)))
    unit_class = np.zeros(0, dtype=np.int64)
    target = min(budget, max(FIRST_ROWS // 2, n + n // 4)) if streaming else budget
    result = None
    while len(sides) < budget:
        batch = order.take(target - len(sides))
        new = picker.pick_many(batch)
        out = yield np.concatenate([new, ~new])
        sides = np.concatenate([sides, new])
        values = np.concatenate([values, np.stack([out[: len(new)], out[len(new):]], axis=1)])
        unit_class = np.concatenate([unit_class, np.array(batch, dtype=np.int64)])
        log_pi = order.log_pi()[unit_class]
        if on_design is not None:
            player_sides = np.zeros((len(sides), len(free)), dtype=bool)
            player_sides[:, free] = sides
            on_design(Design(free.copy(), player_sides, np.exp(log_pi)))
        w, var_w = _weights(classes.log_mu[unit_class], log_pi)
        m = len(sides)
        z, y = np.concatenate([sides, ~sides]), np.concatenate([values[:, 0], values[:, 1]])
        unit = np.concatenate([np.arange(m), np.arange(m)])
        # the profile terms (more fits per class) only for the final estimate, as a streamed one is soon
        # replaced; but an automatic budget judges each estimate by its standard errors, which the profile
        # terms shrink most on long inputs
        profiled = m >= budget or settle is not None
        fit = _solve(z, y - base, unit, w, var_w, delta, profiles=profiled, device=device)
        if fit is not None:
            tolerated = tolerance is not None and float(fit[1].max()) <= tolerance
            settled = settle is not None and settle.settled(fit[0], fit[1], full, 2 + 2 * m)
            stop = m >= budget or tolerated or settled
            if stop and not profiled:  # the final estimate has the profile terms, and still meets the rule
                refit = _solve(z, y - base, unit, w, var_w, delta, device=device)
                if refit is not None and (float(refit[1].max()) <= tolerance if tolerated
                                          else float((refit[1] ** 2).sum()) <= float((fit[1] ** 2).sum())):
                    fit = refit
            # the adjustment's standard errors leave out the tree models' own noise, which only stays negligible
            # while the sample is a small part of all pairs
            if stop and adjust and m >= 2 * n and 4 * m <= sum(classes.count) and surrogate.available():
                targets, phi_model, rest = surrogate.adjusted_targets(z, y, unit, base, full, seed)
                adjusted = _solve(z, targets, unit, w, var_w, rest, device=device)
                # kept only where it is estimated to be more accurate: trees help games with strong high-order
                # interactions and only add noise to nearly additive ones
                if adjusted is not None and float((adjusted[1] ** 2).sum()) < float((fit[1] ** 2).sum()):
                    fit = (phi_model + adjusted[0], adjusted[1])
            result = Attributions(fit[0], base, full, 2 + 2 * m, fit[1], final=stop)
            if stop:
                return _settled(result, settle, settled or m >= sum(classes.count))
            yield result
        grown = max(target + FIRST_ROWS // 2, int(target * 1.6))
        target = min(budget, grown if settle is None else settle.next_size(m, grown))
    if result is None:
        raise ValueError(
            f"{max_evals} evaluations could not identify the values of {n} players; raise max_evals."
        )
    return _settled(Attributions(result.values, base, full, result.n_evals, result.errors, final=True), settle,
                    budget >= sum(classes.count))


def _settled(result: Attributions, settle: Settling | None, settled: bool) -> Attributions:
    """The final estimate, marked whether an automatic budget settled it (None for a fixed budget)."""
    if settle is None:
        return result
    return dataclasses.replace(result, settled=settled and not settle.timed_out)
