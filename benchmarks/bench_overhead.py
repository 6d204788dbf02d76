"""The engine's own time: everything an explanation costs beside the model's forward passes.

On a GPU the forward passes shrink about a hundredfold and what is left is this. Every forward pass is timed
with hooks on the model and subtracted from the wall time; what remains is masks, cache keys, the regression
fits and the bookkeeping around them. Measured in one run, medians of --repeats:

  explanation  a new text of about 30 and 128 tokens at a fixed 500 evaluations (fresh cache each run),
               once as the first text of its length and once after a text of the same length: the sampled
               coalitions depend only on the number of players and the seed, so they are chosen once per
               length and re-used (`kernel._Tries`)
  click        the same text with one more token masked, after its explanation (what a click costs), its
               fresh coalitions chosen anew (a click makes a length the session has usually not seen)
  packed       per text, 16 texts of about 25 tokens explained together (`Explainer.attribute_many`), the
               coalitions of their lengths chosen anew, and again once those lengths have been seen (as in a
               dataset run of more than a few hundred texts, where most lengths recur)

each quiet and with two busy processes beside it (a browser and a build on the same cores); the ratio
busy / quiet is the figure to watch (goal <= 2x). Goals, engine time: <= 15 ms at 30 tokens and <= 40 ms at
128 tokens per 500-evaluation explanation, <= 5 ms per text packed.

The engine's time does not depend on what a forward pass costs, so by default the demo model runs with its
encoder cut to one layer (`--layers 6` for the whole model): the same tokenizer, rows and outputs of the same
shape, and a run of about a minute instead of ten. Nor does it depend on how far the outputs move, now that
the fits judge their terms by their shape alone (before, the cut model's small outputs had the profile terms
refused, so this benchmark timed fewer fits than the whole model needs).

The package is imported before torch, as in a notebook that starts with it, so torch's threads wait passively
between passes (see `shap_widget/__init__.py`); `OMP_WAIT_POLICY=ACTIVE python benchmarks/bench_overhead.py`
measures them spinning, as when torch was loaded first.

    python benchmarks/bench_overhead.py [--repeats 3] [--layers 1] [--no-busy]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from contextlib import contextmanager

import shap_widget  # noqa: F401  (before torch: see the docstring)
import torch

from bench_engine import PARAGRAPH, text_of
from shap_widget.demo import load_sentiment_model
from shap_widget.engine import kernel
from shap_widget.engine.explain import Explainer


class ForwardClock:
    """Wall time spent inside the model's forward passes, from hooks on the model."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.total = 0.0
        self._start = 0.0
        model.register_forward_pre_hook(self._pre)
        model.register_forward_hook(self._post)

    def _pre(self, *_):
        self._start = time.perf_counter()

    def _post(self, *_):
        self.total += time.perf_counter() - self._start


def engine_time(clock: ForwardClock, fn) -> float:
    """Seconds `fn` took beside the forward passes."""
    before = clock.total
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) - (clock.total - before)


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy(processes: int):
    """`processes` processes that keep a core busy each, for the block's duration."""
    workers = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(processes)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.2)
        yield
    finally:
        for w in workers:
            w.terminate()
            w.join()


def measure(model, tok, clock: ForwardClock, repeats: int) -> dict[str, float]:
    out = {}
    for n in (30, 128):
        text = text_of(tok, n)
        first, explanation, click = [], [], []
        for _ in range(repeats):
            ex = Explainer(model, tok)
            ex.attribute(text, max_evals=500, method="kernel")  # not timed: loads the head and the cache
            kernel._tries.clear()
            ex = Explainer(model, tok)
            first.append(engine_time(clock, lambda: ex.attribute(text, max_evals=500, method="kernel")))
            ex = Explainer(model, tok)
            explanation.append(engine_time(clock, lambda: ex.attribute(text, max_evals=500, method="kernel")))
            kernel._tries.clear()
            click.append(engine_time(clock, lambda: ex.attribute(text, max_evals=500, method="kernel",
                                                                 masked=[len(click) % 5 + 1])))
        out[f"explanation, {n} tokens, first of its length"] = statistics.median(first)
        out[f"explanation, {n} tokens"] = statistics.median(explanation)
        out[f"click, {n} tokens"] = statistics.median(click)
        print(f"  {n} tokens: explanation {statistics.median(first) * 1e3:.1f} ms first of its length, "
              f"{out[f'explanation, {n} tokens'] * 1e3:.1f} ms after, click {out[f'click, {n} tokens'] * 1e3:.1f} ms",
              flush=True)
    words = PARAGRAPH.split()
    texts = [" ".join(words[i * 4: i * 4 + 20]) for i in range(16)]
    packed, seen = [], []
    for _ in range(repeats):
        kernel._tries.clear()
        ex = Explainer(model, tok)
        packed.append(engine_time(clock, lambda: ex.attribute_many(texts, max_evals=500, method="kernel"))
                      / len(texts))
        ex = Explainer(model, tok)
        seen.append(engine_time(clock, lambda: ex.attribute_many(texts, max_evals=500, method="kernel"))
                    / len(texts))
    out["packed, per text (~25 tokens)"] = statistics.median(packed)
    out["packed, per text, lengths seen before"] = statistics.median(seen)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", type=int, default=1, help="encoder layers of the demo model to keep")
    parser.add_argument("--no-busy", action="store_true", help="skip the runs beside two busy processes")
    args = parser.parse_args()
    model, tok = load_sentiment_model()
    encoder = model.base_model.encoder
    encoder.layer = encoder.layer[: args.layers]
    clock = ForwardClock(model)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads, demo model with {len(encoder.layer)} encoder layers, medians of "
          f"{args.repeats}; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}; engine time = wall - forward passes")
    quiet = measure(model, tok, clock, args.repeats)
    loaded = None
    if not args.no_busy:
        with busy(2):
            loaded = measure(model, tok, clock, args.repeats)
    print(f"{'case':48s} {'quiet ms':>10s} {'busy ms':>10s} {'busy/quiet':>11s}")
    for key, q in quiet.items():
        b = loaded[key] if loaded else float("nan")
        print(f"{key:48s} {q * 1e3:10.1f} {b * 1e3:10.1f} {b / q:11.2f}")


if __name__ == "__main__":
    main()
