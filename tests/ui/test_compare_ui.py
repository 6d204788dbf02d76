"""Compare mode in a real JupyterLab page: one aligned heatmap row per method, and a click masks in every row."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "The movie was not bad at all."

DEMO_WIDGET = f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r}, mode="compare", max_evals=256)
w
"""

Opener = Callable[[list[str]], Page]


def rows(page: Page) -> list[dict]:
    """Each compare row: its method, and per token cell its text, value, mask flag and left edge on screen."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.shap-widget .sw-compare-row')].map(tr => ({
            method: tr.dataset.method,
            cells: [...tr.querySelectorAll('.sw-compare-token')].map(td => ({
                text: td.textContent, value: Number(td.dataset.value), masked: td.dataset.masked === 'true',
                left: Math.round(td.getBoundingClientRect().left),
            })),
        }))"""
    )


def fresh(page: Page) -> None:
    expect(page.locator(".sw-compare-panel")).to_have_attribute("data-fresh", "true", timeout=90_000)


def test_compare_rows_are_aligned_token_by_token(open_notebook: Opener) -> None:
    """Rows are only comparable if each token sits in the same column, with the kernel's values for its method."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    fresh(page)
    shown = rows(page)
    methods = [r["method"] for r in shown]
    assert methods == ["shap", "occlusion", "lime", "integrated_gradients", "gradient_x_input",
                       "attention_rollout", "attention_cls"]
    tokens = [t.strip() for t in page.locator(".shap-widget .sw-heatmap .sw-token").all_text_contents()]
    for row in shown:
        assert [c["text"] for c in row["cells"]] == tokens
        assert [c["left"] for c in row["cells"]] == [c["left"] for c in shown[0]["cells"]]
    kernel = json.loads(run_code(page, "import json; print(json.dumps(w.comparison['rows']))").strip().splitlines()[-1])
    for row, sent in zip(shown, kernel):
        assert [c["value"] for c in row["cells"]] == pytest.approx(sent["values"], abs=1e-12)


def test_click_in_one_row_masks_the_token_in_every_row(open_notebook: Opener) -> None:
    """A click is one intent: the token is masked for every method, and every row recomputes with it held out."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    fresh(page)
    not_ = [c["text"] for c in rows(page)[0]["cells"]].index("not")
    page.locator(f'.sw-compare-row[data-method="lime"] .sw-compare-token[data-index="{not_}"]').click()
    expect(page.locator(f'.sw-token[data-index="{not_}"]')).to_have_attribute("data-masked", "true")
    fresh(page)
    for row in rows(page):
        assert row["cells"][not_]["masked"] and row["cells"][not_]["value"] == 0, row["method"]
    out = run_code(page, "w.wait(); print(w.masked, w.comparison['result_for']['masked'])")
    assert out.strip().splitlines()[-1] == f"[{not_}] [{not_}]"
