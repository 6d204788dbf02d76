"""ExplainWidget: a token heatmap of SHAP values that recomputes live as tokens are masked."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import anywidget
import numpy as np
import shap
import traitlets

from . import export
from .compare_mode import CompareMode
from ..engine import certainty, scheduling
from ..engine.estimators import METHODS
from ..engine.explain import Attribution, Explainer, get_explainer, resolve_target
from ..engine.explain import _check_tolerance as check_tolerance
from ..engine.faithfulness import LEVELS, Faithfulness
from ..engine.shap_compat import is_string_function
from ..engine.faithfulness import faithfulness as measure_faithfulness
from ..engine.game import OUTPUTS, PLAYER_KINDS, most_likely
from ..engine.interactions import INDICES, Interactions, sampled_minimum
from ..engine.interactions import interactions as compute_interactions
from ..engine.zero_shot import ZeroShotExplainer
from .jobs import JobRunner, Superseded

if TYPE_CHECKING:
    import pandas as pd


_STATIC = Path(__file__).parent.parent / "static"
# Faithfulness (and interactions) after a shown result: started this long after it, in passes of at most this
# many tokens on a CPU, so that the next click rarely waits for them.
FOLLOW_UP_DELAY_S = 0.25
FOLLOW_UP_PASS_TOKENS = 1024
# With max_evals="auto", refining ends after this long even if the values have not settled.
AUTO_TIME_LIMIT_S = 15.0
_RECOMPUTE_ON = ("text", "text_pair", "masked", "method", "max_evals", "players", "output", "seed", "tolerance",
                 "versus")
# What the front end renders; also what a standalone HTML export carries.
VIEW_TRAITS = (
    "text", "text_pair", "masked", "target", "method", "max_evals", "players", "output", "tokens", "labels", "values",
    "errors", "base_values", "outputs", "probabilities", "probabilities_full", "method_used", "n_evals",
    "result_for", "state", "progress", "error", "truncated", "faithfulness", "seed", "tolerance", "mode",
    "interaction_index", "focus", "pairs", "versus", "comparison", "compare_scale", "settled",
)
MODES = ("attributions", "interactions", "compare")
# What a front end may set: the intents, and `shown_for`. Everything else is the kernel's, so a host that sends
# back its whole copy of the state (or a stale part of it) cannot overwrite a result.
FRONT_END_TRAITS = frozenset(
    ("shown_for", "text", "text_pair", "masked", "target", "versus", "method", "max_evals", "players", "output",
     "seed", "tolerance", "mode", "interaction_index", "focus", "compare_scale")
)


def _explainer_for(model: Any, tokenizer: Any, **options: Any) -> Explainer:
    """The engine for what a shap user has: an Explainer, a pipeline, or a model and its tokenizer."""
    if isinstance(model, Explainer):
        return model
    if is_string_function(model):
        raise TypeError("The live widget masks token ids of a transformers model; a function of strings cannot "
                        "be recomputed that way. Pass the model and its tokenizer, or a text-classification "
                        "pipeline.")
    if tokenizer is None:  # a pipeline brings its tokenizer (and its output space)
        return Explainer(model, None, **options)
    return get_explainer(model, tokenizer, **options)


def explanation_text(explanation: shap.Explanation, index: int) -> str:
    """The text of row `index` of a text explanation: its tokens (with their whitespace) joined."""
    data = explanation.data
    if isinstance(data, tuple) or (isinstance(data, np.ndarray) and data.dtype == object and data.ndim == 1
                                   and len(data) and isinstance(data[0], np.ndarray)):
        if not -len(data) <= index < len(data):
            raise IndexError(f"index {index} is out of range: the explanation has {len(data)} rows.")
        data = data[index]
    parts = [str(d) for d in np.asarray(data, dtype=object).reshape(-1)]
    if len(parts) > 1 and not any(p[:1].isspace() or p[-1:].isspace() for p in parts):
        return " ".join(p for p in parts if p)
    return "".join(parts).strip()


class _Stopped(Exception):
    """Raised inside a job whose refining the user stopped; the estimate shown becomes final."""


def _contrast(request: dict[str, Any]) -> dict[str, int]:
    """The engine's `versus` option for a request: none when it contrasts with no class."""
    return {} if request.get("versus", -1) < 0 else {"versus": request["versus"]}


def _largest_error(result: Attribution) -> float:
    return 0.0 if result.errors is None or result.errors.size == 0 else float(result.errors.max())


class ExplainWidget(CompareMode, anywidget.AnyWidget):
    """Shows which tokens push a text classifier's prediction towards or away from each class.

    Click a token to mask it (again to unmask); the kernel recomputes the prediction and all attributions
    on a background thread, so the notebook stays responsive. State lives in synced traits: `text`,
    `masked` (sorted player indices), `target`, `method`, `max_evals`, `players`, `output` are set by
    either side; the result traits are set only here. `explanation` is a shap.Explanation of the current
    state for the selected class. After each explanation the same background job measures its
    faithfulness for the selected class (deletion/insertion curves, comprehensiveness, sufficiency; see
    `shap_widget.faithfulness`) into the `faithfulness` trait, tagged like `result_for` with what it answers.

    With `mode="interactions"` the same job also computes pairwise Shapley interactions (`interaction_index`
    "SII" or "k-SII", see `shap_widget.explain_interactions`) into `pairs`, tagged the same way; the front end
    colours the other tokens by their interaction with the `focus` player. After an exact explanation the
    exact interactions need no new model evaluation.
    With `mode="compare"` it also puts other explanation methods beside SHAP (occlusion, LIME, integrated
    gradients, gradient x input, attention; see `shap_widget.compare` and `CompareMode`) into `comparison`.
    `text_pair` makes it a sentence-pair widget (two text boxes, a token row per text, players in both);
    `explainer` computes with a given engine, such as a `ZeroShotExplainer` (see `from_pipeline`).
    `versus` (a class index or label; the trait holds -1 for none) explains "why `target` rather than
    `versus`": every class's values are then those of its contrast with `versus` (see `shap_widget.explain`);
    choosing the versus class as the target swaps the two.
    The sampled estimators (`method="kernel"`, what "auto" picks beyond the exact limit, and "permutation")
    are anytime: the first estimate is shown after its first batch with `state = "refining"`, and refined in
    place until the values are settled (`max_evals="auto"`, the default: see `shap_widget.engine.certainty`;
    at most `AUTO_TIME_LIMIT_S`), the budget is spent or every standard error is at most `tolerance`; `errors`
    holds the standard errors (empty for exact methods) and `settled` whether an automatic budget settled.
    `stop()` (the front end's Stop button) keeps the estimate shown as final; `refine_more()` (Refine more)
    continues the same sample to twice its evaluations.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    # Intents: set from Python or from the front end.
    text = traitlets.Unicode("").tag(sync=True)
    text_pair = traitlets.Unicode("").tag(sync=True)  # the second text of a sentence pair; "" for one text
    masked = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    target = traitlets.Int(0).tag(sync=True)
    # The class to contrast with ("why `target` rather than `versus`?"), or -1 for none.
    versus = traitlets.Int(-1).tag(sync=True)
    method = traitlets.Unicode("auto").tag(sync=True)
    # "auto" (refine until the values are settled) or a fixed number of model evaluations.
    max_evals = traitlets.Union([traitlets.Unicode(), traitlets.Int()], default_value="auto").tag(sync=True)
    players = traitlets.Unicode("token").tag(sync=True)
    output = traitlets.Unicode("probability").tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    # A standard error to stop refining at (sampled methods), or None to spend the whole budget.
    tolerance = traitlets.Any(None).tag(sync=True)

    # Results: set here only, each tagged by the request it answers (`result_for`).
    tokens = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    values = traitlets.List(traitlets.List(traitlets.Float()), default_value=[]).tag(sync=True)
    # Standard errors of `values`, same shape; [] when the values are exact.
    errors = traitlets.List(traitlets.List(traitlets.Float()), default_value=[]).tag(sync=True)
    base_values = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    outputs = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    probabilities = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    probabilities_full = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    method_used = traitlets.Unicode("").tag(sync=True)
    n_evals = traitlets.Int(0).tag(sync=True)
    # With max_evals="auto": whether the shown final estimate settled (False: stopped at its cap or time limit).
    # None where it is not known (a row of a saved run written before runs recorded it).
    settled = traitlets.Bool(False, allow_none=True).tag(sync=True)
    result_for = traitlets.Dict(default_value={}).tag(sync=True)
    state = traitlets.Unicode("ready").tag(sync=True)
    progress = traitlets.Float(0.0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    truncated = traitlets.Bool(False).tag(sync=True)
    # Faithfulness.to_json() of the shown explanation for class `target`, plus "result_for" and "target"
    # (what it answers) or "error"; {} until measured. Its curves may be sampled ("steps"); once the panel is
    # opened, "full_curve" holds the same measure at every step (or its "error").
    faithfulness = traitlets.Dict(default_value={}).tag(sync=True)
    # Interactions view: intents `mode`, `interaction_index` and `focus` (a player index, -1 for none); the
    # result `pairs` holds "values" (n, n, C), "main" (n, C), "index", "method", "n_evals" and "result_for"
    # (the request it answers), or "error"; {} until computed.
    mode = traitlets.Unicode("attributions").tag(sync=True)
    interaction_index = traitlets.Unicode("SII").tag(sync=True)
    focus = traitlets.Int(-1).tag(sync=True)
    pairs = traitlets.Dict(default_value={}).tag(sync=True)
    # Set by the front end only: the `result_for` of the settled result it drew after a user's action. Hosts
    # that re-run cells when a widget's front end writes (marimo's `mo.ui.anywidget`) then re-run them once the
    # result is ready, so those cells see the final state rather than the one at the click.
    shown_for = traitlets.Dict(default_value={}).tag(sync=True)

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        text: str = "",
        *,
        text_pair: str | None = None,
        target: int | str | None = None,
        versus: int | str | None = None,
        method: str = "auto",
        max_evals: int | str = "auto",
        players: str = "token",
        output: str | None = None,
        masked: list[int] | tuple[int, ...] = (),
        mode: str = "attributions",
        interaction_index: str = "SII",
        seed: int = 0,
        tolerance: float | None = None,
        mask: str | int = "auto",
        batch_size: int | str = "auto",
        autocast: str | None = None,
        explainer: Explainer | None = None,
        **kwargs: Any,
    ) -> None:
        if explainer is None:
            if isinstance(tokenizer, str) and not text:  # ExplainWidget(pipe, "a text") or (explainer, "a text")
                tokenizer, text = None, tokenizer
            explainer = _explainer_for(model, tokenizer, mask=mask, batch_size=batch_size, autocast=autocast)
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}.")
        if text_pair is not None and not isinstance(text_pair, str):
            raise TypeError(f"text_pair must be a str or None, got {type(text_pair).__name__}.")
        # A pair widget stays one: emptying its second text is an error to fix, not a switch to one text.
        self._pair = text_pair is not None
        labels = explainer.labels
        self._explainer: Explainer = explainer
        self._runner = JobRunner()
        self._lock = threading.RLock()
        self._result: Attribution | None = None
        self._result_request: dict[str, Any] | None = None
        self._faithfulness: tuple[Attribution, int, Faithfulness] | None = None
        self._interactions: tuple[dict[str, Any], Interactions] | None = None
        self._failure: BaseException | None = None
        self._last_progress = 0.0
        self._known: dict[tuple, Attribution] = {}
        self._stop_generation = 0  # the job asked to keep its shown estimate as final
        super().__init__(
            labels=labels,
            target=resolve_target(target, labels),
            method=method,
            max_evals=max_evals,
            players=players,
            output=output or explainer.output or ("logit" if len(labels) == 1 else "probability"),
            mode=mode,
            interaction_index=interaction_index,
            seed=seed,
            tolerance=tolerance,
            **kwargs,
        )
        self._auto_target = target is None
        with self.hold_trait_notifications():
            self.text_pair = text_pair or ""
        if versus is not None:
            self.versus = resolve_target(versus, labels)
            self._auto_target = target is None
        self._set_text(text, list(masked))
        self.observe(self._on_intent, names=list(_RECOMPUTE_ON))
        self.observe(self._on_interaction_intent, names=["mode", "interaction_index"])
        self._observe_compare()
        self.on_msg(self._on_message)

    @classmethod
    def from_pipeline(
        cls,
        pipe: Any,
        text: str = "",
        *,
        candidate_labels: Sequence[str] | str | None = None,
        hypothesis_template: str = "This example is {}.",
        multi_label: bool = False,
        **kwargs: Any,
    ) -> "ExplainWidget":
        """A widget for a transformers pipeline: text classification, or zero-shot classification.

        For a zero-shot-classification pipeline the classes are `candidate_labels`, and the explained output
        is the pipeline's own score for each (see `ZeroShotExplainer`); the players are the text's tokens.
        """
        if getattr(pipe, "task", None) == "zero-shot-classification" or candidate_labels is not None:
            if candidate_labels is None:
                raise ValueError("A zero-shot-classification pipeline needs candidate_labels=[...] to score.")
            options = {k: kwargs.pop(k) for k in ("mask", "batch_size", "autocast") if k in kwargs}
            explainer = ZeroShotExplainer(pipe, candidate_labels, hypothesis_template=hypothesis_template,
                                          multi_label=multi_label, **options)
            return cls(pipe.model, pipe.tokenizer, text, explainer=explainer, **kwargs)
        return cls(pipe.model, pipe.tokenizer, text, **kwargs)

    @classmethod
    def from_explanation(
        cls,
        explanation: shap.Explanation,
        index: int = 0,
        *,
        model: Any = None,
        tok: Any = None,
        **kwargs: Any,
    ) -> "ExplainWidget":
        """Row `index` of a text explanation (shap's or this package's), opened live for `model`.

        `model` is what the explanation was computed with: a model (with `tok`), a pipeline, or an Explainer.
        The text is the row's tokens joined back together; the widget recomputes it on token ids.
        """
        if model is None:
            raise TypeError("from_explanation needs the model to recompute with: model=pipe, model=explainer, or "
                            "model=model, tok=tokenizer.")
        return cls(model, tok, explanation_text(explanation, index), **kwargs)

    # --- validation -------------------------------------------------------------------------------------

    @traitlets.validate("method")
    def _valid_method(self, proposal: dict) -> str:
        if proposal["value"] not in METHODS:
            raise traitlets.TraitError(f"method must be one of {METHODS}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("players")
    def _valid_players(self, proposal: dict) -> str:
        if proposal["value"] not in PLAYER_KINDS:
            raise traitlets.TraitError(f"players must be one of {PLAYER_KINDS}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("output")
    def _valid_output(self, proposal: dict) -> str:
        if proposal["value"] not in OUTPUTS:
            raise traitlets.TraitError(f"output must be one of {OUTPUTS}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("max_evals")
    def _valid_max_evals(self, proposal: dict) -> int | str:
        try:
            return certainty.check_max_evals(proposal["value"])
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("seed")
    def _valid_seed(self, proposal: dict) -> int:
        if proposal["value"] < 0:
            raise traitlets.TraitError(f"seed must be a non-negative integer, got {proposal['value']}.")
        return proposal["value"]

    @traitlets.validate("tolerance")
    def _valid_tolerance(self, proposal: dict) -> float | None:
        try:
            return check_tolerance(proposal["value"])
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("target")
    def _valid_target(self, proposal: dict) -> int:
        return resolve_target(int(proposal["value"]), self.labels)

    @traitlets.validate("versus")
    def _valid_versus(self, proposal: dict) -> int:
        value = int(proposal["value"])
        if value == -1:
            return value
        if len(self.labels) < 2:
            raise traitlets.TraitError("versus compares two classes, but this model has one output; keep -1.")
        return resolve_target(value, self.labels)

    @traitlets.validate("mode")
    def _valid_mode(self, proposal: dict) -> str:
        if proposal["value"] not in MODES:
            raise traitlets.TraitError(f"mode must be one of {MODES}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("interaction_index")
    def _valid_index(self, proposal: dict) -> str:
        if proposal["value"] not in INDICES:
            raise traitlets.TraitError(f"interaction_index must be one of {INDICES}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("focus")
    def _valid_focus(self, proposal: dict) -> int:
        n = len(self.tokens)
        if not -1 <= proposal["value"] < n:
            raise traitlets.TraitError(
                f"focus {proposal['value']} is out of range: the input has {n} players (0..{n - 1}); -1 for none."
            )
        return proposal["value"]

    @traitlets.validate("masked")
    def _valid_masked(self, proposal: dict) -> list[int]:
        value = sorted(set(int(i) for i in proposal["value"]))
        n = len(self.tokens)
        bad = [i for i in value if not 0 <= i < n]
        if bad:
            raise traitlets.TraitError(f"masked indices {bad} are out of range: the input has {n} players.")
        return value

    @traitlets.observe("target")
    def _on_target(self, change: dict) -> None:
        self._auto_target = False
        if change["new"] == self.versus:
            # "a rather than a" says nothing: the classes trade places
            self.versus = change["old"]
            return
        with self._lock:
            # While an explanation is computing, its job measures faithfulness for the target it finds then;
            # after an error, the next explanation will.
            result, request = self._result, self._result_request
            if self.state != "ready" or result is None or request is None:
                return
            if self.faithfulness.get("result_for") == request and self.faithfulness.get("target") == self.target:
                return
            self._runner.submit(lambda g: self._measure_now(g, request, result))

    # --- public API ---------------------------------------------------------------------------------------

    def mask(self, *indices: int) -> "ExplainWidget":
        """Mask players (token or word indices) and recompute."""
        self.masked = sorted(set(self.masked) | {int(i) for i in indices})
        return self

    def unmask(self, *indices: int) -> "ExplainWidget":
        """Unmask players and recompute."""
        self.masked = sorted(set(self.masked) - {int(i) for i in indices})
        return self

    def reset(self) -> "ExplainWidget":
        """Unmask every player."""
        self.masked = []
        return self

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a front end's changes to the intents; the results and `state` stay the kernel's."""
        super().set_state({k: v for k, v in sync_data.items() if k in FRONT_END_TRAITS})

    def refine_more(self) -> "ExplainWidget":
        """Continue the shown sampled estimate to twice its evaluations (the front end's Refine more button).

        The budget becomes that number: the same seed draws the same sample, so the rows already evaluated
        come from the cache and the result equals one run of the longer budget.
        """
        self.max_evals = max(2 * int(self.n_evals), 4)
        return self

    def stop(self) -> "ExplainWidget":
        """Stop refining: the estimate shown now becomes the final one (state "ready").

        Does nothing unless an estimate is refining; the computation ends at its next model batch.
        """
        with self._lock:
            if self.state == "refining":
                self._stop_generation = self._runner.generation
        return self

    def wait(self, timeout: float | None = None) -> "ExplainWidget":
        """Block until the current computation has finished (its final estimate); raise its error if it failed."""
        if not self._runner.wait(timeout):
            raise TimeoutError(f"The explanation did not finish within {timeout} s.")
        if self.state == "error" and self._failure is not None:
            raise RuntimeError(f"The last computation failed: {self.error}") from self._failure
        return self

    @property
    def attribution(self) -> Attribution:
        """The engine's result for the current state, for every class."""
        self.wait()
        assert self._result is not None
        return self._result

    @property
    def explainer(self) -> Explainer:
        """The engine this widget computes with (shared with other widgets on the same model)."""
        return self._explainer

    @property
    def explanation(self) -> shap.Explanation:
        """A shap.Explanation of the current state for the selected class (`target`).

        Its `data` holds each token with the whitespace before it, so `shap.plots.text` shows the input as
        written; `feature_names` holds the bare tokens, which label `shap.plots.bar` and `shap.plots.waterfall`.
        """
        attribution = self.attribution
        explanation = attribution.to_shap(self.target)
        explanation.data = np.array([p + t for p, t in zip(attribution.prefixes, attribution.tokens)], dtype=object)
        return explanation

    @property
    def interactions(self) -> Interactions:
        """Pairwise interactions (`interaction_index`) of the current state, for every class.

        The ones the view shows when they answer the current state; otherwise computed now, on this thread.
        """
        attribution = self.attribution
        request = {**self._result_request, "index": self.interaction_index}
        with self._lock:
            cached = self._interactions
        if cached is not None and cached[0] == request:
            return cached[1]
        result = self._interact_now(request, attribution)
        with self._lock:
            self._interactions = (request, result)
        return result

    def to_dataframe(self, *, interactions: bool = False) -> "pd.DataFrame":
        """The current explanation as a pandas DataFrame: one row per player (token or word).

        Columns: `token`, `index` (the player index that `mask` takes), `masked`, then one column of SHAP
        values per class, named after the class, and for sampled values one column of standard errors per
        class, named `<class> se` (when labels would make two columns alike, every class column is named
        `value[<c>: <label>]` / `se[<c>: <label>]` instead). With `interactions=True`, the pairwise interactions in long form instead:
        one row per pair i < j with `i`, `j`, `token_i`, `token_j`, then one column per class.
        """
        if interactions:
            return export.interactions_dataframe(self.interactions)
        return export.dataframe(self.attribution)

    def to_html(self, path: str | Path, *, title: str | None = None) -> Path:
        """Write a standalone HTML page showing the widget's current state, viewable without a kernel.

        The page inlines the widget's own script and style and the current state (after waiting for any
        computation in progress), so it needs no network; the class can still be switched there, while
        masking needs the kernel and is disabled.
        """
        self._runner.wait()
        return export.write_html(path, self.view_state(), title=title)

    def view_state(self) -> dict[str, Any]:
        """The synced state the front end renders, as plain JSON-ready values."""
        return {name: getattr(self, name) for name in VIEW_TRAITS}

    def _cached_faithfulness(self, attribution: Attribution, target: int,
                             levels: tuple[float, ...] | list[float]) -> Faithfulness | None:
        """The faithfulness measured in the background for this attribution and class, if any."""
        with self._lock:
            cached = self._faithfulness
        if cached is None or cached[0] is not attribution or cached[1] != target:
            return None
        return cached[2] if tuple(float(q) for q in levels) == LEVELS else None

    # --- computation --------------------------------------------------------------------------------------

    def _set_text(self, text: str, masked: list[int] | None = None) -> None:
        tokens: list[dict[str, str]] = []
        truncated = False
        text_pair = self.text_pair if self._pair else None
        if text.strip() and (text_pair is None or text_pair.strip()):
            player_set, truncated = self._explainer.players_of(text, text_pair, self.players)
            tokens = player_set.to_json()
        with self.hold_trait_notifications():
            self.text = text
            self.tokens = tokens
            self.truncated = truncated
            self.masked = masked or []
            self.focus = -1
        self._schedule()

    def _on_intent(self, change: dict) -> None:
        if change["name"] in ("text", "text_pair", "players"):
            # A new text or player kind renumbers the players: recompute its tokens and unmask everything.
            self.unobserve(self._on_intent, names=list(_RECOMPUTE_ON))
            try:
                self._set_text(self.text)
            finally:
                self.observe(self._on_intent, names=list(_RECOMPUTE_ON))
            return
        self._schedule()

    def _request(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "text_pair": self.text_pair,
            "masked": list(self.masked),
            "players": self.players,
            "method": self.method,
            "max_evals": self.max_evals,
            "output": self.output,
            "seed": int(self.seed),
            "tolerance": self.tolerance,
            "versus": int(self.versus),
        }

    def _schedule(self) -> None:
        with self._lock:
            # Read and submitted under one lock, so that with several threads setting intents the last job
            # submitted is for the latest state.
            request = self._request()
            self._submit(request)

    def _submit(self, request: dict[str, Any]) -> None:
        if not request["text"].strip():
            with self._lock:
                self._runner.submit(lambda generation: None)
                self._result = self._result_request = self._faithfulness = None
                with self.hold_sync():
                    self.values, self.errors, self.base_values, self.outputs = [], [], [], []
                    self.faithfulness = {}
                    self.pairs = {}
                    self.probabilities, self.probabilities_full = [], []
                    self.result_for, self.state, self.error = request, "ready", ""
            return
        with self._lock:
            self._runner.submit(lambda g: self._compute(g, request))
            with self.hold_sync():
                self.state = "computing"
                self.progress = 0.0
                self.error = ""

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        """Custom messages from the front end: {"event": "stop", "result_for": <the request it shows>}, and
        {"event": "full_curve", "id": <n>, "result_for": ..., "target": <class>} (see `_on_full_curve`)."""
        if not isinstance(content, dict):
            return
        if content.get("event") == "stop":
            with self._lock:
                # A Stop pressed while a newer request was on its way answers nothing current.
                if content.get("result_for") == self.result_for:
                    self.stop()
        elif content.get("event") == "full_curve":
            self._on_full_curve(content)

    def _on_full_curve(self, content: dict[str, Any]) -> None:
        """The faithfulness panel was opened on a sampled curve: measure every step of it, once.

        The curves measured after each result are side work, at some of their steps (see
        `shap_widget.engine.faithfulness.SHARE`); the panel's plot is worth every step only once someone looks.
        The full curves go into `faithfulness["full_curve"]`, beside the sampled numbers the summary line shows.
        The kernel answers {"event": "full_curve", "id": <the same>, "done": <bool>} once they are there, or at
        once with done false when the message names a result or class no longer shown.
        """
        ask = content.get("id")
        with self._lock:
            result, request, f = self._result, self._result_request, self.faithfulness
            current = (self.state == "ready" and result is not None and request == self.result_for
                       and content.get("result_for") == request and content.get("target") == self.target
                       and f.get("result_for") == request and f.get("target") == self.target and "error" not in f)
            if not current:
                self.send({"event": "full_curve", "id": ask, "done": False})
                return
            if f.get("steps") is None or "full_curve" in f:  # complete already, or measured before
                self.send({"event": "full_curve", "id": ask, "done": True})
                return

            def job(generation: int) -> None:
                done = False
                try:
                    with self._explainer.evaluator.interactive():
                        self._catch_up(generation, request, result)
                        done = self._measure(generation, request, result, full=True)
                finally:  # superseded too: the front end stops waiting
                    self.send({"event": "full_curve", "id": ask, "done": done})

            self._runner.submit(job)

    def _catch_up(self, generation: int, request: dict[str, Any], result: Attribution) -> None:
        """Compute what the mode shows for `request` when a newer job superseded the one that would have."""
        with self._lock:
            pairs_missing = self.mode == "interactions" and not self._paired_for(request)
            comparison_missing = self.mode == "compare" and not self._compared_for(request)
        if pairs_missing:
            self._interact(generation, request, result)
        if comparison_missing:
            self._compare(generation, request, result)

    def _paired_for(self, request: dict[str, Any]) -> bool:
        """Whether the published pair matrix answers `request` for the selected interaction index."""
        return self.pairs.get("result_for") == request and self.pairs.get("index") == self.interaction_index

    def _stopping(self, generation: int) -> bool:
        return self._stop_generation == generation

    def _progress(self, generation: int, done: int, total: int) -> None:
        self._runner.check(generation)
        if self._stopping(generation):
            raise _Stopped()
        now = time.monotonic()
        if total and (done == total or now - self._last_progress > 0.1):
            self._last_progress = now
            with self._lock:
                if self._runner.is_current(generation):
                    self.progress = done / total

    def remember(self, attribution: Attribution, method: str) -> None:
        """Show `attribution` without computing when its text is opened with nothing masked, the same
        players, budget and output, and `method` (the method it was asked for), e.g. rows of a saved run."""
        a = attribution
        self._known[(a.text, a.text_pair, a.players, method, a.max_evals, a.output,
                     -1 if a.versus is None else a.versus)] = a

    def _compute(self, generation: int, request: dict[str, Any]) -> None:
        # Someone is looking at this one: background work on the same model waits at its next batch.
        with self._explainer.evaluator.interactive():
            self._compute_now(generation, request)

    def _compute_now(self, generation: int, request: dict[str, Any]) -> None:
        known = None if request["masked"] else self._known.get(
            (request["text"], request["text_pair"] if self._pair else None, request["players"], request["method"],
             request["max_evals"], request["output"], request["versus"]))
        shown: Attribution | None = None
        try:
            estimates = [known] if known is not None else self._explainer.refine(
                request["text"],
                text_pair=request["text_pair"] if self._pair else None,
                method=request["method"],
                output=request["output"],
                players=request["players"],
                masked=request["masked"],
                max_evals=request["max_evals"],
                seed=request["seed"],
                tolerance=request["tolerance"],
                on_progress=lambda done, total: self._progress(generation, done, total),
                **_contrast(request),
                time_limit=AUTO_TIME_LIMIT_S,
            )
            for estimate in estimates:
                if self._stopping(generation) and not estimate.final:
                    raise _Stopped()
                if not estimate.final and shown is not None and _largest_error(estimate) > _largest_error(shown):
                    continue  # a noisier picture than the one shown would be a step back
                if not self._publish(generation, request, estimate):
                    return
                shown = estimate
                if estimate.final:
                    break
        except _Stopped:
            assert shown is not None  # stop() acts only once an estimate is shown
            shown = dataclasses.replace(shown, final=True)
            if not self._publish(generation, request, shown):
                return
        except BaseException as err:  # noqa: BLE001 - any failure, an interrupt too, is shown; the widget stays usable
            if isinstance(err, Superseded):
                raise
            with self._lock:
                if self._runner.is_current(generation):
                    self._failure = err
                    with self.hold_sync():
                        self.error = f"{type(err).__name__}: {err}"
                        self.state = "error"
            return
        assert shown is not None and shown.final
        # What follows is measured for a result already shown. A click right after it should not wait for a
        # forward pass of that work: start it after a moment, in short passes.
        self._runner.pause(generation, FOLLOW_UP_DELAY_S)
        with scheduling.short_passes(FOLLOW_UP_PASS_TOKENS):
            if self.mode == "interactions":
                self._interact(generation, request, shown)
            if self.mode == "compare":
                self._compare(generation, request, shown)
            self._measure(generation, request, shown)

    def _publish(self, generation: int, request: dict[str, Any], result: Attribution) -> bool:
        """Show `result` as the answer to `request` (refining while not final); False if superseded."""
        with self._lock:
            if not self._runner.is_current(generation):
                return False
            self._result = result
            self._result_request = request
            self._failure = None
            with self.hold_sync():
                self.errors = [] if result.errors is None else result.errors.tolist()
                self.base_values = result.base_values.tolist()
                self.outputs = result.outputs.tolist()
                self.probabilities = result.probabilities.tolist()
                self.probabilities_full = result.probabilities_full.tolist()
                self.method_used = result.method
                self.n_evals = int(result.n_evals)
                self.settled = None if result.settled is None and result.max_evals == certainty.AUTO \
                    else bool(result.settled)
                self.truncated = result.truncated
                self.result_for = request
                if self._auto_target and self.labels:
                    versus = self.versus if 0 <= self.versus < len(result.probabilities_full) else None
                    self.target = most_likely(result.probabilities_full, versus)
                    self._auto_target = True
                if result.final:
                    self.progress = 1.0
                self.error = ""
                self.state = "ready" if result.final else "refining"
                # Last, so that an observer of `values` sees the whole estimate it belongs to.
                self.values = result.values.tolist()
        return True

    def _on_interaction_intent(self, change: dict) -> None:
        with self._lock:
            result, request = self._result, self._result_request
            if self.mode != "interactions" or self.state != "ready" or result is None or request is None:
                return  # a running explanation computes them when it finds the mode on
            if self._paired_for(request):
                return
            faithful = self.faithfulness.get("result_for") == request

            def job(generation: int) -> None:
                with self._explainer.evaluator.interactive():
                    self._interact(generation, request, result)
                    if not faithful:
                        self._measure(generation, request, result)

            self._runner.submit(job)

    def _interact_now(self, request: dict[str, Any], attribution: Attribution,
                      on_progress: Callable[[int, int], None] | None = None) -> Interactions:
        # Exact after an exact explanation (its coalitions are cached), else exact or sampled within the same
        # budget as the explanation, raised to what a usable sampled estimate needs.
        n_free = len(attribution.tokens) - len(attribution.masked)
        budget = certainty.spent_budget(request["max_evals"], attribution.n_evals)
        return compute_interactions(
            self._explainer, request["text"], index=request["index"],
            method="exact" if attribution.method == "exact" else "auto", output=request["output"],
            players=request["players"], masked=request["masked"],
            max_evals=max(budget, sampled_minimum(n_free)), on_progress=on_progress,
            **_contrast(request),
        )

    def _interact(self, generation: int, request: dict[str, Any], result: Attribution) -> None:
        """Compute the pairwise interactions of the explained state and publish them, unless superseded."""
        with self._lock:
            if not self._runner.is_current(generation):
                return
            full = {**request, "index": self.interaction_index}
        tag = {"result_for": request, "index": full["index"]}
        try:
            found = self._interact_now(full, result, lambda done, total: self._runner.check(generation))
        except BaseException as err:  # noqa: BLE001 - shown in the interactions bar; the explanation stands
            if isinstance(err, Superseded):
                raise
            found, payload = None, {**tag, "error": f"{type(err).__name__}: {err}"}
        else:
            payload = {**tag, "values": found.pairs.tolist(), "main": found.values.tolist(),
                       "method": found.method, "n_evals": int(found.n_evals)}
        with self._lock:
            if not self._runner.is_current(generation):
                return
            if found is not None:
                self._interactions = (full, found)
            self.pairs = payload
    def _measure_now(self, generation: int, request: dict[str, Any], result: Attribution) -> None:
        with self._explainer.evaluator.interactive():
            self._measure(generation, request, result)

    def _measure(self, generation: int, request: dict[str, Any], result: Attribution, full: bool = False) -> bool:
        """Measure faithfulness of `result` for the selected class and publish it, unless superseded.

        With `full`, every step of the curves, published as "full_curve" beside the sampled measure shown;
        returns whether it was published.
        """
        with self._lock:
            if not self._runner.is_current(generation):
                return False
            target = self.target
            sampled = self.faithfulness
        tag = {"result_for": request, "target": target}
        if full and any(sampled.get(k) != v for k, v in tag.items()):
            return False
        try:
            measured = measure_faithfulness(self._explainer, result, target=target, full=full,
                                            on_progress=lambda done, total: self._runner.check(generation))
        except BaseException as err:  # noqa: BLE001 - shown next to the plot; the explanation itself stands
            if isinstance(err, Superseded):
                raise
            measured, payload = None, {**tag, "error": f"{type(err).__name__}: {err}"}
        else:
            payload = {**measured.to_json(), **tag}
        if full:
            payload = {**sampled, "full_curve": payload}
        with self._lock:
            if not self._runner.is_current(generation):
                return False
            if measured is not None or not full:
                self._faithfulness = (result, target, measured) if measured is not None else None
            self.faithfulness = payload
        return True
