"""Evaluate the shipped sentiment adapter on the held-out test split.

The model is loaded exactly as users get it, through
``shap_widget.demo.load_sentiment_model`` (fp16 tensors merged into the
packaged base weights), so the numbers describe what ships.

    python training/evaluate_sentiment.py [--adapter PATH] [--split validation]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentiment_data import LABELS, Example, make_split  # noqa: E402
from shap_widget.demo import ADAPTER_PATH, load_sentiment_model  # noqa: E402


@dataclass(frozen=True)
class Metrics:
    accuracy: float
    precision: list[float]
    recall: list[float]
    # confusion[true][predicted]
    confusion: list[list[int]]
    n: int


@torch.no_grad()
def predict(model, tokenizer, texts: list[str], batch_size: int = 64) -> list[int]:
    """Arg-max class of each text, batched by length to keep padding small."""
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True)["input_ids"]]
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    preds = [0] * len(texts)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, return_tensors="pt")
        for i, p in zip(idx, model(**enc).logits.argmax(-1).tolist()):
            preds[i] = p
    return preds


def score(examples: list[Example], preds: list[int]) -> Metrics:
    """Accuracy, per-class precision/recall and the confusion matrix."""
    k = len(LABELS)
    confusion = [[0] * k for _ in range(k)]
    for ex, p in zip(examples, preds):
        confusion[ex.label][p] += 1
    correct = sum(confusion[i][i] for i in range(k))
    precision = [confusion[i][i] / max(1, sum(row[i] for row in confusion)) for i in range(k)]
    recall = [confusion[i][i] / max(1, sum(confusion[i])) for i in range(k)]
    return Metrics(correct / max(1, len(examples)), precision, recall, confusion, len(examples))


def evaluate(examples: list[Example], adapter_path: Path | None = None) -> Metrics:
    """Load the model as shipped (or from ``adapter_path``) and score it."""
    model, tokenizer = load_sentiment_model(adapter_path)
    return score(examples, predict(model, tokenizer, [ex.text for ex in examples]))


def split_seed(adapter: Path) -> int:
    """The split seed the adapter was trained with, from its metadata."""
    from safetensors import safe_open

    with safe_open(str(adapter), framework="pt") as fh:
        return int(fh.metadata()["split_seed"])


def to_markdown(m: Metrics) -> str:
    """Accuracy line, per-class table and confusion matrix, in markdown."""
    lines = [f"Held-out accuracy: **{m.accuracy:.3f}** ({m.n} rows)", ""]
    lines += ["| class | precision | recall | support |", "|---|---|---|---|"]
    for i, name in enumerate(LABELS):
        lines.append(f"| {name} | {m.precision[i]:.3f} | {m.recall[i]:.3f} | {sum(m.confusion[i])} |")
    lines += ["", "Confusion matrix (rows = true, columns = predicted):", ""]
    lines.append("| true \\ predicted | " + " | ".join(LABELS) + " |")
    lines.append("|---" * (len(LABELS) + 1) + "|")
    for i, name in enumerate(LABELS):
        lines.append(f"| **{name}** | " + " | ".join(str(c) for c in m.confusion[i]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=None, help="adapter file (default: the shipped one)")
    parser.add_argument("--seed", type=int, default=None, help="split seed (default: the one stored in the adapter)")
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    args = parser.parse_args()
    torch.set_num_threads(2)
    seed = args.seed if args.seed is not None else split_seed(args.adapter or ADAPTER_PATH)
    split = make_split(seed)
    print(to_markdown(evaluate(getattr(split, args.split), args.adapter)))


if __name__ == "__main__":
    main()
