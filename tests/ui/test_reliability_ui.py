"""Reliability in a real JupyterLab page: click storms, and a kernel restart while an explanation runs."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from notebook_ui import LabServer, heatmap_state, run_code, wait_for_kernel_idle, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "The movie was great! I loved the storyline and the acting was superb."

DEMO_WIDGET = f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r}, method="partition")  # values that do not depend on history
w
"""

# Every snapshot the page shows as current (not stale): its mask and values, recorded on each DOM change.
RECORD_SHOWN = """() => {
    const root = document.querySelector('.shap-widget');
    window.__shown = [];
    const snap = () => {
        if (root.dataset.stale !== 'false' || root.dataset.state !== 'ready') return;
        const tokens = [...root.querySelectorAll('.sw-token')];
        window.__shown.push({
            masked: tokens.filter(t => t.dataset.masked === 'true').map(t => Number(t.dataset.index)),
            values: tokens.map(t => Number(t.dataset.value)),
        });
    };
    new MutationObserver(snap).observe(root, {subtree: true, attributes: true, childList: true});
    window.__tops = new Set();
    new MutationObserver(() => {
        const first = root.querySelector('.sw-token');
        if (first) window.__tops.add(Math.round(first.getBoundingClientRect().top + window.scrollY));
    }).observe(root, {subtree: true, attributes: true, childList: true});
    window.__clicked = [];
    root.addEventListener('click', (event) => {
        const token = event.target.closest('.sw-token');
        if (token) window.__clicked.push(Number(token.dataset.index));
    }, true);
}"""

Opener = Callable[[list[str]], Page]


def test_click_storm_ends_in_the_kernels_state_and_never_shows_a_stale_result(open_notebook: Opener) -> None:
    """Fifty clicks in three seconds: every one lands (the tokens never move while the kernel computes), the end
    matches the kernel, and no result was ever shown for a wrong mask."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=60_000)
    n_tokens = page.locator(".shap-widget .sw-token").count()
    page.evaluate(RECORD_SHOWN)
    rng = random.Random(12)
    masked: set[int] = set()
    start = time.monotonic()
    for k in range(50):
        index = rng.randrange(n_tokens)
        page.locator(f'.shap-widget .sw-token[data-index="{index}"]').click()
        masked ^= {index}
        page.wait_for_timeout(max(0.0, start + 0.06 * (k + 1) - time.monotonic()) * 1000)
    expect(page.locator(".shap-widget")).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(page.locator(".shap-widget")).to_have_attribute("data-stale", "false", timeout=10_000)
    final = heatmap_state(page)
    clicked = page.evaluate("() => window.__clicked")
    tops = page.evaluate("() => [...window.__tops]")
    assert len(tops) == 1, f"the tokens moved while the kernel computed: first token at y = {tops}"
    assert len(clicked) == 50, f"the page received {len(clicked)} of 50 clicks: {clicked}"
    assert final["masked"] == sorted(masked), (clicked, final["masked"])

    shown = page.evaluate("() => window.__shown")
    masks = sorted({tuple(s["masked"]) for s in shown} | {tuple(final["masked"])})
    truth = json.loads(run_code(
        page,
        "import json; w.wait()\n"
        f"masks = {[list(m) for m in masks]!r}\n"
        "fresh = {json.dumps(m): [v[w.target] for v in w.explainer.attribute(w.text, masked=m, method=w.method, "
        "max_evals=w.max_evals).values.tolist()] for m in masks}\n"
        "print(json.dumps({'masked': w.masked, 'values': [v[w.target] for v in w.values], 'fresh': fresh}))",
        timeout_s=300,
    ).splitlines()[-1])
    assert truth["masked"] == final["masked"]
    assert final["values"] == pytest.approx(truth["values"], abs=1e-9)
    assert final["values"] == pytest.approx(truth["fresh"][json.dumps(final["masked"])], abs=1e-6)
    for snapshot in shown:
        assert snapshot["values"] == pytest.approx(truth["fresh"][json.dumps(snapshot["masked"])], abs=1e-6)


RESTART_MARKER = "exit_hooks_done.txt"
FAULTS = "kernel_faults.txt"
BUSY_DATASET = f"""
import atexit, faulthandler, pathlib
# An abort while the interpreter finalizes is written here (the kernel's own stderr goes to the page).
faults = open({FAULTS!r}, "w")
faulthandler.enable(faults, all_threads=True)
# Registered before shap_widget's own exit hook, so it runs after it: the kernel got through its exit hooks.
atexit.register(lambda: pathlib.Path({RESTART_MARKER!r}).write_text("done"))
from shap_widget import DatasetWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
d = DatasetWidget(model, tok, ["I love it", "I hate it so much, it was terrible and slow"] * 200, progress_bar=False)
d
"""


def test_kernel_restart_while_a_dataset_is_explained_is_clean_and_a_new_widget_works(
    open_notebook: Opener, lab_server: LabServer
) -> None:
    """Restarting the kernel mid-explanation stops it cleanly (no abort), and a widget made afterwards works."""
    page = open_notebook([BUSY_DATASET])
    root = wait_for_widget(page, ".sw-dataset")
    expect(root).to_have_attribute("data-state", "explaining", timeout=120_000)
    marker = Path(lab_server.root_dir) / RESTART_MARKER
    marker.unlink(missing_ok=True)
    (Path(lab_server.root_dir) / FAULTS).write_text("")
    log_before = len(lab_server.log_path.read_bytes())
    (kernel,) = lab_server.api("GET", "api/kernels")
    lab_server.api("POST", f"api/kernels/{kernel['id']}/restart", timeout=120)
    wait_for_kernel_idle(page)
    log = lab_server.log_path.read_bytes()[log_before:].decode(errors="replace")
    assert "terminate called" not in log, log[-3000:]
    assert marker.read_text() == "done"
    assert (Path(lab_server.root_dir) / FAULTS).read_text() == ""

    run_code(page, DEMO_WIDGET, timeout_s=180)
    new = page.locator(".jp-OutputArea-output .shap-widget").last
    expect(new).to_have_attribute("data-state", "ready", timeout=120_000)
    new.locator('.sw-token[data-index="3"]').click()
    expect(new.locator('.sw-token[data-index="3"]')).to_have_attribute("data-masked", "true")
    expect(new).to_have_attribute("data-stale", "false", timeout=120_000)
    out = run_code(page, "import json; w.wait(120); print(json.dumps([w.state, w.masked, w.values[3][w.target]]))")
    assert json.loads(out.splitlines()[-1]) == ["ready", [3], 0.0]
