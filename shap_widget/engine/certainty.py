"""The default budget: sample until the picture is settled, not a fixed number of evaluations.

`max_evals="auto"` refines a sampled estimate (the kernel or permutation estimator) batch by batch and stops
at the first estimate that is *settled* for the predicted class (the largest output of the full input; for a
contrast with `versus`, the most likely class other than `versus`, whose contrast may be negative):

- every token among the top `TOP` by |value| whose |value| is more than `NEGLIGIBLE` of the largest (a
  token too faint to see in the heatmap needs no sign) is certain: its 95% interval excludes 0;
- the ranking is stable: the top `TOP` tokens are the same ones as in the estimate before, except for tokens
  tied at the edge of the top (each that came or went is within its 95% interval of the value between the
  last token in and the first one out): two tokens of nearly equal |value| may swap places at every batch,
  and no sample short of one that separates them would settle them;
- the largest standard error of any token is at most `RELATIVE_ERROR` of the largest |value|;
- the error of the whole estimate is small: its relative squared error as the standard errors estimate it,
  Σ se² / Σ value², is at most `RELATIVE_SQUARED_ERROR` up to `PER_TOKEN_FROM` players and grows in proportion
  to the players beyond (the same error per token: a long input's picture needs each token's value about as
  precisely as a short one's, not its sum of n squared errors as small). The standard errors are honest (their
  95% intervals cover the exact values), so this bounds the error itself, which the other rules do only
  loosely: on short inputs they held while the error was still above 0.002.

It never stops before `floor(n)` evaluations (a handful of pairs per player: the standard errors need a
sample to be trusted), and always by `cap(n)`; both grow with the number of players n. A `time_limit` (the
widget sets one) also ends it, and no batch is asked for that would not finish before it at the pace so far
(one large last batch of a slow model would otherwise run far past it). A number for `max_evals` is a fixed
budget, as before.

Batches grow by a factor of 1.6; where only the error is still too large, the next batch is sized to meet it
(the squared error falls about as 1 / evaluations), so the estimate stops close to where it settles.

With "auto", `method="auto"` stays exact where all 2^n coalitions cost at most `FIXED_EVALS` (as with a fixed
budget of that size); methods that need a fixed budget (partition, interactions) get `FIXED_EVALS`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .game import most_likely

AUTO = "auto"
TOP = 10
Z95 = 1.96
NEGLIGIBLE = 0.05
RELATIVE_ERROR = 0.1
RELATIVE_SQUARED_ERROR = 0.002
PER_TOKEN_FROM = 16
FIXED_EVALS = 500
FLOOR_PAIRS_PER_PLAYER = 2
CAP_PAIRS_PER_PLAYER = 16


def floor(n: int) -> int:
    """The fewest evaluations an automatic budget spends on n players."""
    return 2 + 2 * max(32, FLOOR_PAIRS_PER_PLAYER * n)


def cap(n: int) -> int:
    """The most evaluations an automatic budget spends on n players."""
    return 2 + 2 * max(500, CAP_PAIRS_PER_PLAYER * n)


def check_max_evals(max_evals: Any) -> int | str:
    """`max_evals` as given when it is "auto" or an integer of at least 2; a clear error otherwise."""
    if max_evals == AUTO and isinstance(max_evals, str):
        return AUTO
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 2:
        raise ValueError(f"max_evals must be 'auto' (refine until the values are settled) or an integer of at "
                         f"least 2, got {max_evals!r}.")
    return int(max_evals)


def _edge(v: np.ndarray, order: np.ndarray) -> float:
    """The |value| between the last token of the top (`order`) and the first one below it."""
    below = np.delete(v, order)
    return (float(v[order[-1]]) + (float(below.max()) if len(below) else 0.0)) / 2


def spent_budget(max_evals: int | str, spent: int) -> int:
    """The evaluations a budget comes to: the number `max_evals` names, or under "auto" the evaluations the
    estimate `spent`; work beside an explanation (other methods, interactions) gets as many."""
    return spent if max_evals == AUTO else int(max_evals)


class Settling:
    """The stopping rule of one automatic budget (see the module docstring); ask it after each estimate."""

    def __init__(self, n: int, *, time_limit: float | None = None, versus: int | None = None) -> None:
        self.n = n
        self.versus = versus  # a contrast's class, whose column is 0 and never the one judged
        self.floor = floor(n)
        self.cap = cap(n)
        self.clock = time.monotonic
        self.start = self.clock()
        self.deadline = None if time_limit is None else self.start + float(time_limit)
        self._top: frozenset[int] | None = None
        self._excess: float | None = None  # estimated / allowed squared error, where only that is unmet
        self.timed_out = False

    def allowed_squared_error(self) -> float:
        """The relative squared error a settled estimate may have, by its standard errors."""
        return RELATIVE_SQUARED_ERROR * max(1.0, self.n / PER_TOKEN_FROM)

    def settled(self, values: np.ndarray, errors: np.ndarray, full: np.ndarray, n_evals: int) -> bool:
        """Whether the estimate (values, errors: (n, C); full: the output of the full input) may be the last."""
        top = self._top
        c = most_likely(full, self.versus)  # under versus its contrast may be negative; versus's column is 0
        v, e = np.abs(values[:, c]), errors[:, c]
        order = np.argsort(-v, kind="stable")[: min(TOP, len(v))]
        self._top = frozenset(int(i) for i in order)
        self._excess = None
        if self.deadline is not None and self.clock() >= self.deadline:
            self.timed_out = True
            return True
        if n_evals < self.floor:
            return False
        scale = float(v.max()) if len(v) else 0.0
        if scale == 0.0:
            return bool(np.all(e == 0.0))
        certain = (v[order] > Z95 * e[order]) | (v[order] <= NEGLIGIBLE * scale)
        moved = top ^ self._top if top is not None else frozenset()
        edge = _edge(v, order) if moved else 0.0
        stable = top is not None and all(abs(v[i] - edge) <= Z95 * e[i] for i in moved)
        picture = bool(np.all(certain) and stable and float(e.max()) <= RELATIVE_ERROR * scale)
        excess = float((e**2).sum()) / float((v**2).sum()) / self.allowed_squared_error()
        if picture and excess > 1.0:
            self._excess = excess
        return picture and excess <= 1.0

    def next_size(self, size: int, grown: int) -> int:
        """The sample size (pairs or orders) to ask for after an unsettled estimate of `size`: `grown` (the
        usual growth), or less where only the error was too large and a smaller sample should meet it, and
        never more than the time left before a `time_limit` lets it finish at the pace so far."""
        if self._excess is not None:
            # 5% beyond the size the error's 1 / size decay predicts, and always a few more per player
            grown = max(size + max(4, self.n // 4), min(grown, int(np.ceil(size * self._excess * 1.05))))
        if self.deadline is not None:
            now = self.clock()
            pace = size / max(now - self.start, 1e-9)
            grown = min(grown, size + max(1, int(pace * (self.deadline - now))))
        return grown
