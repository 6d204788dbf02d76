"""Result folders from the internet: malformed, truncated, foreign or crafted files give one clear error naming
the file and the field, never a deep KeyError, and never allocate by a size the file claims."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shap_widget as sw
from shap_widget.runner.store import _schema

TEXTS = ["the movie was great", "i hated it", "a fun film"]


@pytest.fixture(scope="module")
def pristine(model, tokenizer, tmp_path_factory) -> Path:
    """A finished run of three texts in two parts, never modified."""
    path = tmp_path_factory.mktemp("hostile") / "run.parquet"
    sw.explain_dataset(model, tokenizer, TEXTS, labels=[0, 1, None], path=path, method="exact", chunk_size=2,
                       progress_bar=False)
    return path


@pytest.fixture
def run(pristine, tmp_path) -> Path:
    """A copy of the finished run, to damage."""
    return Path(shutil.copytree(pristine, tmp_path / "run.parquet"))


def first_part(run: Path) -> Path:
    return sorted(run.glob("part-*.parquet"))[0]


def rewrite_row(part: Path, **changes) -> None:
    """Rewrite the first row of `part` with `changes`, keeping the run's own schema."""
    rows = pq.read_table(part).to_pylist()
    rows[0].update(changes)
    pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), part)


def edit_meta(run: Path, **changes) -> None:
    meta = json.loads((run / "_run.json").read_text())
    meta.update(changes)
    (run / "_run.json").write_text(json.dumps(meta))


def refused(run: Path, *words: str) -> str:
    with pytest.raises(sw.InvalidResults) as caught:
        sw.DatasetResults.load(run)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert "delete that file" in message  # says what to do
    return message


def test_the_untouched_run_loads(pristine):
    """The baseline the damaged copies start from reads back whole."""
    results = sw.DatasetResults.load(pristine)
    assert results.complete and len(results) == 3 and results.labels == [0, 1, None]


@pytest.mark.parametrize("field, value", [
    ("labels", "LABEL_0"), ("labels", [0, 1, 2]), ("labels", []), ("n_texts", "3"), ("n_texts", -1),
    ("n_texts", 3.0), ("n_texts", True), ("max_evals", "many"), ("seed", None), ("output", 3),
])
def test_run_file_field_of_the_wrong_type_is_refused_naming_it(run, field, value):
    """Each field of _run.json is checked for its type before any row is read."""
    edit_meta(run, **{field: value})
    refused(run, "_run.json", repr(field))


def test_run_file_that_is_not_a_json_object_is_refused(run):
    """Garbage, a JSON list and a missing field each name the file."""
    (run / "_run.json").write_bytes(b"\xff\x00not json")
    refused(run, "_run.json", "not valid JSON")
    (run / "_run.json").write_text("[1, 2]")
    refused(run, "_run.json", "JSON object")
    (run / "_run.json").write_text(json.dumps({"n_texts": 3}))
    refused(run, "_run.json", "'labels' is missing")


def test_oversized_run_file_is_refused_without_reading_it_whole(run):
    """A run file of 17 MiB is not a run's settings: refused after reading at most its limit."""
    (run / "_run.json").write_bytes(b" " * (17 * 2**20))
    refused(run, "_run.json", "larger than 16 MiB")


def test_parquet_part_of_another_tool_is_refused_naming_the_column(run):
    """A part with other columns names the first one the reader needs."""
    pq.write_table(pa.table({"id": [1, 2], "score": [0.5, 0.7]}), first_part(run))
    refused(run, first_part(run).name, "column 'index' is missing", "another tool")


def test_part_column_of_another_type_is_refused(run):
    """values stored as strings are caught by the schema check, not by numpy later."""
    part = first_part(run)
    table = pq.read_table(part)
    at = table.schema.get_field_index("values")
    pq.write_table(table.set_column(at, "values", pa.array([str(v) for v in table["values"].to_pylist()])), part)
    refused(run, part.name, "column 'values' has type string")


def test_truncated_part_is_refused_naming_it(run):
    """A part cut short (a copy that stopped half way) names the file instead of an Arrow traceback."""
    part = first_part(run)
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    refused(run, part.name, "not a readable Parquet file")


@pytest.mark.parametrize("changes, words", [
    ({"label": "no such class"}, ["'label'", "no such class"]),
    ({"index": 300_000_000}, ["'index'", "300000000", "n_texts=3"]),
    ({"index": -1}, ["'index'", "-1"]),
    ({"players": ["a", "b"]}, ["'prefixes'", "expected 2"]),
    ({"probabilities": [0.5]}, ["'probabilities'", "3 numbers"]),
    ({"segments": [5] * 4}, ["'segments'"]),
    ({"text": None}, ["'text'", "string"]),
    ({"n_evals": None}, ["'n_evals'", "integer"]),
    ({"truncated": None}, ["'truncated'"]),
], ids=["unknown-label", "huge-index", "negative-index", "players-vs-prefixes", "short-probabilities",
        "bad-segments", "null-text", "null-n_evals", "null-truncated"])
def test_malformed_row_is_refused_naming_the_row_and_field(run, changes, words):
    """Each malformed row field is named with its file and row, not met later as a KeyError or reshape error."""
    part = first_part(run)
    rewrite_row(part, **changes)
    refused(run, part.name, "row 0", *words)


def test_values_of_another_shape_are_refused(run):
    """A row whose values are not players x classes is refused before reshaping."""
    part = first_part(run)
    row = pq.read_table(part).to_pylist()[0]
    rewrite_row(part, values=[v[:2] for v in row["values"]])
    refused(run, part.name, "'values'", "lists of 3 numbers")


@pytest.mark.parametrize("field", ["values", "errors", "probabilities", "base_values", "outputs"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_or_infinite_numbers_are_refused_not_drawn_as_zero(run, field, bad):
    """Non-finite numbers in any numeric field are refused on read with the field named."""
    part = first_part(run)
    row = pq.read_table(part).to_pylist()[0]
    if field in ("values", "errors"):
        grid = [list(v) for v in row["values"]]
        grid[1][0] = bad
        value = grid
    else:
        value = [bad] + list(row[field])[1:]
    rewrite_row(part, **{field: value})
    refused(run, part.name, f"'{field}'", "finite")


def test_claimed_size_of_three_hundred_million_texts_allocates_nothing(run):
    """n_texts=3e8 in _run.json: loading, len, repr, to_dataframe and subset stay bounded by the rows present."""
    edit_meta(run, n_texts=300_000_000)
    tracemalloc.start()
    try:
        results = sw.DatasetResults.load(run)
        shown = (len(results), len(results.texts), results.complete, repr(results), results.texts[2],
                 results.texts[299_999_999], results.labels[1])
        frame = results.to_dataframe()
        part = results.subset(results.indices)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert shown == (3, 300_000_000, False, f"DatasetResults(3 of 300000000 texts, 299999997 missing, "
                                             f"path={str(run)!r})", TEXTS[2], "", 1)
    assert len(frame) == 3 and part.complete and part.texts == TEXTS
    with pytest.raises(IndexError):
        results.texts[300_000_000]


def test_resuming_into_a_damaged_run_is_refused_before_computing(run, model, tokenizer):
    """explain_dataset on a damaged folder raises the same clear error instead of mixing or crashing."""
    rewrite_row(first_part(run), label="no such class")
    with pytest.raises(sw.InvalidResults, match="'label'"):
        sw.explain_dataset(model, tokenizer, TEXTS, path=run, method="exact", progress_bar=False)


def test_parts_without_a_run_file_are_refused(run):
    """A folder of parts whose _run.json was removed: the settings are unknown, so nothing is read."""
    (run / "_run.json").unlink()
    with pytest.raises(FileExistsError, match="not a shap-widget run"):
        sw.explain_dataset(None, None, TEXTS, path=run, model_loader=lambda: None)
    with pytest.raises(FileNotFoundError, match="holds no shap-widget results"):
        sw.DatasetResults.load(run)


def test_folder_of_other_files_is_never_written_into(model, tokenizer, tmp_path):
    """path= a folder holding other files (not a run) is refused, and the folder is left as it was."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(FileExistsError, match="folder of other files"):
        sw.explain_dataset(model, tokenizer, TEXTS, path=folder, method="exact", progress_bar=False)
    assert [p.name for p in folder.iterdir()] == ["holiday.jpg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    results = sw.explain_dataset(model, tokenizer, TEXTS[:1], path=empty, method="exact", progress_bar=False)
    assert results.complete and (empty / "_run.json").exists()


@pytest.fixture(scope="module")
def pristine_methods(model, tokenizer, tmp_path_factory) -> Path:
    """A finished run of three texts with occlusion and LIME beside SHAP, never modified."""
    path = tmp_path_factory.mktemp("hostile-methods") / "run.parquet"
    sw.explain_dataset(model, tokenizer, TEXTS, path=path, method="exact", max_evals=16, chunk_size=2,
                       progress_bar=False, methods=["occlusion", "lime"])
    return path


@pytest.fixture
def methods_run(pristine_methods, tmp_path) -> Path:
    """A copy of the finished run with methods, to damage."""
    return Path(shutil.copytree(pristine_methods, tmp_path / "run.parquet"))


def rewrite_methods_row(part: Path, **changes) -> None:
    """`rewrite_row` for a run with occlusion and LIME columns."""
    from shap_widget.runner.store import run_schema

    rows = pq.read_table(part).to_pylist()
    rows[0].update(changes)
    pq.write_table(pa.Table.from_pylist(rows, schema=run_schema(["occlusion", "lime"])), part)


@pytest.mark.parametrize("value", [["occlusion", "occlusion"], ["shap"], ["../../etc"], "occlusion", []])
def test_run_file_naming_unknown_or_repeated_methods_is_refused(methods_run, value):
    """The methods in _run.json name the columns read: only distinct known names other than SHAP pass."""
    edit_meta(methods_run, methods=value)
    refused(methods_run, "_run.json", "'methods'")


@pytest.mark.parametrize("changes, words", [
    ({"values_occlusion": [0.1]}, ["'values_occlusion'", "one per player"]),
    ({"values_lime": None}, ["'values_lime'", "one per player"]),
    ({"disagreement_lime": 5.0}, ["'disagreement_lime'", "0..2"]),
    ({"disagreement": float("nan")}, ["'disagreement'", "0..2"]),
], ids=["short-values", "null-values", "disagreement-out-of-range", "nan-disagreement"])
def test_malformed_method_columns_are_refused_naming_the_row_and_field(methods_run, changes, words):
    """Another method's values must be one finite number per player; a disagreement a number in 0..2 or null."""
    part = first_part(methods_run)
    rewrite_methods_row(part, **changes)
    refused(methods_run, part.name, "row 0", *words)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_infinite_method_values_are_refused(methods_run, bad):
    part = first_part(methods_run)
    row = pq.read_table(part).to_pylist()[0]
    rewrite_methods_row(part, values_lime=[bad] + row["values_lime"][1:])
    refused(methods_run, part.name, "'values_lime'", "finite")


def test_undefined_disagreement_stored_as_null_reads_back(methods_run):
    """Null is the stored form of an undefined disagreement (one player, or a ranking of ties)."""
    part = first_part(methods_run)
    rewrite_methods_row(part, disagreement_lime=None)
    assert sw.DatasetResults.load(methods_run).complete


def test_part_missing_a_method_column_the_run_names_is_refused(methods_run):
    """A run whose _run.json names LIME but whose part lacks its values names the missing column."""
    part = first_part(methods_run)
    table = pq.read_table(part)
    pq.write_table(table.drop_columns(["values_lime"]), part)
    refused(methods_run, part.name, "column 'values_lime' is missing")
