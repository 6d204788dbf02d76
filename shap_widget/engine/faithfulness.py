"""Faithfulness of an explanation: does removing the tokens it ranks highest change the prediction?

The measures follow DeYoung et al. (2020), "ERASER: A Benchmark to Evaluate Rationalized NLP Models", and
Samek et al. (2017), "Evaluating the visualization of what a deep neural network has learned". They are
computed on the explanation's own game: the same input, the same players, the same user-masked players, the
same mask token and the same output space, so "removing" a token means exactly what it meant when the
attributions were computed, and model outputs already evaluated for the explanation come from the cache.

Notation, for one class c. The free players (those not masked by the user) are ranked by their attribution
for c, largest first (ties by position); there are n of them. f(S) is the game's value for c when only the
players in S are kept. top_k is the set of the k highest-ranked players, F the set of all free players.

- deletion[k]  = f(F minus top_k), k = 0..n: deletion[0] is the explained output, deletion[n] the base value.
- insertion[k] = f(top_k), k = 0..n: insertion[0] is the base value, insertion[n] the explained output.
- fractions[k] = k / n, the share of the free players removed (deletion) or kept (insertion).
- comprehensiveness(q) = f(F) - f(F minus top_k(q)) and sufficiency(q) = f(F) - f(top_k(q)), with
  k(q) = ceil(q * n), the fewest players that make up at least a share q. A faithful explanation has high
  comprehensiveness (its top tokens matter) and low sufficiency (its top tokens alone keep the prediction).
- aopc_deletion = mean over k = 0..n of (f(F) - deletion[k]), the area between the explained output and the
  deletion curve (Samek et al.'s AOPC with every step, which is also ERASER's AOPC comprehensiveness over the
  steps 0..n). Higher is more faithful.
- aopc_insertion = mean over k = 0..n of (f(F) - insertion[k]), the area between the explained output and
  the insertion curve (ERASER's AOPC sufficiency over the steps 0..n). Lower is more faithful.

With the default output="probability" these are the probability differences of the ERASER definitions;
with "logit" or "log-odds" the same differences are taken in that space.

Measured after an explanation, the curves are side work: by default they cost at most `SHARE` of the
explanation's own evaluations. With fewer rows than the 2 (n + 1) of the full curves, each curve is measured at
evenly spread steps k (always 0, n and the k(q) of the levels, so comprehensiveness and sufficiency are
exact), and the AOPC is the mean of the curve drawn straight between them; `full=True` measures every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .explain import Attribution, Explainer, resolve_target

if TYPE_CHECKING:
    from ..widgets.explain_widget import ExplainWidget

LEVELS: tuple[float, ...] = (0.1, 0.2, 0.5)
SHARE = 0.25  # the curves' rows, at most, as a share of the explanation's own evaluations

Game = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Faithfulness:
    """Deletion and insertion curves of one explanation for one class, with their summary numbers."""

    target: int
    label: str
    output: str  # the output space of every number here: "probability", "logit" or "log-odds"
    order: np.ndarray  # (n,) player indices, highest attribution first
    fractions: np.ndarray  # (m,) k / n at each measured step k (m = n + 1 when complete)
    deletion: np.ndarray  # (m,) output with the top k players removed
    insertion: np.ndarray  # (m,) output with only the top k players kept
    aopc_deletion: float
    aopc_insertion: float
    comprehensiveness: dict[float, float]  # level q -> f(F) - f(F minus top ceil(q n))
    sufficiency: dict[float, float]  # level q -> f(F) - f(top ceil(q n))
    steps: np.ndarray | None = None  # (m,) the measured k; None when every k = 0..n is

    @property
    def complete(self) -> bool:
        """Whether the curves hold every step k = 0..n."""
        return self.steps is None

    @property
    def full(self) -> float:
        """The explained output: every free player kept."""
        return float(self.deletion[0])

    @property
    def base(self) -> float:
        """The base value: every free player removed."""
        return float(self.deletion[-1])

    def to_json(self) -> dict[str, Any]:
        """Plain lists and floats, as the widget sends them to the front end."""
        levels = list(self.comprehensiveness)
        return {
            "target": self.target,
            "label": self.label,
            "output": self.output,
            "order": [int(i) for i in self.order],
            "fractions": [float(x) for x in self.fractions],
            "deletion": [float(x) for x in self.deletion],
            "insertion": [float(x) for x in self.insertion],
            "aopc_deletion": self.aopc_deletion,
            "aopc_insertion": self.aopc_insertion,
            "levels": [float(q) for q in levels],
            "comprehensiveness": [self.comprehensiveness[q] for q in levels],
            "sufficiency": [self.sufficiency[q] for q in levels],
            "steps": None if self.steps is None else [int(k) for k in self.steps],
        }


def top_k(level: float, n: int) -> int:
    """k(q) = ceil(q * n): the fewest of n players that make up at least a share q of them."""
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"levels are shares of the tokens, between 0 and 1; got {level}.")
    return min(n, max(0, math.ceil(level * n - 1e-9)))


def ranking(scores: np.ndarray) -> np.ndarray:
    """Positions of `scores` from the largest to the smallest; equal scores keep their order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def curve_coalitions(order: np.ndarray, steps: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Coalitions for the deletion curve (top k removed) and the insertion curve (top k kept), one row per
    step k (by default k = 0..n)."""
    n = len(order)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    steps = np.arange(n + 1) if steps is None else np.asarray(steps)
    in_top = rank[None, :] < steps[:, None]  # row k: is the player among the top k?
    return ~in_top, in_top


def curve_steps(n: int, points: int | None, levels: Sequence[float] = LEVELS) -> np.ndarray | None:
    """At most `points` steps k of n + 1, evenly spread, with 0, n and each level's k(q); None for all."""
    if points is None or points >= n + 1:
        return None
    needed = {0, n, *(top_k(float(q), n) for q in levels)}
    spread = np.round(np.linspace(0, n, max(2, points - len(needed) + 2))).astype(np.int64)
    return np.array(sorted(needed | {int(k) for k in spread}), dtype=np.int64)


def measure(
    game: Game,
    scores: np.ndarray,
    target: int,
    *,
    levels: Sequence[float] = LEVELS,
    players: np.ndarray | None = None,
    label: str | None = None,
    output: str = "probability",
    points: int | None = None,
) -> Faithfulness:
    """Faithfulness of `scores` (one per free player) as an explanation of `game`'s output `target`.

    `game(coalitions)` maps boolean coalitions (B, n) over the n free players to outputs (B, C); both
    curves are evaluated in one call. `players` names the free players in the caller's numbering (for
    `order`); by default they are 0..n-1. `points`: at most this many steps per curve (see `curve_steps`);
    None for all n + 1.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = len(scores)
    order = ranking(scores)
    steps = curve_steps(n, points, levels)
    ks = np.arange(n + 1) if steps is None else steps
    m = len(ks)
    deletion_rows, insertion_rows = curve_coalitions(order, ks)
    v = np.asarray(game(np.vstack([deletion_rows, insertion_rows])), dtype=np.float64)
    if v.ndim != 2 or v.shape[0] != 2 * m or not 0 <= target < v.shape[1]:
        raise ValueError(f"the game returned outputs of shape {v.shape}; expected ({2 * m}, C > {target}).")
    deletion = v[:m, target]
    insertion = v[m:, target]
    full = deletion[0]
    at = {int(k): j for j, k in enumerate(ks)}
    comprehensiveness, sufficiency = {}, {}
    for q in levels:
        k = at[top_k(float(q), n)]
        comprehensiveness[float(q)] = float(full - deletion[k])
        sufficiency[float(q)] = float(full - insertion[k])
    every = np.arange(n + 1)
    names = np.arange(n) if players is None else np.asarray(players, dtype=np.int64)
    return Faithfulness(
        target=int(target),
        label=label if label is not None else f"class {target}",
        output=output,
        order=names[order],
        fractions=ks / n if n else np.zeros(1),
        deletion=deletion.copy(),
        insertion=insertion.copy(),
        aopc_deletion=float(np.mean(full - np.interp(every, ks, deletion))),
        aopc_insertion=float(np.mean(full - np.interp(every, ks, insertion))),
        comprehensiveness=comprehensiveness,
        sufficiency=sufficiency,
        steps=steps,
    )


def faithfulness(
    source: "Explainer | ExplainWidget",
    attribution: Attribution | None = None,
    *,
    target: int | str | None = None,
    levels: Sequence[float] = LEVELS,
    on_progress: Callable[[int, int], None] | None = None,
    full: bool = False,
) -> Faithfulness:
    """Comprehensiveness, sufficiency, deletion and insertion curves and their AOPC for one explanation.

    source: the `Explainer` that computed `attribution`, or an `ExplainWidget` (its current explanation is
    used, after waiting for it). target: the class whose attributions rank the tokens, as an index or a label;
    by default the widget's selected class, or the class the model predicts for the explained input.
    levels: the shares of tokens at which comprehensiveness and sufficiency are reported. The curves cost at
    most `SHARE` of the explanation's own evaluations, at some of their steps; `full=True` measures them at
    every step. See the module docstring for the exact definitions.
    """
    if isinstance(source, Explainer):
        if attribution is None:
            raise TypeError("faithfulness(explainer, attribution): pass the Attribution to measure.")
        explainer = source
    elif hasattr(source, "explainer") and hasattr(source, "attribution"):
        explainer = source.explainer
        if attribution is None:
            attribution = source.attribution
            if target is None:
                target = source.target
            cached = source._cached_faithfulness(attribution, resolve_target(target, attribution.labels), levels)
            if cached is not None and (cached.complete or not full):
                return cached
    else:
        raise TypeError(f"source must be an Explainer or an ExplainWidget, got {type(source).__name__}.")
    if not isinstance(attribution, Attribution):
        raise TypeError(f"attribution must be an Attribution, got {type(attribution).__name__}.")
    c = int(np.argmax(attribution.probabilities)) if target is None else resolve_target(target, attribution.labels)
    game = explainer.game(attribution.text, text_pair=attribution.text_pair, players=attribution.players,
                          masked=attribution.masked, output=attribution.output, on_progress=on_progress,
                          **({} if attribution.versus is None else {"versus": attribution.versus}))
    if list(game.players.texts) != list(attribution.tokens):
        raise ValueError("This attribution was not computed with this explainer's tokenizer: its tokens differ.")
    return measure(game.value, attribution.values[game.free, c], c, levels=levels, players=game.free,
                   label=attribution.labels[c], output=attribution.output,
                   points=None if full else side_points(attribution.n_evals, len(levels)))


def side_points(n_evals: int, n_levels: int = len(LEVELS)) -> int:
    """Steps per curve within `SHARE` of an explanation's `n_evals` (two rows a step), at least the ends
    and the levels."""
    return max(n_levels + 2, int(SHARE * n_evals) // 2)
