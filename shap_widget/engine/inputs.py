"""The inputs people explain, turned into what the engine plays: texts, sentence pairs, tokenizer outputs.

A single input is a str, a `(text, text_pair)` tuple, or the ids of one sequence (a tokenizer's
`BatchEncoding` or a dict of tensors/arrays/lists). A batch is a list of strs or pairs, or a 2-D
`BatchEncoding` (one row per sequence, padding marked by its attention mask). Ids are used as given: they
are never decoded and re-tokenized for masking; the text shown for them is the tokenizer's decoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

import numpy as np

from .game import Encoding, _tidy_offsets

# One thing to explain: a text, a sentence pair, or the ids of one tokenized sequence.
Item = Union[str, tuple[str, str], Encoding]


def check_text(text: Any, name: str = "text") -> str:
    """The text to explain, refused with a clear message when it is not one non-empty string."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}.")
    if not text.strip():
        what = {"text": "text is empty", "text_pair": "text_pair (the second text) is empty"}.get(name,
                                                                                                   f"{name} is empty")
        raise ValueError(f"{what}; give a sentence to explain.")
    return text


def split_item(item: Item, text_pair: str | None = None) -> tuple[str | Encoding, str | None]:
    """(text or encoding, second text or None) for one input, validating both texts."""
    if isinstance(item, Encoding):
        if text_pair is not None:
            raise TypeError("text_pair cannot be combined with tokenized ids; tokenize the pair together.")
        return item, None
    if isinstance(item, tuple):
        if len(item) != 2 or text_pair is not None:
            raise TypeError(
                "A sentence pair is a tuple of two strs, (text, text_pair); "
                f"got a tuple of {len(item)} items{' and a text_pair' if text_pair is not None else ''}."
            )
        item, text_pair = item
        return check_text(item, "text (the first text of the pair)"), check_text(text_pair, "text_pair")
    return check_text(item), None if text_pair is None else check_text(text_pair, "text_pair")


def as_items(x: Any, tokenizer: Any, n_embeddings: int | None, max_length: int | None) -> tuple[list[Item], bool]:
    """The inputs in `x`, and whether `x` is a batch (answered with one explanation row per input)."""
    if isinstance(x, (str, tuple, Encoding)):
        return [x], False
    if isinstance(x, Mapping):
        return _from_ids(x, tokenizer, n_embeddings, max_length)
    if isinstance(x, list):
        if not x:
            raise ValueError("The list of inputs is empty; give at least one text.")
        if all(isinstance(v, (int, np.integer)) for v in x) or all(isinstance(v, list) for v in x):
            raise TypeError(
                "A list of token ids is not enough to explain: pass the tokenizer's whole output, "
                "explainer(tokenizer(text)), or the texts themselves."
            )
        items: list[Item] = []
        for i, v in enumerate(x):
            if isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) for t in v):
                v = tuple(v)
            if not isinstance(v, (str, tuple)):
                raise TypeError(
                    f"Input {i} of the list is a {type(v).__name__}; a batch holds strs or (text, text_pair) tuples."
                )
            items.append(v)
        return items, True
    raise TypeError(
        f"text must be a str, a (text, text_pair) tuple, a list of them, or a tokenizer's output (BatchEncoding "
        f"or dict with 'input_ids'); got {type(x).__name__}."
    )


def _array(value: Any, name: str) -> np.ndarray:
    """A tokenizer output field (torch tensor, numpy array, list or list of lists) as an int64 array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, list) and value and isinstance(value[0], (list, tuple, np.ndarray)):
        lengths = {len(r) for r in value}
        if len(lengths) > 1:
            raise ValueError(
                f"{name} holds rows of different lengths {sorted(lengths)}; tokenize the batch with "
                "padding=True (and return_tensors='pt' or 'np') so every row has the same length."
            )
    arr = np.asarray(value)
    if arr.dtype == object or arr.ndim not in (1, 2) or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be integer ids of shape (length,) or (batch, length); got {arr.dtype} "
                         f"of shape {arr.shape}.")
    return arr.astype(np.int64)


def _from_ids(x: Mapping, tokenizer: Any, n_embeddings: int | None, max_length: int | None) -> tuple[list[Item], bool]:
    if "input_ids" not in x:
        raise ValueError(
            f"The tokenizer output has no 'input_ids' (keys: {sorted(x)}); pass tokenizer(text) itself, "
            "not embeddings or another model input."
        )
    ids = _array(x["input_ids"], "input_ids")
    batched = ids.ndim == 2
    ids2 = np.atleast_2d(ids)
    fields = {}
    for name in ("attention_mask", "token_type_ids", "special_tokens_mask"):
        if x.get(name) is not None:
            arr = np.atleast_2d(_array(x[name], name))
            if arr.shape != ids2.shape:
                raise ValueError(f"{name} has shape {arr.shape} but input_ids has {ids2.shape}; pass the "
                                 "tokenizer's output unchanged.")
            fields[name] = arr
    n = n_embeddings if n_embeddings is not None else len(tokenizer)
    bad = ids2[(ids2 < 0) | (ids2 >= n)]
    if bad.size:
        raise ValueError(
            f"input_ids holds ids outside this model's vocabulary (0..{n - 1}), e.g. {int(bad[0])}: the ids "
            "come from another tokenizer. Tokenize with the model's own tokenizer."
        )
    encodings = getattr(x, "encodings", None)
    items: list[Item] = []
    for r in range(len(ids2)):
        kept = fields["attention_mask"][r].astype(bool) if "attention_mask" in fields else _unpadded(tokenizer, ids2[r])
        if not kept.any():
            raise ValueError(f"Row {r} of the batch has an all-zero attention_mask: it holds no tokens to explain.")
        if max_length is not None and kept.sum() > max_length:
            raise ValueError(
                f"Row {r} has {int(kept.sum())} tokens but the model takes at most {max_length}; tokenize with "
                f"truncation=True (or max_length={max_length})."
            )
        word_ids = sequence_ids = None
        if encodings is not None and r < len(encodings):
            word_ids = [w for w, k in zip(x.word_ids(r), kept) if k]
            sequence_ids = [s for s, k in zip(x.sequence_ids(r), kept) if k]
        items.append(encoding_from_ids(
            tokenizer, ids2[r][kept],
            {"token_type_ids": fields["token_type_ids"][r][kept]} if "token_type_ids" in fields else {},
            special=fields["special_tokens_mask"][r][kept] if "special_tokens_mask" in fields else None,
            word_ids=word_ids, sequence_ids=sequence_ids,
        ))
    return items, batched


def _structural_ids(tokenizer: Any, names: tuple[str, ...] = ("bos", "eos", "cls", "sep", "pad")) -> set[int]:
    """The ids of the tokens a tokenizer adds around texts (never an unknown word's token on its own)."""
    return {i for i in (getattr(tokenizer, f"{n}_token_id", None) for n in names) if i is not None}


def special_ids_mask(tokenizer: Any, ids: np.ndarray) -> np.ndarray:
    """Which of `ids` are special tokens, by the tokenizer's own rule.

    An unknown-word token is real input, so it stays a player, unless the tokenizer also uses its id for a
    token it adds around texts (OPT's `</s>` is its bos, eos and unk at once).
    """
    ids = [int(i) for i in ids]
    try:
        mask = np.asarray(tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True), dtype=bool)
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        mask = np.array([i in set(getattr(tokenizer, "all_special_ids", [])) for i in ids], dtype=bool)
    unk = getattr(tokenizer, "unk_token_id", None)
    if unk is not None and unk not in _structural_ids(tokenizer):
        mask &= np.asarray(ids) != unk
    return mask


def _unpadded(tokenizer: Any, row: np.ndarray) -> np.ndarray:
    """Which positions of a row without an attention mask hold input: all but the run of pad ids on the
    tokenizer's padding side (FNet's tokenizer, for one, returns no attention mask)."""
    kept = np.ones(len(row), dtype=bool)
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is None:
        return kept
    left = getattr(tokenizer, "padding_side", "right") == "left"
    is_pad = (row[::-1] if not left else row) == pad
    run = len(row) if is_pad.all() else int(np.argmin(is_pad))
    if run and pad in _structural_ids(tokenizer, ("bos", "eos", "cls", "sep")):
        raise ValueError(
            f"input_ids has no attention_mask, and this tokenizer's pad token (id {pad}) is also one it adds "
            "around texts, so padding cannot be told apart. Pass the attention_mask the tokenizer returns "
            "(return_attention_mask=True)."
        )
    if left:
        kept[:run] = False
    else:
        kept[len(row) - run:] = False
    return kept


def encoding_from_ids(
    tokenizer: Any,
    ids: np.ndarray,
    extra: dict[str, np.ndarray],
    *,
    special: np.ndarray | None = None,
    word_ids: list[int | None] | None = None,
    sequence_ids: list[int | None] | None = None,
) -> Encoding:
    """An Encoding of ids exactly as given; its texts are the tokenizer's decoding of each segment."""
    ids = np.asarray(ids, dtype=np.int64)
    special = special_ids_mask(tokenizer, ids) if special is None else np.asarray(special, dtype=bool)
    if sequence_ids is None and "token_type_ids" in extra and extra["token_type_ids"].max(initial=0) > 0:
        sequence_ids = [int(t) for t in extra["token_type_ids"]]
    segment = None
    if sequence_ids is not None and any(s == 1 for s in sequence_ids):
        segment = np.array([-1 if special[i] or s is None else int(s) for i, s in enumerate(sequence_ids)])

    texts, offsets = ["", ""], [(0, 0)] * len(ids)
    for k in (0, 1):
        idx = np.flatnonzero(~special if segment is None else segment == k)
        texts[k], spans = _decode_with_offsets(tokenizer, [int(ids[i]) for i in idx])
        for i, span in zip(idx, spans):
            offsets[i] = span
        if segment is None:
            break
    return Encoding(
        text=texts[0],
        input_ids=ids,
        extra={k: np.asarray(v, dtype=np.int64) for k, v in extra.items()},
        special=special,
        offsets=_tidy_offsets(texts[0], offsets, special) if segment is None else _tidy_pair(texts, offsets, segment),
        word_ids=word_ids,
        tokens=tokenizer.convert_ids_to_tokens([int(i) for i in ids]),
        truncated=False,
        text_pair=texts[1] if segment is not None else None,
        segment=segment,
    )


def _decode_with_offsets(tokenizer: Any, ids: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """The tokenizer's decoding of `ids`, and each token's span in it (from decoding ever longer prefixes)."""
    def decode(part: list[int]) -> str:
        return tokenizer.decode(part, clean_up_tokenization_spaces=False) if part else ""

    text = decode(ids)
    spans, prev = [], 0
    for k in range(len(ids)):
        end = len(decode(ids[: k + 1]))
        if text[:end] != decode(ids[: k + 1]):  # a decoder that rewrites earlier characters: no spans
            end = prev
        end = max(prev, min(end, len(text)))
        spans.append((prev, end))
        prev = end
    return text, spans


def _tidy_pair(texts: list[str], offsets: list[tuple[int, int]], segment: np.ndarray) -> list[tuple[int, int]]:
    out = list(offsets)
    for k in (0, 1):
        idx = np.flatnonzero(segment == k)
        for i, o in zip(idx, _tidy_offsets(texts[k], [offsets[i] for i in idx], np.zeros(len(idx), bool))):
            out[i] = o
    return out
