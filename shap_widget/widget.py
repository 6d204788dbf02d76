"""ExplainWidget: a token heatmap of SHAP values that recomputes live as tokens are masked."""

from __future__ import annotations

import pathlib
import threading
import time
from typing import Any

import anywidget
import numpy as np
import shap
import traitlets

from .estimators import METHODS
from .explain import Attribution, Explainer, get_explainer, resolve_target
from .game import OUTPUTS, PLAYER_KINDS, encode, make_players
from .jobs import JobRunner, Superseded

_STATIC = pathlib.Path(__file__).parent / "static"
_RECOMPUTE_ON = ("text", "masked", "method", "max_evals", "players", "output")


class ExplainWidget(anywidget.AnyWidget):
    """Shows which tokens push a text classifier's prediction towards or away from each class.

    Click a token to mask it (again to unmask); the kernel recomputes the prediction and all attributions
    on a background thread, so the notebook stays responsive. State lives in synced traits: `text`,
    `masked` (sorted player indices), `target`, `method`, `max_evals`, `players`, `output` are set by
    either side; the result traits are set only here. `explanation` is a shap.Explanation of the current
    state for the selected class.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    # Intents: set from Python or from the front end.
    text = traitlets.Unicode("").tag(sync=True)
    masked = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    target = traitlets.Int(0).tag(sync=True)
    method = traitlets.Unicode("auto").tag(sync=True)
    max_evals = traitlets.Int(500).tag(sync=True)
    players = traitlets.Unicode("token").tag(sync=True)
    output = traitlets.Unicode("probability").tag(sync=True)

    # Results: set here only, each tagged by the request it answers (`result_for`).
    tokens = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    values = traitlets.List(traitlets.List(traitlets.Float()), default_value=[]).tag(sync=True)
    base_values = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    outputs = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    probabilities = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    probabilities_full = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)
    method_used = traitlets.Unicode("").tag(sync=True)
    n_evals = traitlets.Int(0).tag(sync=True)
    result_for = traitlets.Dict(default_value={}).tag(sync=True)
    state = traitlets.Unicode("ready").tag(sync=True)
    progress = traitlets.Float(0.0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    truncated = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        text: str = "",
        *,
        target: int | str | None = None,
        method: str = "auto",
        max_evals: int = 500,
        players: str = "token",
        output: str | None = None,
        masked: list[int] | tuple[int, ...] = (),
        mask: str | int = "auto",
        batch_size: int | str = "auto",
        autocast: str | None = None,
        **kwargs: Any,
    ) -> None:
        explainer = get_explainer(model, tokenizer, mask=mask, batch_size=batch_size, autocast=autocast)
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}.")
        labels = explainer.labels
        self._explainer: Explainer = explainer
        self._runner = JobRunner()
        self._lock = threading.RLock()
        self._result: Attribution | None = None
        self._failure: BaseException | None = None
        self._last_progress = 0.0
        super().__init__(
            labels=labels,
            target=resolve_target(target, labels),
            method=method,
            max_evals=max_evals,
            players=players,
            output=output or ("logit" if len(labels) == 1 else "probability"),
            **kwargs,
        )
        self._auto_target = target is None
        self._set_text(text, list(masked))
        self.observe(self._on_intent, names=list(_RECOMPUTE_ON))

    @classmethod
    def from_pipeline(cls, pipe: Any, text: str = "", **kwargs: Any) -> "ExplainWidget":
        """A widget for a transformers text-classification pipeline's model and tokenizer."""
        return cls(pipe.model, pipe.tokenizer, text, **kwargs)

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
    def _valid_max_evals(self, proposal: dict) -> int:
        if proposal["value"] < 2:
            raise traitlets.TraitError(f"max_evals must be at least 2, got {proposal['value']}.")
        return proposal["value"]

    @traitlets.validate("target")
    def _valid_target(self, proposal: dict) -> int:
        return resolve_target(int(proposal["value"]), self.labels)

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

    def wait(self, timeout: float | None = None) -> "ExplainWidget":
        """Block until the current computation has finished; raise its error if it failed."""
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
    def explanation(self) -> shap.Explanation:
        """A shap.Explanation of the current state for the selected class (`target`)."""
        return self.attribution.to_shap(self.target)

    # --- computation --------------------------------------------------------------------------------------

    def _set_text(self, text: str, masked: list[int] | None = None) -> None:
        tokens: list[dict[str, str]] = []
        truncated = False
        if text.strip():
            encoding = encode(self._explainer.tokenizer, text, self._explainer.max_length)
            tokens = make_players(encoding, self._explainer.tokenizer, self.players).to_json()
            truncated = encoding.truncated
        with self.hold_trait_notifications():
            self.text = text
            self.tokens = tokens
            self.truncated = truncated
            self.masked = masked or []
        self._schedule()

    def _on_intent(self, change: dict) -> None:
        if change["name"] in ("text", "players"):
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
            "masked": list(self.masked),
            "players": self.players,
            "method": self.method,
            "max_evals": int(self.max_evals),
            "output": self.output,
        }

    def _schedule(self) -> None:
        request = self._request()
        if not request["text"].strip():
            with self._lock:
                self._runner.submit(lambda generation: None)
                self._result = None
                with self.hold_sync():
                    self.values, self.base_values, self.outputs = [], [], []
                    self.probabilities, self.probabilities_full = [], []
                    self.result_for, self.state, self.error = request, "ready", ""
            return
        with self._lock:
            generation = self._runner.submit(lambda g: self._compute(g, request))
            with self.hold_sync():
                self.state = "computing"
                self.progress = 0.0
                self.error = ""
        del generation

    def _progress(self, generation: int, done: int, total: int) -> None:
        self._runner.check(generation)
        now = time.monotonic()
        if total and (done == total or now - self._last_progress > 0.1):
            self._last_progress = now
            with self._lock:
                if self._runner.is_current(generation):
                    self.progress = done / total

    def _compute(self, generation: int, request: dict[str, Any]) -> None:
        try:
            result = self._explainer.attribute(
                request["text"],
                method=request["method"],
                output=request["output"],
                players=request["players"],
                masked=request["masked"],
                max_evals=request["max_evals"],
                on_progress=lambda done, total: self._progress(generation, done, total),
            )
        except Exception as err:  # noqa: BLE001 - any failure is shown in the widget, which stays usable
            if isinstance(err, Superseded):
                raise
            with self._lock:
                if self._runner.is_current(generation):
                    self._failure = err
                    with self.hold_sync():
                        self.error = f"{type(err).__name__}: {err}"
                        self.state = "error"
            return
        with self._lock:
            if not self._runner.is_current(generation):
                return
            self._result = result
            self._failure = None
            with self.hold_sync():
                self.values = result.values.tolist()
                self.base_values = result.base_values.tolist()
                self.outputs = result.outputs.tolist()
                self.probabilities = result.probabilities.tolist()
                self.probabilities_full = result.probabilities_full.tolist()
                self.method_used = result.method
                self.n_evals = int(result.n_evals)
                self.truncated = result.truncated
                self.result_for = request
                if self._auto_target and self.labels:
                    self.target = int(np.argmax(result.probabilities_full))
                    self._auto_target = True
                self.progress = 1.0
                self.error = ""
                self.state = "ready"
