"""Other explanation methods beside SHAP on the same input, the same players and the same faithfulness measures.

Every method answers the same question, "how much does each player (token or word) push the output for the
target class?", and is measured the same way: its ranking of the free players goes through the explanation's
own game (same mask token, same output space, same cache), so the faithfulness figures of different methods
differ only by their rankings. User-masked players are held masked for every method and get value 0.

Methods, and what one costs in rows through the model (one row = one masked copy of the input):

- ``shap``: the engine's Shapley values (`Explainer.attribute`): `max_evals` forward rows (all 2^n when exact).
- ``occlusion``: leave one out, v(N) - v(N minus i) (Zeiler & Fergus 2014; Li et al. 2016 for text):
  n + 1 forward rows.
- ``lime``: LIME (Ribeiro et al. 2016, "Why should I trust you?"), as lime's `LimeTextExplainer`: a sample
  removes k players, k uniform in 1..n, chosen uniformly; weight sqrt(exp(-d^2 / 25^2)) with d the cosine
  distance to the full input times 100 (lime's text defaults, kernel_width=25); ridge regression (alpha 1,
  with intercept) of the outputs on the keep indicators, all players kept as features. `max_evals` rows
  (lime's default is 5000; the same budget as SHAP keeps the comparison fair).
- ``integrated_gradients``: Sundararajan et al. 2017, "Axiomatic attribution for deep networks", through
  Captum's `LayerIntegratedGradients` on the input embedding layer, from the game's base input (every free
  player replaced by the mask token) to the input; summed over embedding dimensions and over each player's
  tokens. Steps double from `ig_steps` until the completeness gap is within `ig_tolerance` (5%) or
  `ig_max_steps`: steps forward and backward rows per try.
- ``gradient_x_input``: gradient times the input embedding (Shrikumar et al. 2016; Denil et al. 2014 for text),
  Captum's `LayerGradientXActivation` on the embedding layer, summed as above: 1 forward, 1 backward row.
- ``attention_rollout``: attention rollout (Abnar & Zuidema 2020, "Quantifying attention flow in
  transformers"): heads averaged, identity added for the residual stream, rows renormalised, layers
  multiplied; the pooled token's row. ``attention_cls``: the last layer's attention from the pooled token,
  heads averaged. Both from the model's own attention weights (`output_attentions=True`): 1 forward row.
  ``attention`` names both. Attention is non-negative and the same for every class.

Gradient and attention methods need a mask token id (the base input must be a sequence of ids); with
mask="attention" they are reported as failed. A method that fails (no gradients, no attention weights, Captum
not installed) is recorded in `Comparison.errors` with what to do; the others still run.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np
import torch

from . import estimators
from .evaluator import eval_mode, stand_in_pad_id
from .explain import Attribution, Explainer, get_explainer, resolve_target
from .faithfulness import LEVELS, Faithfulness, measure, ranking, top_k
from .game import TextGame, most_likely

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("shap", "occlusion", "lime", "integrated_gradients", "gradient_x_input", "attention_rollout",
           "attention_cls")
ALIASES = {"attention": ("attention_rollout", "attention_cls")}
DEFAULT_METHODS = ("shap", "occlusion", "lime", "integrated_gradients", "gradient_x_input", "attention")
COMPLETE = ("shap", "integrated_gradients")  # methods whose values promise to add up to output - base
LIME_KERNEL_WIDTH = 25.0  # lime.lime_text.LimeTextExplainer's default, for cosine distances times 100
IG_STEPS, IG_MAX_STEPS, IG_TOLERANCE = 32, 512, 0.05
TOP_K_LEVEL = 0.2  # top-k overlap compares the top ceil(20%) of the free players


class MethodError(RuntimeError):
    """A method cannot explain this model or input; the message says why and what to do."""


@dataclass(frozen=True)
class Cost:
    """Rows through the model a method asked for (one row = one copy of the input), and its wall time."""

    forward: int
    backward: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """One method's values for the target class over all players (masked ones 0), with its cost."""

    values: np.ndarray
    cost: Cost
    gap: float | None = None  # relative completeness gap, for methods that promise completeness
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Agreement:
    """Rank agreement between methods over the free players: Kendall's tau-b and the top-k overlap share."""

    kendall_tau: "pd.DataFrame"
    top_k_overlap: "pd.DataFrame"
    k: int


@dataclass(frozen=True)
class Comparison:
    """Several explanation methods on one input, for one class, measured alike.

    `values`: method -> (n_players,) values for `target` (masked players 0). `faithfulness`: a DataFrame
    indexed by method with comprehensiveness and sufficiency at each level, deletion and insertion AOPC
    (see `shap_widget.engine.faithfulness`), and each method's cost (forward and backward rows, seconds).
    `agreement`: Kendall tau and top-k overlap between methods. `completeness_gap`: for SHAP and integrated
    gradients, |sum(values) - (output - base)| / |output - base|. `errors`: method -> why it did not run.
    """

    text: str
    text_pair: str | None
    tokens: list[str]
    prefixes: list[str]
    players: str
    labels: list[str]
    target: int
    output: str
    masked: tuple[int, ...]
    base: float  # output for `target` with every free player masked
    full: float  # output for `target` on the explained input
    values: dict[str, np.ndarray]
    costs: dict[str, Cost]
    faithfulness: "pd.DataFrame"
    curves: dict[str, Faithfulness]
    agreement: Agreement
    completeness_gap: dict[str, float]
    errors: dict[str, str]
    attribution: Attribution | None = None  # the SHAP explanation, all classes
    versus: int | None = None  # the class every value is contrasted with, if any

    @property
    def methods(self) -> list[str]:
        return list(self.values)

    def to_json(self) -> dict[str, Any]:
        """Plain lists and floats, as the widget sends them to the front end."""
        rows = []
        for name, values in self.values.items():
            curve, cost = self.curves[name], self.costs[name]
            rows.append({
                "method": name, "values": [float(v) for v in values],
                "comprehensiveness": curve.comprehensiveness, "sufficiency": curve.sufficiency,
                "aopc_deletion": curve.aopc_deletion, "aopc_insertion": curve.aopc_insertion,
                "forward": cost.forward, "backward": cost.backward, "seconds": cost.seconds,
                "gap": self.completeness_gap.get(name),
            })
        for row in rows:
            row["comprehensiveness"] = [row["comprehensiveness"][q] for q in sorted(row["comprehensiveness"])]
            row["sufficiency"] = [row["sufficiency"][q] for q in sorted(row["sufficiency"])]
        names = list(self.values)
        return {
            "target": self.target, "label": self.labels[self.target], "output": self.output,
            "versus": -1 if self.versus is None else self.versus,
            "levels": sorted(next(iter(self.curves.values())).comprehensiveness) if self.curves else [],
            "rows": rows, "errors": dict(self.errors), "k": self.agreement.k,
            "kendall_tau": [[_finite(self.agreement.kendall_tau.loc[a, b]) for b in names] for a in names],
            "top_k_overlap": [[_finite(self.agreement.top_k_overlap.loc[a, b]) for b in names] for a in names],
        }


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def resolve_methods(methods: Sequence[str] | str) -> tuple[str, ...]:
    """Method names with aliases expanded, in order, without repeats; an unknown name is refused."""
    if isinstance(methods, str):
        methods = (methods,)
    out: list[str] = []
    for name in methods:
        if not isinstance(name, str) or (name not in METHODS and name not in ALIASES):
            raise ValueError(f"Unknown explanation method {name!r}; choose from {METHODS + tuple(ALIASES)}.")
        for m in ALIASES.get(name, (name,)):
            if m not in out:
                out.append(m)
    return tuple(out)


# --- methods through the game (cached model evaluations) --------------------------------------------------


def occlusion(game: TextGame, target: int) -> Outcome:
    """Leave one out: v(N) - v(N minus i) for each free player i, in n + 1 cached forward rows."""
    n = game.n_free
    rows = np.ones((n + 1, n), dtype=bool)
    rows[np.arange(1, n + 1), np.arange(n)] = False
    v = game.value(rows)[:, target]
    return _placed(game, v[0] - v[1:], Cost(forward=n + 1))


def lime_plan(n: int, n_samples: int, seed: int = 0, kernel_width: float = LIME_KERNEL_WIDTH) -> estimators.Plan:
    """LIME's text neighbourhood and weighted ridge fit, as a plan: one request of `n_samples` coalitions.

    Returns the ridge coefficients as `values` (n, C) and its intercept as `base`; unlike Shapley values
    they need not add up to output - base.
    """
    z = lime_coalitions(n, n_samples, seed)
    y = yield z
    if n == 0:  # every player masked: nothing to fit
        return estimators.Attributions(np.zeros((0, y.shape[1])), y[0], y[0], len(z))
    coef, intercept = lime_fit(z, y, kernel_width)
    return estimators.Attributions(coef, intercept, y[0], len(z))


def lime_coalitions(n: int, n_samples: int, seed: int = 0) -> np.ndarray:
    """The full input, then samples that each drop k players (k uniform in 1..n), as lime's text sampler."""
    rng = np.random.default_rng(seed)
    z = np.ones((max(2, n_samples), n), dtype=bool)
    for row, k in zip(z[1:], rng.integers(1, n + 1, size=len(z) - 1) if n else []):
        row[rng.choice(n, size=k, replace=False)] = False
    return z


def lime_weights(z: np.ndarray, kernel_width: float = LIME_KERNEL_WIDTH) -> np.ndarray:
    """lime's text kernel: sqrt(exp(-d^2 / width^2)), d = 100 x cosine distance between z and all-ones."""
    n = z.shape[1]
    kept = z.sum(axis=1)
    d = 100.0 * (1.0 - np.sqrt(kept / n))  # cosine distance of a 0/1 row with k ones to the all-ones row
    return np.sqrt(np.exp(-(d**2) / kernel_width**2))


def lime_fit(z: np.ndarray, y: np.ndarray, kernel_width: float = LIME_KERNEL_WIDTH) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge regression (alpha 1, with intercept) of outputs (B, C) on keep indicators (B, n)."""
    from sklearn.linear_model import Ridge

    fit = Ridge(alpha=1.0, fit_intercept=True).fit(z.astype(np.float64), y, sample_weight=lime_weights(z, kernel_width))
    return np.atleast_2d(fit.coef_).T.reshape(z.shape[1], y.shape[1]), np.atleast_1d(fit.intercept_)


def lime(game: TextGame, target: int, n_samples: int, seed: int = 0,
         kernel_width: float = LIME_KERNEL_WIDTH) -> Outcome:
    """LIME's coefficients for `target` (see `lime_plan`), its samples evaluated through the game's cache."""
    result = estimators.run(lime_plan(game.n_free, n_samples, seed, kernel_width), game)
    return _placed(game, result.values[:, target], Cost(forward=result.n_evals),
                   info={"kernel_width": kernel_width, "samples": result.n_evals})


def _placed(game: TextGame, free_values: np.ndarray, cost: Cost, gap: float | None = None,
            info: dict[str, Any] | None = None) -> Outcome:
    values = np.zeros(len(game.players))
    values[game.free] = free_values
    return Outcome(values, cost, gap, info or {})


# --- gradient methods (Captum) ------------------------------------------------------------------------------


def _captum():
    try:
        import captum.attr
    except ImportError as err:
        raise MethodError(
            "Gradient methods need Captum, which is not installed: pip install \"shap-widget[compare]\"."
        ) from err
    return captum.attr


class _Inputs:
    """The explained input and its base input as id tensors, and the model's output for the target as a
    differentiable function of them (in the game's output space)."""

    def __init__(self, game: TextGame, target: int, method: str) -> None:
        if game.rule.uses_attention:
            raise MethodError(
                f"{method} needs a mask token id for its base input, but this explainer masks by dropping tokens "
                "from attention (mask='attention'). Use mask='pad', 'unk' or a token id."
            )
        self.game, self.target = game, target
        device = game.evaluator.device
        keep = game.keep_matrix(np.ones((1, game.n_free), dtype=bool))[0]
        ids = game.encoding.input_ids
        none = game.keep_matrix(np.zeros((1, game.n_free), dtype=bool))[0]
        self.ids = torch.as_tensor(np.where(keep, ids, game.rule.token_id)[None], device=device)
        self.base_ids = torch.as_tensor(np.where(none, ids, game.rule.token_id)[None], device=device)
        self.extra = {k: torch.as_tensor(v[None], device=device) for k, v in game.encoding.extra.items()}

    def forward(self, ids: torch.Tensor, *_: Any) -> torch.Tensor:
        """The target's output for a batch of id rows, as the game transforms raw outputs."""
        model = self.game.evaluator.model
        n = ids.shape[0]
        extra = {k: v.expand(n, -1) for k, v in self.extra.items()}
        with stand_in_pad_id(model) if self.game.evaluator.stand_in_pad else contextlib.nullcontext():
            out = model(input_ids=ids, attention_mask=torch.ones_like(ids), **extra)
        logits = getattr(out, "logits", out[0] if isinstance(out, (tuple, list)) else out)
        return output_of(logits.float(), self.game.kind, self.game.output, self.target, self.game.versus)

    def pooled(self, token_values: torch.Tensor) -> np.ndarray:
        """(1, L, D) attributions summed over embedding dimensions and over each free player's tokens."""
        per_token = token_values.detach().float().sum(dim=-1)[0].cpu().numpy().astype(np.float64)
        values = np.zeros(len(self.game.players))
        for p in self.game.free:
            values[p] = per_token[self.game.players.positions[p]].sum()
        return values


def output_of(logits: torch.Tensor, kind: str, output: str, target: int, versus: int | None = None) -> torch.Tensor:
    """`game.transform` for one class, in torch so gradients flow: (B, C) raw outputs -> (B,).

    With `versus`, the contrast "target rather than versus" as the game computes it: log p(target) -
    log p(versus) for output="probability", else the difference of the two classes' outputs."""
    if versus is not None:
        if output == "probability":
            log_p = (torch.nn.functional.logsigmoid(logits) if kind == "sigmoid"
                     else torch.log_softmax(logits, dim=-1))
            return log_p[:, target] - log_p[:, versus]
        return output_of(logits, kind, output, target) - output_of(logits, kind, output, versus)
    if output == "logit" or kind == "regression":
        return logits[:, target]
    if kind == "sigmoid":
        return torch.sigmoid(logits[:, target]) if output == "probability" else logits[:, target]
    if output == "probability":
        return torch.softmax(logits, dim=-1)[:, target]
    others = torch.cat([logits[:, :target], logits[:, target + 1 :]], dim=-1)
    return logits[:, target] - torch.logsumexp(others, dim=-1)


# What torch says when the output does not depend on the embeddings through autograd.
_NO_GRADIENT_SIGNS = ("does not require grad", "grad_fn", "not have been used in the graph", "Autograd",
                      "quantized")


def _gradients(game: TextGame, run: Callable[[], Outcome], method: str) -> Outcome:
    """Run a gradient method with the model held, in eval mode, gradients on; failures said plainly."""
    evaluator = game.evaluator
    with evaluator.gate.hold(), eval_mode(evaluator.model), torch.enable_grad():
        try:
            return run()
        except MethodError:
            raise
        except (RuntimeError, NotImplementedError, TypeError) as err:
            first = f"{type(err).__name__}: {(str(err).splitlines() or [''])[0]}"
            if any(sign in str(err) for sign in _NO_GRADIENT_SIGNS):
                raise MethodError(
                    f"{method} needs gradients, but this model's forward pass does not carry them (it runs "
                    "under torch.no_grad or inference_mode, or its layers are quantized). Use the perturbation "
                    f"methods (shap, occlusion, lime) for it. ({first})"
                ) from err
            raise MethodError(f"{method} failed on this model: {first}") from err


def _embedding_layer(game: TextGame, method: str) -> torch.nn.Module:
    model = game.evaluator.model
    layer = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    if not isinstance(layer, torch.nn.Module):
        raise MethodError(f"{method} attributes on the input embeddings, but this model has no "
                          "get_input_embeddings() layer.")
    return layer


def integrated_gradients(game: TextGame, target: int, steps: int = IG_STEPS, max_steps: int = IG_MAX_STEPS,
                         tolerance: float = IG_TOLERANCE) -> Outcome:
    """Integrated gradients on the embedding layer from the base input, steps doubled until complete."""
    attr = _captum()
    inputs = _Inputs(game, target, "integrated_gradients")
    layer = _embedding_layer(game, "integrated_gradients")

    def run() -> Outcome:
        ig = attr.LayerIntegratedGradients(inputs.forward, layer)
        forward = backward = 0
        n = int(steps)
        rows = max(1, 4096 // inputs.ids.shape[1])
        with torch.no_grad():
            ends = inputs.forward(torch.cat([inputs.ids, inputs.base_ids]))
        full, base = float(ends[0]), float(ends[1])
        forward += 2
        while True:
            found = ig.attribute(inputs.ids, baselines=inputs.base_ids, n_steps=n, internal_batch_size=rows)
            forward, backward = forward + n, backward + n
            values = inputs.pooled(found)
            gap = completeness_gap(values.sum(), full - base)
            if gap <= tolerance or 2 * n > max_steps:
                return Outcome(values, Cost(forward, backward), gap, {"steps": n})
            n *= 2

    return _gradients(game, run, "integrated_gradients")


def gradient_x_input(game: TextGame, target: int) -> Outcome:
    """Gradient of the target's output times the input embedding, summed per player."""
    attr = _captum()
    inputs = _Inputs(game, target, "gradient_x_input")
    layer = _embedding_layer(game, "gradient_x_input")

    def run() -> Outcome:
        found = attr.LayerGradientXActivation(inputs.forward, layer).attribute(inputs.ids)
        return Outcome(inputs.pooled(found), Cost(1, 1))

    return _gradients(game, run, "gradient_x_input")


def completeness_gap(total: float, difference: float) -> float:
    """|total - difference| relative to |difference| (output - base); absolute when the difference is ~0."""
    return abs(total - difference) / max(abs(difference), 1e-6)


# --- attention ------------------------------------------------------------------------------------------------


def rollout(attentions: Sequence[np.ndarray]) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): per layer, heads averaged, 0.5 A + 0.5 I, rows renormalised;
    the layers multiplied from the first up. `attentions`: per layer (H, L, L). Returns (L, L)."""
    flow = None
    for a in attentions:
        a = np.asarray(a, dtype=np.float64).mean(axis=0)
        a = 0.5 * a + 0.5 * np.eye(len(a))
        a /= a.sum(axis=-1, keepdims=True)
        flow = a if flow is None else a @ flow
    return flow


def attention_maps(game: TextGame) -> list[np.ndarray]:
    """The model's attention weights on the explained input, per layer (H, L, L), from one forward pass."""
    if game.rule.uses_attention:
        raise MethodError("Attention methods read the model's attention on the explained input as ids; with "
                          "mask='attention' masked tokens have none. Use mask='pad', 'unk' or a token id.")
    evaluator = game.evaluator
    keep = game.keep_matrix(np.ones((1, game.n_free), dtype=bool))[0]
    ids = torch.as_tensor(np.where(keep, game.encoding.input_ids, game.rule.token_id)[None], device=evaluator.device)
    extra = {k: torch.as_tensor(v[None], device=evaluator.device) for k, v in game.encoding.extra.items()}
    with evaluator.gate.hold(), eval_mode(evaluator.model), eager_attention(evaluator.model), \
            torch.inference_mode():
        try:
            out = evaluator.model(input_ids=ids, attention_mask=torch.ones_like(ids), output_attentions=True,
                                  **extra)
        except (TypeError, ValueError) as err:
            raise MethodError(f"This model does not return attention weights ({err}); load it with "
                              "attn_implementation='eager' to compare attention.") from err
    attentions = getattr(out, "attentions", None)
    if not attentions or any(a is None for a in attentions):
        raise MethodError("This model returned no attention weights for output_attentions=True; load it with "
                          "attn_implementation='eager' (transformers' fused attention does not return them).")
    return [a[0].float().cpu().numpy() for a in attentions]


@contextlib.contextmanager
def eager_attention(model: torch.nn.Module) -> Iterator[None]:
    """Compute attention explicitly for the block (fused kernels return no weights), then restore the model's."""
    config = getattr(model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    switch = before not in (None, "eager") and hasattr(model, "set_attn_implementation")
    if switch:
        try:
            model.set_attn_implementation("eager")
        except (ValueError, ImportError, AttributeError):
            switch = False
    try:
        yield
    finally:
        if switch:
            model.set_attn_implementation(before)


def pooled_position(game: TextGame) -> int:
    """The token a classifier reads: the first when it is a special token ([CLS], <s>), else the last."""
    return 0 if game.encoding.special[0] else len(game.encoding.input_ids) - 1


def attention_scores(game: TextGame, maps: Sequence[np.ndarray], kind: str) -> Outcome:
    """Rollout or last-layer attention from the pooled token, summed per free player."""
    row = pooled_position(game)
    scores = rollout(maps)[row] if kind == "rollout" else np.asarray(maps[-1], dtype=np.float64).mean(axis=0)[row]
    values = np.zeros(len(game.players))
    for p in game.free:
        values[p] = scores[game.players.positions[p]].sum()
    return Outcome(values, Cost(1), info={"position": row})


# --- the comparison ---------------------------------------------------------------------------------------------


def compare(
    model: torch.nn.Module,
    tokenizer: Any,
    text: str,
    methods: Sequence[str] = DEFAULT_METHODS,
    target: int | str | None = None,
    masked: Sequence[int] = (),
    versus: int | str | None = None,
    **options: Any,
) -> Comparison:
    """Explain `text` with several methods and measure them alike (see this module's docstring).

    methods: any of "shap", "occlusion", "lime", "integrated_gradients", "gradient_x_input",
    "attention_rollout", "attention_cls" ("attention" names both). target: the class, as an index or label;
    by default the class predicted for the explained input (with `versus`, the most likely other class).
    masked: players held masked for every method. versus: a class to contrast with, as in `explain`: every
    method then explains log p(target) - log p(versus) (the difference in the chosen output space); attention
    is the same for any class.
    Options: text_pair, players ("token" or "word"), output, max_evals (SHAP's and LIME's budget, 500),
    shap_method ("auto"), seed, levels (faithfulness levels), ig_steps, ig_max_steps, ig_tolerance,
    lime_kernel_width, and the explainer's mask, batch_size and autocast.
    """
    explainer_options = {k: options.pop(k) for k in ("mask", "batch_size", "autocast") if k in options}
    explainer = get_explainer(model, tokenizer, **explainer_options)
    return compare_with(explainer, text, methods, target=target, masked=masked, versus=versus, **options)


def compare_with(
    explainer: Explainer,
    text: str,
    methods: Sequence[str] = DEFAULT_METHODS,
    *,
    target: int | str | None = None,
    masked: Sequence[int] = (),
    text_pair: str | None = None,
    players: str = "token",
    output: str | None = None,
    max_evals: int = 500,
    shap_method: str = "auto",
    seed: int = 0,
    levels: Sequence[float] = LEVELS,
    ig_steps: int = IG_STEPS,
    ig_max_steps: int = IG_MAX_STEPS,
    ig_tolerance: float = IG_TOLERANCE,
    lime_kernel_width: float = LIME_KERNEL_WIDTH,
    attribution: Attribution | None = None,
    on_method: Callable[[str], None] | None = None,
    versus: int | str | None = None,
) -> Comparison:
    """`compare` with an `Explainer` (and its cache); `attribution` is a SHAP explanation already computed
    for this state, used instead of computing one. `on_method(name)` runs before each method (a place to stop)."""
    names = resolve_methods(methods)
    game = explainer.game(text, text_pair=text_pair, players=players, masked=masked, output=output, versus=versus)
    ends = game.value(np.vstack([np.zeros(game.n_free, dtype=bool), np.ones(game.n_free, dtype=bool)]))
    c = predicted_class(game) if target is None else resolve_target(target, explainer.labels)
    if game.versus is not None and c == game.versus:
        raise ValueError(f"target and versus are both {explainer.labels[c]!r}: a class against itself is 0 for "
                         "every token. Choose two different classes.")
    base, full = float(ends[0, c]), float(ends[1, c])
    shap_options = {"text_pair": text_pair, "players": players, "masked": game.masked, "output": game.output,
                    "max_evals": max_evals, "method": shap_method, "seed": seed,
                    **({} if game.versus is None else {"versus": game.versus})}
    outcomes, errors = run_methods(
        game, c, names, shap=lambda: _shap(explainer, text, c, attribution, shap_options), lime_samples=max_evals,
        seed=seed, ig_steps=ig_steps, ig_max_steps=ig_max_steps, ig_tolerance=ig_tolerance,
        lime_kernel_width=lime_kernel_width, on_method=on_method)
    shap_attribution = outcomes["shap"].info.pop("attribution") if "shap" in outcomes else attribution
    curves = {name: measure(game.value, o.values[game.free], c, levels=levels, players=game.free,
                            label=explainer.labels[c], output=game.output) for name, o in outcomes.items()}
    return Comparison(
        text=game.encoding.text, text_pair=game.encoding.text_pair, tokens=list(game.players.texts),
        prefixes=list(game.players.prefixes), players=players, labels=explainer.labels, target=c,
        output=game.output, masked=game.masked, base=base, full=full,
        values={name: o.values for name, o in outcomes.items()},
        costs={name: o.cost for name, o in outcomes.items()},
        faithfulness=faithfulness_table(curves, {name: o.cost for name, o in outcomes.items()}),
        curves=curves,
        agreement=agreement({name: o.values[game.free] for name, o in outcomes.items()}),
        completeness_gap={name: float(o.gap) for name, o in outcomes.items() if o.gap is not None},
        errors=errors, attribution=shap_attribution, versus=game.versus,
    )


def predicted_class(game: TextGame) -> int:
    """The class the model predicts for the explained input (its free players all present); for a contrast,
    the most likely class other than `versus`."""
    return most_likely(game.probabilities(game.keep_matrix(np.ones((1, game.n_free), dtype=bool)))[0], game.versus)


def run_methods(
    game: TextGame,
    target: int,
    names: Sequence[str],
    *,
    shap: Callable[[], Outcome] | None = None,
    lime_samples: int = 500,
    seed: int = 0,
    ig_steps: int = IG_STEPS,
    ig_max_steps: int = IG_MAX_STEPS,
    ig_tolerance: float = IG_TOLERANCE,
    lime_kernel_width: float = LIME_KERNEL_WIDTH,
    on_method: Callable[[str], None] | None = None,
) -> tuple[dict[str, Outcome], dict[str, str]]:
    """Each named method's outcome for `target` on `game` (resolved names; "shap" needs `shap`), timed, and
    the reason each failing method did not run. The one place a method name becomes a computation, shared
    by `compare` and dataset runs."""
    runs: dict[str, Callable[[], Outcome]] = {
        "occlusion": lambda: occlusion(game, target),
        "lime": lambda: lime(game, target, lime_samples, seed, lime_kernel_width),
        "integrated_gradients": lambda: integrated_gradients(game, target, ig_steps, ig_max_steps, ig_tolerance),
        "gradient_x_input": lambda: gradient_x_input(game, target),
    }
    if shap is not None:
        runs["shap"] = shap
    maps: list = []

    def attention(kind: str) -> Outcome:
        if not maps:
            maps.append(attention_maps(game))
        return attention_scores(game, maps[0], kind)

    runs["attention_rollout"] = lambda: attention("rollout")
    runs["attention_cls"] = lambda: attention("cls")
    outcomes: dict[str, Outcome] = {}
    errors: dict[str, str] = {}
    for name in names:
        if on_method is not None:
            on_method(name)
        start = time.perf_counter()
        try:
            found = runs[name]()
        except MethodError as err:
            errors[name] = str(err)
            continue
        outcomes[name] = Outcome(found.values, Cost(found.cost.forward, found.cost.backward,
                                                    time.perf_counter() - start), found.gap, dict(found.info))
    return outcomes, errors

def _shap(explainer: Explainer, text: str, target: int, attribution: Attribution | None,
          options: dict[str, Any]) -> Outcome:
    if attribution is None:
        attribution = explainer.attribute(text, **options)
    values = attribution.values[:, target]
    gap = completeness_gap(values.sum(), attribution.outputs[target] - attribution.base_values[target])
    return Outcome(values, Cost(attribution.n_evals), gap, {"attribution": attribution,
                                                           "method": attribution.method})


def faithfulness_table(curves: dict[str, Faithfulness], costs: dict[str, Cost]) -> "pd.DataFrame":
    """One row per method: comprehensiveness and sufficiency per level, AOPCs, cost."""
    import pandas as pd

    rows = {}
    for name, f in curves.items():
        row: dict[str, float] = {}
        for q, v in f.comprehensiveness.items():
            row[f"comprehensiveness@{q:g}"] = v
        for q, v in f.sufficiency.items():
            row[f"sufficiency@{q:g}"] = v
        row["aopc_deletion"], row["aopc_insertion"] = f.aopc_deletion, f.aopc_insertion
        cost = costs[name]
        row["forward"], row["backward"], row["seconds"] = cost.forward, cost.backward, cost.seconds
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "method"
    return frame


def top_k_overlap(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """The share of the k highest-ranked players (by value, ties by position) the two rankings share."""
    if k == 0:
        return float("nan")
    return len(set(ranking(a)[:k].tolist()) & set(ranking(b)[:k].tolist())) / k


def agreement(values: dict[str, np.ndarray], level: float = TOP_K_LEVEL) -> Agreement:
    """Kendall's tau-b and the top-k overlap (k = ceil(level n)) between every two methods' values."""
    import pandas as pd
    from scipy.stats import kendalltau

    names = list(values)
    n = len(next(iter(values.values()))) if values else 0
    k = max(1, top_k(level, n)) if n else 0
    tau = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    overlap = pd.DataFrame(np.ones((len(names), len(names))), index=names, columns=names)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            t = kendalltau(values[a], values[b]).statistic if n > 1 else float("nan")
            tau.loc[a, b] = tau.loc[b, a] = t
            overlap.loc[a, b] = overlap.loc[b, a] = top_k_overlap(values[a], values[b], k)
    return Agreement(tau, overlap, k)
