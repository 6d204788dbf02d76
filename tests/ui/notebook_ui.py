"""Drive a notebook in a real JupyterLab page: open it, run cells, find widgets.

The helpers talk to JupyterLab through ``window.jupyterapp`` (exposed because the
test server runs with ``LabApp.expose_app_in_browser``) instead of clicking menus
or typing into editors: commands and cell models do not depend on layout, focus,
editor auto-closing of brackets or menu wording, which makes them far less flaky
than keyboard automation. What the user sees (widget DOM, output text) is still
read from the page itself.

Every wait has an explicit timeout and fails with an ``AssertionError`` that
describes what the page showed (kernel state, cells, outputs, dialogs, console).
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Generous defaults: CI machines have 2 cores shared with other jobs.
KERNEL_READY_TIMEOUT_S = 120.0
RUN_ALL_TIMEOUT_S = 180.0
RUN_CODE_TIMEOUT_S = 60.0
WIDGET_TIMEOUT_S = 90.0

KERNEL_NAME = "python3"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class LabServer:
    """A running JupyterLab server that tests may talk to."""

    base_url: str
    token: str
    root_dir: Path
    log_path: Path

    def url(self, path: str = "", **query: str) -> str:
        """Absolute URL for ``path`` on the server, with the token in the query."""
        params = {**query, "token": self.token}
        return f"{self.base_url}{path.lstrip('/')}?{urllib.parse.urlencode(params)}"

    def api(self, method: str, path: str, timeout: float = 30.0) -> Any:
        """Call the REST API and return the decoded JSON body (``None`` if empty)."""
        request = urllib.request.Request(
            f"{self.base_url}{path.lstrip('/')}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_all_kernels(self) -> None:
        """Shut down every session and kernel so the next test starts clean."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")
        for kernel in self.api("GET", "api/kernels"):
            self.api("DELETE", f"api/kernels/{kernel['id']}")

    def log_tail(self, lines: int = 40) -> str:
        """Last lines of the server log, for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<server log unreadable: {exc}>"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class _PageRecord:
    """What the harness remembers about a page to explain failures."""

    artifact_dir: Path | None
    console: list[str] = field(default_factory=list)


_pages: weakref.WeakKeyDictionary[Page, _PageRecord] = weakref.WeakKeyDictionary()


def track_page(page: Page, artifact_dir: Path | None = None) -> None:
    """Record console messages and page errors of ``page`` for failure reports."""
    record = _PageRecord(artifact_dir)
    _pages[page] = record

    def remember(line: str) -> None:
        record.console.append(line)
        del record.console[:-50]

    page.on("console", lambda msg: remember(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda err: remember(f"[pageerror] {err}"))


# Installed into the page on demand; idempotent, and lost on navigation, so every
# helper re-installs it before use.
_HARNESS_JS = r"""
() => {
  if (window.__uiHarness) return;
  const isNotebookPanel = (w) =>
    !!(w && w.context && w.sessionContext && w.content && w.content.model &&
       typeof w.context.path === "string" && w.context.path.endsWith(".ipynb"));
  const panelFor = (path) => {
    const app = window.jupyterapp;
    if (!app) return null;
    const main = Array.from(app.shell.widgets("main")).filter(isNotebookPanel);
    if (path) return main.find((w) => w.context.path === path) || null;
    if (isNotebookPanel(app.shell.currentWidget)) return app.shell.currentWidget;
    return main.length ? main[main.length - 1] : null;
  };
  const textOf = (value) => Array.isArray(value) ? value.join("") : String(value ?? "");
  const errorsOf = (outputs) => outputs
    .filter((o) => o.output_type === "error")
    .map((o) => `${o.ename}: ${o.evalue}\n${textOf((o.traceback || []).join("\n"))}`);
  // Output prompts ("[3]:") are not part of the output; nested output areas
  // (e.g. an ipywidgets Output) are included in their parent's text once.
  const outputText = (area) =>
    Array.from(area.querySelectorAll(":scope > .jp-OutputArea-child > .jp-OutputArea-output"))
      .map((node) => node.innerText.replace(/\n+$/, "")).join("\n");
  const cellState = (cell, index) => {
    const model = cell.model;
    const outputs = model.outputs ? model.outputs.toJSON() : [];
    return {
      index,
      id: model.id,
      type: model.type,
      source: model.sharedModel.getSource(),
      count: model.type === "code" ? (model.executionCount ?? null) : null,
      running: model.executionState === "running",
      outputs: outputs.length,
      rendered: cell.outputArea ? cell.outputArea.widgets.length : 0,
      errors: errorsOf(outputs),
      text: cell.outputArea ? outputText(cell.outputArea.node) : "",
    };
  };
  const status = (path) => {
    const app = window.jupyterapp;
    const panel = panelFor(path);
    if (!panel) return { app: !!app, panel: null };
    const kernel = panel.sessionContext.session?.kernel ?? null;
    return {
      app: true,
      panel: panel.context.path,
      active: app.shell.currentWidget === panel,
      contextReady: panel.context.isReady,
      sessionReady: panel.sessionContext.isReady,
      kernel: kernel && {
        name: kernel.name,
        status: kernel.status,
        connection: kernel.connectionStatus,
      },
      cells: panel.content.widgets.map(cellState),
    };
  };
  const kernelIdle = (s) =>
    !!(s.panel && s.contextReady && s.sessionReady && s.kernel &&
       s.kernel.status === "idle" && s.kernel.connection === "connected");
  const activate = (panel) => {
    window.jupyterapp.shell.activateById(panel.id);
    if (window.jupyterapp.shell.currentWidget !== panel) {
      throw new Error(`could not activate ${panel.context.path}`);
    }
  };
  window.__uiHarness = {
    status,
    kernelIdle: (path) => kernelIdle(status(path)),
    runAll(path) {
      const panel = panelFor(path);
      // More room for widgets; the file browser plays no part in the tests.
      window.jupyterapp.shell.collapseLeft?.();
      activate(panel);
      panel.content.mode = "command";
      // Not awaited: completion is observed by polling the cell models.
      void window.jupyterapp.commands.execute("notebook:run-all-cells");
    },
    runAllDone(path) {
      const s = status(path);
      const code = (s.cells || []).filter((c) => c.type === "code");
      const failed = code.find((c) => c.errors.length);
      if (failed) return { error: failed };
      const done = kernelIdle(s) && code.every(
        (c) => c.count !== null && !c.running && c.rendered >= c.outputs);
      return done ? { done: true } : false;
    },
    appendAndRun(code) {
      const panel = panelFor(null);
      if (!panel) throw new Error("no notebook is open");
      const notebook = panel.content;
      const index = notebook.model.cells.length;
      notebook.model.sharedModel.insertCell(index, { cell_type: "code", source: code });
      activate(panel);
      notebook.mode = "command";
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      const id = notebook.widgets[index].model.id;
      void window.jupyterapp.commands.execute("notebook:run-cell");
      return { path: panel.context.path, id };
    },
    cellDone(path, id) {
      const s = status(path);
      const cell = (s.cells || []).find((c) => c.id === id);
      if (!cell) return { error: `cell ${id} disappeared`, status: s };
      if (cell.errors.length) return { error: cell.errors.join("\n"), cell };
      // The count is set only after the kernel reported the request done (reply
      // and idle status), so outputs are complete once they are all rendered.
      const done = cell.count !== null && !cell.running && cell.rendered >= cell.outputs;
      return done ? { done: true, text: cell.text } : false;
    },
  };
}
"""
# Polled while JupyterLab loads: the harness can only be installed once the page's
# new document exists, and the app appears later still.
_KERNEL_IDLE_JS = "(path) => { (" + _HARNESS_JS + ")(); return window.__uiHarness.kernelIdle(path); }"


def _install(page: Page) -> None:
    page.evaluate(_HARNESS_JS)


def _strip_ansi(text: str) -> str:
    return _ANSI_ESCAPE.sub("", text)


def _save_screenshot(page: Page, stem: str) -> str:
    record = _pages.get(page)
    if record is None or record.artifact_dir is None:
        return ""
    record.artifact_dir.mkdir(parents=True, exist_ok=True)
    path = record.artifact_dir / f"{stem}-{time.strftime('%H%M%S')}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as exc:
        return f"<screenshot failed: {exc}>"
    return str(path)


def describe_page(page: Page, path: str | None = None) -> str:
    """Human-readable account of what ``page`` shows, for assertion messages."""
    lines = [f"page url: {page.url}"]
    try:
        _install(page)
        shown = page.evaluate(
            """(path) => ({
              title: document.title,
              dialogs: Array.from(document.querySelectorAll(".jp-Dialog"))
                .map((d) => d.innerText.trim().slice(0, 500)),
              toasts: Array.from(document.querySelectorAll(".Toastify__toast"))
                .map((t) => t.innerText.trim().slice(0, 300)),
              status: window.__uiHarness.status(path),
              body: window.jupyterapp ? "" : document.body.innerText.slice(0, 800),
            })""",
            path,
        )
    except PlaywrightError as exc:
        lines.append(f"<page could not be inspected: {exc}>")
        shown = None
    if shown:
        lines.append(f"title: {shown['title']!r}")
        if shown["body"]:
            lines.append(f"body text (JupyterLab app not loaded): {shown['body']!r}")
        for dialog in shown["dialogs"]:
            lines.append(f"open dialog: {dialog!r}")
        for toast in shown["toasts"]:
            lines.append(f"notification: {toast!r}")
        status = shown["status"]
        if not status.get("panel"):
            lines.append(f"no notebook panel found (jupyterapp exposed: {status.get('app')})")
        else:
            lines.append(
                f"notebook {status['panel']!r}: active={status['active']} "
                f"context ready={status['contextReady']} session ready={status['sessionReady']} "
                f"kernel={status['kernel']}"
            )
            for cell in status["cells"]:
                source = cell["source"].strip().replace("\n", "\n      ")
                lines.append(
                    f"  cell {cell['index']} [{cell['type']}] count={cell['count']} "
                    f"running={cell['running']} outputs={cell['outputs']} "
                    f"rendered={cell['rendered']}:\n      {source[:400]}"
                )
                if cell["text"].strip():
                    lines.append(f"    output text: {cell['text'].strip()[:800]!r}")
                for error in cell["errors"]:
                    lines.append(f"    error: {_strip_ansi(error)[-1500:]}")
    record = _pages.get(page)
    if record and record.console:
        lines.append("browser console (latest last):")
        lines.extend(f"  {line[:500]}" for line in record.console[-20:])
    screenshot = _save_screenshot(page, "failure")
    if screenshot:
        lines.append(f"screenshot: {screenshot}")
    return "\n".join(lines)


def _wait_for(page: Page, expression: str, arg: Any, timeout_s: float, what: str) -> Any:
    """Poll ``expression`` in the page until it returns a truthy value; return it."""
    try:
        handle = page.wait_for_function(expression, arg=arg, timeout=timeout_s * 1000, polling=100)
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"timed out after {timeout_s:.0f} s waiting for {what}\n{describe_page(page)}"
        ) from None
    return handle.json_value()


def write_notebook(root_dir: Path, name: str, cells: Sequence[str]) -> Path:
    """Write a notebook of code cells that names the harness kernel in its metadata.

    Naming the kernelspec lets JupyterLab start the kernel without asking.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    path = root_dir / name
    nbformat.write(notebook, path)
    return path


def wait_for_kernel_idle(
    page: Page, path: str | None = None, timeout_s: float = KERNEL_READY_TIMEOUT_S
) -> None:
    """Wait until JupyterLab shows the notebook (``path``, else the open one) with an idle kernel."""
    _wait_for(
        page,
        _KERNEL_IDLE_JS,
        path,
        timeout_s,
        f"JupyterLab to show {path or 'a notebook'} with a connected, idle kernel",
    )


def open_notebook(
    page: Page, server: LabServer, name: str, cells: Sequence[str], timeout_s: float = RUN_ALL_TIMEOUT_S
) -> Page:
    """Create ``name`` from ``cells``, open it in JupyterLab and run all cells.

    Returns once every cell has executed and the kernel is idle; fails fast with
    the traceback if a cell raises.
    """
    if not name.endswith(".ipynb"):
        name += ".ipynb"
    write_notebook(server.root_dir, name, cells)
    # A workspace per notebook: JupyterLab must not restore tabs of earlier tests.
    workspace = re.sub(r"[^A-Za-z0-9_-]", "-", name.removesuffix(".ipynb"))
    page.goto(
        server.url(f"lab/workspaces/{workspace}/tree/{name}"),
        wait_until="domcontentloaded",
        timeout=timeout_s * 1000,
    )
    wait_for_kernel_idle(page, name)
    page.evaluate("(path) => window.__uiHarness.runAll(path)", name)
    result = _wait_for(
        page,
        "(path) => window.__uiHarness.runAllDone(path)",
        name,
        timeout_s,
        f"all cells of {name} to finish running",
    )
    if "error" in result:
        cell = result["error"]
        raise AssertionError(
            f"cell {cell['index']} of {name} raised:\n{_strip_ansi(chr(10).join(cell['errors']))}"
            f"\n--- cell source ---\n{cell['source']}"
        )
    return page


def run_code(page: Page, code: str, timeout_s: float = RUN_CODE_TIMEOUT_S) -> str:
    """Append ``code`` as a new last cell of the open notebook, run it, return its output.

    Waits for this cell's execution to finish (its execution count is set and its
    outputs are rendered), not for a fixed time. The returned text is what the
    page shows in the cell's output area (stdout, results, rich text), stripped
    of surrounding whitespace. Fails with the traceback if the cell raises.
    """
    _install(page)
    try:
        cell = page.evaluate("(code) => window.__uiHarness.appendAndRun(code)", code)
    except PlaywrightError as exc:
        raise AssertionError(f"could not add a cell to run {code!r}: {exc}\n{describe_page(page)}") from None
    result = _wait_for(
        page,
        "([path, id]) => window.__uiHarness.cellDone(path, id)",
        [cell["path"], cell["id"]],
        timeout_s,
        f"the cell {code!r} to finish running",
    )
    if "error" in result:
        raise AssertionError(f"running {code!r} failed:\n{_strip_ansi(str(result['error']))}")
    return result["text"].strip()


def heatmap_state(page: Page) -> dict:
    """What the explanation view's heatmap shows: root state and staleness, then per token its mask flag,
    value, standard error (None where it shows none), uncertain mark and tooltip."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('.shap-widget');
            const tokens = [...root.querySelectorAll('.sw-token')];
            return {
                state: root.dataset.state,
                stale: root.dataset.stale,
                masked: tokens.filter(t => t.dataset.masked === 'true').map(t => Number(t.dataset.index)),
                values: tokens.map(t => Number(t.dataset.value)),
                se: tokens.map(t => t.dataset.se === undefined ? null : Number(t.dataset.se)),
                uncertain: tokens.filter(t => t.classList.contains('sw-uncertain')).map(t => Number(t.dataset.index)),
                titles: tokens.map(t => t.title),
            };
        }"""
    )


def widget_locator(page: Page, selector: str) -> Locator:
    """Locator for ``selector`` inside the notebook's cell outputs, where widgets render."""
    return page.locator(f".jp-OutputArea-output {selector}")


def wait_for_widget(
    page: Page,
    selector: str,
    timeout_s: float = WIDGET_TIMEOUT_S,
    state: Literal["attached", "visible"] = "visible",
) -> Locator:
    """Wait until ``selector`` appears inside a widget output, return its first match.

    This is how a test knows a widget has rendered: pass a selector the widget's
    front end creates (e.g. its root class).
    """
    locator = widget_locator(page, selector).first
    try:
        locator.wait_for(state=state, timeout=timeout_s * 1000)
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"no widget element matching {selector!r} became {state} within {timeout_s:.0f} s\n"
            f"{describe_page(page)}"
        ) from None
    return locator
