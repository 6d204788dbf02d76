"""Explaining a whole dataset: texts packed into shared forward passes, results kept as they finish.

`explain_dataset` predicts and explains many texts with `Explainer.attribute_many`, a chunk of texts at a
time; with `path=` each finished chunk is written as a Parquet part (see `store`), so a killed run keeps
every finished row and a rerun computes only the rest; with a Dask `client` the chunks run on its workers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
import operator
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch

from ..engine.columns import class_columns
from ..engine.certainty import AUTO, check_max_evals
from ..engine.estimators import METHODS
from ..engine.explain import Attribution, Explainer, get_explainer, resolve_target
from ..engine.game import OUTPUTS, PLAYER_KINDS, most_likely
from ..engine.inputs import Item, split_item
from ..engine.memory import release_freed_memory
from . import methods as other_methods
from .store import ResultStore, ResultsMismatch, check_path
from .validation import InvalidResults

__all__ = ["DatasetResults", "InvalidResults", "ResultsMismatch", "explain_dataset", "resolve_label"]

PROBABILITY_COLUMNS = ("P({label})", "P[{c}: {label}]")
_DATASET_COLUMNS = ("text", "text_pair", "label", "predicted", "probability", "correct", "tokens", "values",
                    "base_values", "method", "n_evals")
# Appended for a contrastive run (`versus=`): the row's contrast and the values that explain it.
_CONTRAST_COLUMNS = ("target", "versus", "contrast", "contrast_values", "contrast_base", "contrast_output")

# Texts per chunk (one Parquet part each): enough rows to fill the device's passes, small enough that an
# interrupted run loses little.
_CHUNK_TEXTS = {"cpu": 16, "cuda": 256}


def resolve_label(label: Any, names: Sequence[str], position: int) -> int | None:
    """A true class index from an index or a label name (case-insensitive); None (or NaN) for no label."""
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return None
    if isinstance(label, str):
        if label in names:
            return list(names).index(label)
        folded = [n.casefold() for n in names]
        if label.casefold() in folded:
            return folded.index(label.casefold())
        raise ValueError(f"labels[{position}] = {label!r} is not a class of this model: {list(names)}.")
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < len(names):
        return int(label)
    raise ValueError(
        f"labels[{position}] = {label!r} must be a class index in 0..{len(names) - 1} or a label name "
        f"({list(names)})."
    )


def check_texts(texts: Any) -> list[Item]:
    """The texts as a list of strs or (text, text_pair) pairs, refused with the position of the first bad one."""
    if isinstance(texts, (str, tuple)):
        raise TypeError("texts must be a list of strings or of (text, text_pair) pairs, not one string or pair; "
                        "wrap it in a list.")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"texts must be a sequence of strings, got {type(texts).__name__}.") from None
    for i, text in enumerate(texts):
        if not isinstance(text, (str, tuple)):
            raise TypeError(f"texts[{i}] must be a str or a (text, text_pair) pair, got {type(text).__name__}.")
        if isinstance(text, str) and not text.strip():
            raise ValueError(f"texts[{i}] is empty; every example needs text to classify.")
        if isinstance(text, tuple):
            try:
                split_item(text)
            except (TypeError, ValueError) as err:
                raise type(err)(f"texts[{i}]: {err}") from err
    return texts


def item_of(row: dict[str, Any]) -> Item:
    """The input a stored row explains: its text, or its (text, text_pair) pair."""
    return row["text"] if row.get("text_pair") is None else (row["text"], row["text_pair"])


def check_options(method: Any, max_evals: Any, players: Any, output: Any) -> None:
    """Refuse bad options before anything is written, so a typo never becomes a run's recorded settings."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    check_max_evals(max_evals)
    if players not in PLAYER_KINDS:
        raise ValueError(f"players must be one of {PLAYER_KINDS}, got {players!r}.")
    if output is not None and output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}.")


def check_contrast(versus: Any, target: Any, names: Sequence[str]) -> dict[str, str | None]:
    """The run's contrast as label names, {"versus": ..., "target": ...}, refused when it cannot be explained."""
    if versus is None:
        if target is not None:
            raise ValueError("target= names the class contrasted with versus=; without versus every class's "
                             "values are stored. Add versus=<class>, or leave target out.")
        return {"versus": None, "target": None}
    if len(names) < 2:
        raise ValueError("versus compares two classes, but this model has one output; leave versus=None.")
    v = resolve_target(versus, names, "versus")
    t = None if target is None else resolve_target(target, names)
    if t == v:
        raise ValueError(f"target and versus are both {names[v]!r}: a class against itself explains nothing. "
                         "Choose two different classes, or leave target out to use each row's most likely other "
                         "class.")
    return {"versus": names[v], "target": None if t is None else names[t]}


def model_identity(model: torch.nn.Module) -> dict[str, str]:
    """The model's name, a hash of its config, and a hash of its classification head's weights.

    Enough to tell that results on disk came from another model, without hashing every weight.
    """
    config = model.config.to_dict()
    for k in ("_name_or_path", "transformers_version", "_commit_hash"):
        config.pop(k, None)
    config_hash = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]
    head = hashlib.sha256()
    for p in list(model.parameters())[-2:]:
        head.update(p.detach().float().cpu().numpy().tobytes())
    name = getattr(model.config, "_name_or_path", "") or type(model).__name__
    return {"model_name": os.path.basename(str(name).rstrip("/")) or type(model).__name__,
            "config_hash": config_hash, "weights_hash": head.hexdigest()[:16]}


def contrasted_class(probabilities: Sequence[float], versus: int | None, target: int | None = None) -> int | None:
    """The class a text's contrast with `versus` is read for (None without `versus`).

    A fixed `target`, else the most likely class other than `versus`: the prediction, or the runner-up for a
    text predicted as the versus class itself (whose contrast with itself would be 0 everywhere).
    """
    if versus is None:
        return None
    return int(target) if target is not None else most_likely(probabilities, versus)


def to_row(index: int, attribution: Attribution, label: int | None, meta: dict[str, Any]) -> dict[str, Any]:
    """One Parquet row for a finished text (errors: standard errors of a sampled estimate, else None)."""
    a = attribution
    target = contrasted_class(a.probabilities_full, a.versus,
                              None if meta.get("target") is None else a.labels.index(meta["target"]))
    return {
        "index": int(index), "text": a.text, "text_pair": a.text_pair,
        "segments": None if a.segments is None else [int(g) for g in a.segments],
        "label": None if label is None else a.labels[label],
        "predicted": a.labels[int(np.argmax(a.probabilities_full))],
        "probabilities": [float(p) for p in a.probabilities_full],
        "players": list(a.tokens), "prefixes": list(a.prefixes),
        "values": np.asarray(a.values, dtype=np.float64).tolist(),
        "errors": None if getattr(a, "errors", None) is None else np.asarray(a.errors, dtype=np.float64).tolist(),
        "base_values": [float(v) for v in a.base_values], "outputs": [float(v) for v in a.outputs],
        "method": a.method, "max_evals": stored_budget(a.max_evals), "n_evals": int(a.n_evals),
        "seed": int(meta["seed"]),
        "output": a.output, "player_kind": a.players, "truncated": bool(a.truncated),
        "model_name": meta["model_name"], "config_hash": meta["config_hash"],
        "versus": None if a.versus is None else a.labels[a.versus],
        "target": None if target is None else a.labels[target],
        "settled": None if a.settled is None else bool(a.settled),
    }


def stored_budget(max_evals: int | str) -> int:
    """The Parquet `max_evals` column: the fixed budget, or 0 for "auto" (`n_evals` holds what was used)."""
    return 0 if max_evals == AUTO else int(max_evals)


def read_budget(stored: int) -> int | str:
    """The budget a stored row was computed with (see `stored_budget`)."""
    return AUTO if int(stored) == 0 else int(stored)


def from_row(row: dict[str, Any], class_names: Sequence[str]) -> Attribution:
    """The Attribution a stored row holds (nothing masked, so its probabilities are the full input's)."""
    probs = np.asarray(row["probabilities"], dtype=np.float64)
    shape = (len(row["players"]), len(class_names))
    errors = row.get("errors")
    return Attribution(
        text=row["text"], tokens=list(row["players"]), prefixes=list(row["prefixes"]),
        players=row["player_kind"], labels=list(class_names),
        values=np.asarray(row["values"], dtype=np.float64).reshape(shape),
        errors=None if errors is None else np.asarray(errors, dtype=np.float64).reshape(shape), seed=int(row["seed"]),
        base_values=np.asarray(row["base_values"], dtype=np.float64),
        outputs=np.asarray(row["outputs"], dtype=np.float64), probabilities=probs, probabilities_full=probs.copy(),
        output=row["output"], method=row["method"], masked=(), max_evals=read_budget(row["max_evals"]),
        n_evals=int(row["n_evals"]), truncated=bool(row["truncated"]), text_pair=row.get("text_pair"),
        segments=None if row.get("segments") is None else [int(g) for g in row["segments"]],
        versus=None if row.get("versus") is None else list(class_names).index(row["versus"]),
        settled=row.get("settled"),
    )


class _ByIndex(Sequence):
    """Per-text values of a run read from disk: as long as the run, holding only the rows present.

    The run's length comes from `_run.json`, which may claim any size, so nothing is allocated by it.
    """

    def __init__(self, n: int, values: dict[int, Any], default: Any) -> None:
        self._n, self._values, self._default = n, values, default

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        i = operator.index(index)
        i = i + self._n if i < 0 else i
        if not 0 <= i < self._n:
            raise IndexError(f"index {index} is out of range for {self._n} texts")
        return self._values.get(i, self._default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple, _ByIndex)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        shown = ", ".join(repr(self[i]) for i in range(min(self._n, 6)))
        return f"[{shown}{', ...' if self._n > 6 else ''}] ({self._n} texts, {len(self._values)} known)"


class DatasetResults:
    """The explanations of a dataset run, by input position: iterate (input order), `len`, `results[i]`.

    A run stopped early (interrupted, killed, or a failing worker) holds the rows that finished: `complete`
    says whether every text is there and `missing` lists the rest. `computed` lists the rows this call
    evaluated (the others were read from `path`).
    """

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[int | None],
        class_names: Sequence[str],
        meta: dict[str, Any],
        path: str | os.PathLike | None = None,
    ) -> None:
        self.texts = texts if isinstance(texts, _ByIndex) else list(texts)
        self.labels = labels if isinstance(labels, _ByIndex) else list(labels)
        self.class_names = list(class_names)
        self.meta = dict(meta)
        self.path = None if path is None else os.fspath(path)
        self._rows: dict[int, Attribution] = {}
        self._methods: dict[int, dict[str, np.ndarray]] = {}  # other methods' values per row (see `methods`)
        self.computed: list[int] = []

    @classmethod
    def load(cls, path: str | os.PathLike) -> "DatasetResults":
        """A finished or partial run from its directory; only its finished rows' texts are known.

        `_run.json` and every part are checked before use: a malformed, truncated or foreign file raises
        `InvalidResults` naming the file and the field, and numbers that are NaN or infinite are refused.
        """
        store = ResultStore(path)
        meta = store.read_meta()
        if meta is None:
            raise FileNotFoundError(f"{os.fspath(path)!r} holds no shap-widget results (no {store.path / '_run.json'}).")
        rows = store.read_rows(meta)
        names = meta["labels"]
        texts = {i: item_of(row) for i, row in rows.items()}
        labels = {i: names.index(row["label"]) for i, row in rows.items() if row["label"] is not None}
        n = meta["n_texts"]
        out = cls(_ByIndex(n, texts, ""), _ByIndex(n, labels, None), names, meta, path)
        for i, row in rows.items():
            out.add(i, from_row(row, names), other_methods.from_row(row, out.methods))
        return out

    @property
    def texts_known(self) -> bool:
        """Whether every text is known: False for a run read from disk, which holds only its finished rows."""
        return not isinstance(self.texts, _ByIndex)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Attribution]:
        return (self._rows[i] for i in sorted(self._rows))

    def __getitem__(self, index: int) -> Attribution:
        if index < 0:
            index += len(self.texts)
        if index not in self._rows:
            if 0 <= index < len(self.texts):
                raise KeyError(f"Row {index} has not been explained yet (the run stopped early); rerun to resume.")
            raise IndexError(f"Row {index} is out of range; the run has {len(self.texts)} texts.")
        return self._rows[index]

    def __contains__(self, index: object) -> bool:
        return index in self._rows

    @property
    def indices(self) -> list[int]:
        return sorted(self._rows)

    @property
    def missing(self) -> list[int]:
        return [i for i in range(len(self.texts)) if i not in self._rows]

    @property
    def complete(self) -> bool:
        return len(self._rows) == len(self.texts)

    def subset(self, index: Sequence[int]) -> "DatasetResults":
        """The results of rows `index` only, renumbered 0..len(index)-1 in that order."""
        out = DatasetResults([self.texts[i] for i in index], [self.labels[i] for i in index], self.class_names,
                             {**self.meta, "n_texts": len(index)}, self.path)
        for k, i in enumerate(index):
            if i in self._rows:
                out.add(k, self._rows[i], self._methods.get(i))
        return out

    def add(self, index: int, attribution: Attribution, methods: dict[str, np.ndarray] | None = None) -> None:
        self._rows[index] = attribution
        if methods:
            self._methods[index] = methods

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods computed beside SHAP for every row (`explain_dataset(..., methods=)`), in order."""
        return tuple(self.meta.get("methods") or ())

    def method_values(self, index: int) -> dict[str, np.ndarray]:
        """Row `index`'s values (n_players,) for its explained (predicted) class by method: "shap" first, then
        each of `methods`, as `compare` gives them for that text."""
        attribution = self[index]
        return {"shap": other_methods.explained_values(attribution), **self._methods.get(index, {})}

    def disagreement(self):
        """Per explained row, 1 - Kendall's tau-b between SHAP's ranking of the players and each method's, and
        their mean ("disagreement"), as a pandas DataFrame sorted by that mean, largest first (undefined last):
        the texts where the explanations tell different stories come first."""
        import pandas as pd

        if not self.methods:
            raise ValueError("This run computed no methods beside SHAP; rerun explain_dataset with methods=[...] "
                             "(for instance ['occlusion', 'lime']) to compare them.")
        records = []
        for i in self.indices:
            values = self.method_values(i)
            per, mean = other_methods.disagreements(values["shap"], {name: values[name] for name in self.methods})
            records.append({**per, "disagreement": mean})
        frame = pd.DataFrame.from_records(records, index=pd.Index(self.indices, name="row"),
                                          columns=[*self.methods, "disagreement"]).astype(float)
        return frame.sort_values("disagreement", ascending=False, na_position="last", kind="stable")

    @property
    def versus(self) -> int | None:
        """The class every row is contrasted with (`explain_dataset(versus=...)`), or None for a plain run."""
        versus = self.meta.get("versus")
        return None if versus is None else self.class_names.index(versus)

    def target_of(self, index: int) -> int | None:
        """The class row `index` is explained for against `versus` (None for a plain run): the run's fixed
        `target`, else the row's most likely class other than `versus` (see `contrasted_class`)."""
        target, a = self.meta.get("target"), self[index]
        return contrasted_class(a.probabilities_full, a.versus,
                                None if target is None else self.class_names.index(target))

    def to_dataframe(self):
        """One row per explained text: text, text_pair (None for single texts), label, predicted, probability,
        correct, P(<class>), tokens, values (n_players, C), base_values, method and n_evals; for a run with
        `methods`, then values_<method> (n_players,) for the predicted class, disagreement_<method> (1 - Kendall's
        tau with SHAP's values for that class) and their mean, disagreement.

        When two classes share a label, every class's column is named `P[<c>: <label>]` instead, so none is
        dropped. A contrastive run (`versus=`) adds target, versus, contrast (e.g. "negative vs positive"),
        and that contrast's contrast_values (n_players,), contrast_base and contrast_output, which add up:
        contrast_base + sum(contrast_values) = contrast_output = log P(target) - log P(versus)."""
        import pandas as pd

        (columns,) = class_columns(self.class_names, _DATASET_COLUMNS, [PROBABILITY_COLUMNS])
        records = []
        for i in self.indices:
            a = self._rows[i]
            predicted = int(np.argmax(a.probabilities_full))
            label = self.labels[i]
            record = {
                "text": a.text,
                "text_pair": a.text_pair,
                "label": None if label is None else self.class_names[label],
                "predicted": self.class_names[predicted],
                "probability": float(a.probabilities_full[predicted]),
                "correct": None if label is None else predicted == label,
            }
            record.update({name: float(p) for name, p in zip(columns, a.probabilities_full)})
            record.update(tokens=list(a.tokens), values=a.values, base_values=a.base_values, method=a.method,
                          n_evals=a.n_evals)
            if a.versus is not None:
                t = self.target_of(i)
                record.update(zip(_CONTRAST_COLUMNS, (
                    self.class_names[t], self.class_names[a.versus], a.output_names[t], a.values[:, t].copy(),
                    float(a.base_values[t]), float(a.outputs[t]))))
            if self.methods:
                record.update(other_methods.columns(a, self._methods[i]))
            records.append(record)
        return pd.DataFrame.from_records(records, index=pd.Index(self.indices, name="row"))

    def __repr__(self) -> str:
        state = "complete" if self.complete else f"{len(self.texts) - len(self)} missing"
        where = f", path={self.path!r}" if self.path else ""
        return f"DatasetResults({len(self)} of {len(self.texts)} texts, {state}{where})"


def explain_dataset(
    model: torch.nn.Module | None,
    tok: Any,
    texts: Sequence[str],
    *,
    labels: Sequence[int | str | None] | None = None,
    path: str | os.PathLike | None = None,
    client: Any = None,
    model_loader: Callable[[], tuple[torch.nn.Module, Any]] | None = None,
    method: str = "auto",
    max_evals: int | str = "auto",
    output: str | None = None,
    players: str = "token",
    seed: int = 0,
    mask: str | int = "auto",
    batch_size: int | str = "auto",
    chunk_size: int | None = None,
    progress_bar: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    explainer: Explainer | None = None,
    versus: int | str | None = None,
    target: int | str | None = None,
    methods: Sequence[str] | None = None,
) -> DatasetResults:
    """Predict and explain every text, many texts per forward pass; returns the results by input position.

    labels: optional true classes (indices or label names). path: a directory to keep results in as Parquet
    parts as they finish; rerunning with the same path resumes, computing only the missing rows, and is
    refused when the model or settings differ. client: a `distributed.Client` to run chunks on its workers,
    each building the model once from `model_loader` (a picklable callable returning `(model, tok)`); `model`
    and `tok` may then be None. chunk_size: texts per chunk (one Parquet part, one Dask task).
    A KeyboardInterrupt stops at the next chunk and returns what finished (`results.complete` is False).

    versus: a class (index or label) to contrast every row with, "why this class rather than `versus`?": each
    class column c of a row's values then explains log P(c) - log P(versus) (see `shap_widget.explain`), and
    the row records the contrast it is read for, `target` vs `versus`. target: that class for every row;
    by default each row's most likely class other than `versus` (its prediction, or for a row predicted as
    `versus` its runner-up, so no row explains a class against itself). Both are recorded in the run's
    settings, and resuming with another contrast is refused.
    methods: other explanation methods to compute beside SHAP for each row's predicted class ("occlusion",
    "lime", "integrated_gradients", "gradient_x_input", "attention", ...; see `shap_widget.runner.methods`),
    with each one's disagreement with SHAP; not with client=.
    """
    texts = check_texts(texts)
    others = () if methods is None else other_methods.check_methods(methods)
    if others and client is not None:
        raise ValueError("methods= runs in this process, not on Dask workers: leave out client= (the methods cost "
                         "about as much as SHAP per text), or run SHAP on the cluster and the methods without it.")
    if client is not None and model_loader is None:
        raise ValueError("client= needs model_loader=: a picklable function returning (model, tokenizer), such as "
                         "shap_widget.demo.load_sentiment_model, so each Dask worker can build the model once.")
    if model_loader is not None and not callable(model_loader):
        raise TypeError(f"model_loader must be a callable returning (model, tokenizer), got {type(model_loader).__name__}.")
    if path is not None:
        check_path(path)
    if model is None:
        if model_loader is None:
            raise ValueError("Pass a model and tokenizer, or model_loader= to build them.")
        model, tok = model_loader()
    if explainer is None:
        explainer = get_explainer(model, tok, mask=mask, batch_size=batch_size)
    names = list(explainer.labels)
    if labels is not None:
        if isinstance(labels, str):
            raise TypeError("labels must be a sequence with one label per text, not one string.")
        labels = list(labels)
        if len(labels) != len(texts):
            raise ValueError(f"labels has {len(labels)} entries but texts has {len(texts)}; give one per text.")
    resolved = [None] * len(texts) if labels is None else [resolve_label(y, names, i) for i, y in enumerate(labels)]
    options = {"method": method, "max_evals": max_evals, "output": output, "players": players, "seed": seed}
    check_options(method, max_evals, players, output)
    contrast = check_contrast(versus, target, names)
    if others and contrast["versus"] is not None:
        raise ValueError("methods= compares the methods on each row's predicted class, not on a contrast: run "
                         "explain_dataset once with versus= and once with methods=, or compare one text's "
                         "contrast with shap_widget.compare(..., versus=...).")
    if contrast["versus"] is not None:
        options["versus"] = names.index(contrast["versus"])
    meta = {**model_identity(model), "method": method, "max_evals": check_max_evals(max_evals), "players": players,
            "output": output, "seed": int(seed), "mask": explainer.options["mask"], "labels": names,
            "n_texts": len(texts), **contrast}
    if others:
        meta["methods"] = list(others)
    results = DatasetResults(texts, resolved, names, meta, path)
    store = None
    if path is not None:
        store = ResultStore(path)
        settings = store.check(meta)
        for i, row in store.read_rows().items():
            if i < len(texts) and item_of(row) != texts[i]:
                raise ResultsMismatch(
                    f"Row {i} in {os.fspath(path)!r} explains {str(item_of(row))[:60]!r}, not texts[{i}] = "
                    f"{str(texts[i])[:60]!r}: those results belong to another dataset. Choose another path."
                )
            if i < len(texts):
                results.add(i, from_row(row, names), other_methods.from_row(row, others))
    todo = results.missing
    if others and todo:
        # before anything is written, on a text this run will explain (none when it resumes a finished run)
        other_methods.probe(explainer, texts[todo[0]], others, players=players, output=output, max_evals=max_evals,
                            seed=seed)
    if store is not None:
        store.open(settings)
    device = explainer.evaluator.device.type
    size = chunk_size or _CHUNK_TEXTS["cuda" if device == "cuda" else "cpu"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
    bar = None
    if progress_bar and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), initial=len(texts) - len(todo), desc="Explaining", unit="text")

    def finished(index: list[int], attributions: list[Attribution]) -> None:
        new = [(i, a) for i, a in zip(index, attributions) if i not in results]  # a retried task's rows: once
        values = [other_methods.row_values(explainer, a, others, max_evals=max_evals, seed=seed) if others else {}
                  for _, a in new]
        if store is not None and new:
            store.write({**to_row(i, a, resolved[i], meta), **(other_methods.columns(a, v) if v else {})}
                        for (i, a), v in zip(new, values))
        for (i, a), v in zip(new, values):
            results.add(i, a, v)
            results.computed.append(i)
        release_freed_memory()
        if bar is not None:
            bar.update(len(new))
        if on_progress is not None:
            on_progress(len(results), len(texts))

    try:
        if client is not None:
            from .dask import run_on_cluster

            run_on_cluster(client, model_loader, texts, chunks, options,
                           {"mask": mask, "batch_size": batch_size}, finished)
        else:
            for chunk in chunks:
                finished(chunk, explainer.attribute_many([texts[i] for i in chunk], **options))
    except KeyboardInterrupt:
        where = f"; rerun with path={results.path!r} to resume" if results.path else ""
        warnings.warn(f"Interrupted: {len(results)} of {len(texts)} texts explained{where}.", stacklevel=2)
    finally:
        if bar is not None:
            bar.close()
    return results
