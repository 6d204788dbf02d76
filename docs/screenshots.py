"""Screenshots of the widget's scenes in JupyterLab's light and dark themes, for docs/widget.md.

Starts its own JupyterLab (the browser tests' isolated setup), opens one notebook with a widget per scene on
the embedded demo model, and writes one PNG per scene and theme to docs/img/, cropped to the widget:

    python docs/screenshots.py            # needs /usr/bin/chromium, playwright, jupyterlab

Scenes: a mixed review explained plainly and as "negative rather than positive"; a long review (a fixed,
robust scale and the top tokens); the same review after a click (the legend does not move); a sentence pair
(labelled rows, faithfulness folded away); the interactions view (the pair matrix beside the tokens).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "ui"), str(REPO / "tests")]

from chromium import CHROMIUM_ARGS, CHROMIUM_PATH  # noqa: E402
from conftest import running_lab_server  # noqa: E402
from legibility import DARK, LIGHT, set_theme  # noqa: E402
from notebook_ui import open_notebook, wait_for_widget  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

OUT = REPO / "docs" / "img"

MIXED = ("The room was spotless and the view was stunning, but the shower leaked and the breakfast was "
         "overpriced.")
LONG = (
    "We stayed four nights in late spring. Check-in was quick and the staff were friendly, though the lobby "
    "smelled of fresh paint. Our room was small but spotless, with a comfortable bed and a quiet air "
    "conditioner. The view over the harbour was stunning at sunset. Sadly the shower leaked onto the floor "
    "every morning, and nobody came to fix it despite two calls. Breakfast was overpriced for what it was: "
    "stale pastries, weak coffee and cold eggs. The location is excellent, close to the old town and the "
    "ferry. Would we return? Perhaps, if the price dropped."
)

# (scene name, the widget's variable, the code that makes it and waits for its final state)
SCENES = [
    ("contrast-plain", "w_plain", f"w_plain = ExplainWidget(model, tok, text={MIXED!r}, max_evals=300)"),
    ("contrast-vs", "w_vs",
     f"w_vs = ExplainWidget(model, tok, text={MIXED!r}, target='negative', versus='positive', max_evals=300)"),
    ("long-text", "w_long", f"w_long = ExplainWidget(model, tok, text={LONG!r}, max_evals=400)"),
    ("after-click", "w_click", f"w_click = ExplainWidget(model, tok, text={LONG!r}, max_evals=400)"),
    ("pair", "w_pair",
     "w_pair = ExplainWidget(model, tok, text='The breakfast was overpriced.', "
     "text_pair='Coffee and eggs cost twenty euros.', max_evals=300)"),
    ("interactions", "w_pairs",
     "w_pairs = ExplainWidget(model, tok, text='Not bad at all, but the shower leaked.', mode='interactions', "
     "max_evals=600)\nw_pairs.wait(300)\nw_pairs.focus = 1"),
]


# Run after every widget is shown: a click, once the view has drawn the first result (so its scale is fixed).
AFTER = ("time.sleep(5)\nw_click.mask(6)\nw_click.wait(300)\n"
         "while w_click.faithfulness.get('result_for') != w_click.result_for: time.sleep(0.2)")


def cells() -> list[str]:
    """The notebook: load the model, then each scene's widget in a cell of its own, waited for."""
    out = ["from shap_widget import ExplainWidget\nfrom shap_widget.demo import load_sentiment_model\n"
           "import time\nmodel, tok = load_sentiment_model()"]
    for _, name, code in SCENES:
        out.append(f"{code}\n{name}.wait(300)\n"
                   f"while {name}.mode == 'interactions' and 'values' not in {name}.pairs: time.sleep(0.2)\n"
                   f"while not {name}.faithfulness: time.sleep(0.2)\n{name}")
    return out + [AFTER]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_lab_server(Path(tmp)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            open_notebook(page, server, "screenshots.ipynb", cells(), timeout_s=900)
            wait_for_widget(page, ".shap-widget .sw-token")
            widgets = page.locator(".jp-OutputArea-output .shap-widget")
            for theme, suffix in ((LIGHT, "light"), (DARK, "dark")):
                set_theme(page, theme)
                for k, (scene, _, _) in enumerate(SCENES):
                    widget = widgets.nth(k)
                    widget.scroll_into_view_if_needed()
                    path = OUT / f"{scene}-{suffix}.png"
                    widget.screenshot(path=str(path), animations="disabled")
                    print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KiB")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
