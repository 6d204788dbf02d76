"""Click-to-updated-heatmap latency in a real browser, with the embedded model on the CPU.

Each sample is timed inside the page, from the click on a token. For each input length (30 and 128 tokens by
default), medians over the clicks of:
  - partition full recompute: masking a token not masked before (partition, 500 evaluations, nothing cached),
    which is how every click was computed before the sampled estimator;
  - partition cached sub-game: unmasking it again (every coalition of that game is in the cache);
  - kernel first heatmap: masking a token with the default sampled estimator (500 evaluations), until the
    heatmap shows a first estimate for the new mask (root `data-state` "refining" or "ready", not stale);
  - kernel final: the same click until the final estimate is shown ("ready", not stale);
  - kernel unmask first / final: unmasking it again;
  - auto budget, click -> settled: with the default automatic budget (`max_evals="auto"`), masking (and then
    unmasking) a token until the widget shows the settled result: the Budget field reads "settled at N
    evaluations" (or "stopped at N evaluations, not settled" where the budget's cap or time limit came first;
    the table says how many clicks settled);
and the share of the rows each kernel click's explanation asked for that the cache served:
1 - (rows sent through the model) / (evaluations of its final estimate), from `evaluator.rows_run`.

    .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q
    BENCH_CLICKS=3 BENCH_TOKENS=30 .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q  # short
    BENCH_IDLE=1 .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q  # clicks from an idle kernel
    BENCH_AUTOCAST=bf16 .venv/bin/python -m pytest benchmarks/bench_browser_latency.py -s -q   # bf16 on CPU
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics

import pytest
from notebook_ui import run_code
from playwright.sync_api import expect

# Long enough for 128 tokens of the demo model's tokenizer; each input is its first N tokens.
TEXT = ("The movie was great! I loved the storyline and the acting was superb, although the second half "
        "dragged a little and the soundtrack was far too loud. Still, the cast carried every scene with real "
        "warmth, the jokes landed more often than not, and the ending surprised me in the best possible way. "
        "My friends were less impressed: one of them found the pacing tedious, another thought the villain was "
        "flat and the dialogue clumsy in places. I would still recommend it to anyone who enjoys a heartfelt "
        "comedy with a few rough edges, but maybe wait until it is streaming rather than paying full price at "
        "the cinema, where the sound mixing made several key lines hard to hear over the music.")
CLICKS = int(os.environ.get("BENCH_CLICKS", "20"))
# "1": each click waits until the kernel is idle (the previous click's faithfulness measured, as after a moment's
# look at the result); otherwise clicks follow each shown final result at once, while that measurement runs
# and the new job waits for its model batch in flight.
IDLE = os.environ.get("BENCH_IDLE") == "1"
SIZES = [int(n) for n in os.environ.get("BENCH_TOKENS", "30,128").split(",")]
AUTOCAST = os.environ.get("BENCH_AUTOCAST") or None


def setup_cell(n_tokens: int) -> str:
    return f"""
import torch
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
long_text = {TEXT!r}
offsets = tok(long_text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
w = ExplainWidget(model, tok, text=long_text[: offsets[{n_tokens} - 1][1]], method="partition", max_evals=500,
                  autocast={AUTOCAST!r})

# Rows sent through the model per explanation (from "computing" to "ready"), with its final evaluations.
rows_log, _start = [], [0]
def _count_rows(change):
    if change["new"] == "computing":
        _start[0] = w.explainer.evaluator.rows_run
    elif change["new"] == "ready":
        rows_log.append((w.explainer.evaluator.rows_run - _start[0], w.n_evals))
w.observe(_count_rows, names="state")
w
"""


# Times from the click to the first heatmap for the new mask and to the final one; with `settled`, the final one
# is the one whose Budget note says where the automatic budget ended ("settled at N evaluations").
CLICK_AND_WAIT = """
async ([index, settled]) => {
  const root = document.querySelector('.shap-widget');
  const token = root.querySelector(`.sw-token[data-index="${index}"]`);
  const note = root.querySelector('.sw-budget-note');
  const wanted = token.dataset.masked === 'true' ? 'false' : 'true';
  const current = () => root.dataset.stale === 'false' && token.dataset.masked === wanted;
  const ended = () => !settled || /^(settled|stopped) at/.test(note.textContent);
  let first = null;
  const start = performance.now();
  token.click();
  await new Promise((resolve) => {
    const check = () => {
      if (!current()) return;
      if (first === null && ['refining', 'ready'].includes(root.dataset.state)) first = performance.now() - start;
      if (root.dataset.state === 'ready' && ended()) { observer.disconnect(); resolve(); }
    };
    const observer = new MutationObserver(check);
    observer.observe(root, { attributes: true, characterData: true, childList: true, subtree: true });
  });
  return { first, final: performance.now() - start, note: note.textContent };
}
"""


def clicks(page, n_tokens: int, settled: bool = False) -> tuple[list[dict], list[dict]]:
    """CLICKS pairs of (mask, unmask) clicks on tokens 1, 2, ...; their timings."""
    masks, unmasks = [], []
    for i in range(CLICKS):
        index = 1 + i % (n_tokens - 1)
        for samples in (masks, unmasks):
            if IDLE:
                run_code(page, "w.wait(); None", timeout_s=600)
            samples.append(page.evaluate(CLICK_AND_WAIT, [index, settled]))
    return masks, unmasks


def settled_row(name: str, samples: list[dict]) -> str:
    """A row of click -> settled times, with how many settled and their median evaluations."""
    ended = [s["note"] for s in samples]
    counts = [int(re.search(r"at ([\d,]+)", n).group(1).replace(",", "")) for n in ended]
    done = sum(n.startswith("settled") for n in ended)
    return (f"{row(name, [s['final'] for s in samples])}   {done}/{len(samples)} settled, "
            f"median {statistics.median(counts):.0f} evaluations")


def rows_log(page) -> list[list[int]]:
    out = run_code(page, "import json; w.wait(); print(json.dumps(rows_log))")
    return json.loads(out.strip().splitlines()[-1])


def row(name: str, samples: list[float]) -> str:
    return f"{name:<34}{statistics.median(samples):>10.0f}{min(samples):>9.0f}{max(samples):>9.0f}"


@pytest.mark.browser
@pytest.mark.parametrize("n_tokens", SIZES)
def test_click_latency(open_notebook, n_tokens: int) -> None:
    """Prints the latency table; asserts only that every click ended in a fresh heatmap."""
    page = open_notebook([setup_cell(n_tokens)])
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "ready", timeout=600_000)
    shown = page.locator(".sw-token").count()
    full, cached = clicks(page, shown)

    run_code(page, "w.method = 'kernel'; w.wait(); None", timeout_s=600)
    before = len(rows_log(page))
    expect(root).to_have_attribute("data-state", "ready", timeout=600_000)
    masks, unmasks = clicks(page, shown)
    log = rows_log(page)[before:]
    reused = [1 - rows / n_evals for rows, n_evals in log if n_evals]

    run_code(page, "w.method = 'auto'; w.max_evals = 'auto'; w.wait(); None", timeout_s=600)
    expect(root).to_have_attribute("data-state", "ready", timeout=600_000)
    auto_masks, auto_unmasks = clicks(page, shown, settled=True)

    cpu = platform.processor() or platform.machine()
    print(f"\nclick -> updated heatmap, {shown} tokens, demo model on CPU ({cpu}, {os.cpu_count()} cores, "
          f"autocast={AUTOCAST}), 500 evaluations, {CLICKS} clicks each, "
          f"{'each from an idle kernel' if IDLE else 'each right after the previous final result'}")
    print(f"{'case':<34}{'median ms':>10}{'min ms':>9}{'max ms':>9}")
    for name, samples in [
        ("partition full recompute", [s["final"] for s in full]),
        ("partition cached sub-game", [s["final"] for s in cached]),
        ("kernel mask: first heatmap", [s["first"] for s in masks]),
        ("kernel mask: final", [s["final"] for s in masks]),
        ("kernel unmask: first heatmap", [s["first"] for s in unmasks]),
        ("kernel unmask: final", [s["final"] for s in unmasks]),
    ]:
        print(row(name, samples))
    print(settled_row("auto budget: mask -> settled", auto_masks))
    print(settled_row("auto budget: unmask -> settled", auto_unmasks))
    mask_reuse, unmask_reuse = reused[0::2], reused[1::2]
    print(f"rows served from the cache (median): mask {statistics.median(mask_reuse):.0%}, "
          f"unmask {statistics.median(unmask_reuse):.0%}")
    print(f"kernel final / partition full recompute (medians): "
          f"{statistics.median(s['final'] for s in masks) / statistics.median(s['final'] for s in full):.2f}")
    assert len(masks) == len(unmasks) == len(full) == len(auto_masks) == CLICKS and len(log) == 2 * CLICKS
