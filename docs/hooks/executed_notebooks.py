"""MkDocs hook: render each notebook from its executed copy, so the site shows outputs without running it again.

`tests/test_notebooks.py` runs every notebook in `notebooks/` and writes the executed copy to
`build/notebooks/`; `make test` builds the site after the tests. A copy older than its notebook is ignored.
"""

from __future__ import annotations

from pathlib import Path

EXECUTED = Path(__file__).resolve().parents[2] / "build" / "notebooks"


def on_files(files, config):
    for file in files:
        if not (file.src_uri.startswith("notebooks/") and file.src_uri.endswith(".ipynb")):
            continue
        executed = EXECUTED / Path(file.src_uri).name
        if executed.exists() and executed.stat().st_mtime >= Path(file.abs_src_path).stat().st_mtime:
            file.abs_src_path = str(executed)
    return files
