"""Shapley accuracy per model evaluation: this project's estimators next to shap's and shapiq's.

Relative squared error ||phi_hat - phi||^2 / ||phi||^2 for the predicted class's probability, mean over seeds, at
each budget, on the embedded demo model. Truth: exact Shapley values at 12 players (all 4096 coalitions); at 26
and 64 players a high-budget reference (this project's kernel estimator at --reference evaluations with a seed
no estimate uses; its own expected relative error, from its standard errors, is printed beside it, a floor
that every row shares). Every estimator plays the same cached game, so coalitions evaluated once are not
evaluated again, and rows per second do not enter the comparison.

    python benchmarks/bench_accuracy.py                       # 12, 26 and 64 players, 3 seeds
    python benchmarks/bench_accuracy.py --players 12 --seeds 5
    python benchmarks/bench_accuracy.py --device cuda --autocast bf16
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib
import platform
import time
import warnings

import numpy as np
import shap
import torch

from shap_widget.engine import estimators
from shap_widget.engine.explain import Explainer
from shap_widget.engine.kernel import kernel_plan
from shap_widget.engine.permutation import independent_orders, permutation

TEXTS = {
    12: "The plot was dull, but honestly the soundtrack was lovely.",
    26: "I really wanted to love this phone, but the battery died after only two days and the support team "
        "never answered any of my emails.",
    64: "The hotel looked nothing like the photos: the room was small, the carpet was stained and the air "
        "conditioning rattled all night. Breakfast was fine, the staff were friendly and the location is "
        "great, but I would not stay here again for this price, and I told the manager so before leaving the "
        "building on Sunday morning with my whole family.",
}
BUDGETS = (128, 256, 512, 1024)


def players_text(tok, n: int) -> str:
    """The text cut after its n-th token (whole words where that gives n tokens), so it has n players."""
    text = TEXTS[n]
    words = text.split()
    while len(words) > 1 and len(tok(" ".join(words), add_special_tokens=False)["input_ids"]) > n:
        words = words[:-1]
    if len(tok(" ".join(words), add_special_tokens=False)["input_ids"]) == n:
        return " ".join(words)
    offsets = tok(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return text[: offsets[n - 1][1]]


def ours(method):
    def run(game, n, budget, seed):
        if method == "kernel":
            return estimators.run(kernel_plan(n, budget, seed), game).values
        if method == "kernel+trees":
            return estimators.run(kernel_plan(n, budget, seed, adjust=True), game).values
        if method == "permutation":
            return permutation(game, n, budget, seed).values
        if method == "antithetic":
            return antithetic(game, n, budget, seed)
        raise ValueError(method)
    return run


def antithetic(game, n, budget, seed):
    """Antithetic permutation sampling with independent orders: the baseline the targets are set against."""
    return independent_orders(game, n, (budget - 2) // (2 * (n - 1)), seed)


def shap_kernel(game, n, budget, seed):
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.KernelExplainer(lambda z: game(z > 0.5), np.zeros((1, n)))
        values = explainer.shap_values(np.ones((1, n)), nsamples=budget, silent=True)
    values = np.asarray(values)
    return values[0] if values.ndim == 3 and values.shape[0] == 1 else np.moveaxis(values, 0, -1)[0]


def shap_permutation(game, n, budget, seed):
    explainer = shap.explainers.Permutation(lambda z: game(z > 0.5), shap.maskers.Independent(np.zeros((1, n))),
                                            seed=seed)
    return explainer(np.ones((1, n)), max_evals=budget, silent=True).values[0]


def shapiq_method(name, **options):
    def run(game, n, budget, seed):
        import shapiq

        approximator = getattr(shapiq.approximator, name)(n=n, random_state=seed, **options)
        per_class = []
        for c in range(game.n_classes):
            values = approximator.approximate(budget=budget, game=lambda z, c=c: game(np.asarray(z, bool))[:, c])
            per_class.append([values[(i,)] for i in range(n)])
        return np.array(per_class).T
    return run


ESTIMATORS = {
    "shap_widget kernel (default)": ours("kernel"),
    "shap_widget kernel + tree adjustment": ours("kernel+trees"),
    "shap_widget permutation (stratified)": ours("permutation"),
    "antithetic permutation (independent orders)": ours("antithetic"),
    "shap KernelExplainer": shap_kernel,
    "shap PermutationExplainer": shap_permutation,
    "shapiq KernelSHAP (paired)": shapiq_method("KernelSHAP", pairing_trick=True),
    "shapiq SVARM": shapiq_method("SVARM"),
    "shapiq kADDSHAP (order 2)": shapiq_method("kADDSHAP", max_order=2),
}


class Game:
    """The explained text's game for the benchmark: cached outputs, every class at once."""

    def __init__(self, explainer: Explainer, text: str) -> None:
        self.inner = explainer.game(text)
        self.n = self.inner.n_free
        self.n_classes = len(explainer.labels)

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        return self.inner(np.asarray(coalitions, dtype=bool).reshape(-1, self.n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, nargs="+", default=[12, 26, 64], choices=sorted(TEXTS))
    parser.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--reference", type=int, default=20_000, help="evaluations of the reference (26, 64)")
    parser.add_argument("--only", nargs="*", default=None, help="estimator names to run (substrings)")
    parser.add_argument("--cache", default=None, help="folder to keep the truth/reference values in between runs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--autocast", default=None)
    args = parser.parse_args()

    from shap_widget.demo import load_sentiment_model

    model, tok = load_sentiment_model()
    model = model.to(args.device)
    explainer = Explainer(model, tok, autocast=args.autocast)
    print(f"# {platform.machine()} {platform.processor() or ''}, {torch.get_num_threads()} threads, torch "
          f"{torch.__version__}, shap {shap.__version__}, device {args.device}, autocast {args.autocast}")
    names = [k for k in ESTIMATORS if args.only is None or any(s in k for s in args.only)]
    for n in args.players:
        text = players_text(tok, n)
        game = Game(explainer, text)
        started = time.perf_counter()
        what = "exact" if game.n <= 14 else f"reference: kernel at {args.reference} evaluations"
        cached = None
        if args.cache:
            key = hashlib.sha1(f"{text}|{what}|{args.autocast}".encode()).hexdigest()[:16]
            cached = pathlib.Path(args.cache) / f"truth-{game.n}-{key}.npz"
        if cached is not None and cached.exists():
            stored = np.load(cached)
            truth, ref_errors = stored["truth"], stored["errors"]
        elif game.n <= 14:
            truth = estimators.exact(game, game.n).values
            ref_errors = np.zeros_like(truth)
        else:
            ref = estimators.run(kernel_plan(game.n, args.reference, seed=10_000), game)
            truth, ref_errors = ref.values, ref.errors
        if cached is not None and not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cached, truth=truth, errors=ref_errors)
        c = int(np.argmax(game(np.ones((1, game.n), dtype=bool))[0]))
        norm = float((truth[:, c] ** 2).sum())
        floor = float((ref_errors[:, c] ** 2).sum()) / norm
        print(f"\n## {game.n} players ({what}; its expected relative error {floor:.4f}; "
              f"{time.perf_counter() - started:.0f} s)  {text!r}")
        print(f"| estimator | " + " | ".join(str(b) for b in args.budgets) + " |")
        print("|---|" + "---:|" * len(args.budgets))
        table = {}
        for name in names:
            row = []
            for budget in args.budgets:
                errors = []
                for seed in range(args.seeds):
                    try:
                        values = ESTIMATORS[name](game, game.n, budget, seed)
                    except Exception as err:  # noqa: BLE001 - a peer that refuses a budget gets a dash
                        print(f"  ({name} at {budget}: {type(err).__name__}: {err})")
                        errors = []
                        break
                    errors.append(float(((values[:, c] - truth[:, c]) ** 2).sum()) / norm)
                row.append(np.mean(errors) if errors else np.nan)
            table[name] = row
            cells = " | ".join("–" if np.isnan(e) else f"{e:.3g}" for e in row)
            print(f"| {name} | {cells} |", flush=True)
        base = table.get("antithetic permutation (independent orders)")
        if base is not None and "shap_widget kernel (default)" in table:
            ratio = np.array(table["shap_widget kernel (default)"]) / np.array(base)
            print("| kernel / antithetic | " + " | ".join(f"{r:.2f}" for r in ratio) + " |")
        peers = [row for name, row in table.items() if not name.startswith(("shap_widget", "antithetic"))]
        if peers and "shap_widget kernel (default)" in table:
            best = np.nanmin(np.array(peers), axis=0)
            ratio = np.array(table["shap_widget kernel (default)"]) / best
            print("| kernel / best peer | " + " | ".join(f"{r:.2f}" for r in ratio) + " |")


if __name__ == "__main__":
    main()
