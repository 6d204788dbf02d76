"""DatasetWidget: error analysis of a text classifier over a set of examples.

A table of examples with the model's prediction, its probability, the true label and the loss, sortable and
filterable; a global view ranking tokens by mean |SHAP value| per class; and an `ExplainWidget` that shows the
chosen row's explanation with all of its interactions. Predictions for the whole set run in a few padded forward
passes, then every example is explained on a background thread with the `Explainer` the `ExplainWidget` uses,
so its cache is shared and opening an example already explained costs no model evaluations.
"""

from __future__ import annotations

import contextlib
import pathlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import anywidget
import ipywidgets
import numpy as np
import torch
import traitlets

from ..engine.columns import class_columns
from ..engine.evaluator import ModelOutputError, eval_mode
from ..engine.explain import Attribution, Explainer
from ..engine.scheduling import background
from ..engine.game import Encoding, encode, make_players
from ..engine.inputs import split_item
from ..engine.game import probabilities as class_probabilities
from ..runner.dataset import PROBABILITY_COLUMNS, DatasetResults, contrasted_class
from ..runner.dataset import resolve_label as _resolve_label
from ..runner.methods import disagreements, explained_class
from .jobs import JobRunner, Superseded
from .explain_widget import ExplainWidget

__all__ = [
    "SORT_KEYS",
    "DatasetTable",
    "DatasetWidget",
    "TokenStat",
    "cross_entropy",
    "filter_rows",
    "predict_logits",
    "rank_tokens",
    "sort_rows",
]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

SORT_KEYS = ("index", "text", "label", "predicted", "probability", "loss", "correct", "disagreement")
# Tokens per padded forward pass: enough to keep a GPU busy; on CPU throughput is flat beyond a few thousand,
# and shorter passes let interactive work and interpreter exit in sooner.
_TOKENS_PER_BATCH = {"cpu": 4_096, "cuda": 1 << 17}
_AUTOCAST = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}
_GLOBAL_REFRESH_S = 0.5
_TEXTS_PER_CHUNK = 4  # texts explained together in the background: shared passes, quick pre-emption


# --- predictions ------------------------------------------------------------------------------------------


def _batches(lengths: Sequence[int], tokens_per_batch: int, same_length: bool) -> list[list[int]]:
    """Row indices grouped into batches of similar length, each within the token budget."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches:
            last = batches[-1]
            width = max(lengths[last[-1]], lengths[i])
            fits = (len(last) + 1) * width <= tokens_per_batch
            if fits and (not same_length or lengths[last[-1]] == lengths[i]):
                last.append(i)
                continue
        batches.append([i])
    return batches


def predict_logits(
    explainer: Explainer,
    encodings: Sequence[Encoding],
    *,
    tokens_per_batch: int | None = None,
    check: Callable[[], None] | None = None,
) -> np.ndarray:
    """Raw model outputs (N, C) in float64 for already tokenized texts, in few padded forward passes.

    The token ids are the ones the explainer explains (same special tokens and truncation), so these are the
    predictions the explanations start from. Rows are grouped by length to keep padding small; without a pad
    token only rows of equal length share a pass. `check` runs between passes (to stop a superseded job).
    """
    model = explainer.model
    evaluator = explainer.evaluator
    device = evaluator.device
    if not encodings:
        return np.zeros((0, len(explainer.labels)))
    pad_id = getattr(explainer.tokenizer, "pad_token_id", None)
    left = getattr(explainer.tokenizer, "padding_side", "right") == "left"
    budget = tokens_per_batch or _TOKENS_PER_BATCH["cuda" if device.type == "cuda" else "cpu"]
    if isinstance(evaluator.batch_size, int) and tokens_per_batch is None:
        budget = evaluator.batch_size * max(len(e.input_ids) for e in encodings)
    lengths = [len(e.input_ids) for e in encodings]
    autocast = (
        torch.autocast(device_type=device.type, dtype=_AUTOCAST[evaluator.autocast])
        if evaluator.autocast
        else contextlib.nullcontext()
    )
    out: np.ndarray | None = None
    with eval_mode(model), torch.inference_mode(), autocast:
        for batch in _batches(lengths, budget, same_length=pad_id is None):
            if check is not None:
                check()
            width = max(lengths[i] for i in batch)
            ids = np.full((len(batch), width), pad_id if pad_id is not None else 0, dtype=np.int64)
            attention = np.zeros((len(batch), width), dtype=np.int64)
            extra = {k: np.zeros((len(batch), width), dtype=np.int64) for k in encodings[batch[0]].extra}
            for row, i in enumerate(batch):
                enc = encodings[i]
                span = slice(width - lengths[i], width) if left else slice(0, lengths[i])
                ids[row, span] = enc.input_ids
                attention[row, span] = 1
                for k, v in enc.extra.items():
                    extra[k][row, span] = v
            inputs = {k: torch.as_tensor(v, device=device) for k, v in extra.items()}
            with evaluator.gate.hold():
                result = model(
                    input_ids=torch.as_tensor(ids, device=device),
                    attention_mask=torch.as_tensor(attention, device=device),
                    **inputs,
                )
            logits = getattr(result, "logits", None)
            if logits is None:
                logits = result[0] if isinstance(result, (tuple, list)) else result
            if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or logits.shape[0] != len(batch):
                raise ModelOutputError(
                    f"Expected the model to return logits of shape (batch, num_labels), got "
                    f"{getattr(logits, 'shape', type(logits))}. Is this a sequence classification model?"
                )
            values = logits.detach().float().cpu().numpy().astype(np.float64)
            if out is None:
                out = np.zeros((len(encodings), values.shape[1]))
            out[batch] = values
    assert out is not None
    if not np.all(np.isfinite(out)):
        bad = int((~np.isfinite(out)).any(axis=1).sum())
        raise ModelOutputError(
            f"The model returned NaN or infinite outputs for {bad} of {len(out)} examples. Check the model's "
            "weights and dtype (half precision overflows are common; try float32 or autocast='bf16')."
        )
    return out


def cross_entropy(logits: np.ndarray, labels: Sequence[int | None]) -> list[float | None]:
    """-log softmax(logits)[label] per row, in float64; None where a row has no label."""
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    log_z = (top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True)))[:, 0]
    return [None if y is None else float(log_z[i] - logits[i, y]) for i, y in enumerate(labels)]


# --- table logic -----------------------------------------------------------------------------------------


def _sort_value(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if key == "text" and value is not None:
        return str(value).casefold()
    return value


def sort_rows(rows: Sequence[Mapping[str, Any]], sort_by: str, descending: bool = False) -> list[int]:
    """Row positions ordered by one column; rows without a value (no label, no prediction yet) go last.

    Ties are broken by the highest loss first, then by position, so equal rows keep a useful order. For
    `correct`, ascending puts misclassified rows (False) first.
    """
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by must be one of {SORT_KEYS}, got {sort_by!r}.")

    def tie(i: int) -> tuple:
        loss = rows[i].get("loss")
        return (loss is None, -(loss or 0.0), i)

    base = sorted(range(len(rows)), key=tie)
    present = [i for i in base if _sort_value(rows[i], sort_by) is not None]
    missing = [i for i in base if _sort_value(rows[i], sort_by) is None]
    present.sort(key=lambda i: _sort_value(rows[i], sort_by), reverse=descending)  # stable for equal keys
    return present + missing


def _token_key(token: str) -> str:
    return token.strip().casefold()


def filter_rows(
    rows: Sequence[Mapping[str, Any]],
    tokens: Sequence[Sequence[str]],
    *,
    misclassified: bool = False,
    predicted: int | None = None,
    label: int | None = None,
    token: str = "",
) -> set[int]:
    """Positions of the rows that pass every filter given.

    misclassified: only rows whose prediction differs from their label. predicted / label: only rows with
    that predicted / true class index. token: only rows with a player (token or word) equal to it, ignoring
    case and surrounding space.
    """
    query = _token_key(token)
    keep: set[int] = set()
    for i, row in enumerate(rows):
        if misclassified and row.get("correct") is not False:
            continue
        if predicted is not None and row.get("predicted") != predicted:
            continue
        if label is not None and row.get("label") != label:
            continue
        if query and query not in {_token_key(t) for t in tokens[i]}:
            continue
        keep.add(i)
    return keep


# --- global view -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenStat:
    """One token's attributions towards one class across the set."""

    token: str
    mean_abs: float  # mean |SHAP value| over its occurrences
    mean: float  # mean signed SHAP value: > 0 pushes towards the class
    count: int  # occurrences
    examples: int  # examples that contain it
    # 95% lower confidence bound on |mean|: what the ranking sorts by (0 for a single occurrence)
    bound: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "mean_abs": self.mean_abs, "mean": self.mean, "count": self.count,
                "examples": self.examples, "bound": self.bound}


def rank_tokens(
    attributions: Sequence[Attribution | None],
    target: int,
    *,
    min_count: int = 1,
    top: int | None = None,
) -> list[TokenStat]:
    """Tokens ranked by how surely they push towards (or away from) class `target` across the set.

    The ranking is by a 95% lower confidence bound on |mean signed value| over a token's occurrences,
    |mean| - 1.96 sd / sqrt(count) (at least 0; 0 for a single occurrence): a token that pushes the same way
    every time ranks high, while a frequent word whose values are small or change sign from one text to the
    next (stopwords, punctuation) does not, however large its mean |value|. Tokens are grouped ignoring case
    and surrounding space (shown in their most frequent spelling); masked players and examples not explained
    yet (None) are left out. Ties go to the larger |mean|, then the more frequent token.
    """
    sums: dict[str, list[float]] = {}
    spellings: dict[str, dict[str, int]] = {}
    rows: dict[str, set[int]] = {}
    for row, attribution in enumerate(attributions):
        if attribution is None:
            continue
        masked = set(attribution.masked)
        for i, text in enumerate(attribution.tokens):
            key = _token_key(text)
            if not key or i in masked:
                continue
            value = float(attribution.values[i, target])
            acc = sums.setdefault(key, [0.0, 0.0, 0, 0.0])
            acc[0] += abs(value)
            acc[1] += value
            acc[2] += 1
            acc[3] += value * value
            shown = spellings.setdefault(key, {})
            shown[text.strip()] = shown.get(text.strip(), 0) + 1
            rows.setdefault(key, set()).add(row)
    stats = [
        TokenStat(
            token=max(spellings[key].items(), key=lambda kv: (kv[1], kv[0]))[0],
            mean_abs=acc[0] / acc[2],
            mean=acc[1] / acc[2],
            count=int(acc[2]),
            examples=len(rows[key]),
            bound=_lower_bound(acc[1], acc[3], int(acc[2])),
        )
        for key, acc in sums.items()
        if acc[2] >= min_count
    ]
    stats.sort(key=lambda s: (-s.bound, -abs(s.mean), -s.count, s.token))
    return stats if top is None else stats[:top]


def _lower_bound(total: float, squares: float, n: int) -> float:
    """95% lower confidence bound on |mean| from a sum, a sum of squares and a count (0 when n < 2)."""
    if n < 2:
        return 0.0
    mean = total / n
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    return max(0.0, abs(mean) - 1.96 * float(np.sqrt(variance / n)))


# --- widgets ---------------------------------------------------------------------------------------------


class DatasetTable(anywidget.AnyWidget):
    """The table of examples, its filters, the global token view and the batch progress, in one view.

    `rows`, `visible` and the result traits are set here only; the sort, filter, selection and global view
    settings are set by either side, and `visible` (the shown row indices, in order) follows them.
    """

    _esm = _STATIC / "dataset.js"
    _css = _STATIC / "dataset.css"

    labels = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    players = traitlets.Unicode("token").tag(sync=True)
    has_labels = traitlets.Bool(False).tag(sync=True)
    rows = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    visible = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)

    sort_by = traitlets.Unicode("correct").tag(sync=True)
    sort_descending = traitlets.Bool(False).tag(sync=True)
    filter_misclassified = traitlets.Bool(False).tag(sync=True)
    filter_predicted = traitlets.Int(-1).tag(sync=True)
    filter_label = traitlets.Int(-1).tag(sync=True)
    filter_token = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    # A contrastive view's versus class (-1: none): values explain log P(class) - log P(versus), and each row's
    # `target` is the class its contrast is read for.
    versus = traitlets.Int(-1).tag(sync=True)
    global_target = traitlets.Int(0).tag(sync=True)
    global_min_count = traitlets.Int(1).tag(sync=True)
    global_top = traitlets.Int(30).tag(sync=True)
    global_tokens = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)

    state = traitlets.Unicode("predicting").tag(sync=True)
    progress = traitlets.Float(0.0).tag(sync=True)
    n_explained = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    # A run with other methods beside SHAP: their names, and the selected row's values by method (see
    # `DatasetWidget.method_rows`); rows then carry their `disagreement` with SHAP.
    methods = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    method_rows = traitlets.Dict(default_value={}).tag(sync=True)

    @traitlets.validate("sort_by")
    def _valid_sort_by(self, proposal: dict) -> str:
        if proposal["value"] not in SORT_KEYS:
            raise traitlets.TraitError(f"sort_by must be one of {SORT_KEYS}, got {proposal['value']!r}.")
        return proposal["value"]

    @traitlets.validate("filter_predicted", "filter_label", "global_target")
    def _valid_class(self, proposal: dict) -> int:
        value, n = int(proposal["value"]), len(self.labels)
        lowest = 0 if proposal["trait"].name == "global_target" else -1
        if not lowest <= value < max(n, 1):
            raise traitlets.TraitError(
                f"{proposal['trait'].name} must be a class index below {n}{' or -1 (any)' if lowest else ''}, "
                f"got {value}."
            )
        if proposal["trait"].name == "global_target" and value == self.versus >= 0:
            raise traitlets.TraitError(f"global_target is the versus class {self.labels[value]!r}: a class against "
                                       "itself is 0 for every token; choose another class.")
        return value

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict) -> int:
        value = int(proposal["value"])
        if not -1 <= value < len(self.rows):
            raise traitlets.TraitError(f"selected must be a row index below {len(self.rows)} or -1, got {value}.")
        return value

    @traitlets.validate("global_min_count", "global_top")
    def _valid_positive(self, proposal: dict) -> int:
        if int(proposal["value"]) < 1:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be at least 1, got {proposal['value']}.")
        return int(proposal["value"])


def _split_texts(texts: Any) -> tuple[list[str], list[str] | None]:
    """The examples' first texts, and their second texts when every example is a (text, text_pair) pair."""
    if isinstance(texts, (str, tuple)) and not (isinstance(texts, tuple) and texts and isinstance(texts[0], tuple)):
        raise TypeError("texts must be a list of strs or of (text, text_pair) tuples, not one; wrap it in a list.")
    items = list(texts)
    is_pair = [isinstance(t, tuple) for t in items]
    if any(is_pair) and not all(is_pair):
        raise TypeError("texts mixes single texts and (text, text_pair) pairs; give one kind for every example.")
    firsts, seconds = [], []
    for i, t in enumerate(items):
        if isinstance(t, str) and not t.strip():
            raise ValueError(f"texts[{i}] is empty; every example needs text to classify.")
        if not isinstance(t, (str, tuple)):
            raise TypeError(f"texts[{i}] must be a str or a (text, text_pair) tuple, got {type(t).__name__}.")
        try:
            a, b = split_item(t)
        except (TypeError, ValueError) as err:
            raise type(err)(f"texts[{i}]: {err}") from err
        firsts.append(a)
        seconds.append(b)
    return firsts, seconds if any(is_pair) else None


class DatasetWidget(ipywidgets.VBox):
    """Error analysis over a set of texts: a sortable, filterable table with a global token view, above an
    `ExplainWidget` that explains the chosen row.

    Every example is predicted in a few batched forward passes, then explained a few at a time (sharing
    forward passes) on a background thread (progress in the widget and as a tqdm bar), the rows the table
    shows first explained first. `from_results` opens a saved `explain_dataset` run instead. The
    `ExplainWidget` pauses that work while it computes, so the row being looked at always comes first.

    texts: the examples. labels: optional true classes, as class indices or label names (None for an unlabelled
    row); with labels the table opens with misclassified rows first, highest loss first, else with the least
    confident predictions first. selected: the row to show at once; None chooses the table's first row once
    predicted, -1 none. explain_all: explain every row in the background (needed for the global view).
    progress_bar: show a tqdm bar. global_min_count: tokens rarer than this are left out of the global view.
    explain_options (method, max_evals, players, output, target, versus, mask, batch_size, autocast) go to the
    `ExplainWidget`; the batch explains with the settings it starts with, so opening a row is served from the
    shared cache. With `versus` (a class to contrast with) every value explains log P(class) - log P(versus):
    the global view ranks tokens for "<class> vs <versus>", and each row is read for its `target`, or else its
    most likely class other than `versus` (as in `explain_dataset`).

    `selected` (synced with the table), `progress` and `state` mirror the table's traits; `table` holds the
    view's state (sort, filters, global view), `explain_widget` the heatmap, `to_dataframe()` the numbers.
    """

    selected = traitlets.Int(-1)
    progress = traitlets.Float(0.0)
    state = traitlets.Unicode("predicting")

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        texts: Sequence[str] | Sequence[tuple[str, str]],
        labels: Sequence[int | str | None] | None = None,
        *,
        selected: int | None = None,
        explain_all: bool = True,
        progress_bar: bool = True,
        global_min_count: int = 2,
        results: DatasetResults | None = None,
        **explain_options: Any,
    ) -> None:
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string; wrap it in a list.")
        texts, pairs = _split_texts(texts)
        if "text" in explain_options or "text_pair" in explain_options:
            raise TypeError("DatasetWidget explains its rows; choose one with `selected` instead of `text`.")
        self._pairs = pairs
        self.explain_widget = ExplainWidget(model, tokenizer, "", text_pair="" if pairs is not None else None,
                                            **explain_options)
        # The view's own engine, so the batch fills the cache the view reads from.
        self.explainer: Explainer = self.explain_widget.explainer
        names = list(self.explain_widget.labels)
        if len(names) < 2 or getattr(model.config, "problem_type", None) in ("regression", "multi_label_classification"):
            raise ValueError(
                "DatasetWidget needs a single-label classifier (softmax over two or more classes), since it reports "
                "the predicted class and the cross-entropy of the true one; use ExplainWidget for this model."
            )
        if labels is not None:
            labels = list(labels)
            if len(labels) != len(texts):
                raise ValueError(f"labels has {len(labels)} entries but texts has {len(texts)}; give one per text.")
        self._texts = texts
        self._labels = [None] * len(texts) if labels is None else [
            _resolve_label(y, names, i) for i, y in enumerate(labels)
        ]
        ew = self.explain_widget
        self._options = {"method": ew.method, "max_evals": ew.max_evals, "players": ew.players,
                         "output": ew.output, "versus": ew.versus}
        # A contrastive view's class read against versus: a fixed one, or each row's most likely other class.
        self._target = ew.target if ew.versus >= 0 and explain_options.get("target") is not None else None
        self._encodings = [encode(self.explainer.tokenizer, t, self.explainer.max_length, self._pair(i))
                           for i, t in enumerate(texts)]
        self._tokens = [make_players(e, self.explainer.tokenizer, ew.players).texts for e in self._encodings]
        self._logits: np.ndarray | None = None
        self._attributions: list[Attribution | None] = [None] * len(texts)
        self._methods: tuple[str, ...] = ()
        self._method_values: dict[int, dict[str, np.ndarray]] = {}
        if results is not None:
            self._take_results(results)
        self._failure: BaseException | None = None
        self._lock = threading.RLock()
        self._runner = JobRunner(name="shap-widget-dataset")
        self._explain_all = explain_all
        self._progress_bar = progress_bar
        self._auto_select = selected is None

        has_labels = any(y is not None for y in self._labels)
        self.table = DatasetTable(
            labels=names,
            players=ew.players,
            has_labels=has_labels,
            rows=self._row_dicts(),
            sort_by="correct" if has_labels else "probability",
            sort_descending=False,
            global_min_count=global_min_count,
            versus=ew.versus,
            global_target=self._target if self._target is not None else int(self._versus == 0),
            methods=list(self._methods),
        )
        self._refresh_visible()
        if selected is not None:
            self.table.selected = selected
        super().__init__(children=[self.table, ew])
        traitlets.link((self.table, "selected"), (self, "selected"))
        traitlets.dlink((self.table, "progress"), (self, "progress"))
        traitlets.dlink((self.table, "state"), (self, "state"))
        self.table.observe(self._on_view, names=["rows", "sort_by", "sort_descending", "filter_misclassified",
                                                 "filter_predicted", "filter_label", "filter_token"])
        self.table.observe(self._on_global, names=["global_target", "global_min_count", "global_top"])
        self.table.observe(self._on_selected, names=["selected"])
        ew.observe(self._on_explained_text, names=["text", "text_pair"])
        if selected is not None:
            self._show(selected)
            if self._methods:
                self.table.method_rows = self.method_rows(selected)
        self._start()

    @classmethod
    def from_results(cls, path_or_results: str | pathlib.Path | DatasetResults, model: Any, tokenizer: Any,
                     **kwargs: Any) -> "DatasetWidget":
        """Open a finished or partial `explain_dataset` run (its path or results): the table shows the rows
        explained so far, opening one shows its stored explanation at once, and clicks recompute live.

        A run read from disk shows only its finished rows (checked first: a damaged file raises
        `InvalidResults`); an in-memory partial run shows every text and explains the missing ones in the
        background (explain_all=True, the default).
        """
        results = path_or_results if isinstance(path_or_results, DatasetResults) else \
            DatasetResults.load(path_or_results)
        meta = results.meta
        rows = list(range(len(results.texts))) if results.texts_known else results.indices
        names = list(results.class_names)
        options = {"method": meta.get("method", "auto"), "max_evals": meta.get("max_evals", 500),
                   "players": meta.get("players", "token"), "output": meta.get("output"),
                   "mask": meta.get("mask", "auto"), "versus": meta.get("versus"), **kwargs}
        if meta.get("target") is not None:
            options.setdefault("target", meta["target"])
        if len(rows) != len(results.texts):
            results = results.subset(rows)
        labels = [None if y is None else names[y] for y in results.labels]
        return cls(model, tokenizer, results.texts, labels, results=results, **options)

    def _take_results(self, results: DatasetResults) -> None:
        """Rows already explained: their predictions and explanations, served without computing."""
        if list(results.texts) != self._texts:
            raise ValueError("results= holds explanations of other texts than this widget's.")
        names = list(self.explain_widget.labels)
        if list(results.class_names) != names:
            raise ValueError(f"The results are for classes {results.class_names}, but this model has {names}.")
        if results.versus != self._versus:
            def contrast(v: int | None) -> str:
                return "no versus class" if v is None else f"versus={names[v]!r}"

            raise ValueError(f"The results were explained with {contrast(results.versus)}, but this view uses "
                             f"{contrast(self._versus)}; open them with DatasetWidget.from_results, which takes "
                             "the run's contrast.")
        method = results.meta.get("method", self._options["method"])
        self._methods = results.methods
        for i in results.indices:
            self._attributions[i] = results[i]
            self.explain_widget.remember(results[i], method)
            if self._methods:
                self._method_values[i] = results.method_values(i)
        if results.complete:
            probs = np.stack([a.probabilities_full for a in results])
            self._logits = np.log(np.clip(probs, 1e-300, None))  # softmax of log p is p

    # --- public API ---------------------------------------------------------------------------------------

    @property
    def texts(self) -> list[str] | list[tuple[str, str]]:
        if self._pairs is not None:
            return list(zip(self._texts, self._pairs))
        return list(self._texts)

    def _pair(self, i: int) -> str | None:
        return None if self._pairs is None else self._pairs[i]

    @property
    def _versus(self) -> int | None:
        """The class the batch contrasts every row with, or None."""
        return None if self._options["versus"] < 0 else self._options["versus"]

    @property
    def labels(self) -> list[int | None]:
        """True class index per row (None where unlabelled)."""
        return list(self._labels)

    @property
    def class_names(self) -> list[str]:
        return list(self.table.labels)

    @property
    def logits(self) -> np.ndarray:
        """Raw model outputs (N, C) for every row."""
        self._wait_for_predictions()
        assert self._logits is not None
        return self._logits.copy()

    @property
    def probabilities(self) -> np.ndarray:
        """Class probabilities (N, C) for every row."""
        return class_probabilities(self.logits, "softmax")

    @property
    def attributions(self) -> list[Attribution | None]:
        """Each row's explanation (None for rows not explained yet), as computed by the batch."""
        with self._lock:
            return list(self._attributions)

    @property
    def visible(self) -> list[int]:
        """Row indices the table shows, in its order (after sorting and filtering)."""
        return list(self.table.visible)

    def select(self, index: int) -> "DatasetWidget":
        """Open row `index` in the explanation view."""
        self.table.selected = int(index)
        return self

    def wait(self, timeout: float | None = None) -> "DatasetWidget":
        """Block until every row is predicted and explained and the chosen row's view is ready."""
        if not self._runner.wait(timeout):
            raise TimeoutError(f"The dataset was not explained within {timeout} s.")
        if self.table.state == "error" and self._failure is not None:
            raise RuntimeError(f"Explaining the dataset failed: {self.table.error}") from self._failure
        self.explain_widget.wait(timeout)
        return self

    def to_dataframe(self, visible_only: bool = False):
        """The table as a pandas DataFrame indexed by row: text, label, predicted, probability (of the
        prediction), label_probability, loss, correct, and P(<class>) per class (`P[<c>: <label>]` for every
        class when two share a label); with `versus`, contrast names the contrast each row is read for ("negative
        vs positive"); for a run with other methods, their mean disagreement with SHAP. `visible_only` keeps the
        table's current filter and order."""
        import pandas as pd

        with self._lock:
            rows = self._row_dicts()
            order = list(self.table.visible) if visible_only else list(range(len(rows)))
        names = self.class_names
        fixed = ["text"] + (["text_pair"] if self._pairs is not None else []) + [
            "label", "predicted", "probability", "label_probability", "loss", "correct"]
        (columns,) = class_columns(names, fixed, [PROBABILITY_COLUMNS])
        records = []
        for i in order:
            row = rows[i]
            record = {
                "text": row["text"],
                **({"text_pair": row["text_pair"]} if self._pairs is not None else {}),
                "label": None if row["label"] is None else names[row["label"]],
                "predicted": None if row["predicted"] is None else names[row["predicted"]],
                "probability": row["probability"],
                "label_probability": row["label_probability"],
                "loss": row["loss"],
                "correct": row["correct"],
            }
            for c, name in enumerate(columns):
                record[name] = row["probabilities"][c] if row["probabilities"] else None
            if self._versus is not None:
                target = row.get("target")
                record["contrast"] = None if target is None else f"{names[target]} vs {names[self._versus]}"
            if self._methods:
                record["disagreement"] = row["disagreement"]
            records.append(record)
        extra = ([] if self._versus is None else ["contrast"]) + (["disagreement"] if self._methods else [])
        return pd.DataFrame.from_records(records, index=pd.Index(order, name="row"), columns=fixed + columns + extra)

    def token_ranking(self, target: int | str | None = None, min_count: int = 1, top: int | None = None):
        """Tokens ranked towards class `target` (default: the global view's class) over the rows explained so
        far, by a 95% lower bound on |mean SHAP value| (see `rank_tokens`), as a pandas DataFrame (token,
        mean_abs, mean, count, examples, bound)."""
        import pandas as pd

        from ..engine.explain import resolve_target

        c = self.table.global_target if target is None else resolve_target(target, self.class_names)
        if c == self._versus:
            raise ValueError(f"{self.class_names[c]!r} is the versus class: a class against itself is 0 for every "
                             "token; rank towards another class.")
        stats = rank_tokens(self.attributions, c, min_count=min_count, top=top)
        frame = pd.DataFrame([s.to_json() for s in stats],
                             columns=["token", "mean_abs", "mean", "count", "examples", "bound"])
        if self._versus is not None:
            frame.attrs["contrast"] = f"{self.class_names[c]} vs {self.class_names[self._versus]}"
        return frame

    # --- view state ----------------------------------------------------------------------------------------

    def _row_dicts(self) -> list[dict[str, Any]]:
        rows = []
        probs = None if self._logits is None else class_probabilities(self._logits, "softmax")
        losses = [None] * len(self._texts) if self._logits is None else cross_entropy(self._logits, self._labels)
        for i, text in enumerate(self._texts):
            label = self._labels[i]
            row: dict[str, Any] = {"index": i, "text": text, "label": label, "predicted": None, "probability": None,
                                   "label_probability": None, "loss": None, "correct": None, "probabilities": []}
            if self._pairs is not None:
                row["text_pair"] = self._pairs[i]
            if self._methods:
                row["disagreement"] = self._disagreements(i)[1]
            if probs is not None:
                predicted = int(np.argmax(probs[i]))
                if self._versus is not None:
                    row["target"] = contrasted_class(probs[i], self._versus, self._target)
                row.update(
                    predicted=predicted,
                    probability=float(probs[i, predicted]),
                    probabilities=[float(p) for p in probs[i]],
                    label_probability=None if label is None else float(probs[i, label]),
                    loss=losses[i],
                    correct=None if label is None else predicted == label,
                )
            rows.append(row)
        return rows

    def _disagreements(self, i: int) -> tuple[dict[str, float | None], float | None]:
        """Row i's disagreement with SHAP per method and their mean (nothing for a row without methods)."""
        values = self._method_values.get(i)
        if values is None:
            return {}, None
        return disagreements(values["shap"], {m: values[m] for m in self._methods})

    def method_rows(self, index: int) -> dict[str, Any]:
        """Row `index`'s values by method for its predicted class, as the view draws them side by side: tokens,
        label, and per method its values and disagreement with SHAP (empty for a row without methods)."""
        values = self._method_values.get(index)
        attribution = self._attributions[index] if 0 <= index < len(self._attributions) else None
        if values is None or attribution is None:
            return {}
        per, mean = self._disagreements(index)
        return {
            "index": index, "tokens": list(attribution.tokens),
            "label": self.class_names[explained_class(attribution)], "disagreement": mean,
            "rows": [{"method": m, "values": [float(v) for v in vs], "disagreement": per.get(m)}
                     for m, vs in values.items()],
        }

    def _refresh_visible(self) -> None:
        t = self.table
        with self._lock:
            rows = t.rows
            keep = filter_rows(
                rows,
                self._tokens,
                misclassified=t.filter_misclassified,
                predicted=None if t.filter_predicted < 0 else t.filter_predicted,
                label=None if t.filter_label < 0 else t.filter_label,
                token=t.filter_token,
            )
            t.visible = [i for i in sort_rows(rows, t.sort_by, t.sort_descending) if i in keep]

    def _on_view(self, change: dict) -> None:
        self._refresh_visible()

    def _refresh_global(self) -> None:
        t = self.table
        with self._lock:
            stats = rank_tokens(self._attributions, t.global_target, min_count=t.global_min_count, top=t.global_top)
            t.global_tokens = [s.to_json() for s in stats]

    def _on_global(self, change: dict) -> None:
        self._refresh_global()

    def _show(self, index: int) -> None:
        ew = self.explain_widget
        if 0 <= index < len(self._texts) and (ew.text, ew.text_pair) != (self._texts[index], self._pair(index) or ""):
            with ew.hold_trait_notifications():
                ew.text_pair = self._pair(index) or ""
                ew.text = self._texts[index]

    def _on_selected(self, change: dict) -> None:
        self._show(change["new"])
        if self._methods:
            self.table.method_rows = self.method_rows(change["new"])

    def _on_explained_text(self, change: dict) -> None:
        # A text typed into the explanation view is no longer the chosen row.
        i = self.table.selected
        ew = self.explain_widget
        if 0 <= i < len(self._texts) and (ew.text, ew.text_pair) != (self._texts[i], self._pair(i) or ""):
            self.table.selected = -1

    # --- batch computation ---------------------------------------------------------------------------------

    def _start(self) -> None:
        bar = None
        if self._progress_bar and self._explain_all:
            from tqdm.auto import tqdm

            # Created here, on the caller's thread, so a notebook shows it under the cell that made the widget.
            bar = tqdm(total=len(self._texts), desc="Explaining", unit="text")
        self._runner.submit(lambda generation: self._run(generation, bar))

    def _wait_for_predictions(self) -> None:
        while self._logits is None:
            if self.table.state == "error":
                raise RuntimeError(f"Predicting the dataset failed: {self.table.error}") from self._failure
            if self._runner.stopped:
                raise RuntimeError("The dataset's background work was stopped (the interpreter is exiting).")
            self._runner.wait(0.05)

    def _run(self, generation: int, bar: Any) -> None:
        # Background work: the explanation view (the row someone is looking at) gets the model at the next batch.
        with background():
            self._run_in_background(generation, bar)

    def _run_in_background(self, generation: int, bar: Any) -> None:
        try:
            self._predict(generation)
            if self._explain_all:
                self._explain(generation, bar)
            with self._lock:
                with self.table.hold_sync():
                    self.table.progress = 1.0
                    self.table.state = "ready"
        except Superseded:
            raise
        except Exception as err:  # noqa: BLE001 - shown in the widget, which stays usable
            with self._lock:
                self._failure = err
                with self.table.hold_sync():
                    self.table.error = f"{type(err).__name__}: {err}"
                    self.table.state = "error"
        finally:
            if bar is not None:
                bar.close()

    def _predict(self, generation: int) -> None:
        logits = self._logits if self._logits is not None else predict_logits(
            self.explainer, self._encodings, check=lambda: self._runner.check(generation))
        with self._lock:
            self._logits = logits
            with self.table.hold_sync():
                self.table.rows = self._row_dicts()
                self.table.state = "explaining" if self._explain_all else "ready"
        if self._auto_select and self.table.selected < 0 and self.table.visible:
            self.table.selected = self.table.visible[0]

    def _explain(self, generation: int, bar: Any) -> None:
        # The rows shown first are explained first; then the rest in row order. A few texts at a time share
        # forward passes; the view pre-empts between passes.
        shown = list(self.table.visible)
        order = shown + sorted(set(range(len(self._texts))) - set(shown))
        done = sum(a is not None for a in self._attributions)
        order = [i for i in order if self._attributions[i] is None]
        if bar is not None and done:
            bar.update(done)
        last_refresh = time.monotonic()
        for start in range(0, len(order), _TEXTS_PER_CHUNK):
            chunk = order[start:start + _TEXTS_PER_CHUNK]
            attributions = self.explainer.attribute_many(
                [(self._texts[i], self._pair(i)) if self._pair(i) is not None else self._texts[i] for i in chunk],
                method=self._options["method"],
                output=self._options["output"],
                players=self._options["players"],
                max_evals=self._options["max_evals"],
                on_progress=lambda *_: self._runner.check(generation),
                **({} if self._versus is None else {"versus": self._versus}),
            )
            done += len(chunk)
            with self._lock:
                for i, attribution in zip(chunk, attributions):
                    self._attributions[i] = attribution
                with self.table.hold_sync():
                    self.table.n_explained = done
                    self.table.progress = done / len(self._texts)
            if bar is not None:
                bar.update(len(chunk))
            now = time.monotonic()
            if now - last_refresh > _GLOBAL_REFRESH_S or start + len(chunk) == len(order):
                last_refresh = now
                self._refresh_global()
        if not order:
            self._refresh_global()
