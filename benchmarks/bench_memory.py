"""Memory of one long explanation: peak RSS and Python/numpy allocations for inputs up to 512 tokens.

Each configuration runs in a fresh process (so one run's high-water mark cannot hide another's): load the
embedded demo model (shap_widget.demo.load_sentiment_model(), MiniLM-L6, 22.7M parameters), then explain one
input with method="partition" and 500 evaluations while a thread samples the process's resident set size.
Reported per run:
  rss before   resident memory after loading the model, before explaining
  rss peak     highest resident memory sampled while explaining (every 2 ms)
  growth       rss peak - rss before: what the explanation itself needs
  maxrss       the kernel's high-water mark for the process (resource.getrusage), model loading included
  traced peak  peak of Python-level allocations (tracemalloc: numpy arrays, masks, caches; not torch's)
It also checks the progress callbacks: never going back, ending at their total.

    python benchmarks/bench_memory.py                          # 128, 256, 512 tokens; batch_size="auto"
    python benchmarks/bench_memory.py --sizes 512 --batch-sizes auto,64

--session measures a long notebook session instead, in one fresh process: an ExplainWidget shows each of
`--texts` texts in turn and takes `--clicks` clicks on each (masking a random token, waiting for the view and its
faithfulness), then shows a 512-token input and clicks on it. The evaluator's cache is bounded by
`--cache-mb` (default: the evaluator's 256 MiB). It prints RSS and cache size at checkpoints, and compares the
peak RSS of the first and second half of the clicks: bounded memory means the second is no higher.

    python benchmarks/bench_memory.py --session                # 200 texts x 20 clicks (long: ~an hour on 2 cores)
    python benchmarks/bench_memory.py --session --texts 40 --clicks 5 --long-clicks 2 --cache-mb 2 --max-evals 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import tracemalloc

PARAGRAPH = (
    "The movie was great! I loved the storyline and the acting was superb, although the second half dragged "
    "a little and the soundtrack was far too loud in places. The director clearly cared about every scene, and "
    "the cast brought real warmth to characters that could easily have been flat. Still, the ending felt rushed, "
    "as if the studio had run out of money, and a couple of subplots were dropped without explanation. "
)
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Current resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def sample_peak(peak: list[int], stop: threading.Event, every_s: float) -> None:
    """Keep the highest resident set size seen in peak[0] until `stop` is set (run it on a thread)."""
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes())
        time.sleep(every_s)


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, else what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def text_of(tok, n_tokens: int) -> str:
    """The longest prefix of a repeated review (in words) that tokenizes to at most n_tokens, specials included."""
    words = (PARAGRAPH * (n_tokens // 40 + 2)).split()
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(tok(" ".join(words[:mid]))["input_ids"]) <= n_tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


def run_one(n_tokens: int, batch_size: str, max_evals: int) -> dict:
    """Explain one input in this process and measure it; returns the figures as a dict."""
    import torch

    from shap_widget.demo import load_sentiment_model
    from shap_widget.engine.explain import Explainer

    model, tok = load_sentiment_model()
    text = text_of(tok, n_tokens)
    ex = Explainer(model, tok, batch_size=batch_size if batch_size == "auto" else int(batch_size))
    reports: list[tuple[int, int]] = []
    peak = [0]
    stop = threading.Event()
    before = rss_bytes()
    sampler = threading.Thread(target=sample_peak, args=(peak, stop, 0.002), daemon=True)
    sampler.start()
    tracemalloc.start()
    start = time.perf_counter()
    result = ex.attribute(text, method="partition", max_evals=max_evals,
                          on_progress=lambda done, total: reports.append((done, total)))
    seconds = time.perf_counter() - start
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stop.set()
    sampler.join()
    done = [d for d, _ in reports]
    return {
        "tokens": int(len(tok(text)["input_ids"])),
        "batch_size": batch_size,
        "rows_per_pass": int(max(1, round(ex.evaluator.rows_run / max(1, ex.evaluator.forward_calls)))),
        "evals": int(result.n_evals),
        "seconds": seconds,
        "rss_before": before,
        "rss_peak": max(peak[0], before),
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "traced_peak": traced,
        "progress_ok": bool(reports) and done == sorted(done) and reports[-1][0] == reports[-1][1],
        "progress_reports": len(reports),
        "threads": torch.get_num_threads(),
    }


def run_session(n_texts: int, n_clicks: int, long_clicks: int, cache_mb: float | None, max_evals: int) -> None:
    """A long session in this process; prints its table."""
    import random

    import torch

    from shap_widget import ExplainWidget
    from shap_widget.demo import load_sentiment_model

    model, tok = load_sentiment_model()
    words = PARAGRAPH.split()
    texts = [" ".join(words[(i * 13) % 60 : (i * 13) % 60 + 12 + i % 9]) for i in range(n_texts)]
    long_text = text_of(tok, 512)
    peak = [0]
    stop = threading.Event()
    w = ExplainWidget(model, tok, texts[0], max_evals=max_evals)
    evaluator = w.explainer.evaluator
    if cache_mb is not None:
        evaluator.max_cache_bytes = int(cache_mb * 2**20)
    w.wait()
    before = rss_bytes()
    threading.Thread(target=sample_peak, args=(peak, stop, 0.005), daemon=True).start()
    rng = random.Random(0)
    mb = 2**20
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; python {platform.python_version()}, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads; model: demo MiniLM-L6 (CPU); method="
          f"{w.method}, max_evals={max_evals}; {n_texts} texts x {n_clicks} clicks + a 512-token input x "
          f"{long_clicks}; cache bound {evaluator.max_cache_bytes / mb:.0f} MiB")
    header = (f"{'clicks':>7} {'inputs':>6} {'rss MB':>7} {'peak rss MB':>11} {'cache MB':>8} {'cached rows':>11} "
              f"{'s':>6}")
    print(header)
    print("-" * len(header))
    short = n_texts * n_clicks
    marks = {round(short * q / 8) for q in range(1, 9)} | {short + long_clicks}
    phases = {"first half of the clicks": 0, "second half": 0, "512-token input": 0}
    names = list(phases)
    start = time.perf_counter()
    done = 0
    for text in texts + [long_text]:
        w.text = text
        w.wait()
        for _ in range(n_clicks if text is not long_text else long_clicks):
            w.masked = sorted(set(w.masked) ^ {rng.randrange(len(w.tokens))})
            w.wait()
            done += 1
            phase = names[0 if done <= short // 2 else 1 if done <= short else 2]
            phases[phase] = max(phases[phase], peak[0])
            if done in marks:
                print(f"{done:>7} {len(evaluator.cached_items()):>6} {rss_bytes() / mb:>7.0f} {peak[0] / mb:>11.0f} "
                      f"{evaluator.cache_bytes / mb:>8.1f} {evaluator.cached_rows:>11} "
                      f"{time.perf_counter() - start:>6.0f}")
            if done in (short // 2, short):
                peak[0] = 0  # each phase's peak on its own
    stop.set()
    print(f"rss after the first explanation {before / mb:.0f} MB; peak rss: "
          + ", ".join(f"{name} {value / mb:.0f} MB" for name, value in phases.items())
          + f"; second half / first half {phases[names[1]] / phases[names[0]]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="128,256,512")
    parser.add_argument("--batch-sizes", default="auto")
    parser.add_argument("--max-evals", type=int, default=500)
    parser.add_argument("--one", nargs=2, metavar=("TOKENS", "BATCH_SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--session", action="store_true", help="measure a long session (see above)")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--long-clicks", type=int, default=20)
    parser.add_argument("--cache-mb", type=float, default=None)
    args = parser.parse_args()
    if args.session:
        run_session(args.texts, args.clicks, args.long_clicks, args.cache_mb, args.max_evals)
        return
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.max_evals)))
        return

    import shap
    import torch

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, {os.sysconf('SC_PHYS_PAGES') * _PAGE / 2**30:.0f} GiB; "
          f"python {platform.python_version()}, torch {torch.__version__}, shap {shap.__version__}; "
          f"model: demo MiniLM-L6 (float32, CPU); method=partition, max_evals={args.max_evals}")
    header = (f"{'tokens':>6} {'batch':>5} {'rows/pass':>9} {'evals':>5} {'time s':>7} {'rss before MB':>13} "
              f"{'rss peak MB':>11} {'growth MB':>9} {'maxrss MB':>9} {'traced peak MB':>14} {'progress':>8}")
    print(header)
    print("-" * len(header))
    mb = 2**20
    for size in [int(s) for s in args.sizes.split(",")]:
        for batch in args.batch_sizes.split(","):
            out = subprocess.run([sys.executable, __file__, "--one", str(size), batch, "--max-evals",
                                  str(args.max_evals)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['tokens']:>6} {r['batch_size']:>5} {r['rows_per_pass']:>9} {r['evals']:>5} "
                  f"{r['seconds']:>7.1f} {r['rss_before'] / mb:>13.0f} {r['rss_peak'] / mb:>11.0f} "
                  f"{(r['rss_peak'] - r['rss_before']) / mb:>9.0f} {r['maxrss'] / mb:>9.0f} "
                  f"{r['traced_peak'] / mb:>14.1f} {'ok' if r['progress_ok'] else 'BAD':>8}")


if __name__ == "__main__":
    main()
