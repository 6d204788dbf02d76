"""Interactions mode in a real JupyterLab page: picking a token colours the others by the kernel's pair values."""

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
w = ExplainWidget(model, tok, text={TEXT!r}, method="exact")
w
"""

Opener = Callable[[list[str]], Page]


def shown(page: Page) -> dict:
    """What the heatmap shows in interactions mode: the picked token, each token's value and mask, the status."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('.shap-widget');
            const tokens = [...root.querySelectorAll('.sw-token')];
            return {
                texts: tokens.map(t => t.textContent),
                focus: tokens.filter(t => t.dataset.focus === 'true').map(t => Number(t.dataset.index)),
                values: tokens.map(t => Number(t.dataset.value)),
                coloured: tokens.map(t => t.style.backgroundColor !== ''),
                masked: tokens.filter(t => t.dataset.masked === 'true').map(t => Number(t.dataset.index)),
                fresh: root.querySelector('.sw-interaction-status').dataset.fresh,
                cells: root.querySelectorAll('.sw-pair-cell').length,
            };
        }"""
    )


def kernel_row(page: Page) -> dict:
    out = run_code(
        page,
        "import json; w.wait(); print(json.dumps({'focus': w.focus, 'masked': w.masked, 'target': w.target, "
        "'row': [p[w.target] for p in w.pairs['values'][w.focus]], 'index': w.pairs['index']}))",
    )
    return json.loads(out.strip().splitlines()[-1])


def fresh_pairs(page: Page) -> None:
    expect(page.locator(".sw-interaction-status")).to_have_attribute("data-fresh", "true", timeout=60_000)


def test_picking_a_token_colours_the_others_by_the_kernels_pairs(open_notebook: Opener) -> None:
    """The core of the mode: pick "not", the other tokens show the kernel's SII with it, "bad" strongest."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=60_000)
    page.locator('.sw-mode button[data-mode="interactions"]').click()
    fresh_pairs(page)
    texts = shown(page)["texts"]
    not_, bad = texts.index("not"), texts.index("bad")
    page.locator(f'.sw-token[data-index="{not_}"]').click()
    expect(page.locator(f'.sw-token[data-index="{not_}"]')).to_have_attribute("data-focus", "true")
    view = shown(page)
    kernel = kernel_row(page)
    assert kernel["focus"] == not_ and kernel["index"] == "SII"
    assert view["values"] == pytest.approx(kernel["row"], abs=1e-12)
    assert view["values"][not_] == 0 and not view["coloured"][not_]
    strongest = max(range(len(texts)), key=lambda j: abs(view["values"][j]))
    assert strongest == bad and abs(view["values"][bad]) > 0.05
    assert view["cells"] == len(texts) ** 2  # short input: the pair matrix is drawn too
    hover = page.locator(f'.sw-token[data-index="{bad}"]').get_attribute("title")
    assert hover.startswith("not × bad: ")


def test_masking_and_class_in_interactions_mode_follow_the_kernel(open_notebook: Opener) -> None:
    """Masking from the mode recomputes the pairs for the new mask; another class recolours from the same result."""
    page = open_notebook([DEMO_WIDGET.replace('method="exact")', 'method="exact", mode="interactions")')])
    wait_for_widget(page, ".shap-widget .sw-token")
    fresh_pairs(page)
    texts = shown(page)["texts"]
    not_ = texts.index("not")
    expect(page.locator(".sw-interaction-status")).to_have_text(
        "exact SII, 256 evaluations. Click a token to see how it acts with the others")
    page.locator(f'.sw-token[data-index="{not_}"]').click()
    page.locator(".sw-mask-focus").click()
    expect(page.locator(f'.sw-token[data-index="{not_}"]')).to_have_attribute("data-masked", "true")
    # 8 players, one masked: the fresh result is exact over the 2^7 coalitions of the other seven
    expect(page.locator(".sw-interaction-status")).to_have_text("exact SII, 128 evaluations", timeout=60_000)
    fresh_pairs(page)
    page.locator(f'.sw-token[data-index="{texts.index("bad")}"]').click()
    expect(page.locator(f'.sw-token[data-index="{texts.index("bad")}"]')).to_have_attribute("data-focus", "true")
    kernel = kernel_row(page)
    assert kernel["masked"] == [not_] and kernel["row"][not_] == 0
    assert shown(page)["values"] == pytest.approx(kernel["row"], abs=1e-12)
    other = (kernel["target"] + 1) % 3
    page.locator(".sw-target").select_option(str(other))
    expect(page.locator(".sw-target")).to_have_value(str(other))
    kernel = kernel_row(page)
    assert kernel["target"] == other
    assert shown(page)["values"] == pytest.approx(kernel["row"], abs=1e-12)
