"""Small random models with tokenizers written on the fly, so tests never need a model hub."""

from __future__ import annotations

import pathlib

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

WORDS = (
    "the a movie film was is great good bad terrible awful i we loved hated it and but story acting plot "
    "not very really superb boring fun this that of to with at on music ending"
).split()
PIECES = ["##line", "##ly", "##s", "##ing", "##ed"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ".", ",", "?", "'"] + WORDS + PIECES


def write_vocab(directory: pathlib.Path) -> pathlib.Path:
    path = directory / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n")
    return path


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory):
    """A WordPiece tokenizer over a small English vocabulary, built from a vocab file."""
    directory = tmp_path_factory.mktemp("vocab")
    write_vocab(directory)
    return BertTokenizerFast.from_pretrained(str(directory), do_lower_case=True)


def tiny_bert(n_labels: int = 3, seed: int = 0, **config) -> BertForSequenceClassification:
    """A 2-layer random BERT whose outputs vary strongly with the input (large init scale)."""
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=64, num_labels=n_labels, initializer_range=0.4, hidden_dropout_prob=0.1,
        **config,
    )
    return BertForSequenceClassification(cfg).eval()


@pytest.fixture(scope="session")
def model():
    return tiny_bert()


@pytest.fixture(scope="session")
def make_bert():
    """Factory for tiny random BERT classifiers (labels, seed and config overrides as arguments)."""
    return tiny_bert
