"""Every notebook in notebooks/ runs top to bottom without an error, and exports to HTML with its widgets."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
EXECUTED = REPO / "build" / "notebooks"
CELL_TIMEOUT_S = 600
KERNEL = "shap-widget-tests"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """A kernel spec for this interpreter, so notebooks run where the package under test is installed."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    directory = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(path=directory / KERNEL)
    return KernelSpecManager(kernel_dirs=[str(directory)])


@pytest.fixture(scope="module")
def executed(kernel_specs):
    """Runs a notebook once per module, in its own folder as a reader would; files it creates are removed after."""
    from jupyter_client.manager import KernelManager

    done: dict[str, tuple[object, list[Path]]] = {}
    created: set[Path] = set()

    def run(path: Path):
        if path.name not in done:
            folder = path.parent
            before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
            nb = nbformat.read(path, as_version=4)
            km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
            client = nbclient.NotebookClient(
                nb,
                km=km,
                timeout=CELL_TIMEOUT_S,
                store_widget_state=True,
                resources={"metadata": {"path": str(folder)}},
            )
            pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
            try:
                client.execute(env={**os.environ, "PYTHONPATH": pythonpath, "MPLBACKEND": "Agg"})
            finally:
                created.update(p for p in folder.iterdir() if p not in before)
            written = [p for p in folder.iterdir() if p not in before or p.stat().st_mtime_ns != before[p]]
            EXECUTED.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, EXECUTED / path.name)  # the documentation site renders this copy, outputs and all
            done[path.name] = (nb, written)
        return done[path.name]

    yield run
    for p in created:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _errors(nb) -> list[str]:
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def test_there_are_notebooks_to_run():
    """The notebooks folder holds at least the quick start and the Shapley walkthrough."""
    names = {p.name for p in NOTEBOOKS}
    assert {"quickstart.ipynb", "teaching_shapley.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path, executed):
    """Every code cell executes; nbclient stops at the first failing cell and names it."""
    nb, _ = executed(path)
    assert _errors(nb) == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)


def test_quickstart_writes_a_standalone_page_outside_the_checkout(executed):
    """The quick start's export cell writes an HTML page with the widget's tokens, and leaves nothing in notebooks/."""
    nb, written = executed(REPO / "notebooks" / "quickstart.ipynb")
    assert written == [], f"running the quick start left {written} in notebooks/"
    printed = "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    pages = [Path(line.split()[1]) for line in printed.splitlines() if line.startswith("wrote ")]
    assert pages and pages[0].suffix == ".html" and REPO not in pages[0].resolve().parents
    from shap_widget.widgets.export import read_state

    state = read_state(pages[0].read_text(encoding="utf-8"))
    assert state["state"] == "ready" and len(state["tokens"]) == len(state["values"]) > 0


def test_executed_notebook_exports_to_html_with_its_widget_state(executed):
    """nbconvert's HTML of the executed quick start embeds each widget's saved state and front-end module."""
    from nbconvert import HTMLExporter

    nb, _ = executed(REPO / "notebooks" / "quickstart.ipynb")
    saved = nb.metadata["widgets"][WIDGET_STATE]["state"]
    widgets = {mid: m for mid, m in saved.items() if m["model_name"] == "AnyModel" and "tokens" in m["state"]}
    assert widgets, "no ExplainWidget state was saved"
    bundle = (REPO / "shap_widget" / "static" / "widget.js").read_text(encoding="utf-8")
    for model in widgets.values():
        state = model["state"]
        assert state["_esm"] == bundle
        assert state["state"] == "ready" and len(state["values"]) == len(state["tokens"]) > 0
        assert state["faithfulness"]["result_for"] == state["result_for"]
    views = [
        out["data"][WIDGET_VIEW]["model_id"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]
    assert set(views) & set(widgets)

    body, _ = HTMLExporter().from_notebook_node(nb)
    start = body.index(f'<script type="{WIDGET_STATE}">') + len(f'<script type="{WIDGET_STATE}">')
    embedded = json.loads(body[start : body.index("</script>", start)])
    for mid, model in widgets.items():
        assert embedded["state"][mid]["state"]["values"] == model["state"]["values"]
        assert embedded["state"][mid]["state"]["_esm"] == bundle
    assert all(f'"model_id": "{mid}"' in body or f'"model_id":"{mid}"' in body for mid in set(views) & set(widgets))

