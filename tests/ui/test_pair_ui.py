"""ExplainWidget for a sentence pair in a real JupyterLab page: two text boxes, two token rows, clicks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PREMISE, HYPOTHESIS = "The acting was superb.", "I loved the film."

PAIR_WIDGET = f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={PREMISE!r}, text_pair={HYPOTHESIS!r})
w
"""

Opener = Callable[[list[str]], Page]


def test_click_in_the_second_text_masks_it_and_the_kernel_agrees(open_notebook: Opener) -> None:
    """A pair shows both texts; masking a token of the second one recomputes, and Python sees that mask."""
    page = open_notebook([PAIR_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(page.locator(".shap-widget textarea.sw-text-pair")).to_have_value(HYPOTHESIS)
    rows = page.locator(".sw-heatmap .sw-segment")
    expect(rows).to_have_count(2)
    assert rows.nth(0).inner_text().strip() == PREMISE
    assert rows.nth(1).inner_text().strip() == HYPOTHESIS

    values = "() => [...document.querySelectorAll('.sw-token')].map(t => Number(t.dataset.value))"
    before = page.evaluate(values)
    token = rows.nth(1).locator(".sw-token").nth(1)  # "loved"
    index = int(token.get_attribute("data-index"))
    token.click()
    expect(token).to_have_attribute("data-masked", "true")
    expect(root).to_have_attribute("data-state", "ready", timeout=60_000)
    after = page.evaluate(values)
    assert after[index] == 0 and after != before

    out = run_code(page, "import json; w.wait(); print(json.dumps({'masked': w.masked, 'pair': w.text_pair, "
                         "'values': [v[w.target] for v in w.values]}))")
    kernel = json.loads(out.strip().splitlines()[-1])
    assert kernel["masked"] == [index] and kernel["pair"] == HYPOTHESIS
    assert kernel["values"] == pytest.approx(after, abs=1e-12)
