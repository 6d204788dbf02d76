"""Anytime estimates in a real JupyterLab page: a first heatmap while refining, the final one, errors, Stop."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from notebook_ui import heatmap_state, run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "The movie was great! I loved the storyline and the acting was superb."

Opener = Callable[[list[str]], Page]


def widget_cell(max_evals: int) -> str:
    return f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r}, method="kernel", max_evals={max_evals})
w
"""


# Records what the heatmap shows each time the root's state or a token's value changes, from the click on.
CLICK_AND_RECORD = """
async (index) => {
  const root = document.querySelector('.shap-widget');
  const tokens = () => [...root.querySelectorAll('.sw-token')];
  const shots = [];
  const shoot = () => shots.push({
    state: root.dataset.state,
    stale: root.dataset.stale,
    masked: tokens().filter(t => t.dataset.masked === 'true').map(t => Number(t.dataset.index)),
    values: tokens().map(t => Number(t.dataset.value)),
    label: root.querySelector('.sw-progress-label').textContent,
  });
  const observer = new MutationObserver(shoot);
  observer.observe(root, { attributes: true, subtree: true, attributeFilter: ['data-state', 'data-value'] });
  root.querySelector(`.sw-token[data-index="${index}"]`).click();
  await new Promise((resolve) => {
    const poll = setInterval(() => {
      if (root.dataset.state === 'ready' && root.dataset.stale === 'false') { clearInterval(poll); resolve(); }
    }, 20);
  });
  observer.disconnect();
  shoot();
  return shots;
}
"""


def kernel_json(page: Page, expression: str) -> object:
    out = run_code(page, f"import json; print(json.dumps({expression}))")
    return json.loads(out.strip().splitlines()[-1])


def test_first_heatmap_comes_while_refining_and_the_final_equals_a_replay(open_notebook: Opener) -> None:
    """A click shows an estimate for the new mask while refining, then the final one, equal to the engine's."""
    page = open_notebook([widget_cell(500)])
    wait_for_widget(page, ".shap-widget .sw-token")
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=120_000)

    shots = page.evaluate(CLICK_AND_RECORD, 3)
    final = shots[-1]
    refining = [s for s in shots if s["state"] == "refining"]
    assert refining, f"no refining estimate was shown: {[s['state'] for s in shots]}"
    first = refining[0]
    assert first["stale"] == "false" and first["masked"] == [3] and first["values"][3] == 0
    assert first["label"].startswith("Refining · ±")
    assert shots.index(first) < len(shots) - 1 and final["values"] != first["values"]
    # Nothing shown as current (not stale) was computed for the old mask.
    assert all(s["masked"] == [3] for s in shots if s["stale"] == "false")

    kernel = kernel_json(page, "{'values': [v[w.target] for v in w.values], 'errors': [e[w.target] for e in w.errors], "
                               "'target': w.target, 'n_evals': w.n_evals}")
    assert kernel["n_evals"] == 500
    assert final["values"] == pytest.approx(kernel["values"], abs=1e-12)
    # The same history replayed on a fresh engine (same seed, same designs) gives the same final values.
    out = run_code(
        page,
        "from shap_widget.engine.explain import Explainer\n"
        "r = Explainer(model, tok)\n"
        "r.attribute(w.text, method='kernel', max_evals=500, seed=w.seed)\n"
        "fresh = r.attribute(w.text, method='kernel', masked=[3], max_evals=500, seed=w.seed)\n"
        "print(json.dumps([v[w.target] for v in fresh.values.tolist()]))",
    )
    replay = json.loads(out.strip().splitlines()[-1])
    assert final["values"] == pytest.approx(replay, abs=1e-6)

    now = heatmap_state(page)
    assert now["se"][3] is None and "±" not in now["titles"][3]
    assert now["se"] == [None if i == 3 else pytest.approx(e, rel=1e-9) for i, e in enumerate(kernel["errors"])]
    uncertain = [i for i, (v, e) in enumerate(zip(kernel["values"], kernel["errors"])) if i != 3 and abs(v) <= 1.96 * e]
    # marked only where the colour would make the token look important
    strength = page.evaluate("() => [...document.querySelectorAll('.sw-token')].map(t => Number(t.dataset.strength))")
    assert now["uncertain"] == [i for i in uncertain if strength[i] >= 0.3]
    assert all("±" in t for i, t in enumerate(now["titles"]) if i != 3)
    key = page.locator(".sw-uncertain-key")
    expect(key).to_be_visible()
    expect(key).to_have_attribute("data-count", str(len(uncertain)))


def test_stop_keeps_the_refining_estimate_as_final(open_notebook: Opener) -> None:
    """Stop while refining: the widget turns ready with the shown estimate, which Python also holds as final."""
    page = open_notebook([widget_cell(6000)])
    wait_for_widget(page, ".shap-widget .sw-token")
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "refining", timeout=120_000)
    stop = page.locator(".sw-stop")
    expect(stop).to_be_visible()
    stop.click()
    expect(root).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(stop).to_be_hidden()
    expect(page.locator(".sw-progress")).to_be_hidden()
    kernel = kernel_json(page, "{'values': [v[w.target] for v in w.values], 'n_evals': w.n_evals, "
                               "'final': w.attribution.final, 'state': w.state}")
    assert kernel["final"] and kernel["state"] == "ready" and kernel["n_evals"] < 6000
    assert heatmap_state(page)["values"] == pytest.approx(kernel["values"], abs=1e-12)
