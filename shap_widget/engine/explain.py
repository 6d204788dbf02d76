"""Explain a transformer text classifier's prediction with SHAP values computed on token ids."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import shap
import torch

from . import certainty, estimators, shap_compat
from .batch import attributions_to_shap, explain_each
from .inputs import Item, as_items, split_item
from .inputs import check_text as _check_text
from .evaluator import Evaluator, attention_masking_refusal
from .kernel import kernel_plan
from .permutation import permutation_plan
from .packing import run_plans
from .game import (
    Encoding,
    Players,
    TextGame,
    check_output,
    check_versus,
    default_output,
    encode,
    head_kind,
    make_players,
    max_input_length,
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
    max_evals: int | str  # the budget asked for: a number, or "auto" (see `shap_widget.engine.certainty`)
    n_evals: int  # the evaluations actually used
    truncated: bool
    errors: np.ndarray | None = None  # (n_players, C) standard errors of sampled values; None when exact
    final: bool = True  # False for a partial estimate that `Explainer.refine` yields before the last
    seed: int = 0
    text_pair: str | None = None  # the second text of a sentence pair
    segments: list[int] | None = None  # per player: 0 for the first text, 1 for the pair's second
    # Contrastive: column c explains "c rather than class `versus`" (see `shap_widget.engine.game.transform`)
    versus: int | None = None

    def explained(self, c: int) -> str:
        """What column `c` of the values explains, e.g. "P(positive)" or "log P(negative) - log P(positive)"."""
        return explained_output(self.output, self.labels, c, self.versus)

    @property
    def output_names(self) -> list[str]:
        """A name per class column: the label, or "<label> vs <versus label>" for a contrast."""
        if self.versus is None:
            return list(self.labels)
        return [f"{label} vs {self.labels[self.versus]}" for label in self.labels]
    settled: bool | None = None  # max_evals="auto": whether the estimate settled (False: stopped at a cap)

    def to_shap(self, target: int | str | None = None) -> shap.Explanation:
        """A shap.Explanation: all classes (n, C), or one class (n,) when `target` is given.

        For a contrast (`versus`), the output_names of all classes say so ("negative vs positive").
        """
        data = np.array(self.tokens, dtype=object)
        if target is None:
            return shap.Explanation(
                values=self.values.copy(),
                base_values=self.base_values.copy(),
                data=data,
                feature_names=list(self.tokens),
                output_names=self.output_names,
            )
        c = resolve_target(target, self.labels)
        return shap.Explanation(
            values=self.values[:, c].copy(),
            base_values=float(self.base_values[c]),
            data=data,
            feature_names=list(self.tokens),
        )


def explained_output(output: str, labels: Sequence[str], c: int, versus: int | None = None) -> str:
    """The quantity a column of values adds up to, in words."""
    label = labels[c]
    if versus is None:
        return {"logit": f"logit({label})", "log-odds": f"log-odds({label})"}.get(output, f"P({label})")
    other = labels[versus]
    if output == "probability":
        return f"log P({label}) - log P({other})"
    return f"{output}({label}) - {output}({other})"


def resolve_target(target: int | str | None, labels: Sequence[str], name: str = "target") -> int:
    """A class index from an index or a label name; None means class 0. `name` is the argument's name, for
    the message when it names no class."""
    if target is None:
        return 0
    if isinstance(target, str):
        if target in labels:
            return list(labels).index(target)
        raise ValueError(f"Unknown {name} class {target!r}; this model's classes are {list(labels)}.")
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if -len(labels) <= target < len(labels):
            return int(target) % len(labels)
        raise ValueError(f"{name}={target} is out of range; this model has {len(labels)} classes: {list(labels)}.")
    raise TypeError(f"{name} must be a class index or a label name, got {type(target).__name__}.")


def _check_tolerance(tolerance: Any) -> float | None:
    """A positive, finite standard error to stop at, or None to spend the whole budget."""
    if tolerance is None:
        return None
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.integer, np.floating)):
        raise TypeError(f"tolerance must be a positive number (a standard error to stop at) or None, got "
                        f"{type(tolerance).__name__}.")
    if not np.isfinite(tolerance) or tolerance <= 0:
        raise ValueError(f"tolerance must be a positive, finite standard error such as 0.01, got {tolerance!r}.")
    return float(tolerance)


def _check_masked(masked: Any) -> tuple[int, ...]:
    """Player indices to hold masked, as ints; floats, bools and strings are refused rather than rounded."""
    if isinstance(masked, (str, bytes)) or not isinstance(masked, Iterable):
        raise TypeError(f"masked must be a list of player indices such as [0, 3], got {type(masked).__name__}.")
    out = []
    for i in masked:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"masked must hold player indices (ints), got {i!r} of type {type(i).__name__}.")
        out.append(int(i))
    return tuple(out)


def _check_model(model, tokenizer) -> None:
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "config"):
        raise TypeError(
            f"model must be a transformers model (torch.nn.Module with a config), got {type(model).__name__}. "
            "For a plain function of strings, use shap_widget.explain_callable(f, tokenizer, text)."
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


def _check_mask_id(model, tokenizer, token_id: int | None) -> None:
    """An explicit mask id must index the model's embedding table, or the forward pass fails deep in torch."""
    if token_id is None:
        return
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    n = getattr(embeddings, "num_embeddings", None) or len(tokenizer)
    if not 0 <= token_id < n:
        raise ValueError(
            f"mask={token_id} is not a token id of this model, whose vocabulary has ids 0..{n - 1}. "
            "Use mask='auto', 'mask', 'pad', 'unk', 'attention', or an id in range."
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

    def __new__(cls, model: Any = None, tokenizer: Any = None, *args: Any, **kwargs: Any) -> Any:
        # A plain function of strings can only be explained through shap's string path (as shap.Explainer does)
        if cls is Explainer and shap_compat.is_string_function(model):
            return shap_compat.StringExplainer(model, tokenizer, *args, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        mask: str | int = "auto",
        batch_size: int | str = "auto",
        autocast: str | None = None,
        algorithm: str = "auto",
        output_names: Sequence[str] | None = None,
        seed: int = 0,
    ) -> None:
        """`model` is a sequence classifier with its `tokenizer` (or a shap.maskers.Text of it), a
        text-classification pipeline, or shap.models.TransformersPipeline; a plain function of strings gives
        shap's string-path explainer (see `shap_compat.StringExplainer`). `algorithm`, `output_names` and
        `seed` are shap's and apply to the shap-style call `explainer(texts)`; `batch_size` here is rows per
        forward pass."""
        resolved = shap_compat.resolve_model(model, tokenizer, mask)
        model, tokenizer, mask = resolved.model, resolved.tokenizer, resolved.mask
        _check_model(model, tokenizer)
        self.model = model
        self.tokenizer = tokenizer
        self.pipeline = resolved.pipeline
        self.output = resolved.output  # the output space shap's model wrapper reports; None: the head's default
        self.algorithm = shap_compat.check_algorithm(algorithm)
        self.seed = seed
        self._masker = resolved.masker
        self.options = {"mask": mask, "batch_size": batch_size, "autocast": autocast}
        self.rule = resolve_mask_rule(tokenizer, mask)
        _check_mask_id(model, tokenizer, self.rule.token_id)
        if self.rule.uses_attention and (reason := attention_masking_refusal(model)) is not None:
            raise ValueError(f"{reason} Use mask='auto' or a token id (mask=tokenizer.unk_token_id, say).")
        self.evaluator = Evaluator(model, batch_size=batch_size, autocast=autocast)
        self.max_length = max_input_length(model, tokenizer)
        self._labels: list[str] | None = None
        self._kind: str | None = None
        self.designs = estimators.DesignPool()  # sampled designs per input, re-used by later games on the same input
        self._output_names = None if output_names is None else [str(n) for n in output_names]
        if self._output_names is not None and len(self._output_names) != len(self.labels):
            raise ValueError(f"output_names has {len(self._output_names)} names but the model has "
                             f"{len(self.labels)} classes {self.labels}.")

    @property
    def masker(self) -> shap.maskers.Masker:
        """The shap Text masker of this explainer's tokenizer (or the one given), as shap's `explainer.masker`."""
        if self._masker is None:
            self._masker = shap.maskers.Text(self.tokenizer)
        return self._masker

    @property
    def output_names(self) -> list[str]:
        """The names of the classes in shap-style answers: `output_names=` if given, else the labels."""
        return list(self._output_names or self.labels)

    def _head(self, game: TextGame) -> None:
        if self._kind is None:
            n_outputs = game.evaluator.evaluate(game.encoding, game.keep_matrix(np.ones((1, game.n_free))),
                                                game.rule).shape[1]
            labels = _labels(self.model, n_outputs)  # first: a mismatch must fail every call, not just this one
            self._kind = head_kind(self.model, n_outputs)
            self._labels = labels

    @property
    def labels(self) -> list[str]:
        """Class names, from the model's id2label (known after the first evaluation)."""
        if self._labels is None:
            n = getattr(self.model.config, "num_labels", None) or len(self.model.config.id2label)
            return _labels(self.model, n)
        return self._labels

    def players_of(self, text: str, text_pair: str | None = None, kind: str = "token") -> tuple[Players, bool]:
        """The players `text` (and `text_pair`) would have, and whether the input is truncated; no forward pass."""
        encoding = encode(self.tokenizer, text, self.max_length, text_pair)
        return make_players(encoding, self.tokenizer, kind), encoding.truncated

    def game(
        self,
        text: str | Encoding,
        *,
        text_pair: str | None = None,
        players: str = "token",
        masked: Sequence[int] = (),
        output: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        versus: int | str | None = None,
    ) -> TextGame:
        """The cooperative game for `text` (and `text_pair`, or tokenized ids) with `masked` players forced off.

        With `versus` (a class index or label) each class's output is contrasted with that class's.
        """
        text, text_pair = split_item(text, text_pair)
        masked = _check_masked(masked)
        encoding = text if isinstance(text, Encoding) else encode(self.tokenizer, text, self.max_length, text_pair)
        player_set = make_players(encoding, self.tokenizer, players)
        if len(player_set) == 0:
            raise ValueError(f"The tokenizer produced no tokens to explain for {encoding.text!r}.")
        game = TextGame(self.evaluator, encoding, player_set, self.rule, "softmax", "probability",
                        tuple(masked), on_progress)
        self._head(game)
        game.kind = self._kind
        game.output = check_output(output or self.output or default_output(self._kind), self._kind)
        if versus is not None:
            game.versus = check_versus(resolve_target(versus, self.labels, "versus"), self._kind, len(self.labels))
        return game

    def attribute(
        self,
        text: str | Encoding,
        *,
        text_pair: str | None = None,
        method: str = "auto",
        output: str | None = None,
        players: str = "token",
        masked: Sequence[int] = (),
        max_evals: int | str = "auto",
        seed: int = 0,
        tolerance: float | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        versus: int | str | None = None,
    ) -> Attribution:
        """Attributions for every class of `text` (the engine's full answer; see `explain` for shap's form).

        `text` is a str, with `text_pair` for a sentence pair, or an Encoding of tokenized ids. With `versus`
        (a class index or label), column c explains "c rather than `versus`" (see `explain`). `max_evals`:
        "auto" (sample until the values are settled, see `shap_widget.engine.certainty`) or a fixed budget.
        """
        result = None
        for result in self._estimates(text, text_pair=text_pair, method=method, output=output, players=players,
                                      masked=masked, max_evals=max_evals, seed=seed, tolerance=tolerance,
                                      on_progress=on_progress, streaming=tolerance is not None, versus=versus):
            pass
        assert result is not None and result.final
        return result

    def refine(
        self,
        text: str | Encoding,
        *,
        text_pair: str | None = None,
        method: str = "auto",
        output: str | None = None,
        players: str = "token",
        masked: Sequence[int] = (),
        max_evals: int | str = "auto",
        seed: int = 0,
        tolerance: float | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        versus: int | str | None = None,
        time_limit: float | None = None,
    ) -> Iterator[Attribution]:
        """Successive estimates for `text` as batches of evaluations arrive, the last one marked `final`.

        The sampled estimators (`method="kernel"`, what `auto` picks beyond the exact limit, and
        `"permutation"`) yield a first estimate after their first batch and a better one after each further
        batch, each with standard errors and its evaluations so far, and stop when `max_evals` is spent or
        every standard error is at most `tolerance` (in units of the output), or, with `max_evals="auto"`, at
        the first settled estimate (or `time_limit` seconds after the start). Other methods yield one final
        result. Every estimate is additive: base_values + values.sum(0) equals the output.
        """
        return self._estimates(text, text_pair=text_pair, method=method, output=output, players=players,
                               masked=masked, max_evals=max_evals, seed=seed, tolerance=tolerance,
                               on_progress=on_progress, streaming=True, versus=versus, time_limit=time_limit)

    def _estimates(self, text: str | Encoding, *, text_pair: str | None, method: str, output: str | None,
                   players: str, masked: Sequence[int], max_evals: int | str, seed: int, tolerance: float | None,
                   on_progress: Callable[[int, int], None] | None, streaming: bool,
                   versus: int | str | None = None, time_limit: float | None = None) -> Iterator[Attribution]:
        """refine's estimates; without `streaming` the sampled estimator asks for its rows in one batch."""
        game, used, plan, keep = self._plan(text, text_pair, method, output, players, masked, max_evals, seed,
                                            tolerance, on_progress, streaming, versus, time_limit)
        probs = None
        for item in estimators.estimates(plan, game):
            if probs is None:
                probs = game.probabilities(keep)
            if item.final and on_progress is not None:
                on_progress(game.evaluations_done, game.evaluations_done)
            yield self._attribution(game, item, used, players, max_evals, seed, probs)
            if item.final:
                return

    def attribute_many(
        self,
        texts: Sequence[str],
        *,
        method: str = "auto",
        output: str | None = None,
        players: str = "token",
        masked: Sequence[int] = (),
        max_evals: int | str = "auto",
        seed: int = 0,
        tolerance: float | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        versus: int | str | None = None,
    ) -> list[Attribution]:
        """`attribute` for each text, with the rows of all texts packed into shared forward passes.

        Each result equals `attribute(text, ...)` for that text; many short texts fill a GPU batch that one
        alone would leave mostly idle. `on_progress(finished_texts, total)` runs after every round of passes.
        A text may be a (text, text_pair) sentence pair.
        """
        started = []
        for item in texts:
            text, text_pair = split_item(item, None)
            started.append(self._plan(text, text_pair, method, output, players, masked, max_evals, seed,
                                      tolerance, None, tolerance is not None, versus))
        results = run_plans([(plan, game) for game, _, plan, _ in started], on_round=on_progress)
        return [self._attribution(game, result, used, players, max_evals, seed, game.probabilities(keep))
                for (game, used, _, keep), result in zip(started, results)]

    def _plan(
        self,
        text: str | Encoding,
        text_pair: str | None,
        method: str,
        output: str | None,
        players: str,
        masked: Sequence[int],
        max_evals: int | str,
        seed: int,
        tolerance: float | None,
        on_progress: Callable[[int, int], None] | None,
        streaming: bool,
        versus: int | str | None = None,
        time_limit: float | None = None,
    ) -> tuple[TextGame, str, estimators.Plan, np.ndarray]:
        """The game for `text`, the method chosen for it, that method's plan (not started), and the keep
        masks (2, L) of the explained and the full input, whose probabilities the answer reports.

        With `max_evals="auto"` a sampled method refines in batches until its estimate is settled (at most
        `certainty.cap(n)` evaluations); "auto" picks exact up to `certainty.FIXED_EVALS` coalitions, and
        partition, which needs a fixed budget, gets `certainty.FIXED_EVALS`."""
        if method not in estimators.METHODS:
            raise ValueError(f"method must be one of {estimators.METHODS}, got {method!r}.")
        max_evals = certainty.check_max_evals(max_evals)
        tolerance = _check_tolerance(tolerance)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
        game = self.game(text, text_pair=text_pair, players=players, masked=masked, output=output,
                         on_progress=on_progress, **({} if versus is None else {"versus": versus}))
        n = game.n_free
        settle = None
        if max_evals == certainty.AUTO:
            used = estimators.choose_method(n, certainty.FIXED_EVALS) if method == "auto" else method
            if used in ("kernel", "permutation") and n > 1:
                settle = certainty.Settling(n, time_limit=time_limit, versus=game.versus)
                budget, streaming = settle.cap, True
            else:
                budget = certainty.FIXED_EVALS
        else:
            budget = int(max_evals)
            used = estimators.choose_method(n, budget) if method == "auto" else method
        game.plan(estimators.planned_evaluations(used, n, budget))
        if used == "exact":
            plan = estimators.exact_plan(n)
        elif used == "partition":
            tree = estimators.text_tree(game.encoding, [game.players.positions[i] for i in game.free])
            plan = estimators.partition_plan(n, budget, tree, seed)
        else:
            free = np.zeros(len(game.players), dtype=bool)
            free[game.free] = True
            key = (game.encoding.key, game.rule, players, used)
            sampled = permutation_plan if used == "permutation" else kernel_plan
            # the regression fits follow the model onto its accelerator; on a CPU numpy is faster
            device = self.evaluator.device
            on_device = {"device": device} if used == "kernel" and device.type != "cpu" else {}
            plan = sampled(n, budget, seed, tolerance=tolerance, free=free, streaming=streaming,
                           previous=self.designs.usable(key, free),
                           on_design=lambda design: self.designs.add(key, design), settle=settle, **on_device)
        keep = np.ones((2, len(game.encoding.input_ids)), dtype=bool)
        keep[0] = game.keep_matrix(np.ones((1, n), dtype=bool))[0]
        return game, used, plan, keep

    def _attribution(self, game: TextGame, result: estimators.Attributions, method: str,
                     players: str, max_evals: int | str, seed: int,
                     probs: tuple[np.ndarray, np.ndarray]) -> Attribution:
        """The engine's estimate placed back among all players (masked ones at 0)."""
        n_classes = result.values.shape[1] if game.n_free else len(result.base)
        values = np.zeros((len(game.players), n_classes))
        values[game.free] = result.values
        errors = None
        if result.errors is not None:
            errors = np.zeros_like(values)
            errors[game.free] = result.errors
        return Attribution(
            text=game.encoding.text,
            tokens=list(game.players.texts),
            prefixes=list(game.players.prefixes),
            players=players,
            labels=self.labels,
            values=values,
            base_values=np.asarray(result.base, dtype=np.float64),
            outputs=np.asarray(result.output, dtype=np.float64),
            probabilities=probs[0],
            probabilities_full=probs[1],
            output=game.output,
            method=method,
            masked=game.masked,
            max_evals=max_evals if max_evals == certainty.AUTO else int(max_evals),
            n_evals=result.n_evals,
            truncated=game.encoding.truncated,
            errors=errors,
            final=result.final,
            seed=seed,
            text_pair=game.encoding.text_pair,
            segments=list(game.players.segments) if game.encoding.text_pair is not None else None,
            versus=getattr(game, "versus", None),
            settled=result.settled if result.final else None,
        )

    def __call__(
        self,
        inputs: Any,
        *,
        target: int | str | None = None,
        text_pair: Any = None,
        max_evals: int | str | None = None,
        batch_size: int | str = "auto",
        silent: bool = False,
        fixed_context: int | str | None = None,
        outputs: Any = None,
        **options: Any,
    ) -> shap.Explanation:
        """A shap.Explanation of `inputs`, as shap's `explainer(inputs, ...)`: all classes, or the `target` class.

        Rows (a list, tuple, numpy array or pandas Series of strs, a datasets column or slice, a dict with a
        "text" key) are answered in shap's layout with shap's keyword arguments (`max_evals`, `batch_size`
        in coalitions per model call, `silent`, `fixed_context`, `outputs`); inside a list a
        (text, text_pair) tuple is a sentence pair, and `text_pair=` gives each row its second text. A str
        or a tokenizer's output is answered as `explain` answers it.
        """
        rows = shap_compat.rows_of(inputs)
        if rows is not None and text_pair is not None:
            rows, text_pair = shap_compat.with_pairs(rows, text_pair), None
        engine_only = options.get("players", "token") != "token" or options.get("masked") or \
            options.get("tolerance") is not None
        if rows is None or engine_only:
            if rows is not None:
                inputs = rows  # a tuple of strs stays rows
            elif text_pair is not None:
                inputs = (inputs, text_pair)
            if batch_size != "auto" or fixed_context is not None or outputs is not None:
                raise TypeError("batch_size, fixed_context and outputs apply to rows of texts explained in shap's "
                                "layout: pass a list of texts with the default players and no masked tokens.")
            if max_evals is not None:
                options["max_evals"] = max_evals
            return self.explain(inputs, target=target, **options)
        unknown = set(options) - {"method", "output", "seed", "players", "masked", "tolerance"}
        if unknown:
            raise TypeError(f"Unknown keyword arguments {sorted(unknown)}.")
        return shap_compat.explain_rows(
            self, rows, algorithm=options.get("method", self.algorithm), output=options.get("output"),
            max_evals=max_evals, batch_size=batch_size, fixed_context=fixed_context, outputs=outputs,
            seed=options.get("seed", self.seed), target=target,
        )

    def explain(self, inputs: Any, *, target: int | str | None = None, **options: Any) -> shap.Explanation:
        """A shap.Explanation of `inputs` over this engine's players (special tokens left out).

        `inputs` is a str, a (text, text_pair) tuple, a list of either, or a tokenizer's output
        (BatchEncoding or dict with `input_ids`, one sequence or a padded batch; its ids are used as given).
        A list or a 2-D batch gives one row per input (values (n_tokens_i, C) each, ragged as shap's text
        explanations); a single input gives values (n_tokens, C). Options are those of `attribute`.
        """
        items, batched = as_items(inputs, self.tokenizer, _n_embeddings(self.model), self.max_length)
        attributions = explain_each(self, items, **options)
        return attributions_to_shap(attributions, target) if batched else attributions[0].to_shap(target)


_explainers: "weakref.WeakKeyDictionary[torch.nn.Module, list[Explainer]]" = weakref.WeakKeyDictionary()


def get_explainer(
    model: torch.nn.Module,
    tokenizer,
    *,
    mask: str | int = "auto",
    batch_size: int | str = "auto",
    autocast: str | None = None,
) -> Explainer:
    """The Explainer for this model, tokenizer and options, reused across calls so its cache is shared."""
    options = {"mask": mask, "batch_size": batch_size, "autocast": autocast}
    pool = _explainers.setdefault(model, []) if isinstance(model, torch.nn.Module) else []
    for ex in pool:
        if ex.tokenizer is tokenizer and ex.options == options:
            return ex
    ex = Explainer(model, tokenizer, **options)
    pool.append(ex)
    return ex


def explain(
    model: torch.nn.Module,
    tokenizer,
    text: str | tuple[str, str] | list[Item] | Any,
    *,
    method: str = "auto",
    target: int | str | None = None,
    output: str | None = None,
    players: str = "token",
    masked: Sequence[int] = (),
    max_evals: int | str = "auto",
    batch_size: int | str = "auto",
    mask: str | int = "auto",
    autocast: str | None = None,
    seed: int = 0,
    tolerance: float | None = None,
    versus: int | str | None = None,
) -> shap.Explanation:
    """SHAP values of `model`'s prediction on `text`, masking on token ids.

    `text` is a str, a (text, text_pair) sentence pair, a list of them (one explanation row each), or a
    tokenizer's output (see `Explainer.__call__`).

    method: "exact" (all 2^n coalitions, up to 14 players), "kernel" (paired kernel regression on a
    sample of coalitions, with standard errors; see `shap_widget.engine.kernel`), "partition" (Owen values
    over the text's phrase tree, as shap's PartitionExplainer), "permutation" (stratified antithetic
    permutation sampling, with standard errors; see `shap_widget.engine.permutation`), or "auto" (exact where
    all coalitions fit in `max_evals`, else kernel). max_evals: "auto" (default: sample until the values are
    settled, see `shap_widget.engine.certainty`) or a fixed number of model evaluations. tolerance: for
    "kernel" and "permutation", stop early once every standard error is at most this.
    output: "probability" (default for classifiers), "logit" or "log-odds". target: a class index or label;
    None explains every class (values of shape (n_players, n_classes)). players: "token" or "word".
    masked: player indices held masked. mask: "auto" (mask token, else pad, else unk, else attention),
    "mask", "pad", "unk", "attention" or a token id. Additivity holds for every method:
    base_values + values.sum(0) equals the model's output on the input.
    versus: a class index or label to contrast with: "why `target` rather than `versus`?". The explained
    output is then log P(target) - log P(versus) (output="probability"; for a softmax head the difference of
    the two logits), or the difference of the two classes in the logit or log-odds space; tokens that raise
    both classes alike get values near 0. Additivity holds for the contrast.
    """
    if shap_compat.is_string_function(model):
        raise TypeError("model must be a transformers model for explain(), which masks token ids; "
                        "for a plain function of strings use shap_widget.explain_callable(f, tokenizer, text) or "
                        "shap_widget.Explainer(f, tokenizer)(texts), which go through shap's string path.")
    explainer = get_explainer(model, tokenizer, mask=mask, batch_size=batch_size, autocast=autocast)
    contrast = {} if versus is None else {"versus": versus}
    return explainer.explain(text, target=target, method=method, output=output, players=players,
                             masked=masked, max_evals=max_evals, seed=seed, tolerance=tolerance, **contrast)


def _n_embeddings(model) -> int | None:
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    return getattr(embeddings, "num_embeddings", None)


def explain_callable(
    f: Callable[[list[str]], Any],
    tokenizer_or_masker: Any,
    text: str,
    *,
    target: int | str | None = None,
    output_names: Sequence[str] | None = None,
    max_evals: int = 500,
    batch_size: int = 50,
    seed: int = 0,
) -> shap.Explanation:
    """SHAP values of a plain function of strings on `text`, through shap's string-based text path.

    `f` takes a list of strings and returns an array of shape (n,) or (n, C). This is
    shap.Explainer(f, shap.maskers.Text(tokenizer)) (Owen values over the text's phrase tree): each masked
    copy of the text is written back as a string and `f` re-tokenizes it, so it is much slower than
    `explain`, which masks token ids of a transformers model directly; use it for models that are only
    available as functions (remote APIs, other frameworks). Tokens the masker always keeps (the tokenizer's
    special tokens) are left out, as in `explain`, so values have shape (n_tokens, C), or (n_tokens,) for
    one `target` or a one-output `f`. base_values + values.sum(0) equals f([text]).
    """
    if isinstance(f, torch.nn.Module) and hasattr(f, "config"):
        raise TypeError(
            "explain_callable takes a function of strings; for a transformers model use "
            "shap_widget.explain(model, tokenizer, text), which masks token ids and is much faster."
        )
    if not callable(f):
        raise TypeError(f"f must be a function taking a list of strings, got {type(f).__name__}.")
    masker = shap_compat.string_masker(tokenizer_or_masker)
    _check_text(text)
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 2:
        raise ValueError(f"max_evals must be an integer of at least 2, got {max_evals!r}.")
    if output_names is not None and target is not None:
        resolve_target(target, [str(n) for n in output_names])
    checked = shap_compat.checked_function(f)
    width: list[int] = []

    def model(strings: Any) -> np.ndarray:
        out = checked(strings)
        width.append(1 if out.ndim == 1 else out.shape[1])
        return out

    explainer = shap.Explainer(model, masker)
    state = np.random.get_state()
    np.random.seed(seed)  # shap breaks priority ties with the global RNG; keep results reproducible
    try:
        result = explainer([text], max_evals=int(max_evals), batch_size=batch_size, silent=True)[0]
    finally:
        np.random.set_state(state)
    values = np.asarray(result.values, dtype=np.float64)
    keep = slice(getattr(masker, "keep_prefix", 0), len(values) - getattr(masker, "keep_suffix", 0))
    values, data = values[keep], np.asarray(result.data, dtype=object)[keep]
    base = np.asarray(result.base_values, dtype=np.float64)
    names = [str(n) for n in output_names] if output_names else (
        [f"LABEL_{i}" for i in range(width[0])] if values.ndim == 2 else ["value"])
    if values.ndim == 2 and len(names) != values.shape[1]:
        raise ValueError(f"output_names has {len(names)} names but f returns {values.shape[1]} outputs.")
    if target is None or values.ndim == 1:
        if target is not None:
            resolve_target(target, names)
        return shap.Explanation(values=values, base_values=base if values.ndim == 2 else float(base),
                                data=data, feature_names=list(data),
                                output_names=names if values.ndim == 2 else None)
    c = resolve_target(target, names)
    return shap.Explanation(values=values[:, c].copy(), base_values=float(base[c]), data=data,
                            feature_names=list(data))
