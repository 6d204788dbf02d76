"""The Compare mode of ExplainWidget: other explanation methods beside SHAP, one heatmap row each."""

from __future__ import annotations

from typing import Any

import traitlets

from ..engine import certainty
from ..engine.compare import DEFAULT_METHODS, Comparison, compare_with, resolve_methods
from ..engine.explain import Attribution
from .jobs import Superseded

SCALES = ("shared", "row")


class CompareMode(traitlets.HasTraits):
    """Traits and background work of the Compare mode, mixed into ExplainWidget.

    With `mode="compare"`, after each explanation the same job runs `shap_widget.compare` on the shown state
    (the SHAP row is the explanation shown; occlusion and LIME rows come from the same cache) and publishes
    `comparison`: `Comparison.to_json()` plus "result_for" and "target" (what it answers), or "error".
    A click masks the token for every row. `compare_methods` picks the rows; `compare_scale` colours them
    on one "shared" scale or each on its own ("row").
    """

    compare_methods = traitlets.List(traitlets.Unicode(), default_value=list(DEFAULT_METHODS)).tag(sync=True)
    compare_scale = traitlets.Unicode("shared").tag(sync=True)
    comparison = traitlets.Dict(default_value={}).tag(sync=True)

    _compared: Comparison | None = None

    @traitlets.validate("compare_methods")
    def _valid_compare_methods(self, proposal: dict) -> list[str]:
        try:
            resolve_methods(proposal["value"])
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None
        return list(proposal["value"])

    @traitlets.validate("compare_scale")
    def _valid_compare_scale(self, proposal: dict) -> str:
        if proposal["value"] not in SCALES:
            raise traitlets.TraitError(f"compare_scale must be one of {SCALES}, got {proposal['value']!r}.")
        return proposal["value"]

    @property
    def compared(self) -> Comparison:
        """The comparison the Compare mode shows for the current state (computed now if it has none)."""
        attribution = self.attribution
        request = self._result_request
        with self._lock:
            found = self._compared
        if found is not None and self.comparison.get("result_for") == request and found.target == self.target:
            return found
        return self._compare_now(request, attribution, None)

    def _observe_compare(self) -> None:
        self.observe(self._on_compare_intent, names=["mode", "compare_methods", "target"])

    def _on_compare_intent(self, change: dict) -> None:
        with self._lock:
            result, request = self._result, self._result_request
            if self.mode != "compare" or self.state != "ready" or result is None or request is None:
                return  # a running explanation compares when it finds the mode on
            if self._compared_for(request):
                return

            # Submitted last (a change of class also asks for faithfulness, and the newest job wins), so this
            # job measures it too when it is not for this class yet.
            measured = self.faithfulness.get("result_for") == request and self.faithfulness.get("target") == \
                self.target

            def job(generation: int) -> None:
                with self._explainer.evaluator.interactive():
                    self._compare(generation, request, result)
                    if not measured:
                        self._measure(generation, request, result)

            self._runner.submit(job)

    def _compare_tag(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"result_for": request, "target": self.target, "methods": list(self.compare_methods)}

    def _compared_for(self, request: dict[str, Any]) -> bool:
        """Whether the published comparison answers `request` for the selected class and methods."""
        return all(self.comparison.get(k) == v for k, v in self._compare_tag(request).items())

    def _compare_now(self, request: dict[str, Any], attribution: Attribution, generation: int | None) -> Comparison:
        check = (lambda name: self._runner.check(generation)) if generation is not None else None
        # LIME gets the evaluations SHAP spent, also when an automatic budget decided them.
        budget = certainty.spent_budget(request["max_evals"], attribution.n_evals)
        found = compare_with(
            self._explainer, request["text"], self.compare_methods, target=self.target, masked=request["masked"],
            text_pair=request["text_pair"] if self._pair else None, players=request["players"],
            output=request["output"], max_evals=budget, seed=request["seed"],
            attribution=attribution, on_method=check,
            versus=None if request.get("versus", -1) < 0 else request["versus"],
        )
        with self._lock:
            self._compared = found
        return found

    def _compare(self, generation: int, request: dict[str, Any], result: Attribution) -> None:
        """Compare methods on the explained state for the selected class and publish it, unless superseded."""
        with self._lock:
            if not self._runner.is_current(generation):
                return
            tag = self._compare_tag(request)
        try:
            found = self._compare_now(request, result, generation)
        except BaseException as err:  # noqa: BLE001 - shown in the compare panel; the explanation stands
            if isinstance(err, Superseded):
                raise
            payload = {**tag, "error": f"{type(err).__name__}: {err}"}
        else:
            payload = {**found.to_json(), **tag}
        with self._lock:
            if self._runner.is_current(generation):
                self.comparison = payload
