"""One input text as a cooperative game: its players, how they are masked, and what is measured.

A *player* is a token (or a word made of several tokens) of the tokenized input; special tokens
([CLS], [SEP], <s>, </s>, padding) are never players and are always kept. A *coalition* is a boolean
row over the players: True keeps the player, False masks it. Masking happens on token ids.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from .evaluator import Evaluator

OUTPUTS = ("probability", "logit", "log-odds")
PLAYER_KINDS = ("token", "word")
MASK_RULES = ("auto", "mask", "pad", "unk", "attention")

# Models whose position ids start after the padding index, so two positions are unusable.
_OFFSET_POSITION_MODELS = {"roberta", "xlm-roberta", "camembert", "longformer", "bart", "mbart", "ibert"}


@dataclass(frozen=True)
class Encoding:
    """The tokenized input: ids, the tensors that travel with them, and where each token came from."""

    text: str
    input_ids: np.ndarray  # (L,) int64
    extra: dict[str, np.ndarray]  # other model inputs of shape (L,), e.g. token_type_ids
    special: np.ndarray  # (L,) bool
    offsets: list[tuple[int, int]] | None
    word_ids: list[int | None] | None
    tokens: list[str]
    truncated: bool
    # Sentence pairs: the second text, and each token's segment (0, 1, or -1 for special tokens). Offsets of
    # segment 1 index `text_pair`.
    text_pair: str | None = None
    segment: np.ndarray | None = None

    def segment_text(self, segment: int) -> str:
        """The text that offsets of tokens in `segment` index."""
        return self.text_pair if segment == 1 and self.text_pair is not None else self.text

    def token_segment(self, i: int) -> int:
        return 0 if self.segment is None else int(self.segment[i])

    @property
    def key(self) -> bytes:
        """Identifies the token ids (and their companions) for caching model outputs."""
        parts = [self.input_ids.tobytes()] + [k.encode() + v.tobytes() for k, v in sorted(self.extra.items())]
        return b"|".join(parts)


@dataclass(frozen=True)
class Players:
    """Which token positions each player owns, and how to show it."""

    kind: str
    positions: list[np.ndarray]
    texts: list[str]
    prefixes: list[str]
    segments: list[int] = field(default_factory=list)  # the text (0, or 1 for a pair's second) of each player
    # Token players: whether each continues the word of the one before ("pr" "ice" "d"), so a view can draw
    # the pieces of a word as one word; empty for word players.
    joined: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.positions)

    def to_json(self) -> list[dict[str, Any]]:
        """Each player's text and prefix, for a sentence pair its segment (0 or 1), and `joined: True` on a
        token that continues the previous token's word."""
        pair = 1 in self.segments
        out = []
        for i, (t, p) in enumerate(zip(self.texts, self.prefixes)):
            item: dict[str, Any] = {"text": t, "prefix": p}
            if pair:
                item["segment"] = self.segments[i]
            if i < len(self.joined) and self.joined[i]:
                item["joined"] = True
            out.append(item)
        return out


def max_input_length(model, tokenizer) -> int | None:
    """The longest token sequence the model accepts, from the tokenizer and the model's config."""
    limits = []
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max <= 1_000_000:
        limits.append(tok_max)
    config = getattr(model, "config", None)
    pos = getattr(config, "max_position_embeddings", None) if config is not None else None
    if isinstance(pos, int) and pos > 0 and getattr(config, "position_embedding_type", "absolute") == "absolute":
        if getattr(config, "model_type", "") in _OFFSET_POSITION_MODELS:
            pos -= 2
        limits.append(pos)
    return min(limits) if limits else None


def encode(tokenizer, text: str, max_length: int | None = None, text_pair: str | None = None,
           truncation: str | bool = True) -> Encoding:
    """Tokenize `text` (and `text_pair`) once, keeping offsets and word ids so players need no re-tokenizing.

    An input over `max_length` is cut with the tokenizer's `truncation` strategy (True: its default, which
    for pairs is longest-first) and flagged.
    """
    # verbose=False: a text over the limit is truncated below and flagged, so the tokenizer's warning that
    # the sequence "will result in indexing errors" would be wrong
    kwargs = {"return_special_tokens_mask": True, "add_special_tokens": True, "verbose": False}
    args = (text,) if text_pair is None else (text, text_pair)
    try:
        enc = tokenizer(*args, return_offsets_mapping=True, **kwargs)
        offsets = [tuple(o) for o in enc["offset_mapping"]]
    except (NotImplementedError, TypeError, ValueError):
        enc = tokenizer(*args, **kwargs)
        offsets = None
    ids = list(enc["input_ids"])
    truncated = False
    if max_length is not None and len(ids) > max_length:
        enc = tokenizer(*args, truncation=truncation, max_length=max_length,
                        **({"return_offsets_mapping": True} if offsets is not None else {}), **kwargs)
        if offsets is not None:
            offsets = [tuple(o) for o in enc["offset_mapping"]]
        ids = list(enc["input_ids"])
        truncated = True
    if "special_tokens_mask" in enc:
        special = np.asarray(enc["special_tokens_mask"], dtype=bool)
    else:
        # unknown-word tokens are real input, so they stay players even though the tokenizer lists them
        structural = {getattr(tokenizer, f"{n}_token_id", None) for n in ("cls", "sep", "bos", "eos", "pad")}
        special = np.array([i in structural for i in ids], dtype=bool)
    try:
        word_ids = enc.word_ids()
    except (AttributeError, ValueError):
        word_ids = None
    segment = _segments_of(enc, special, len(ids)) if text_pair is not None else None
    if segment is not None and not (segment == 1).any():
        raise ValueError(
            "The second text lost all its tokens to truncation; shorten the first text so both fit."
        )
    if offsets is not None:
        if segment is None:
            offsets = _tidy_offsets(text, offsets, special)
        else:
            for k, seg_text in ((0, text), (1, text_pair)):
                idx = np.flatnonzero(segment == k)
                tidy = _tidy_offsets(seg_text, [offsets[i] for i in idx], special[idx])
                for i, o in zip(idx, tidy):
                    offsets[i] = o
    extra = {
        k: np.asarray(enc[k], dtype=np.int64)
        for k in ("token_type_ids",)
        if k in enc and enc[k] is not None
    }
    return Encoding(
        text=text,
        input_ids=np.asarray(ids, dtype=np.int64),
        extra=extra,
        special=special,
        offsets=offsets,
        word_ids=word_ids,
        tokens=tokenizer.convert_ids_to_tokens(ids),
        truncated=truncated,
        text_pair=text_pair,
        segment=segment,
    )


def _segments_of(enc, special: np.ndarray, length: int) -> np.ndarray:
    """Each token's segment (0 or 1; -1 for special tokens), refusing tokenizers that cannot mark a pair."""
    try:
        seq = enc.sequence_ids()
    except (AttributeError, ValueError):
        seq = None
    if seq is None:
        types = enc.get("token_type_ids")
        seq = list(types) if types is not None else [0] * length
    segment = np.array([-1 if special[i] or seq[i] is None else int(seq[i]) for i in range(length)])
    first, second = np.flatnonzero(segment == 0), np.flatnonzero(segment == 1)
    if len(second) and len(first) and not special[first[-1] + 1 : second[0]].any():
        raise ValueError(
            "This tokenizer puts no separator between the two texts, so the model cannot tell them apart: it "
            "has no sentence-pair support. Explain one text, or use a model trained on pairs (BERT, RoBERTa, ...)."
        )
    return segment


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without its leading and trailing whitespace, unless it is nothing but whitespace."""
    piece = text[start:end]
    if not piece.strip():
        return start, end
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _tidy_offsets(text: str, offsets: list[tuple[int, int]], special: np.ndarray) -> list[tuple[int, int]]:
    """Offsets that cover each token's own characters once and in order, so players read back as the text.

    Byte-level BPE and SentencePiece tokenizers (GPT-2, DeBERTa-v2, ...) count a word's leading space in its
    first token ("Ġgreat" -> " great"); those spaces move out of the token, to become the player's prefix.
    A SentencePiece '▁' standing alone before a piece is reported with that piece's span ("▁", "1" both
    cover "1"), which would show the character twice: a token overlapping the next one is cut back to where
    the next one starts, and a token left without characters takes the whitespace just before it, the space
    it stands for. Special tokens keep their (0, 0).
    """
    out = list(offsets)
    idx = [i for i in range(len(out)) if not special[i]]
    for i in idx:
        out[i] = _strip_span(text, *out[i])
    prev_end = 0
    for k, i in enumerate(idx):
        start, end = out[i]
        start = max(start, prev_end)
        if k + 1 < len(idx):
            end = min(end, max(start, out[idx[k + 1]][0]))
        end = max(start, end)
        if start == end:
            while start > prev_end and text[start - 1].isspace():
                start -= 1
        out[i] = (start, end)
        prev_end = end
    return out


def _token_strings(encoding: Encoding, tokenizer, idx: Sequence[int]) -> list[tuple[str, str]]:
    """(text, prefix) for each token position of a tokenizer that gives no offsets, from the token strings."""
    out = []
    for n, i in enumerate(idx):
        piece = tokenizer.convert_tokens_to_string([encoding.tokens[i]])
        continues = encoding.tokens[i].startswith("##")
        text = piece.strip() if not continues else piece.replace("##", "", 1).strip()
        starts = n == 0 or encoding.token_segment(idx[n - 1]) != encoding.token_segment(i)
        out.append((text, "" if starts or continues else " "))
    return out


_WORD_MARKERS = ("▁", "Ġ")  # SentencePiece's and byte-level BPE's sign of a token that starts a word


def word_ids_split_words(tokenizer) -> bool:
    """Whether the tokenizer's `word_ids()` tell words apart.

    Tokenizers whose pre-tokenizer does not split the text (Llama, Mistral, Gemma: a Metaspace without
    splitting) report word 0 for every token, so their word ids say nothing.
    """
    try:
        word_ids = tokenizer("a b", add_special_tokens=False).word_ids()
    except (AttributeError, ValueError, NotImplementedError, TypeError):
        return False
    return len({w for w in word_ids if w is not None}) > 1


def _space_before(encoding: Encoding, prev: int, i: int) -> bool:
    """Whether whitespace separates token `i` from token `prev` (from offsets, else from word markers)."""
    if encoding.offsets is None:
        return encoding.tokens[i].startswith(_WORD_MARKERS)
    text = encoding.segment_text(encoding.token_segment(i))
    start, end = encoding.offsets[i]
    return any(c.isspace() for c in text[encoding.offsets[prev][1] : start]) or text[start:end][:1].isspace()


def _word_continues(encoding: Encoding, tokenizer, idx: Sequence[int], warn: bool = False) -> list[bool]:
    """For each token position in `idx`, whether it continues the word of the one before it: the tokenizer's
    word ids where they tell words apart, else what lies between spaces (offsets, or the '▁' / 'Ġ'
    markers), else WordPiece's '##' continuations."""
    word_ids = encoding.word_ids if encoding.word_ids is not None and word_ids_split_words(tokenizer) else None
    marked = any(encoding.tokens[i].startswith(_WORD_MARKERS) for i in idx)
    if warn and word_ids is None and encoding.offsets is None and not marked and not any(
            encoding.tokens[i].startswith("##") for i in idx):
        warnings.warn(
            "This tokenizer marks no words (no word ids, offsets or word markers), so each token is its own "
            "word player. Use players='token', or a fast tokenizer (use_fast=True), which reports words.",
            stacklevel=3,
        )
    out: list[bool] = []
    prev = None
    for i in idx:
        joined = False
        if prev == i - 1 and encoding.token_segment(prev) == encoding.token_segment(i):
            if word_ids is not None:
                joined = word_ids[i] == word_ids[prev] and word_ids[i] is not None and not _space_before(
                    encoding, prev, i)
            elif marked:
                joined = not encoding.tokens[i].startswith(_WORD_MARKERS) and not _space_before(encoding, prev, i)
            elif encoding.offsets is not None:
                text = encoding.segment_text(encoding.token_segment(i))
                start, end = encoding.offsets[i]
                joined = encoding.offsets[prev][1] == start and text[start:end][:1].isalnum()
            else:
                joined = encoding.tokens[i].startswith("##")
        out.append(joined)
        prev = i
    return out


def make_players(encoding: Encoding, tokenizer, kind: str = "token") -> Players:
    """Group the non-special tokens into players: one per token, or one per word."""
    if kind not in PLAYER_KINDS:
        raise ValueError(f"players must be one of {PLAYER_KINDS}, got {kind!r}.")
    idx = [i for i in range(len(encoding.input_ids)) if not encoding.special[i]]
    continues = _word_continues(encoding, tokenizer, idx, warn=kind == "word")
    groups: list[list[int]] = []
    if kind == "token":
        groups = [[i] for i in idx]
    else:
        for i, joined in zip(idx, continues):
            if joined:
                groups[-1].append(i)
            else:
                groups.append([i])
    texts, prefixes = [], []
    if encoding.offsets is not None:
        # the player's characters, with the whitespace between it and the previous player as its prefix
        prev_end, prev_segment = None, None
        for g in groups:
            segment = encoding.token_segment(g[0])
            text = encoding.segment_text(segment)
            if segment != prev_segment:
                prev_end, prev_segment = None, segment
            start, end = _strip_span(text, encoding.offsets[g[0]][0], encoding.offsets[g[-1]][1])
            if prev_end is None:
                prefixes.append(text[:start] if text[:start].isspace() else "")
            else:
                prefixes.append(text[prev_end:start])
            texts.append(text[start:end])
            prev_end = end
    else:
        by_pos = dict(zip(idx, _token_strings(encoding, tokenizer, idx)))
        for g in groups:
            prefixes.append(by_pos[g[0]][1])
            texts.append("".join(by_pos[g[0]][0:1]) + "".join(by_pos[i][0] for i in g[1:]))
    return Players(kind=kind, positions=[np.asarray(g, dtype=np.int64) for g in groups], texts=texts,
                   prefixes=prefixes, segments=[max(0, encoding.token_segment(g[0])) for g in groups],
                   joined=list(continues) if kind == "token" else [])


@dataclass(frozen=True)
class MaskRule:
    """How a masked token is hidden from the model: replaced by `token_id`, or dropped from attention."""

    name: str
    token_id: int | None

    @property
    def uses_attention(self) -> bool:
        return self.token_id is None


def resolve_mask_rule(tokenizer, rule: str | int = "auto") -> MaskRule:
    """Pick the replacement id: the tokenizer's mask token, else its pad or unk token, else attention dropping.

    `rule` may be "auto", "mask", "pad", "unk", "attention", or an explicit token id.
    """
    if isinstance(rule, (int, np.integer)) and not isinstance(rule, bool):
        return MaskRule(f"id {int(rule)}", int(rule))
    if rule not in MASK_RULES:
        raise ValueError(f"mask must be one of {MASK_RULES} or a token id, got {rule!r}.")
    if rule == "attention":
        return MaskRule("attention", None)
    candidates = ["mask", "pad", "unk"] if rule == "auto" else [rule]
    for name in candidates:
        token_id = getattr(tokenizer, f"{name}_token_id", None)
        if token_id is not None:
            return MaskRule(name, int(token_id))
    if rule == "auto":
        return MaskRule("attention", None)
    raise ValueError(
        f"The tokenizer has no {rule} token, so mask={rule!r} cannot be used. "
        "Use mask='auto', mask='attention', or pass a token id."
    )


def head_kind(model, n_outputs: int) -> str:
    """'softmax', 'sigmoid' (multi-label) or 'regression', from the model's config."""
    config = getattr(model, "config", None)
    problem = getattr(config, "problem_type", None)
    if problem == "regression" or (n_outputs == 1 and problem != "multi_label_classification"):
        return "regression"
    if problem == "multi_label_classification":
        return "sigmoid"
    return "softmax"


def default_output(kind: str) -> str:
    return "logit" if kind == "regression" else "probability"


def check_output(output: str, kind: str) -> str:
    """Validate the output space for this head; regression heads only have their raw value."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}.")
    if kind == "regression" and output != "logit":
        raise ValueError(
            f"This model has a regression head (one output), so output={output!r} is undefined; use output='logit'."
        )
    return output


def probabilities(raw: np.ndarray, kind: str) -> np.ndarray:
    """Class probabilities from raw outputs (softmax or per-label sigmoid); regression values pass through."""
    raw = np.asarray(raw, dtype=np.float64)
    if kind == "softmax":
        z = raw - raw.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-raw))
    return raw


def log_probabilities(raw: np.ndarray, kind: str) -> np.ndarray:
    """Log class probabilities (B, C) from raw outputs, without underflow for probabilities close to 0."""
    raw = np.asarray(raw, dtype=np.float64)
    if kind == "softmax":
        z = raw - raw.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.logaddexp(0.0, -raw)  # log sigmoid


def check_versus(versus: int | None, kind: str, n_outputs: int) -> int | None:
    """A class to contrast with, which needs a classifier of at least two classes."""
    if versus is None:
        return None
    if kind == "regression" or n_outputs < 2:
        raise ValueError("versus compares two classes, but this model has one output; leave versus=None.")
    return int(versus)


def most_likely(scores: Sequence[float], other_than: int | None = None) -> int:
    """The class with the largest score (probability, or any output that grows with it), leaving out class
    `other_than` where one is given: a contrast's versus class, whose contrast with itself is 0."""
    scores = np.array(scores, dtype=np.float64)
    if other_than is not None and len(scores) > 1:
        scores[other_than] = -np.inf
    return int(np.argmax(scores))


def transform(raw: np.ndarray, kind: str, output: str, versus: int | None = None) -> np.ndarray:
    """Map raw model outputs (B, C) into the explained output space, in float64.

    With `versus`, column c is the contrast "c rather than `versus`": log p(c) - log p(versus) for
    output="probability" (for a softmax head, the difference of the two logits), else the difference of the
    two classes in the output space. Column `versus` is then 0.
    """
    if versus is not None:
        out = log_probabilities(raw, kind) if output == "probability" else transform(raw, kind, output)
        return out - out[..., versus : versus + 1]
    raw = np.asarray(raw, dtype=np.float64)
    if output == "logit" or kind == "regression":
        return raw
    if output == "probability":
        return probabilities(raw, kind)
    if kind == "sigmoid":
        return raw
    # softmax log-odds log(p / (1 - p)), without cancellation when p is close to 1
    z = raw - raw.max(axis=-1, keepdims=True)
    e = np.exp(z)
    n = raw.shape[-1]
    others = np.stack([np.delete(e, c, axis=-1).sum(axis=-1) for c in range(n)], axis=-1)
    with np.errstate(divide="ignore"):
        return z - np.log(others)


@dataclass
class TextGame:
    """The game the estimators play: value(coalitions over the free players) -> outputs for all classes.

    `masked` players are forced off; the estimators see only the remaining (free) players. Coalitions are
    turned into token-level keep masks over the whole input, so every game on the same text shares the
    evaluator's cache.
    """

    evaluator: "Evaluator"
    encoding: Encoding
    players: Players
    rule: MaskRule
    kind: str
    output: str
    masked: tuple[int, ...] = ()
    on_progress: Callable[[int, int], None] | None = None
    versus: int | None = None  # explain each class rather than this one (see `transform`)
    free: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.players)
        bad = [i for i in self.masked if not 0 <= i < n]
        if bad:
            raise IndexError(f"masked indices {bad} are out of range: this input has {n} players (0..{n - 1}).")
        self.masked = tuple(sorted(set(int(i) for i in self.masked)))
        self.free = np.array([i for i in range(n) if i not in set(self.masked)], dtype=np.int64)
        self._planned, self._done = 0, 0
        self._owner = np.full(len(self.encoding.input_ids), -1, dtype=np.int64)
        for p, pos in enumerate(self.players.positions):
            self._owner[pos] = p

    @property
    def n_free(self) -> int:
        return len(self.free)

    def keep_matrix(self, coalitions: np.ndarray) -> np.ndarray:
        """Token-level keep masks (B, L) for coalitions (B, n_free) over the free players."""
        coalitions = np.atleast_2d(np.asarray(coalitions, dtype=bool))
        coalitions = coalitions.reshape(len(coalitions), self.n_free)
        on = np.zeros((len(coalitions), len(self.players) + 1), dtype=bool)
        on[:, self.free] = coalitions
        on[:, -1] = True  # column for tokens that belong to no player (special tokens)
        return on[:, self._owner]

    def plan(self, evaluations: int) -> None:
        """Announce how many coalitions the estimator will ask for, so progress is a share of the whole."""
        self._planned, self._done = evaluations, 0

    @property
    def evaluations_done(self) -> int:
        return self._done

    def raw(self, coalitions: np.ndarray) -> np.ndarray:
        """Raw model outputs (B, C) for coalitions over the free players."""
        rows = len(coalitions)
        report = None
        if self.on_progress is not None:
            done, total = self._done, max(self._planned, self._done + rows)
            report = lambda d, t: self.on_progress(done + (rows * d // t if t else rows), total)  # noqa: E731
        out = self.evaluator.evaluate(self.encoding, self.keep_matrix(coalitions), self.rule, on_progress=report)
        self._done += rows
        return out

    def probabilities(self, keep: np.ndarray) -> np.ndarray:
        """Class probabilities (B, C) for token keep masks (B, L) over the whole input."""
        return probabilities(self.evaluator.evaluate(self.encoding, keep, self.rule), self.kind)

    def value(self, coalitions: np.ndarray) -> np.ndarray:
        """Outputs (B, C) in the explained output space for coalitions over the free players."""
        return transform(self.raw(coalitions), self.kind, self.output, self.versus)

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        return self.value(coalitions)
