"""Results of a dataset run on disk: one Parquet part per finished chunk, written so a kill loses none.

The run is a directory. Each chunk of finished rows becomes its own part file, written under a hidden
temporary name, flushed to disk and renamed into place, so a run killed at any moment (even `kill -9`)
leaves every completed part whole and readable; a half-written part is never seen under a part's name.
`_run.json` records what the rows were computed with (model, method, budget, ...), so resuming with other
settings is refused rather than mixing incomparable rows. Everything read back is checked first (see
`validation`): a damaged or foreign folder raises `InvalidResults` naming the file and field. Parquet readers
(pandas, pyarrow, DuckDB) skip the files that start with "." or "_", so `pandas.read_parquet(path)` reads the
rows directly.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterable, Sequence

from .validation import check_row, check_schema, damaged, read_run_file

RUN_FILE = "_run.json"
# Settings a resumed run must share with the rows already on disk.
CHECKED = ("model_name", "config_hash", "weights_hash", "method", "max_evals", "players", "output", "seed",
           "mask", "versus", "target", "methods")


class ResultsMismatch(ValueError):
    """The results at a path were computed with other settings (or for other texts) than this run."""


def _require_pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError('Writing results to Parquet needs pyarrow: pip install "shap-widget[parquet]"') from err
    return pa, pq


def _schema():
    pa, _ = _require_pyarrow()
    return pa.schema([
        ("index", pa.int64()),
        ("text", pa.string()),
        ("text_pair", pa.string()),
        ("segments", pa.list_(pa.int8())),
        ("label", pa.string()),
        ("predicted", pa.string()),
        ("probabilities", pa.list_(pa.float64())),
        ("players", pa.list_(pa.string())),
        ("prefixes", pa.list_(pa.string())),
        ("values", pa.list_(pa.list_(pa.float64()))),
        ("errors", pa.list_(pa.list_(pa.float64()))),
        ("base_values", pa.list_(pa.float64())),
        ("outputs", pa.list_(pa.float64())),
        ("method", pa.string()),
        ("max_evals", pa.int64()),
        ("n_evals", pa.int64()),
        ("seed", pa.int64()),
        ("output", pa.string()),
        ("player_kind", pa.string()),
        ("truncated", pa.bool_()),
        ("model_name", pa.string()),
        ("config_hash", pa.string()),
        ("versus", pa.string()),
        ("target", pa.string()),
        ("settled", pa.bool_()),
    ])


def run_schema(methods: Sequence[str] = ()):
    """The parts' schema for a run that also computed `methods` beside SHAP (their columns come last)."""
    from .methods import schema_fields

    pa, _ = _require_pyarrow()
    schema = _schema()
    for name, kind in schema_fields(methods):
        schema = schema.append(pa.field(name, kind))
    return schema


def check_path(path: str | os.PathLike) -> Path:
    """The run directory, refused early when it cannot be created or written, or when it is a folder of other
    files (a run never writes into a folder it did not make)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"path={str(path)!r} is a file; results are written as a directory of Parquet parts. "
                         "Give a new or existing directory path, such as 'results.parquet'.")
    if path.is_dir() and not (path / RUN_FILE).exists() and next(path.iterdir(), None) is not None:
        raise FileExistsError(f"path={str(path)!r} is a folder of other files, not a shap-widget run (it has no "
                              f"{RUN_FILE}); results are not written into it. Give a new or empty folder.")
    parent = path.parent if not path.exists() else path
    if not parent.is_dir():
        raise FileNotFoundError(f"The folder {str(parent)!r} for path={str(path)!r} does not exist; create it first "
                                "or choose another path.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"Cannot write to {str(parent)!r} (permission denied); choose a path you can write to.")
    return path


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(target: Path, write: Any) -> None:
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(target.parent)


class ResultStore:
    """A run directory: its settings, the rows already finished, and atomic writes of new parts."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.methods: tuple[str, ...] = ()  # other methods' columns the parts hold (set by `open`)

    def read_meta(self) -> dict[str, Any] | None:
        """The run's settings from `_run.json`, checked field by field (None when there is none)."""
        file = self.path / RUN_FILE
        if not file.exists():
            return None
        return read_run_file(file)

    def open(self, meta: dict[str, Any]) -> None:
        """Create the run with the settings `check` returned (an existing run's, its size grown to this run's)."""
        self.path.mkdir(exist_ok=True)
        self.methods = tuple(meta.get("methods") or ())
        _write_atomic(self.path / RUN_FILE, lambda f: f.write(json.dumps(meta, indent=1).encode()))

    def check(self, meta: dict[str, Any]) -> dict[str, Any]:
        """The settings to `open` the run with; raises, writing nothing, where the folder holds another run's or
        an existing run was made with other settings."""
        check_path(self.path)
        held = self.read_meta()
        if held is not None:
            differ = [k for k in CHECKED if held.get(k) != meta.get(k)]
            if differ:
                theirs = ", ".join(f"{k}={held.get(k)!r}" for k in differ)
                ours = ", ".join(f"{k}={meta.get(k)!r}" for k in differ)
                raise ResultsMismatch(
                    f"{str(self.path)!r} holds results computed with {theirs}, but this run uses {ours}. "
                    "Resume with the same model and settings, or choose another path for a new run."
                )
            meta = {**held, "n_texts": max(int(held.get("n_texts", 0)), int(meta.get("n_texts", 0)))}
        return meta

    def part_files(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.glob("part-*.parquet"))

    def read_rows(self, meta: dict[str, Any] | None = None) -> dict[int, dict[str, Any]]:
        """Every finished row by its index; a row found in two parts (a retried write) is kept once.

        Each part's schema and each row are checked against the run's classes and size (`meta`, default the
        folder's `_run.json`) before use.
        """
        pa, pq = _require_pyarrow()
        meta = self.read_meta() if meta is None else meta
        rows: dict[int, dict[str, Any]] = {}
        if meta is None:
            if self.part_files():
                raise damaged(self.path / RUN_FILE, "is missing, but the folder holds result parts, so the run's "
                                                    "settings are unknown")
            return rows
        for part in self.part_files():
            try:
                file = pq.ParquetFile(part)
                check_schema(part, file.schema_arrow, meta.get("methods") or ())
                table = file.read()
            except (pa.ArrowException, OSError) as err:
                raise damaged(part, f"is not a readable Parquet file ({err})") from None
            for k, row in enumerate(table.to_pylist()):
                rows.setdefault(check_row(part, k, row, meta["labels"], meta["n_texts"], meta.get("versus"),
                                          meta.get("methods") or ()), row)
        return rows

    def write(self, rows: Iterable[dict[str, Any]]) -> Path | None:
        """Write finished rows as one new part, atomically; returns its path (None for no rows)."""
        pa, pq = _require_pyarrow()
        rows = sorted(rows, key=lambda r: r["index"])
        if not rows:
            return None
        table = pa.Table.from_pylist(rows, schema=run_schema(self.methods))
        target = self.path / f"part-{rows[0]['index']:09d}-{uuid.uuid4().hex[:8]}.parquet"
        _write_atomic(target, lambda f: pq.write_table(table, f))
        return target
