"""ExplainWidget with the anytime sampled estimator: partial estimates refined in place, standard errors, Stop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import traitlets

from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer
from shap_widget.widgets.export import read_state

TEXT = "the movie was great but the ending was boring"  # 9 players: beyond exact at 500 evaluations


def record(w: ExplainWidget) -> list[dict]:
    """Every published estimate, as the front end receives it: state, mask answered, evaluations, values."""
    seen: list[dict] = []

    def on_values(change: dict) -> None:
        seen.append({"state": w.state, "masked": list(w.result_for.get("masked", [])), "n_evals": w.n_evals,
                     "values": np.array(change["new"]), "errors": np.array(w.errors)})

    w.observe(on_values, names="values")
    return seen


def test_partial_estimates_come_first_and_the_final_equals_a_fresh_replay(make_bert, tokenizer):
    """The first estimate is shown while refining, then refined; the final equals the engine's own answer."""
    model = make_bert()  # its own engine: no designs from other tests' explanations of TEXT
    w = ExplainWidget(model, tokenizer, max_evals=500, seed=3)
    seen = record(w)
    states: list[str] = []
    w.observe(lambda change: states.append(change["new"]), names="state")
    w.text = TEXT
    w.wait(120)
    assert w.state == "ready" and w.method_used == "kernel"
    assert len(seen) >= 2 and seen[-1]["n_evals"] == 500
    assert "refining" in states and states[-1] == "ready"
    # Values are published after the state of the estimate they belong to was set, so a "refining"
    # publication is partial; the values of each are additive and come with standard errors.
    partial = [s for s in seen[:-1] if s["n_evals"] < 500]
    assert partial and all(s["errors"].shape == (9, 3) for s in seen)
    assert all(s["n_evals"] < seen[-1]["n_evals"] for s in partial)
    fresh = Explainer(model, tokenizer).attribute(TEXT, max_evals=500, seed=3)
    np.testing.assert_allclose(np.array(w.values), fresh.values, atol=1e-6)
    np.testing.assert_allclose(np.array(w.errors), fresh.errors, atol=1e-6)
    assert w.attribution.final and w.faithfulness["result_for"] == w.result_for


def test_a_click_shows_an_estimate_from_cached_rows_and_its_final_equals_a_replay(make_bert, tokenizer):
    """After a click, the first estimate needs no forward pass; the final equals the same history replayed."""
    model = make_bert()
    w = ExplainWidget(model, tokenizer, TEXT, method="kernel", max_evals=500).wait(120)
    seen = record(w)
    rows = w.explainer.evaluator.rows_run
    first_rows: list[int] = []
    w.observe(lambda change: first_rows.append(w.explainer.evaluator.rows_run - rows)
              if change["new"] == "refining" and not first_rows else None, names="state")
    w.mask(3).wait(120)
    assert first_rows == [0]
    assert all(s["masked"] == [3] for s in seen)
    replay = Explainer(model, tokenizer)
    replay.attribute(TEXT, method="kernel", max_evals=500)
    fresh = replay.attribute(TEXT, method="kernel", masked=[3], max_evals=500)
    np.testing.assert_allclose(np.array(w.values), fresh.values, atol=1e-6)
    assert np.all(np.array(w.values)[3] == 0) and np.all(np.array(w.errors)[3] == 0)


def test_the_shown_error_never_grows_while_refining(model, tokenizer):
    """A partial estimate noisier than the one shown is skipped: the picture only gets more certain."""
    w = ExplainWidget(model, tokenizer, TEXT, method="kernel", max_evals=500).wait(120)
    seen = record(w)
    w.mask(3).wait(120)
    largest = [float(s["errors"].max()) for s in seen]
    assert len(largest) >= 2 and largest == sorted(largest, reverse=True)


def test_stop_keeps_the_shown_estimate_as_final(model, tokenizer):
    """Stop while refining: the partial estimate becomes the final one, state ready, faithfulness measured."""
    w = ExplainWidget(model, tokenizer, max_evals=500)
    seen = record(w)
    w.observe(lambda change: w.stop() if change["new"] == "refining" else None, names="state")
    w.text = TEXT
    w.wait(120)
    assert w.state == "ready" and len(seen) == 1
    first = seen[0]
    assert first["n_evals"] < 500 and w.n_evals == first["n_evals"]
    result = w.attribution
    assert result.final and result.n_evals == first["n_evals"]
    np.testing.assert_array_equal(result.values, first["values"])
    assert w.faithfulness["result_for"] == w.result_for
    df = w.to_dataframe()
    np.testing.assert_array_equal(df[["LABEL_0 se", "LABEL_1 se", "LABEL_2 se"]].to_numpy(), first["errors"])


def test_a_stop_meant_for_another_request_stops_nothing(model, tokenizer):
    """The front end's Stop names the result it shows; one for an older mask leaves the new one refining."""
    w = ExplainWidget(model, tokenizer, max_evals=500)
    stale = {"text": TEXT, "masked": [1], "players": "token", "method": "auto", "max_evals": 500,
             "output": "probability", "seed": 0, "tolerance": None}
    w.observe(lambda change: w._on_message(w, {"event": "stop", "result_for": stale}, [])
              if change["new"] == "refining" else None, names="state")
    w.text = TEXT
    w.wait(120)
    assert w.n_evals == 500


def test_superseded_refinement_publishes_nothing(model, tokenizer):
    """A click while refining: no estimate for the old mask is published after the new request."""
    w = ExplainWidget(model, tokenizer, TEXT, method="kernel", max_evals=500).wait(120)
    published: list[list[int]] = []
    w.observe(lambda change: published.append(list(w.result_for["masked"])), names="values")
    w.observe(lambda change: w.mask(5) if change["new"] == "refining" and w.masked == [2] else None, names="state")
    w.mask(2).wait(120)
    assert w.masked == [2, 5] and w.result_for["masked"] == [2, 5]
    assert published[0] == [2] and [2] not in published[1:]


def test_tolerance_stops_refining_early(model, tokenizer):
    """With a tolerance, refining stops once every standard error is at most it, before the budget."""
    w = ExplainWidget(model, tokenizer, TEXT, method="kernel", max_evals=400).wait(120)
    tolerance = float(np.max(w.errors)) * 2
    w.tolerance = tolerance
    w.wait(120)
    assert w.result_for["tolerance"] == tolerance
    assert w.n_evals < 400 and float(np.max(w.errors)) <= tolerance


@pytest.mark.parametrize("bad, message", [(0, "positive"), (-0.1, "positive"), (math.nan, "positive"),
                                          ("0.1", "number"), (True, "number")])
def test_bad_tolerance_is_refused_with_a_clear_message(model, tokenizer, bad, message):
    """tolerance must be a positive number or None; anything else is refused, not silently used."""
    w = ExplainWidget(model, tokenizer, "we loved it")
    with pytest.raises(traitlets.TraitError, match=message):
        w.tolerance = bad
    with pytest.raises(traitlets.TraitError, match=message):
        ExplainWidget(model, tokenizer, "we loved it", tolerance=bad)
    assert w.wait(60).tolerance is None


def test_a_negative_seed_is_refused(model, tokenizer):
    """The sample's seed must be a non-negative integer."""
    w = ExplainWidget(model, tokenizer, "we loved it")
    with pytest.raises(traitlets.TraitError, match="seed must be a non-negative integer"):
        w.seed = -1


def test_exact_values_have_no_errors_in_traits_and_exports(model, tokenizer, tmp_path):
    """Exact explanations carry no standard errors; sampled ones carry them into the DataFrame and HTML page."""
    exact = ExplainWidget(model, tokenizer, TEXT, method="exact", max_evals=1024).wait(120)
    assert exact.errors == [] and not any(c.endswith(" se") for c in exact.to_dataframe().columns)
    sampled = ExplainWidget(model, tokenizer, TEXT, method="kernel", max_evals=300).wait(120)
    df = sampled.to_dataframe()
    assert list(df.columns[-3:]) == ["LABEL_0 se", "LABEL_1 se", "LABEL_2 se"]
    np.testing.assert_array_equal(df[["LABEL_0 se", "LABEL_1 se", "LABEL_2 se"]].to_numpy(), np.array(sampled.errors))
    assert (df["LABEL_0 se"] > 0).sum() == 9
    state = read_state(sampled.to_html(tmp_path / "page.html").read_text(encoding="utf-8"))
    assert state["errors"] == sampled.errors and state["state"] == "ready"
