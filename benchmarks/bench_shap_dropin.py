"""shap's README example, `shap.Explainer(pipe)(texts)`, timed with shap and with shap_widget side by side.

Both play the same partition game (equal values); shap writes each masked copy as a string that the pipeline
re-tokenizes, shap_widget masks token ids and caches model outputs. Medians over --repeats runs on the demo
sentiment model, a fresh explainer each run (no cache carried over), with the largest value difference.

    python benchmarks/bench_shap_dropin.py
    python benchmarks/bench_shap_dropin.py --repeats 5 --max-evals 1000
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import shap
import torch
import transformers

import shap_widget as sw
from shap_widget.demo import load_sentiment_model

TEXTS = [
    "What a great movie! ...if you have no taste.",
    "The acting was superb but the plot made no sense at all and the ending dragged on.",
    "I expected little and was pleasantly surprised by how funny and warm it turned out to be.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-evals", type=int, default=500)
    args = parser.parse_args()
    model, tok = load_sentiment_model()
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tok, top_k=None)
    timings: dict[str, list[float]] = {"shap": [], "shap_widget": []}
    answers = {}
    for _ in range(args.repeats):
        for name, make in (("shap", shap.Explainer), ("shap_widget", sw.Explainer)):
            np.random.seed(0)
            start = time.perf_counter()
            answers[name] = make(pipe)(TEXTS, max_evals=args.max_evals, silent=True)
            timings[name].append(time.perf_counter() - start)
    diff = max(np.abs(np.asarray(a, float) - np.asarray(b, float)).max()
               for a, b in zip(answers["shap"].values, answers["shap_widget"].values))
    ours, theirs = np.median(timings["shap_widget"]), np.median(timings["shap"])
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} "
          f"threads; {len(TEXTS)} texts, max_evals={args.max_evals}, {args.repeats} repeats")
    print(f"{'explainer':<12} {'median s':>9} {'ratio':>7}")
    print(f"{'shap':<12} {theirs:>9.2f} {1.0:>7.2f}")
    print(f"{'shap_widget':<12} {ours:>9.2f} {ours / theirs:>7.2f}")
    print(f"largest value difference: {diff:.2e}")


if __name__ == "__main__":
    main()
