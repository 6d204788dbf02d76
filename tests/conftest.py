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


@pytest.fixture(scope="session")
def family():
    """Builds a tiny model of a family from tests/families.py once per session: family(name) -> (model, tok).

    The models are shared: tests that change a model (dtype, train mode, patched forward) build their own.
    """
    from families import FAMILIES, MATRIX

    built: dict[str, tuple] = {}

    def get(name: str) -> tuple:
        if name not in built:
            built[name] = {**MATRIX, **FAMILIES}[name].build()
        return built[name]

    return get


@pytest.fixture
def one_torch_thread():
    """Runs a test with one intra-op torch thread, restoring the setting after.

    Tiny models gain nothing from intra-op parallelism, and on a loaded machine with few cores the thread
    pool's synchronisation can make each small forward pass a hundred times slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def hold_forward():
    """Makes a model's forward wait for the returned event, to look at a widget in the middle of a computation."""
    import threading

    def hold(model) -> threading.Event:
        gate = threading.Event()
        original = model.forward

        def held(*args, **kwargs):
            gate.wait(30)
            return original(*args, **kwargs)

        model.forward = held
        return gate

    return hold
