"""What `explain_dataset(..., methods=[...])` costs beside SHAP: seconds per text for SHAP alone and with each
other method, and the ratio, measured in one run on the embedded demo model (fresh explainer and cache each run,
median of --repeats), over tweet-length texts (8 to 20 words) at a fixed SHAP budget (LIME gets the same).

    python benchmarks/bench_dataset_methods.py                 # 24 texts, budget 100
    python benchmarks/bench_dataset_methods.py --texts 100 --max-evals 200
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

import shap_widget as sw
from bench_dataset import tweets
from shap_widget.demo import load_sentiment_model
from shap_widget.engine.explain import Explainer

RUNS = [None, ["occlusion"], ["lime"], ["integrated_gradients"], ["gradient_x_input"], ["attention"],
        ["occlusion", "lime", "integrated_gradients", "gradient_x_input", "attention"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=24)
    parser.add_argument("--max-evals", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    model, tok = load_sentiment_model()
    texts = tweets(args.texts)
    # Warm-up, untimed: the first gradient pass in a process pays for Captum's import and autograd's setup.
    sw.explain_dataset(model, tok, texts[:2], max_evals=args.max_evals, progress_bar=False, methods=RUNS[-1])
    rows = []
    for methods in RUNS:
        times = []
        for _ in range(args.repeats):
            explainer = Explainer(model, tok)
            start = time.perf_counter()
            sw.explain_dataset(model, tok, texts, max_evals=args.max_evals, progress_bar=False, explainer=explainer,
                               methods=methods)
            times.append((time.perf_counter() - start) / len(texts))
        rows.append(("shap only" if methods is None else "shap + " + ", ".join(methods), statistics.median(times)))
    base = rows[0][1]
    machine = platform.processor() or platform.machine()
    print(f"{len(texts)} texts, max_evals={args.max_evals}, median of {args.repeats}; {machine}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| run | s/text | × shap only |\n|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
