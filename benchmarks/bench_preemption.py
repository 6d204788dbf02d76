"""Click latency in a DatasetWidget's explanation view: idle, and while the widget explains its whole set.

The set's explanations run on a background thread with the same model and cache as the view; the view's work
takes the model at the next model batch. Measured side by side in one run, on the embedded demo model
(MiniLM-L6): each click masks one token of the shown row (the cache cleared before it, untimed, so every
click costs the same) and is timed until the view's explanation is ready. Phases: idle (no batch), busy (the
batch running during every timed click), idle again (batch stopped). Target: busy median <= 1.5 x idle.

    python benchmarks/bench_preemption.py               # 15 clicks per phase
    python benchmarks/bench_preemption.py --clicks 30 --max-evals 200
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from bench_memory import PARAGRAPH, cpu_name


def clicks(dataset, n: int, require_busy: bool, pause: float) -> list[float]:
    """Latencies of n clicks in the dataset's explanation view (seconds), `pause` s apart (untimed: a user
    looking at the result, while the batch goes on)."""
    view = dataset.explain_widget
    view.wait(600)
    n_players = len(view.tokens)
    out: list[float] = []
    k = 0
    while len(out) < n:
        k += 1
        time.sleep(pause)
        view.explainer.evaluator.clear_cache()
        busy = dataset.table.state == "explaining"
        start = time.perf_counter()
        view.masked = [k % n_players]
        view.wait(600)
        took = time.perf_counter() - start
        if require_busy and not (busy and dataset.table.state == "explaining"):
            raise SystemExit("The batch finished during the busy phase; pass more --texts.")
        out.append(took)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--max-evals", type=int, default=500)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between clicks")
    args = parser.parse_args()

    import torch

    from shap_widget import DatasetWidget
    from shap_widget.demo import load_sentiment_model

    model, tok = load_sentiment_model()
    sentences = [s.strip() + "." for s in PARAGRAPH.split(".") if s.strip()]
    texts = [f"{sentences[i % len(sentences)]} ({i})" for i in range(args.texts)]
    shown = texts[0]

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; python {platform.python_version()}, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads; model: demo MiniLM-L6 (CPU); {args.clicks} clicks "
          f"per phase, {args.pause:g} s apart; max_evals={args.max_evals}", flush=True)
    header = f"{'phase':<30} {'median s':>9} {'p90 s':>7} {'ratio to idle (before)':>22}"
    print(header)
    print("-" * len(header), flush=True)
    idle_median = [0.0]

    def row(name: str, xs: list[float]) -> None:
        idle_median[0] = idle_median[0] or statistics.median(xs)
        p90 = sorted(xs)[int(0.9 * (len(xs) - 1))]
        print(f"{name:<30} {statistics.median(xs):>9.3f} {p90:>7.3f} {statistics.median(xs) / idle_median[0]:>22.2f}",
              flush=True)

    idle = DatasetWidget(model, tok, [shown], explain_all=False, progress_bar=False, selected=0,
                         max_evals=args.max_evals)
    row("idle (before)", clicks(idle, args.clicks, require_busy=False, pause=args.pause))
    busy = DatasetWidget(model, tok, [shown] + texts[1:], progress_bar=False, selected=0,
                         max_evals=args.max_evals)
    while busy.table.state == "predicting":
        time.sleep(0.05)
    during = clicks(busy, args.clicks, require_busy=True, pause=args.pause)
    row(f"batch running ({busy.table.n_explained} rows done)", during)
    busy._runner.stop()
    row("idle (after)", clicks(idle, args.clicks, require_busy=False, pause=args.pause))
    view = idle.explain_widget
    print(f"shown row: {len(view.tokens)} tokens, method={view.method_used}, max_evals={view.max_evals}")


if __name__ == "__main__":
    main()
