"""ExplainWidget in a real JupyterLab page: clicks, keys, click storms and kernel errors, as a user meets them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from notebook_ui import heatmap_state, run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "The movie was great! I loved the storyline and the acting was superb."

DEMO_WIDGET = f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r})
w
"""

# A model whose forward can be made to fail from a later cell, to inject a kernel-side error.
FLAKY_WIDGET = DEMO_WIDGET.replace(
    "w = ExplainWidget",
    """fail = {"on": False}
original_forward = model.forward


def forward(*args, **kwargs):
    if fail["on"]:
        raise RuntimeError("injected failure in forward")
    return original_forward(*args, **kwargs)


model.forward = forward
w = ExplainWidget""",
)

Opener = Callable[[list[str]], Page]


def wait_ready(page: Page, timeout_ms: int = 60_000) -> None:
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "ready", timeout=timeout_ms)


def kernel_values(page: Page) -> dict:
    out = run_code(page, "import json; w.wait(); print(json.dumps({'masked': w.masked, "
                         "'values': [v[w.target] for v in w.values]}))")
    return json.loads(out.strip().splitlines()[-1])


def test_click_masks_token_and_recomputes(open_notebook: Opener) -> None:
    """The core interaction: a click masks the token, the kernel recomputes, and Python sees the mask."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    wait_ready(page)
    before = heatmap_state(page)
    assert before["masked"] == [] and any(v != 0 for v in before["values"])

    token = page.locator('.sw-token[data-index="3"]')  # "great"
    token.click()
    expect(token).to_have_attribute("data-masked", "true")
    # the sampled estimator may show its first estimate (refining) before a poll sees "computing"
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", re.compile("computing|refining"),
                                                           timeout=5_000)
    wait_ready(page)

    after = heatmap_state(page)
    assert after["masked"] == [3]
    assert after["values"][3] == 0
    assert after["values"] != before["values"]
    kernel = kernel_values(page)
    assert kernel["masked"] == [3]
    assert kernel["values"] == pytest.approx(after["values"], abs=1e-12)


def test_keyboard_toggles_focused_token(open_notebook: Opener) -> None:
    """Tokens are reachable and operable without a mouse: Enter masks, Space unmasks."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    wait_ready(page)
    first = page.locator('.sw-token[data-index="0"]')
    first.focus()
    page.keyboard.press("Tab")
    second = page.locator('.sw-token[data-index="1"]')
    expect(second).to_be_focused()
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("data-masked", "true")
    wait_ready(page)
    assert kernel_values(page)["masked"] == [1]
    second.focus()
    page.keyboard.press("Space")
    expect(second).to_have_attribute("data-masked", "false")
    wait_ready(page)
    assert kernel_values(page)["masked"] == []


def test_rapid_clicks_end_in_fresh_explanation_of_final_mask(open_notebook: Opener) -> None:
    """Five quick clicks coalesce; the final picture equals the kernel's and a fresh explanation of that mask.

    With partition, whose values do not depend on what was explained before, so a fresh engine must agree.
    """
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    wait_ready(page)
    run_code(page, "w.method = 'partition'; w.wait(); print('ok')")
    wait_ready(page)
    for index in [1, 5, 1, 8, 10]:
        page.locator(f'.sw-token[data-index="{index}"]').click()
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=90_000)
    shown = heatmap_state(page)
    assert shown["masked"] == [5, 8, 10] and shown["stale"] == "false"
    kernel = kernel_values(page)
    assert kernel["masked"] == [5, 8, 10]
    fresh = run_code(
        page,
        "from shap_widget.engine.explain import Explainer\n"
        "r = Explainer(model, tok).attribute(w.text, masked=[5, 8, 10], method='partition', max_evals=w.max_evals)\n"
        "print(json.dumps([v[w.target] for v in r.values.tolist()]))",
    )
    assert shown["values"] == pytest.approx(json.loads(fresh.strip().splitlines()[-1]), abs=1e-6)


def test_kernel_error_is_shown_and_next_click_recovers(open_notebook: Opener) -> None:
    """An exception in the model shows in the widget with its message; the widget stays usable."""
    page = open_notebook([FLAKY_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    wait_ready(page)
    run_code(page, 'fail["on"] = True')
    page.locator('.sw-token[data-index="2"]').click()
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "error", timeout=60_000)
    expect(page.locator(".sw-error")).to_contain_text("injected failure in forward")
    run_code(page, 'fail["on"] = False')
    page.locator('.sw-token[data-index="4"]').click()
    wait_ready(page)
    assert heatmap_state(page)["masked"] == [2, 4]
    expect(page.locator(".sw-error")).to_be_hidden()
