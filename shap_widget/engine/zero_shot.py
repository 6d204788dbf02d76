"""Zero-shot classification pipelines as games: one premise, a hypothesis per candidate label.

The explained output is exactly the pipeline's score per candidate label: a softmax over the candidates'
entailment logits, or, with `multi_label=True` (or a single label), each label's entailment against
contradiction. The players are the premise's tokens; each coalition is evaluated once per candidate, on
that candidate's (premise, hypothesis) encoding, with the hypothesis and special tokens always kept.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .explain import Attribution, Explainer, _check_masked
from .game import Encoding, Players, TextGame, encode, make_players
from .inputs import Item, split_item


def _entailment_ids(model) -> tuple[int, int]:
    """(entailment, contradiction) logit indices, as the pipeline finds them in config.label2id."""
    label2id = getattr(model.config, "label2id", None) or {}
    for label, index in label2id.items():
        if str(label).lower().startswith("entail"):
            return int(index), -1 if int(index) == 0 else 0
    raise ValueError(
        f"The pipeline's model has no entailment label (config.label2id = {dict(label2id)}), so its zero-shot "
        "scores are meaningless. Use an NLI model whose labels include 'entailment'."
    )


def check_candidates(candidate_labels: Any, hypothesis_template: Any) -> list[str]:
    """The candidate labels as a list of strs, with a template that has a place for them."""
    if isinstance(candidate_labels, str):
        candidate_labels = [c.strip() for c in candidate_labels.split(",") if c.strip()]
    if not isinstance(candidate_labels, (list, tuple)) or not candidate_labels:
        raise ValueError("candidate_labels is empty; give the labels to score, e.g. candidate_labels=['sports', "
                         "'politics'].")
    bad = [c for c in candidate_labels if not isinstance(c, str) or not c.strip()]
    if bad:
        raise TypeError(f"candidate_labels must be non-empty strs; got {bad!r}.")
    if len(set(candidate_labels)) != len(candidate_labels):
        raise ValueError(f"candidate_labels has repeated labels: {list(candidate_labels)}.")
    try:
        filled = hypothesis_template.format(candidate_labels[0]) if isinstance(hypothesis_template, str) else None
    except (IndexError, KeyError, ValueError):
        filled = None
    if filled is None or filled == hypothesis_template:
        raise ValueError(
            f"hypothesis_template {hypothesis_template!r} has no '{{}}' for the label; use e.g. "
            "'This example is {}.'"
        )
    return list(candidate_labels)


@dataclass
class ZeroShotGame(TextGame):
    """A premise's game whose value is the pipeline's scores over candidate labels.

    `encodings` hold every candidate's pair, in the candidates' order; `encoding` is the one that keeps the
    fewest premise tokens (they all keep at least those, at the same positions), so one coalition's keep
    mask over its premise serves them all.
    """

    encodings: list[Encoding] = dataclasses.field(default_factory=list)
    entailment: int = 0
    contradiction: int = 0
    multi_label: bool = False

    def _keeps(self, keep: np.ndarray) -> list[np.ndarray]:
        premise = np.flatnonzero(self.encoding.segment == 0)
        out = []
        for enc in self.encodings:
            k = np.ones((len(keep), len(enc.input_ids)), dtype=bool)
            k[:, premise] = keep[:, premise]
            out.append(k)
        return out

    def _scores(self, keep: np.ndarray, on_progress=None) -> np.ndarray:
        keeps = self._keeps(np.atleast_2d(keep))
        logits = np.stack([self.evaluator.evaluate(enc, k, self.rule, on_progress=on_progress)
                           for enc, k in zip(self.encodings, keeps)], axis=1)  # (B, K, n_logits)
        if self.multi_label or len(self.encodings) == 1:
            pair = logits[..., [self.contradiction, self.entailment]]
            z = pair - pair.max(axis=-1, keepdims=True)
            return np.exp(z[..., 1]) / np.exp(z).sum(axis=-1)
        entail = logits[..., self.entailment]
        z = np.exp(entail - entail.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)

    def raw(self, coalitions: np.ndarray) -> np.ndarray:
        rows = len(coalitions)
        out = self._scores(self.keep_matrix(coalitions))
        self._done += rows
        if self.on_progress is not None:
            self.on_progress(self._done, max(self._planned, self._done))
        return out

    def value(self, coalitions: np.ndarray) -> np.ndarray:
        return self.raw(coalitions)

    def probabilities(self, keep: np.ndarray) -> np.ndarray:
        return self._scores(keep)


class ZeroShotExplainer(Explainer):
    """Explains a zero-shot-classification pipeline's scores for `candidate_labels` on a text.

    The classes are the candidate labels; values are in the pipeline's own score space (output
    "probability"), so base_values + values.sum(0) equals pipe(text, candidate_labels)'s scores.
    """

    def __init__(
        self,
        pipe: Any,
        candidate_labels: Sequence[str],
        *,
        hypothesis_template: str = "This example is {}.",
        multi_label: bool = False,
        **options: Any,
    ) -> None:
        if getattr(pipe, "task", None) != "zero-shot-classification" and type(pipe).__name__ != \
                "ZeroShotClassificationPipeline":
            raise TypeError(f"Expected a zero-shot-classification pipeline, got {type(pipe).__name__}.")
        super().__init__(pipe.model, pipe.tokenizer, **options)
        self.entailment, self.contradiction = _entailment_ids(pipe.model)
        self.candidate_labels = check_candidates(candidate_labels, hypothesis_template)
        self.hypotheses = [hypothesis_template.format(c) for c in self.candidate_labels]
        self.multi_label = bool(multi_label)
        self._labels, self._kind = list(self.candidate_labels), "zero-shot"

    @property
    def labels(self) -> list[str]:
        return list(self.candidate_labels)

    def _encodings(self, premise: str) -> tuple[list[Encoding], int]:
        """Each candidate's (premise, hypothesis) pair, truncated as the pipeline truncates it (premise only).

        The first is the one that keeps the fewest premise tokens: its premise tokens are the players, and
        they sit at the same positions in every pair; what a longer pair keeps beyond them is always kept.
        """
        encodings = [encode(self.tokenizer, premise, self.max_length, h, truncation="only_first")
                     for h in self.hypotheses]
        shortest = min(range(len(encodings)), key=lambda k: int((encodings[k].segment == 0).sum()))
        positions = np.flatnonzero(encodings[shortest].segment == 0)
        ids = encodings[shortest].input_ids[positions]
        for e in encodings:
            if len(e.input_ids) <= positions[-1] or not np.array_equal(e.input_ids[positions], ids) or \
                    not (e.segment[positions] == 0).all():
                raise ValueError("The tokenizer does not keep the premise's tokens in place across hypotheses, so "
                                 "their coalitions cannot be shared; this pipeline's tokenizer is not supported.")
        return encodings, shortest

    def game(self, text: str | Encoding, *, text_pair: str | None = None, players: str = "token",
             masked: Sequence[int] = (), output: str | None = None, on_progress=None,
             versus: int | str | None = None) -> ZeroShotGame:
        """The premise's game: values are the pipeline's scores for each candidate label."""
        if versus is not None:
            raise ValueError("A zero-shot pipeline explains its score for each candidate label; versus is not "
                             "available for it. Compare two labels' explanations side by side instead.")
        if isinstance(text, Encoding) or isinstance(text, tuple) or text_pair is not None:
            raise TypeError("A zero-shot pipeline explains one text (the premise); its hypotheses come from the "
                            "candidate labels.")
        premise, _ = split_item(text)
        if output not in (None, "probability"):
            raise ValueError(f"A zero-shot pipeline's output is its score per label; output={output!r} is not "
                             "available, use output='probability'.")
        encodings, shortest = self._encodings(premise)
        both = make_players(encodings[shortest], self.tokenizer, players)
        mine = [i for i, k in enumerate(both.segments) if k == 0]
        player_set = Players(kind=both.kind, positions=[both.positions[i] for i in mine],
                             texts=[both.texts[i] for i in mine], prefixes=[both.prefixes[i] for i in mine],
                             segments=[0] * len(mine))
        if not mine:
            raise ValueError(f"The tokenizer produced no tokens to explain for {premise!r}.")
        return ZeroShotGame(self.evaluator, encodings[shortest], player_set, self.rule, "zero-shot", "probability",
                            tuple(_check_masked(masked)), on_progress, encodings=encodings,
                            entailment=self.entailment, contradiction=self.contradiction,
                            multi_label=self.multi_label)

    def players_of(self, text: str, text_pair: str | None = None, kind: str = "token") -> tuple[Players, bool]:
        game = self.game(text, text_pair=text_pair, players=kind)
        return game.players, any(e.truncated for e in game.encodings)

    def attribute_many(self, texts: Sequence[Item], **options: Any) -> list[Attribution]:
        """`attribute` for each premise: a zero-shot game evaluates every coalition once per candidate
        label in its own passes, which the packed path for plain games does not know how to do."""
        return [self.attribute(text, **options) for text in texts]

    def _attribution(self, *args: Any, **kwargs: Any) -> Attribution:
        """Attributions of the premise for every candidate label (the hypotheses are not the user's text)."""
        return dataclasses.replace(super()._attribution(*args, **kwargs), text_pair=None, segments=None)
