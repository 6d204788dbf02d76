"""What shap users pass to `shap.Explainer` for text, read with shap's meaning.

Models: a transformers text-classification pipeline, `shap.models.TransformersPipeline` (probabilities, or
log-odds with `rescale_to_logits=True`), a model with its tokenizer or `shap.maskers.Text`, or a plain
function of a list of strings. Inputs: lists, tuples, numpy arrays and pandas Series of strs, a datasets
column or slice, a dict with a "text" key. Answers: Explanations laid out as shap lays out its text
explanations (one column per token id, special tokens as '' columns of value 0, each token's trailing
whitespace attached, `feature_names`, `output_names`, and `clustering` / `hierarchical_values` for
partition results), so shap's plots and cohort operations treat them as their own.

Models and pipelines are explained on token ids by this engine; functions of strings go through shap's own
string path, which is the only way to explain them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import shap
import torch

from . import estimators
from .evaluator import ModelOutputError
from .game import Encoding
from .inputs import check_text, split_item

if TYPE_CHECKING:
    from .explain import Explainer

ALGORITHMS = ("auto", "partition", "permutation", "exact", "kernel")
SHAP_MAX_EVALS = 500  # shap's partition budget for max_evals="auto"
SHAP_TEXT_BATCH = 5  # shap.maskers.Text.default_batch_size: coalitions per round for batch_size="auto"


@dataclass(frozen=True)
class Resolved:
    """A model as this engine plays it: the transformers model, its tokenizer, the output space shap's
    wrapper reports (None: the engine's default), the mask rule, and the pipeline and masker given."""

    model: Any
    tokenizer: Any
    output: str | None
    mask: str | int
    pipeline: Any = None
    masker: Any = None


def _is_pipeline(x: Any) -> bool:
    try:
        from transformers import Pipeline
    except ImportError:  # pragma: no cover - transformers is a dependency
        return False
    return isinstance(x, Pipeline)


def _is_tokenizer(x: Any) -> bool:
    return callable(x) and hasattr(x, "convert_ids_to_tokens")


def is_string_function(model: Any) -> bool:
    """True for a plain function of strings (explained through shap's string path)."""
    return (callable(model) and not isinstance(model, torch.nn.Module) and not _is_pipeline(model)
            and not isinstance(model, shap.models.TransformersPipeline))


def resolve_model(model: Any, tokenizer_or_masker: Any, mask: str | int) -> Resolved:
    """The transformers model, tokenizer, output space and mask rule behind what a shap user passes."""
    output, pipeline = None, None
    if isinstance(model, shap.models.TransformersPipeline):
        pipeline = model.inner_model
        output = "log-odds" if model.rescale_to_logits else "probability"
    elif _is_pipeline(model):
        pipeline, output = model, "probability"
    if pipeline is not None:
        task = getattr(pipeline, "task", "")
        if task == "zero-shot-classification":
            raise TypeError("A zero-shot-classification pipeline scores candidate labels: use "
                            "shap_widget.ZeroShotExplainer(pipe, candidate_labels=[...]) or "
                            "ExplainWidget.from_pipeline(pipe, candidate_labels=[...]).")
        if task not in ("text-classification", "sentiment-analysis", ""):
            raise TypeError(f"A {task!r} pipeline is not a text classifier; pass a text-classification pipeline, "
                            "a sequence classifier with its tokenizer, or a function of strings.")
        model = pipeline.model
        if tokenizer_or_masker is None:
            tokenizer_or_masker = pipeline.tokenizer
    if tokenizer_or_masker is None:
        raise TypeError(f"{type(model).__name__} needs its tokenizer: Explainer(model, tokenizer), or pass a "
                        "text-classification pipeline, Explainer(pipe).")
    if isinstance(tokenizer_or_masker, shap.maskers.Text):
        tokenizer, mask = _masker_tokenizer(tokenizer_or_masker, mask)
        return Resolved(model, tokenizer, output, mask, pipeline, tokenizer_or_masker)
    if isinstance(tokenizer_or_masker, shap.maskers.Masker):
        raise TypeError(f"shap.maskers.{type(tokenizer_or_masker).__name__} does not mask text; pass the "
                        "model's tokenizer or shap.maskers.Text(tokenizer).")
    return Resolved(model, tokenizer_or_masker, output, mask, pipeline, None)


def _masker_tokenizer(masker: shap.maskers.Text, mask: str | int) -> tuple[Any, str | int]:
    """The tokenizer and mask id of a Text masker, where this engine can mask token ids as it would."""
    tokenizer = masker.tokenizer
    if not _is_tokenizer(tokenizer):
        raise TypeError("This Text masker splits strings with a pattern, which only a function of strings can "
                        "take: Explainer(f, masker) with f(list of str) -> scores, or pass the model's tokenizer.")
    if masker.input_mask_token is None:
        return tokenizer, mask
    if masker.collapse_mask_token:
        raise ValueError("collapse_mask_token=True writes one mask for a run of masked tokens, which changes "
                         "the number of token ids; this engine masks each token id in place. Pass "
                         "shap.maskers.Text(tokenizer, mask_token=..., collapse_mask_token=False), or explain a "
                         "function of strings: Explainer(f, masker).")
    token = masker.input_mask_token
    token_id = token if isinstance(token, int) else tokenizer.convert_tokens_to_ids(token)
    if token_id is None or (token_id == tokenizer.unk_token_id and token != tokenizer.unk_token):
        raise ValueError(f"mask_token={token!r} is not one token of this tokenizer's vocabulary, so it cannot "
                         f"replace a token id; use a vocabulary token such as {tokenizer.mask_token!r} or "
                         f"{tokenizer.pad_token!r}, or explain a function of strings: Explainer(f, masker).")
    return tokenizer, int(token_id)


def check_algorithm(algorithm: Any) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}.")
    return algorithm


def check_fixed_context(fixed_context: Any) -> int | None:
    """shap's fixed_context: None or "auto" (Owen values), 0 or 1."""
    if fixed_context == "auto" or fixed_context is None:
        return None
    if isinstance(fixed_context, (int, np.integer)) and not isinstance(fixed_context, bool) and fixed_context in (0, 1):
        return int(fixed_context)
    raise ValueError(f"fixed_context must be None, 'auto', 0 (children explored with the rest masked) or 1 "
                     f"(with the rest kept), as in shap; got {fixed_context!r}.")


# --- inputs -----------------------------------------------------------------------------------------------

Row = Any  # a str, or a (text, text_pair) tuple


def rows_of(x: Any) -> list[Row] | None:
    """The rows of a shap-style input, or None for one input (a str) or a tokenizer's output.

    A list, tuple, numpy array, pandas Series or datasets column holds one row per item; a dict with a
    "text" key (a datasets slice) holds its "text" column. Inside a list a (text, text_pair) tuple is a
    sentence pair; a bare tuple of strs is rows, as in shap.
    """
    if isinstance(x, (str, Encoding)):
        return None
    if "text" in (getattr(x, "column_names", None) or ()):  # a whole datasets.Dataset, as shap reads it
        x = x["text"]
    if isinstance(x, Mapping):
        if "text" not in x:
            return None
        x = x["text"]
        if isinstance(x, str):
            return [check_text(x)]
    if type(x).__name__ == "Series" and hasattr(x, "tolist"):
        items = x.tolist()
        bad = [(i, v) for i, v in zip(x.index, items) if not isinstance(v, str)]
        if bad:
            i, v = bad[0]
            raise TypeError(f"The Series holds {type(v).__name__} values (e.g. {v!r} at index {i!r}); explain "
                            "a Series of strs, e.g. series.dropna().astype(str).")
        return [check_text(v, f"text at index {i!r}") for i, v in zip(x.index, items)]
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"An array of texts must be 1-D (one str per row), got shape {x.shape}; pass "
                             "sentence pairs as a list of (text, text_pair) tuples.")
        x = x.tolist()
    elif isinstance(x, tuple):
        x = list(x)
    elif not isinstance(x, list):
        if isinstance(x, Iterable) and hasattr(x, "__len__") and not isinstance(x, (bytes, torch.Tensor)):
            x = list(x)  # a datasets column
        else:
            return None
    if not x:
        raise ValueError("The list of inputs is empty; give at least one text.")
    rows: list[Row] = []
    for i, v in enumerate(x):
        if isinstance(v, tuple):
            if len(v) != 2 or not all(isinstance(t, str) for t in v):
                raise TypeError(f"Row {i} is a tuple of {len(v)} items; a sentence pair is a (text, text_pair) "
                                "tuple of two strs.")
            rows.append(v)
        elif isinstance(v, np.str_) or isinstance(v, str):
            rows.append(check_text(str(v), f"text {i}"))
        else:
            hint = " (a sentence pair is a tuple, (text, text_pair))" if isinstance(v, list) else ""
            raise TypeError(f"Row {i} is a {type(v).__name__}{hint}; each row is a str or a (text, text_pair) "
                            "tuple.")
    return rows


def with_pairs(rows: list[Row], text_pair: Any) -> list[Row]:
    """Rows joined with `text_pair`: one second text per row."""
    pairs = [text_pair] if isinstance(text_pair, str) else rows_of(text_pair)
    if pairs is None or len(pairs) != len(rows) or not all(isinstance(p, str) for p in pairs):
        raise ValueError(f"text_pair must give one str per row ({len(rows)} rows).")
    return [(r, p) for r, p in zip(rows, pairs)]


def output_indices(outputs: Any, labels: Sequence[str], full: np.ndarray) -> np.ndarray:
    """Class indices for shap's `outputs=`: indices, label names, or an OpChain such as
    shap.Explanation.argsort.flip[:2] applied to the model's output on the whole input."""
    if outputs is None:
        return np.arange(len(labels))
    if isinstance(outputs, type(shap.Explanation.argsort)):  # an OpChain
        return np.asarray(outputs.apply(shap.Explanation(full)).values, dtype=int).reshape(-1)
    items = [outputs] if isinstance(outputs, (str, int, np.integer)) else list(outputs)
    out = []
    for o in items:
        if isinstance(o, str) and o in labels:
            out.append(list(labels).index(o))
        elif isinstance(o, (int, np.integer)) and not isinstance(o, bool) and -len(labels) <= o < len(labels):
            out.append(int(o) % len(labels))
        else:
            raise ValueError(f"outputs= names {o!r}, which is not one of this model's classes {list(labels)}; "
                             "pass class indices or label names from that list.")
    return np.array(out, dtype=int)


# --- the token-id engine answering in shap's layout ---------------------------------------------------------

def row_segments(encoding: Encoding) -> list[str]:
    """Each token's text with its trailing whitespace, '' for special tokens: shap's Text masker's cut."""
    if encoding.offsets is None:
        return estimators._segments(encoding)
    out = [""] * len(encoding.input_ids)
    segment = encoding.segment if encoding.segment is not None else np.zeros(len(out), dtype=int)
    real = [i for i in range(len(out)) if not encoding.special[i]]
    for k, i in enumerate(real):
        text = encoding.segment_text(int(segment[i]))
        start, end = encoding.offsets[i]
        later = [j for j in real[k + 1:] if segment[j] == segment[i]]
        if later:
            end = max(end, encoding.offsets[later[0]][0])
        out[i] = text[start:end]
    return out


def row_tree(segments: list[str]) -> np.ndarray:
    """shap.maskers.Text's clustering of a row: its partition tree, heights the cluster sizes rescaled."""
    tree = estimators._shap_text_tree(segments)
    tree[:, 2] = tree[:, 3] / tree[:, 3].max()
    return tree


def _pack(rows: list[np.ndarray]) -> np.ndarray:
    """One array when every row has the same shape, else an object array of rows (as shap packs them)."""
    if all(r.shape == rows[0].shape for r in rows):
        return np.array(rows)
    packed = np.empty(len(rows), dtype=object)
    packed[:] = rows
    return packed


@dataclass
class _Row:
    values: np.ndarray
    base: np.ndarray
    segments: list[str]
    clustering: np.ndarray | None
    hierarchical: np.ndarray | None


def _explain_row(explainer: "Explainer", row: Row, *, method: str, output: str | None, max_evals: int,
                 batch_size: int, fixed_context: int | None, outputs: Any, seed: int) -> tuple[_Row, np.ndarray]:
    text, text_pair = split_item(row)
    game = explainer.game(text, text_pair=text_pair, players="token", output=output)
    encoding = game.encoding
    segments = row_segments(encoding)
    position = np.array([int(pos[0]) for pos in game.players.positions])
    full = game.value(np.ones((1, game.n_free), dtype=bool))[0]
    idx = output_indices(outputs, explainer.output_names, full)
    if method == "partition":
        width = len(encoding.input_ids)
        tree = row_tree(segments)

        def value(coalitions: np.ndarray) -> np.ndarray:  # special tokens are players that change nothing
            return game.value(coalitions[:, position])[:, idx]

        result = estimators.run(estimators.partition_plan(width, max_evals, tree, seed, batch_size, fixed_context),
                                value)
        return _Row(result.values, result.base, segments, tree, result.hierarchical), idx
    a = explainer.attribute(text, text_pair=text_pair, method=method, output=output, max_evals=max_evals,
                            seed=seed)
    values = np.zeros((len(encoding.input_ids), len(idx)))
    values[position] = a.values[:, idx]
    return _Row(values, a.base_values[idx], segments, None, None), idx


def explain_rows(explainer: "Explainer", rows: list[Row], *, algorithm: str, output: str | None,
                 max_evals: Any, batch_size: Any, fixed_context: Any, outputs: Any, seed: int,
                 target: int | str | None) -> shap.Explanation:
    """shap's `explainer(rows)` answered by the token-id engine, in shap's layout (see the module docstring)."""
    method = "partition" if algorithm == "auto" else check_algorithm(algorithm)
    max_evals = SHAP_MAX_EVALS if max_evals in (None, "auto") else max_evals
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 2:
        raise ValueError(f"max_evals must be an integer of at least 2 or 'auto', got {max_evals!r}.")
    batch_size = SHAP_TEXT_BATCH if batch_size in (None, "auto") else batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer (coalitions per model call) or 'auto', got "
                         f"{batch_size!r}.")
    fixed_context = check_fixed_context(fixed_context)
    if fixed_context is not None and method != "partition":
        raise ValueError("fixed_context applies to algorithm='partition' only.")
    answers = [_explain_row(explainer, row, method=method, output=output, max_evals=int(max_evals),
                            batch_size=int(batch_size), fixed_context=fixed_context, outputs=outputs, seed=seed)
               for row in rows]
    names = list(explainer.output_names)
    picked = [idx for _, idx in answers]
    out_names: Any = [names[i] for i in picked[0]]
    if any(len(p) != len(picked[0]) or (p != picked[0]).any() for p in picked):
        out_names = [[names[i] for i in p] for p in picked]
    results = [r for r, _ in answers]
    partitioned = results[0].clustering is not None
    sv = shap.Explanation(
        values=_pack([r.values for r in results]),
        base_values=_pack([np.asarray(r.base, dtype=np.float64) for r in results]),
        data=tuple(np.array(r.segments, dtype=object) for r in results),
        feature_names=[[s.strip() for s in r.segments] for r in results],
        output_names=out_names,
        clustering=_pack([r.clustering for r in results]) if partitioned else None,
        hierarchical_values=_pack([r.hierarchical for r in results]) if partitioned else None,
    )
    if target is None:
        return sv
    from .explain import resolve_target

    return sv[:, :, resolve_target(target, out_names)]


# --- functions of strings: shap's own string path -------------------------------------------------------------

def checked_function(f: Callable[[list[str]], Any]) -> Callable[[Any], np.ndarray]:
    """`f` as shap calls it, refusing output that is not one row of finite numbers per input string."""

    def model(strings: Any) -> np.ndarray:
        batch = [str(x) for x in strings]
        try:
            out = np.asarray(f(batch), dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ModelOutputError(f"f must return numbers, one row per input string, such as an array of shape "
                                   f"(n, n_classes): {err}") from err
        if out.ndim not in (1, 2) or len(out) != len(batch):
            raise ModelOutputError(
                f"f must return an array of shape (n,) or (n, n_outputs) for n input strings; got shape "
                f"{out.shape} for {len(batch)} strings."
            )
        if not np.all(np.isfinite(out)):
            raise ModelOutputError("f returned NaN or infinite values, so its output cannot be explained.")
        return out

    return model


def string_masker(tokenizer_or_masker: Any) -> shap.maskers.Masker:
    """shap's Text masker for a tokenizer or a split pattern, or the Text masker given."""
    if isinstance(tokenizer_or_masker, shap.maskers.Text):
        return tokenizer_or_masker
    if isinstance(tokenizer_or_masker, str) and re.fullmatch(r"[\w./-]+", tokenizer_or_masker):
        raise TypeError(
            f"tokenizer_or_masker must be a transformers tokenizer or a shap masker; {tokenizer_or_masker!r} reads "
            "as a model name, not a split pattern: pass AutoTokenizer.from_pretrained(name), or a pattern such as "
            "r'\\W+'.")
    if isinstance(tokenizer_or_masker, str) or _is_tokenizer(tokenizer_or_masker):
        return shap.maskers.Text(tokenizer_or_masker)
    if isinstance(tokenizer_or_masker, shap.maskers.Masker):
        raise TypeError(f"shap.maskers.{type(tokenizer_or_masker).__name__} does not mask text; pass "
                        "shap.maskers.Text(tokenizer) (or a split pattern such as shap.maskers.Text(r'\\W+')).")
    raise TypeError(
        "A function of strings needs a transformers tokenizer or a shap.maskers.Text masker to split its text, "
        f"got {type(tokenizer_or_masker).__name__}: Explainer(f, tokenizer) or Explainer(f, shap.maskers.Text(...))."
    )


class StringExplainer:
    """Explains a plain function of strings as shap.Explainer(f, masker) does, through shap's string path.

    Each masked copy of a text is written back as a string that `f` re-tokenizes, so it is much slower than
    the token-id engine behind models and pipelines; it is the way to explain models only available as
    functions (remote APIs, other frameworks). The answers are shap's own Explanations.
    """

    def __init__(self, model: Callable[[list[str]], Any], masker: Any = None, *, algorithm: str = "auto",
                 output_names: Sequence[str] | None = None, seed: int = 0, **unsupported: Any) -> None:
        if unsupported:
            raise TypeError(f"{sorted(unsupported)} apply to transformers models, not to a function of strings.")
        self.model = model
        self.masker = string_masker(masker)
        self.algorithm = check_algorithm(algorithm)
        self.output_names = None if output_names is None else [str(n) for n in output_names]
        self.seed = seed
        self._shap = shap.Explainer(checked_function(model), self.masker, algorithm=algorithm,
                                    output_names=self.output_names)

    def __call__(self, inputs: Any, *, max_evals: Any = 500, batch_size: Any = "auto", silent: bool = False,
                 fixed_context: Any = None, outputs: Any = None, **options: Any) -> shap.Explanation:
        """shap's `explainer(inputs, ...)` with the same keyword arguments and answer."""
        rows = [inputs] if isinstance(inputs, str) else rows_of(inputs)
        if rows is None or any(isinstance(r, tuple) for r in rows):
            raise TypeError("A function of strings explains strs: pass a str or a list, Series or array of them.")
        if isinstance(inputs, str):
            rows = [check_text(inputs)]
        kwargs = dict(options, max_evals=max_evals, batch_size=batch_size, silent=silent, outputs=outputs)
        if fixed_context is not None:
            kwargs["fixed_context"] = check_fixed_context(fixed_context)
        state = np.random.get_state()
        np.random.seed(self.seed)  # shap breaks priority ties with the global RNG; keep results reproducible
        try:
            sv = self._shap(rows, **kwargs)
        finally:
            np.random.set_state(state)
        return sv[0] if isinstance(inputs, str) else sv
