"""Which explanation method should one believe? Every method of `shap_widget.compare` on the demo model.

For each method, over the texts: faithfulness (comprehensiveness and sufficiency at 20% of the tokens, deletion
and insertion AOPC; mean ± standard error over texts), rank agreement with exact Shapley values (Kendall tau and
top-20% overlap, for the predicted class), completeness gap, and wall time per text. Texts: the sentences the
tests use (tests/test_demo.py's clear sentences and tests/test_compare.py's), and a seeded sample of the demo
model's held-out tweets (training/sentiment_data.py's test split, with the seed stored in the adapter) of at
most `--max-players` tokens, so exact Shapley values are affordable. SHAP runs at `--budget` evaluations (exact
where all coalitions fit, else the kernel estimator), LIME at the same budget.

    python benchmarks/bench_compare.py                  # 6 test sentences + 6 tweets, budget 512
    python benchmarks/bench_compare.py --tweets 20 --budget 256
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import random
import sys
import time
import warnings

import numpy as np
import torch
from scipy.stats import kendalltau

from shap_widget.demo import ADAPTER_PATH, load_sentiment_model
from shap_widget.engine.compare import METHODS, compare_with, top_k_overlap
from shap_widget.engine.explain import Explainer
from shap_widget.engine.faithfulness import top_k

ROOT = pathlib.Path(__file__).resolve().parents[1]
SENTENCES = [
    "I love this movie, it was wonderful!",
    "This is terrible, I hate it.",
    "Worst customer service ever, my bag is lost and nobody cares.",
    "The meeting is scheduled for Tuesday at 3 pm.",
    "The movie was not bad at all.",
    "not a good film, but the music was great",
]


def tweets(tok, count: int, max_players: int) -> list[str]:
    """A seeded sample of held-out tweets short enough for exact Shapley values."""
    sys.path.insert(0, str(ROOT / "training"))
    from safetensors import safe_open
    from sentiment_data import make_split

    with safe_open(str(ADAPTER_PATH), framework="pt") as fh:
        seed = int(fh.metadata()["split_seed"])
    short = [ex.text for ex in make_split(seed).test
             if len(tok(ex.text, add_special_tokens=False)["input_ids"]) <= max_players]
    return random.Random(0).sample(short, min(count, len(short)))


def mean_se(x: list[float]) -> str:
    a = np.asarray([v for v in x if np.isfinite(v)], dtype=float)
    if len(a) == 0:
        return "–"
    se = a.std(ddof=1) / np.sqrt(len(a)) if len(a) > 1 else 0.0
    return f"{a.mean():+.3f} ± {se:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tweets", type=int, default=6)
    parser.add_argument("--max-players", type=int, default=12)
    parser.add_argument("--budget", type=int, default=512)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    model, tok = load_sentiment_model()
    texts = SENTENCES + tweets(tok, args.tweets, args.max_players)
    rows: dict[str, dict[str, list[float]]] = {m: {} for m in METHODS}
    for text in texts:
        explainer = Explainer(model, tok)
        found = compare_with(explainer, text, METHODS, max_evals=args.budget)
        alone = {}  # each method timed on its own, with a fresh cache: occlusion and LIME would otherwise find
        for m in METHODS:  # most of their rows in the cache SHAP filled
            start = time.perf_counter()
            compare_with(Explainer(model, tok), text, [m], target=found.target, max_evals=args.budget)
            alone[m] = time.perf_counter() - start
        exact = explainer.attribute(text, method="exact", masked=found.masked).values[:, found.target]
        k = max(1, top_k(0.2, len(exact)))
        for m in METHODS:
            r = rows[m]
            if m not in found.values:
                r.setdefault("failed", []).append(1.0)
                continue
            f = found.faithfulness.loc[m]
            v = found.values[m]
            for name, x in (("comp", f["comprehensiveness@0.2"]), ("suff", f["sufficiency@0.2"]),
                            ("del", f["aopc_deletion"]), ("ins", f["aopc_insertion"]),
                            ("tau", kendalltau(v, exact).statistic), ("top", top_k_overlap(v, exact, k)),
                            ("gap", found.completeness_gap.get(m, np.nan)), ("s", alone[m]),
                            ("fwd", f["forward"]), ("bwd", f["backward"])):
                r.setdefault(name, []).append(float(x))
    print(f"# bench_compare: {len(texts)} texts ({len(SENTENCES)} test sentences, {len(texts) - len(SENTENCES)} "
          f"held-out tweets of <= {args.max_players} tokens), demo model, SHAP and LIME budget {args.budget}")
    print(f"# {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print("# mean ± SE over texts; comp/suff at 20% of the tokens (probability of the predicted class); "
          "tau and top-20% overlap against exact Shapley values; s/text = median seconds per text of the "
          "method alone with a fresh cache (its faithfulness curves included)")
    head = f"{'method':22} {'comp@20% ↑':>16} {'suff@20% ↓':>16} {'AOPC del ↑':>16} {'AOPC ins ↓':>16} " \
           f"{'tau vs exact':>16} {'top-20% vs exact':>17} {'gap':>8} {'fwd':>6} {'bwd':>5} {'s/text':>7}"
    print(head)
    for m in METHODS:
        r = rows[m]
        if "comp" not in r:
            print(f"{m:22} failed on every text")
            continue
        gap = np.nanmax(r["gap"]) if np.isfinite(r["gap"]).any() else np.nan
        print(f"{m:22} {mean_se(r['comp']):>16} {mean_se(r['suff']):>16} {mean_se(r['del']):>16} "
              f"{mean_se(r['ins']):>16} {mean_se(r['tau']):>16} {mean_se(r['top']):>17} "
              f"{'–' if not np.isfinite(gap) else f'{100 * gap:.1f}%':>8} {np.median(r['fwd']):>6.0f} "
              f"{np.median(r['bwd']):>5.0f} {np.median(r['s']):>7.3f}")
    print("# gap: largest completeness gap over texts (SHAP and integrated gradients promise 0); fwd/bwd: median "
          "rows through the model per text")


if __name__ == "__main__":
    main()
