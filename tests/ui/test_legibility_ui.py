"""The heatmap reads at a glance in a real JupyterLab: contrast in both themes, a scale that holds still,
words drawn whole, a quiet layout, and the vs selector. One notebook serves every test here."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import pytest
from legibility import DARK, LIGHT, set_theme, token_contrasts
from notebook_ui import open_notebook, run_code, track_page, wait_for_widget
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

REVIEW = ("The room was spotless and the view was stunning, but the shower leaked and the breakfast was "
          "overpriced.")

CELLS = [
    "from shap_widget import ExplainWidget\nfrom shap_widget.demo import load_sentiment_model\n"
    "import json, numpy as np\nmodel, tok = load_sentiment_model()",
    f"w = ExplainWidget(model, tok, text={REVIEW!r}, max_evals=300)\nw",
]


@pytest.fixture(scope="module")
def page(browser: Browser, lab_server) -> Iterator[Page]:
    """One notebook with the demo widget on the mixed review, shared by the tests of this module."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    shown = context.new_page()
    track_page(shown)
    try:
        open_notebook(shown, lab_server, "legibility.ipynb", CELLS)
        wait_for_widget(shown, ".shap-widget .sw-token")
        ready(shown)
        yield shown
    finally:
        context.close()
        lab_server.shutdown_all_kernels()


def ready(page: Page) -> None:
    """Wait for the kernel's final result (and its faithfulness) for the current state."""
    run_code(page, "w.wait(120); print('ok')", timeout_s=150)
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=30_000)


def test_token_text_keeps_aa_contrast_in_light_and_dark_theme(page: Page) -> None:
    """Every token is readable (4.5:1 on its chip) and the strongest chips stand out (3:1) in both themes."""
    try:
        for theme in (LIGHT, DARK):
            set_theme(page, theme)
            tokens = token_contrasts(page)
            assert tokens and all(t["dark"] == (theme == DARK) for t in tokens)
            weak = [(t["text"], round(t["contrast"], 2)) for t in tokens if t["contrast"] < 4.5]
            assert not weak, f"{theme}: tokens below 4.5:1 on their chip: {weak}"
            strongest = [t for t in tokens if t["strength"] >= 0.999]
            assert strongest, f"{theme}: no token at full strength"
            faint = [(t["text"], round(t["page"], 2)) for t in strongest if t["page"] < 3]
            assert not faint, f"{theme}: strongest chips below 3:1 against the page: {faint}"
    finally:
        set_theme(page, LIGHT)


def test_pieces_of_a_word_touch(page: Page) -> None:
    """'overpriced' is four tokens drawn as one word: each piece its own chip, no gap between them."""
    word = page.locator(".shap-widget .sw-word").filter(has_text="overpriced").first
    pieces = word.locator(".sw-token")
    assert pieces.count() >= 2
    boxes = [pieces.nth(i).bounding_box() for i in range(pieces.count())]
    for left, right in zip(boxes, boxes[1:]):
        assert abs(left["x"] + left["width"] - right["x"]) < 0.6 and abs(left["y"] - right["y"]) < 0.6
    radii = pieces.nth(1).evaluate("(t) => getComputedStyle(t).borderTopLeftRadius")
    assert radii == "0px"
    assert len({pieces.nth(i).get_attribute("data-index") for i in range(pieces.count())}) == pieces.count()


def test_faithfulness_panel_is_closed_until_opened(page: Page) -> None:
    """The faithfulness panel shows one summary line with its numbers; its plot appears only when opened."""
    panel = page.locator(".shap-widget .sw-faithfulness")
    expect(panel).to_have_attribute("data-status", "ready", timeout=90_000)
    assert panel.evaluate("(d) => d.open") is False
    expect(panel.locator(".sw-faith-plot")).to_be_hidden()
    expect(panel.locator(".sw-faith-status")).to_contain_text("AOPC deletion")
    panel.locator("summary").click()
    expect(panel.locator(".sw-faith-plot")).to_be_visible()
    panel.locator("summary").click()
    expect(panel.locator(".sw-faith-plot")).to_be_hidden()


def test_legend_is_unchanged_after_a_click(page: Page) -> None:
    """The colour scale of a text stays put when a token is masked, so a colour keeps its meaning."""
    legend = page.locator(".shap-widget .sw-legend:not(.sw-interaction-legend)")
    before = legend.get_attribute("data-max")
    page.locator('.shap-widget .sw-token[data-index="3"]').click()
    ready(page)
    assert run_code(page, "print(w.masked)") == "[3]"
    assert legend.get_attribute("data-max") == before
    page.locator('.shap-widget .sw-token[data-index="3"]').click()
    ready(page)


def test_vs_selector_explains_why_this_class_rather_than_that(page: Page) -> None:
    """Picking 'positive' under vs explains log P(class) - log P(positive), additively, for the shown class."""
    page.locator(".shap-widget .sw-versus").select_option(label="positive")
    ready(page)
    out = run_code(page, "print(json.dumps({'versus': w.versus, 'target': w.target, 'for': w.result_for['versus'], "
                         "'add': float(np.abs(np.array(w.base_values) + np.array(w.values).sum(0) - w.outputs).max()), "
                         "'out': w.outputs[w.target], 'p': w.probabilities}))")
    got = json.loads(out.splitlines()[-1])
    assert got["versus"] == got["for"] == 2 and got["target"] != 2
    assert got["add"] < 1e-6
    assert got["out"] == pytest.approx(math.log(got["p"][got["target"]] / got["p"][2]), rel=1e-5)
    legend = page.locator(".shap-widget .sw-legend:not(.sw-interaction-legend)")
    expect(legend).to_have_attribute("aria-label", re.compile(r" vs positive"))
