"""Checks of a results folder read from disk, which may come from anywhere: `_run.json`, each part's schema, each row.

A result folder is data, not code: it may be damaged, truncated, written by another tool, or crafted. Every
field is checked for its type and shape before use, sizes are bounded by the rows actually present (never by a
count the file claims), and numbers must be finite. A violation raises `InvalidResults`, naming the file, the
row and the field, instead of a KeyError or a numpy error from deep inside.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

# _run.json is a few hundred bytes; anything much larger is not one (and is never read whole into memory).
MAX_RUN_FILE_BYTES = 16 * 2**20
_DAMAGED = ("The folder is damaged or was not written by shap-widget: delete that file (a resumed run recomputes "
            "its rows) or choose another path.")


class InvalidResults(ValueError):
    """A results folder holds a file that is not a valid shap-widget run: malformed, truncated or foreign."""


def damaged(file: Path | str, what: str) -> InvalidResults:
    """The error for a bad file: what is wrong with it, and what to do."""
    return InvalidResults(f"{os.fspath(file)}: {what}. {_DAMAGED}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# _run.json fields: (accepted check, description, required).
_META_FIELDS: dict[str, tuple[Any, str, bool]] = {
    "labels": (lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(x, str) for x in v),
               "a non-empty list of class names (strings)", True),
    "n_texts": (lambda v: _is_int(v) and v >= 0, "a non-negative integer", True),
    "model_name": (lambda v: isinstance(v, str), "a string", False),
    "config_hash": (lambda v: isinstance(v, str), "a string", False),
    "weights_hash": (lambda v: isinstance(v, str), "a string", False),
    "method": (lambda v: isinstance(v, str), "a string", False),
    "max_evals": (lambda v: v == "auto" or (_is_int(v) and v >= 2), '"auto" or an integer of at least 2', False),
    "players": (lambda v: isinstance(v, str), "a string", False),
    "output": (lambda v: v is None or isinstance(v, str), "a string or null", False),
    "seed": (_is_int, "an integer", False),
    "mask": (lambda v: isinstance(v, str) or _is_int(v), "a string or an integer", False),
    "versus": (lambda v: v is None or isinstance(v, str), "a class name (string) or null", False),
    "target": (lambda v: v is None or isinstance(v, str), "a class name (string) or null", False),
    "methods": (lambda v: _known_methods(v), "a list of distinct method names other than 'shap'", False),
}


def _known_methods(value: Any) -> bool:
    from ..engine.compare import METHODS

    return (isinstance(value, list) and len(value) > 0 and len(set(map(str, value))) == len(value)
            and all(isinstance(m, str) and m in METHODS and m != "shap" for m in value))


def read_run_file(file: Path) -> dict[str, Any]:
    """`_run.json` parsed and checked field by field."""
    import json

    try:
        with open(file, "rb") as f:
            data = f.read(MAX_RUN_FILE_BYTES + 1)
    except OSError as err:
        raise damaged(file, f"cannot be read ({err.strerror or err})") from None
    if len(data) > MAX_RUN_FILE_BYTES:
        raise damaged(file, f"is larger than {MAX_RUN_FILE_BYTES // 2**20} MiB, far larger than any run's settings")
    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise damaged(file, f"is not valid JSON ({err})") from None
    if not isinstance(meta, dict):
        raise damaged(file, f"must hold a JSON object, not {type(meta).__name__}")
    for name, (ok, description, required) in _META_FIELDS.items():
        if name not in meta:
            if required:
                raise damaged(file, f"field {name!r} is missing")
            continue
        if not ok(meta[name]):
            raise damaged(file, f"field {name!r} must be {description}, got {_short(meta[name])}")
    _check_contrast(file, meta)
    return meta


def _check_contrast(file: Path, meta: dict[str, Any]) -> None:
    """A contrastive run's `versus` and `target` are two different classes of the run; `target` needs `versus`."""
    versus, target, labels = meta.get("versus"), meta.get("target"), meta["labels"]
    for name, value in (("versus", versus), ("target", target)):
        if value is not None and value not in labels:
            raise damaged(file, f"field {name!r} is {_short(value)}, not one of the run's classes {_short(labels)}")
    if target is not None and (versus is None or target == versus):
        raise damaged(file, f"field 'target' is {_short(target)} with versus={_short(versus)}: a contrast needs "
                            "two different classes")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _columns():
    """Each part column the reader uses, its Arrow type, and whether older parts may lack it."""
    from .store import _schema

    schema = _schema()
    optional = {"text_pair", "segments", "errors", "predicted", "model_name", "config_hash", "versus", "target",
                "settled"}
    return [(field.name, field.type, field.name in optional) for field in schema]


def check_schema(file: Path, schema: Any, methods: Sequence[str] = ()) -> None:
    """Refuse a part that lacks a column the reader needs, or holds one of another type."""
    from .methods import schema_fields

    for name, kind, optional in _columns() + [(name, kind, False) for name, kind in schema_fields(methods)]:
        index = schema.get_field_index(name)
        if index < 0:
            if optional:
                continue
            raise damaged(file, f"column {name!r} is missing (is it another tool's Parquet file?)")
        if not schema.field(index).type.equals(kind):
            raise damaged(file, f"column {name!r} has type {schema.field(index).type}, expected {kind}")


class _Row:
    """One row under check: errors name the file, the row and the field."""

    def __init__(self, file: Path, position: int, row: dict[str, Any]) -> None:
        self.file, self.position, self.row = file, position, row

    def fail(self, name: str, what: str) -> InvalidResults:
        return damaged(self.file, f"row {self.position}, field {name!r} {what}")

    def integer(self, name: str) -> int:
        value = self.row.get(name)
        if not _is_int(value):
            raise self.fail(name, f"must be an integer, got {_short(value)}")
        return value

    def string(self, name: str, optional: bool = False) -> str | None:
        value = self.row.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, got {_short(value)}")
        return value

    def strings(self, name: str, length: int | None = None) -> list[str]:
        value = self.row.get(name)
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail(name, "must be a list of strings")
        if length is not None and len(value) != length:
            raise self.fail(name, f"has {len(value)} entries, expected {length} (one per player)")
        return value

    def numbers(self, name: str, length: int) -> None:
        value = self.row.get(name)
        if not isinstance(value, list) or len(value) != length:
            raise self.fail(name, f"must be a list of {length} numbers (one per class)")
        self._finite(name, value)

    def matrix(self, name: str, rows: int, columns: int, optional: bool = False) -> None:
        value = self.row.get(name)
        if value is None and optional:
            return
        if (not isinstance(value, list) or len(value) != rows
                or not all(isinstance(r, list) and len(r) == columns for r in value)):
            raise self.fail(name, f"must be {rows} lists of {columns} numbers (players x classes)")
        for r in value:
            self._finite(name, r)

    def player_numbers(self, name: str, length: int) -> None:
        value = self.row.get(name)
        if not isinstance(value, list) or len(value) != length:
            raise self.fail(name, f"must be a list of {length} numbers (one per player)")
        self._finite(name, value)

    def disagreement(self, name: str) -> None:
        value = self.row.get(name)
        if value is not None and not (isinstance(value, float) and 0.0 <= value <= 2.0):
            raise self.fail(name, f"holds {_short(value)}: a disagreement is 1 - Kendall's tau, a number in 0..2, "
                                  "or null where it is undefined")

    def _finite(self, name: str, values: list[Any]) -> None:
        for x in values:
            if not isinstance(x, float) or not math.isfinite(x):
                raise self.fail(name, f"holds {_short(x)}: every value must be a finite number (NaN, infinite "
                                      "and missing values are refused rather than drawn as 0)")


def check_row(file: Path, position: int, row: dict[str, Any], labels: Sequence[str], n_texts: int,
              versus: str | None = None, methods: Sequence[str] = ()) -> int:
    """Check one part row against the run's classes, size, contrast (`versus`) and the other methods it
    computed; returns its index."""
    r = _Row(file, position, row)
    index = r.integer("index")
    if not 0 <= index < n_texts:
        raise r.fail("index", f"is {index}, outside 0..{n_texts - 1} (n_texts={n_texts} in _run.json)")
    r.string("text")
    r.string("text_pair", optional=True)
    label = r.string("label", optional=True)
    if label is not None and label not in labels:
        raise r.fail("label", f"is {_short(label)}, not one of the run's classes {_short(list(labels))}")
    players = r.strings("players")
    r.strings("prefixes", len(players))
    segments = row.get("segments")
    if segments is not None and (len(segments) != len(players) or any(g not in (0, 1) for g in segments)):
        raise r.fail("segments", f"must be {len(players)} entries of 0 or 1 (one per player)")
    n_classes = len(labels)
    r.matrix("values", len(players), n_classes)
    r.matrix("errors", len(players), n_classes, optional=True)
    for name in ("probabilities", "base_values", "outputs"):
        r.numbers(name, n_classes)
    for name in ("method", "output", "player_kind"):
        r.string(name)
    for name in ("max_evals", "n_evals", "seed"):
        r.integer(name)
    if not isinstance(row.get("truncated"), bool):
        raise r.fail("truncated", f"must be true or false, got {_short(row.get('truncated'))}")
    if row.get("settled") is not None and not isinstance(row["settled"], bool):
        raise r.fail("settled", f"must be true, false or null, got {_short(row['settled'])}")
    _check_row_contrast(r, versus, labels)
    for name in methods:
        r.player_numbers(f"values_{name}", len(players))
        r.disagreement(f"disagreement_{name}")
    if methods:
        r.disagreement("disagreement")
    return index


def _check_row_contrast(r: _Row, versus: str | None, labels: Sequence[str]) -> None:
    """A row's contrast is the run's: values of a plain row are never read as a contrast's, nor the reverse."""
    row_versus = r.string("versus", optional=True)
    if row_versus != versus:
        raise r.fail("versus", f"is {_short(row_versus)}, but the run contrasts every row with {_short(versus)} "
                               "(versus in _run.json); its values explain something else")
    target = r.string("target", optional=True)
    if versus is None:
        if target is not None:
            raise r.fail("target", f"is {_short(target)}, but the run has no versus class to contrast it with")
    elif target not in labels or target == versus:
        raise r.fail("target", f"is {_short(target)}, not a class of the run other than versus={_short(versus)}")
