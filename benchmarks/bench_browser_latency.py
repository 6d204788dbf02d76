"""Click-to-updated-heatmap latency in a real browser, with the embedded model on the CPU.

Each sample is timed inside the page: from the click on a token until the heatmap shows a fresh result for the
new mask (root `data-state="ready"`, not stale). Two cases, 20 clicks each, medians reported:
  - full recompute: masking a token not masked before (partition, 500 evaluations, nothing cached),
  - cached sub-game: unmasking it again (every coalition of that game is in the cache).

    .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q
    BENCH_AUTOCAST=bf16 .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q   # bf16 on CPU
"""

from __future__ import annotations

import os
import platform
import statistics

import pytest
from playwright.sync_api import expect

TEXT = ("The movie was great! I loved the storyline and the acting was superb, although the second half "
        "dragged a little and the soundtrack was far too loud.")
CLICKS = 20
AUTOCAST = os.environ.get("BENCH_AUTOCAST") or None

SETUP = f"""
import torch
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r}, method="partition", max_evals=500, autocast={AUTOCAST!r})
w
"""

CLICK_AND_WAIT = """
async (index) => {
  const root = document.querySelector('.shap-widget');
  const token = root.querySelector(`.sw-token[data-index="${index}"]`);
  const wanted = token.dataset.masked === 'true' ? 'false' : 'true';
  const done = () => root.dataset.state === 'ready' && root.dataset.stale === 'false'
    && token.dataset.masked === wanted;
  const start = performance.now();
  token.click();
  await new Promise((resolve) => {
    const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); resolve(); } });
    observer.observe(root, { attributes: true, subtree: true });
  });
  return performance.now() - start;
}
"""


@pytest.mark.browser
def test_click_latency(open_notebook) -> None:
    """Prints the latency table; asserts only that every click ended in a fresh heatmap."""
    page = open_notebook([SETUP])
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    n_tokens = page.locator(".sw-token").count()
    full, cached = [], []
    for i in range(CLICKS):
        index = 1 + i % (n_tokens - 1)
        full.append(page.evaluate(CLICK_AND_WAIT, index))
        cached.append(page.evaluate(CLICK_AND_WAIT, index))
    cpu = platform.processor() or platform.machine()
    print(f"\nclick -> updated heatmap, {n_tokens} tokens, demo model on CPU ({cpu}, autocast={AUTOCAST}), "
          f"{CLICKS} clicks each")
    print(f"{'case':<34}{'median ms':>10}{'min ms':>9}{'max ms':>9}")
    for name, samples in [("full recompute (500 evals)", full), ("cached sub-game (unmask)", cached)]:
        print(f"{name:<34}{statistics.median(samples):>10.0f}{min(samples):>9.0f}{max(samples):>9.0f}")
    assert len(full) == len(cached) == CLICKS
