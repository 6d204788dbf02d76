"""Screenshots of the widget's scenes in JupyterLab's light and dark themes, for docs/widget.md.

Starts its own JupyterLab (the browser tests' isolated setup), opens one notebook with a widget per scene on
the embedded demo model, and writes one PNG per scene and theme to docs/img/, cropped to the widget:

    python docs/screenshots.py                  # needs /usr/bin/chromium, playwright, jupyterlab
    python docs/screenshots.py --before e92c15e # the same scenes with an older revision, into docs/img/before/

With `--before REF` the revision is checked out into a temporary `git worktree` whose package the notebook's
kernel imports (its own widget, front end bundle and demo model); scenes that need what the revision did not
have yet (a keyword argument of ExplainWidget, a mode) are skipped.

Scenes: a mixed review explained plainly and as "negative rather than positive"; a long review (a fixed,
robust scale and the top tokens); the same review after a click (the legend does not move); a sentence pair
(labelled rows, faithfulness folded away); the interactions view (the pair matrix beside the tokens); the
Compare mode (other methods' rows beside SHAP). Each widget has its default budget ("auto" today).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "ui"), str(REPO / "tests")]

from chromium import CHROMIUM_ARGS, CHROMIUM_PATH  # noqa: E402
from conftest import running_lab_server  # noqa: E402
from legibility import DARK, LIGHT, set_theme  # noqa: E402
from notebook_ui import open_notebook, wait_for_widget  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

OUT = REPO / "docs" / "img"
# Larger files are stored as 256-colour PNGs, which read the same for a UI of flat colours.
MAX_BYTES = 150_000

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


class Scene(NamedTuple):
    name: str
    var: str  # the widget's variable
    code: str  # makes it; the cell then waits for its final state
    needs: tuple[str, ...] = ()  # ExplainWidget keyword arguments, or "mode=<m>", the scene needs


SCENES = [
    Scene("contrast-plain", "w_plain", f"w_plain = ExplainWidget(model, tok, text={MIXED!r})"),
    Scene("contrast-vs", "w_vs", f"w_vs = ExplainWidget(model, tok, text={MIXED!r}, target='negative', "
          "versus='positive')", ("versus",)),
    Scene("long-text", "w_long", f"w_long = ExplainWidget(model, tok, text={LONG!r})"),
    Scene("after-click", "w_click", f"w_click = ExplainWidget(model, tok, text={LONG!r})"),
    Scene("pair", "w_pair", "w_pair = ExplainWidget(model, tok, text='The breakfast was overpriced.', "
          "text_pair='Coffee and eggs cost twenty euros.')", ("text_pair",)),
    Scene("interactions", "w_pairs", "w_pairs = ExplainWidget(model, tok, text='Not bad at all, but the shower "
          "leaked.', mode='interactions')\nw_pairs.wait(300)\nw_pairs.focus = 1", ("mode=interactions",)),
    # a shorter text, so that every method's row fits the widget's width
    Scene("compare", "w_cmp", "w_cmp = ExplainWidget(model, tok, text='The view was stunning, but the shower "
          "leaked.', mode='compare')", ("mode=compare",)),
]

# Run after every widget is shown: a click, once the view has drawn the first result (so its scale is fixed).
AFTER = ("time.sleep(5)\nw_click.mask(6)\nw_click.wait(300)\n"
         "while w_click.faithfulness.get('result_for') != w_click.result_for: time.sleep(0.2)")

# What a revision's ExplainWidget offers: its keyword arguments and its modes.
PROBE = """
import inspect, json, sys
sys.path.insert(0, sys.argv[1])
from shap_widget.widgets import explain_widget as m
assert m.__file__.startswith(sys.argv[1]), m.__file__
print(json.dumps(list(inspect.signature(m.ExplainWidget.__init__).parameters)
                 + ["mode=" + x for x in getattr(m, "MODES", ())]))
"""


def offered(root: Path) -> set[str]:
    """The features (`Scene.needs`) the package under `root` has."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(root)], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def cells(scenes: list[Scene], root: Path) -> list[str]:
    """The notebook: import the package under `root` and load the model, then each scene's widget in a cell
    of its own, waited for."""
    out = [f"import sys, time\nsys.path.insert(0, {str(root)!r})\n"
           "from shap_widget import ExplainWidget\nfrom shap_widget.demo import load_sentiment_model\n"
           f"import shap_widget\nassert shap_widget.__file__.startswith({str(root)!r}), shap_widget.__file__\n"
           "model, tok = load_sentiment_model()"]
    for scene in scenes:
        w = scene.var
        out.append(f"{scene.code}\n{w}.wait(300)\n"
                   f"while {w}.mode == 'interactions' and 'values' not in {w}.pairs: time.sleep(0.2)\n"
                   f"while {w}.mode == 'compare' and not {w}.comparison: time.sleep(0.2)\n"
                   f"while not {w}.faithfulness: time.sleep(0.2)\n{w}")
    if any(scene.name == "after-click" for scene in scenes):
        out.append(AFTER)
    return out


@contextlib.contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """Revision `ref` in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), ref], check=True,
                       capture_output=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False)


def save(png: bytes, path: Path) -> None:
    """Write `png`, as 256 colours if it is larger than MAX_BYTES (and Pillow is there)."""
    if len(png) > MAX_BYTES:
        with contextlib.suppress(ImportError):
            from PIL import Image

            buffer = io.BytesIO()
            Image.open(io.BytesIO(png)).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
                buffer, "PNG", optimize=True)
            png = min(png, buffer.getvalue(), key=len)
    path.write_bytes(png)


def shoot(root: Path, out: Path) -> None:
    """Every scene the package under `root` can show, in both themes, into `out`."""
    features = offered(root)
    scenes = [s for s in SCENES if set(s.needs) <= features]
    for s in SCENES:
        if s not in scenes:
            print(f"skipped {s.name}: needs {', '.join(sorted(set(s.needs) - features))}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_lab_server(Path(tmp)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            open_notebook(page, server, "screenshots.ipynb", cells(scenes, root), timeout_s=1200)
            wait_for_widget(page, ".shap-widget .sw-token")
            widgets = page.locator(".jp-OutputArea-output .shap-widget")
            for theme, suffix in ((LIGHT, "light"), (DARK, "dark")):
                set_theme(page, theme)
                for k, scene in enumerate(scenes):
                    widget = widgets.nth(k)
                    widget.scroll_into_view_if_needed()
                    path = out / f"{scene.name}-{suffix}.png"
                    save(widget.screenshot(animations="disabled"), path)
                    print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KiB")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REF", help="take the scenes with this git revision, into img/before/")
    args = parser.parse_args()
    if args.before is None:
        shoot(REPO, OUT)
        return
    with checked_out(args.before) as root:
        shoot(root, OUT / "before")


if __name__ == "__main__":
    main()
