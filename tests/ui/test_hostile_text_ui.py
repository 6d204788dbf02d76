"""Hostile text and numbers in a real JupyterLab page: a right-to-left override, zero-width characters, NaN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TESTS = Path(__file__).resolve().parents[1]
RLO = "\u202e"

DEMO_WIDGET = """
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={text!r}, method="exact")
w
"""

Opener = Callable[[list[str]], Page]

CHIPS = """() => [...document.querySelectorAll('.shap-widget .sw-token')].map(t => {
    const box = t.getBoundingClientRect();
    return { text: t.textContent, x: box.left, top: box.top, width: box.width,
             bidi: getComputedStyle(t).unicodeBidi, value: t.dataset.value ?? null,
             missing: t.dataset.missing ?? null, title: t.title,
             marks: [...t.querySelectorAll('.sw-invisible')].map(m => m.title) };
})"""


def open_ready(open_notebook: Opener, cells: list[str]) -> Page:
    page = open_notebook(cells)
    wait_for_widget(page, ".shap-widget .sw-token")
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=60_000)
    return page


def test_right_to_left_override_does_not_reorder_the_chips(open_notebook: Opener) -> None:
    """A U+202E in the text (the tokenizer leaves it between tokens) must not draw the chips right to left."""
    page = open_ready(open_notebook, [DEMO_WIDGET.format(text=f"I {RLO}loved this film")])
    chips = page.evaluate(CHIPS)
    assert [c["text"] for c in chips] == ["I", "loved", "this", "film"]
    assert len({round(c["top"]) for c in chips}) == 1  # one line, so x order is reading order
    xs = [c["x"] for c in chips]
    assert xs == sorted(xs), f"chips drawn out of order: {xs}"
    assert all(c["bidi"] == "isolate" for c in chips)
    shown = page.evaluate("""() => {
        const heatmap = document.querySelector('.shap-widget .sw-heatmap');
        return { text: heatmap.textContent,
                 prefixes: [...heatmap.querySelectorAll('.sw-prefix')].map(p => ({
                     text: p.textContent, bidi: getComputedStyle(p).unicodeBidi,
                     marks: [...p.querySelectorAll('.sw-invisible')].map(m => m.title) })) };
    }""")
    assert RLO not in shown["text"]
    assert shown["prefixes"][0] == {"text": " ⟨U+202E⟩", "bidi": "isolate",
                                    "marks": ["U+202E right-to-left override"]}
    assert all(p["bidi"] == "isolate" for p in shown["prefixes"])


def test_zero_width_and_empty_tokens_show_a_visible_mark(open_notebook: Opener) -> None:
    """Byte-level BPE makes chips of a zero-width space and of bare bytes: each shows a mark, none is blank."""
    page = open_ready(open_notebook, [f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import families
from shap_widget import ExplainWidget

model, tok = families.roberta()
w = ExplainWidget(model, tok, text="good \\u200b film", method="exact")
w
"""])
    chips = page.evaluate(CHIPS)
    players = run_code(page, "print([t['text'] for t in w.tokens])")
    assert "'\\u200b'" in players and "''" in players  # the game really has such players
    zero_width = [c for c in chips if c["text"] == "⟨U+200B⟩"]
    assert len(zero_width) == 1 and zero_width[0]["marks"] == ["U+200B zero-width space"]
    assert zero_width[0]["value"] is not None and "⟨U+200B⟩" in zero_width[0]["title"]
    empty = [c for c in chips if c["text"] == "◌"]
    assert len(empty) == players.count("''") and all("no characters of its own" in c["marks"][0] for c in empty)
    assert all(c["width"] > 6 for c in chips), [(c["text"], c["width"]) for c in chips]


def test_nan_values_show_as_missing_in_the_widget_and_its_html_page(open_notebook: Opener, tmp_path) -> None:
    """A NaN or infinite value reaching the view is drawn as missing, not as a neutral 0, here and in to_html."""
    page = open_ready(open_notebook, [DEMO_WIDGET.format(text="the movie was great")])
    path = tmp_path / "page.html"
    run_code(page, "import math\n"
                   "w.values = [[math.nan] * len(v) if i == 1 else ([math.inf] * len(v) if i == 2 else v) "
                   "for i, v in enumerate(w.values)]\n"
                   f"w.to_html({str(path)!r})")
    tokens = page.locator(".shap-widget .sw-token")
    expect(tokens.nth(1)).to_have_attribute("data-missing", "true")
    expect(tokens.nth(2)).to_have_attribute("data-missing", "true")
    chips = page.evaluate(CHIPS)
    assert [c["missing"] for c in chips] == [None, "true", "true", None]
    assert chips[0]["value"] is not None and chips[1]["value"] is None
    assert "no value (missing)" in chips[1]["title"]
    page.goto(path.as_uri())
    page.wait_for_selector(".shap-widget .sw-token")
    static = page.evaluate(CHIPS)
    assert [c["missing"] for c in static] == [None, "true", "true", None]
    assert [c["value"] for c in static] == [chips[0]["value"], None, None, chips[3]["value"]]
