"""Explain a transformer text classifier's prediction with SHAP values computed on token ids."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import shap
import torch

from . import estimators
from .evaluator import Evaluator
from .game import (
    TextGame,
    check_output,
    default_output,
    encode,
    head_kind,
    make_players,
    max_input_length,
    probabilities,
    resolve_mask_rule,
)


@dataclass(frozen=True)
class Attribution:
    """An explanation of one input, for every class at once, with what it was computed for."""

    text: str
    tokens: list[str]
    prefixes: list[str]
    players: str
    labels: list[str]
    values: np.ndarray  # (n_players, C); masked players are 0
    base_values: np.ndarray  # (C,) output with every free player masked
    outputs: np.ndarray  # (C,) output for the explained (possibly user-masked) input
    probabilities: np.ndarray  # (C,) for the explained input
    probabilities_full: np.ndarray  # (C,) for the input with nothing masked
    output: str
    method: str
    masked: tuple[int, ...]
    max_evals: int
    n_evals: int
    truncated: bool

    def to_shap(self, target: int | str | None = None) -> shap.Explanation:
        """A shap.Explanation: all classes (n, C), or one class (n,) when `target` is given."""
        data = np.array(self.tokens, dtype=object)
        if target is None:
            return shap.Explanation(
                values=self.values.copy(),
                base_values=self.base_values.copy(),
                data=data,
                feature_names=list(self.tokens),
                output_names=list(self.labels),
            )
        c = resolve_target(target, self.labels)
        return shap.Explanation(
            values=self.values[:, c].copy(),
            base_values=float(self.base_values[c]),
            data=data,
            feature_names=list(self.tokens),
        )


def resolve_target(target: int | str | None, labels: Sequence[str]) -> int:
    """A class index from an index or a label name; None means class 0."""
    if target is None:
        return 0
    if isinstance(target, str):
        if target in labels:
            return list(labels).index(target)
        raise ValueError(f"Unknown target class {target!r}; this model's classes are {list(labels)}.")
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if -len(labels) <= target < len(labels):
            return int(target) % len(labels)
        raise ValueError(f"target={target} is out of range; this model has {len(labels)} classes: {list(labels)}.")
    raise TypeError(f"target must be a class index or a label name, got {type(target).__name__}.")


def _check_model(model, tokenizer) -> None:
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "config"):
        raise TypeError(
            f"model must be a transformers model (torch.nn.Module with a config), got {type(model).__name__}. "
            "For a plain function of strings, use shap.Explainer with shap.maskers.Text."
        )
    if "SequenceClassification" not in type(model).__name__:
        raise TypeError(
            f"{type(model).__name__} is not a sequence classifier. Load the model with "
            "transformers.AutoModelForSequenceClassification."
        )
    if not callable(tokenizer) or not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise TypeError(f"tokenizer must be a transformers tokenizer, got {type(tokenizer).__name__}.")
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    n_embed = getattr(embeddings, "num_embeddings", None)
    if n_embed is not None and len(tokenizer) > n_embed:
        raise ValueError(
            f"The tokenizer's vocabulary ({len(tokenizer)} tokens) is larger than the model's embedding table "
            f"({n_embed} rows): the tokenizer does not belong to this model. Load both from the same checkpoint."
        )


def _labels(model, n_outputs: int) -> list[str]:
    id2label = getattr(model.config, "id2label", None) or {}
    if len(id2label) != n_outputs:
        if id2label and not all(str(v).startswith("LABEL_") for v in id2label.values()):
            raise ValueError(
                f"model.config.id2label has {len(id2label)} entries but the model has {n_outputs} outputs; "
                "fix config.id2label / num_labels so they agree."
            )
        return [f"LABEL_{i}" for i in range(n_outputs)] if n_outputs > 1 else ["value"]
    return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(n_outputs)]


class Explainer:
    """Explains one model's predictions; every call shares one evaluator and its cache of model outputs."""

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer,
        *,
        mask: str | int = "auto",
        batch_size: int | str = "auto",
        autocast: str | None = None,
    ) -> None:
        _check_model(model, tokenizer)
        self.model = model
        self.tokenizer = tokenizer
        self.rule = resolve_mask_rule(tokenizer, mask)
        self.evaluator = Evaluator(model, batch_size=batch_size, autocast=autocast)
        self.max_length = max_input_length(model, tokenizer)
        self._labels: list[str] | None = None
        self._kind: str | None = None

    def _head(self, game: TextGame) -> None:
        if self._kind is None:
            n_outputs = game.evaluator.evaluate(game.encoding, game.keep_matrix(np.ones((1, game.n_free))),
                                                game.rule).shape[1]
            self._kind = head_kind(self.model, n_outputs)
            self._labels = _labels(self.model, n_outputs)

    @property
    def labels(self) -> list[str]:
        """Class names, from the model's id2label (known after the first evaluation)."""
        if self._labels is None:
            n = getattr(self.model.config, "num_labels", None) or len(self.model.config.id2label)
            return _labels(self.model, n)
        return self._labels

    def game(
        self,
        text: str,
        *,
        players: str = "token",
        masked: Sequence[int] = (),
        output: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> TextGame:
        """The cooperative game for `text` with `masked` players forced off."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}.")
        if not text.strip():
            raise ValueError("text is empty; give a sentence to explain.")
        encoding = encode(self.tokenizer, text, self.max_length)
        player_set = make_players(encoding, self.tokenizer, players)
        if len(player_set) == 0:
            raise ValueError(f"The tokenizer produced no tokens to explain for {text!r}.")
        game = TextGame(self.evaluator, encoding, player_set, self.rule, "softmax", "probability",
                        tuple(masked), on_progress)
        self._head(game)
        game.kind = self._kind
        game.output = check_output(output or default_output(self._kind), self._kind)
        return game

    def attribute(
        self,
        text: str,
        *,
        method: str = "auto",
        output: str | None = None,
        players: str = "token",
        masked: Sequence[int] = (),
        max_evals: int = 500,
        seed: int = 0,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Attribution:
        """Attributions for every class of `text` (the engine's full answer; see `explain` for shap's form)."""
        if method not in estimators.METHODS:
            raise ValueError(f"method must be one of {estimators.METHODS}, got {method!r}.")
        if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 2:
            raise ValueError(f"max_evals must be an integer of at least 2, got {max_evals!r}.")
        game = self.game(text, players=players, masked=masked, output=output, on_progress=on_progress)
        n = game.n_free
        used = estimators.choose_method(n, int(max_evals)) if method == "auto" else method
        if used == "exact":
            result = estimators.exact(game, n)
        elif used == "partition":
            tree = estimators.text_tree(game.encoding, [game.players.positions[i] for i in game.free])
            result = estimators.partition(game, n, int(max_evals), tree, seed)
        else:
            result = estimators.permutation(game, n, int(max_evals), seed)
        values = np.zeros((len(game.players), result.values.shape[1] if n else len(result.base)))
        values[game.free] = result.values
        all_on = np.ones((1, n), dtype=bool)
        probs = probabilities(game.raw(all_on)[0], game.kind)
        nothing_masked = TextGame(self.evaluator, game.encoding, game.players, game.rule, game.kind, game.output)
        probs_full = probabilities(nothing_masked.raw(np.ones((1, len(game.players)), dtype=bool))[0], game.kind)
        return Attribution(
            text=text,
            tokens=list(game.players.texts),
            prefixes=list(game.players.prefixes),
            players=players,
            labels=self.labels,
            values=values,
            base_values=np.asarray(result.base, dtype=np.float64),
            outputs=np.asarray(result.output, dtype=np.float64),
            probabilities=probs,
            probabilities_full=probs_full,
            output=game.output,
            method=used,
            masked=game.masked,
            max_evals=int(max_evals),
            n_evals=result.n_evals,
            truncated=game.encoding.truncated,
        )

    def explain(self, text: str, *, target: int | str | None = None, **kwargs) -> shap.Explanation:
        """A shap.Explanation of `text`: all classes, or the `target` class alone."""
        return self.attribute(text, **kwargs).to_shap(target)


_explainers: "weakref.WeakKeyDictionary[torch.nn.Module, list[Explainer]]" = weakref.WeakKeyDictionary()


def get_explainer(model: torch.nn.Module, tokenizer, **options) -> Explainer:
    """The Explainer for this model, tokenizer and options, reused across calls so its cache is shared."""
    pool = _explainers.setdefault(model, []) if isinstance(model, torch.nn.Module) else []
    for ex in pool:
        if ex.tokenizer is tokenizer and ex._options == options:
            return ex
    ex = Explainer(model, tokenizer, **options)
    ex._options = options
    pool.append(ex)
    return ex


def explain(
    model: torch.nn.Module,
    tokenizer,
    text: str,
    *,
    method: str = "auto",
    target: int | str | None = None,
    output: str | None = None,
    players: str = "token",
    masked: Sequence[int] = (),
    max_evals: int = 500,
    batch_size: int | str = "auto",
    mask: str | int = "auto",
    autocast: str | None = None,
    seed: int = 0,
) -> shap.Explanation:
    """SHAP values of `model`'s prediction on `text`, masking on token ids.

    method: "exact" (all 2^n coalitions, up to 14 players), "partition" (Owen values over the text's
    phrase tree, as shap's PartitionExplainer), "permutation" (antithetic permutation sampling), or "auto".
    output: "probability" (default for classifiers), "logit" or "log-odds". target: a class index or label;
    None explains every class (values of shape (n_players, n_classes)). players: "token" or "word".
    masked: player indices held masked. mask: "auto" (mask token, else pad, else unk, else attention),
    "mask", "pad", "unk", "attention" or a token id. Additivity holds for every method:
    base_values + values.sum(0) equals the model's output on the input.
    """
    explainer = get_explainer(model, tokenizer, mask=mask, batch_size=batch_size, autocast=autocast)
    return explainer.explain(text, target=target, method=method, output=output, players=players,
                             masked=masked, max_evals=max_evals, seed=seed)
