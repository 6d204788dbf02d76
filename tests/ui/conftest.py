"""Fixtures for real-browser tests: a JupyterLab server and headless Chromium.

One JupyterLab server and one browser serve the whole session, because starting
them dominates the run time; every test gets a fresh browser context and page,
and its kernels are shut down afterwards so tests cannot leak state.

Usage in a test (helpers live in ``notebook_ui``)::

    import pytest
    from notebook_ui import run_code, wait_for_widget
    from playwright.sync_api import expect

    pytestmark = pytest.mark.browser

    def test_click_selects_token(open_notebook):
        \"""Clicking a token must select it in Python, not just highlight it.\"""
        page = open_notebook(["from shap_widget import ExplainWidget", "w = ExplainWidget(...)", "w"])
        root = wait_for_widget(page, ".root-class-of-the-widget")
        root.locator("button").first.click()
        expect(root).to_have_attribute("data-selected", "0")
        assert run_code(page, "print(w.selected)") == "0"
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from ipykernel.kernelspec import write_kernel_spec
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from chromium import CHROMIUM_ARGS, CHROMIUM_PATH
from notebook_ui import KERNEL_NAME, LabServer, track_page
from notebook_ui import open_notebook as _open_notebook

SERVER_START_TIMEOUT_S = 120.0
SERVER_STOP_TIMEOUT_S = 20.0
REPO_ROOT = Path(__file__).resolve().parents[2]
UI_DIR = Path(__file__).resolve().parent
# Screenshots of failures; CI can point this at a folder it keeps.
ARTIFACT_DIR = Path(
    os.environ.get("UI_ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "shap_widget-ui-artifacts"
)

# JupyterLab user settings: no news/update prompts or toasts, no kernel picker,
# and every cell attached to the DOM so widgets outside the viewport still render.
LAB_USER_SETTINGS: dict[str, dict[str, object]] = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
        "kernelShutdown": True,
    },
    "@jupyterlab/apputils-extension/sessionDialogs": {"skipKernelRestartDialog": True},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
# Front-end plugins that only ever reach the internet or pop up prompts.
LAB_DISABLED_PLUGINS = [
    "@jupyterlab/apputils-extension:announcements",
    "@jupyterlab/extensionmanager-extension",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``browser`` marker when the project config does not."""
    if not any(line.split(":")[0].strip() == "browser" for line in config.getini("markers")):
        config.addinivalue_line("markers", "browser: real-browser tests (Chromium + JupyterLab on localhost)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/ui as ``browser`` so ``-m 'not browser'`` skips them."""
    for item in items:
        if UI_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Screenshot the page of a failed browser test while its fixtures are still alive."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and isinstance(page, Page) and not page.is_closed():
        ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", item.name)
        path = ARTIFACT_DIR / f"{name}.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("browser screenshot", str(path)))
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def _prepare_jupyter_dirs(base: Path) -> dict[str, str]:
    """Create isolated Jupyter config/data/runtime dirs; return the env vars naming them."""
    config_dir, data_dir = base / "config", base / "data"
    runtime_dir, ipython_dir = base / "runtime", base / "ipython"
    for directory in (config_dir, data_dir, runtime_dir, ipython_dir):
        directory.mkdir(parents=True, exist_ok=True)

    # The default kernel must run this interpreter, where the package under test
    # lives; ipykernel writes the same spec `ipykernel install` would, for sys.executable.
    write_kernel_spec(path=data_dir / "kernels" / KERNEL_NAME)
    settings_dir = config_dir / "lab" / "user-settings"
    for plugin, values in LAB_USER_SETTINGS.items():
        _write_json(settings_dir / f"{plugin}.jupyterlab-settings", values)
    _write_json(
        config_dir / "labconfig" / "page_config.json",
        {"disabledExtensions": {name: True for name in LAB_DISABLED_PLUGINS}},
    )
    _write_json(
        config_dir / "jupyter_server_config.json",
        {
            "ServerApp": {"ip": "127.0.0.1", "port_retries": 0, "terminals_enabled": False},
            "LabApp": {
                "expose_app_in_browser": True,
                "news_url": None,
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            },
            "MappingKernelManager": {"default_kernel_name": KERNEL_NAME},
            "LanguageServerManager": {"autodetect": False},
        },
    )
    return {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(data_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(config_dir / "lab" / "workspaces"),
        "IPYTHONDIR": str(ipython_dir),
        # Otherwise the venv's data dir wins over JUPYTER_DATA_DIR for kernelspecs.
        "JUPYTER_PREFER_ENV_PATH": "0",
    }


def _wait_until_up(server: LabServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {process.returncode} before answering\n"
                f"--- server log ---\n{server.log_tail()}"
            )
        try:
            server.api("GET", "api/status", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = exc
        time.sleep(0.25)
    raise RuntimeError(
        f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT_S:.0f} s "
        f"(last error: {last_error})\n--- server log ---\n{server.log_tail()}"
    )


def _check_kernelspec(server: LabServer) -> None:
    specs = server.api("GET", "api/kernelspecs")
    spec = specs["kernelspecs"].get(KERNEL_NAME, {}).get("spec", {})
    argv = spec.get("argv", [])
    if specs.get("default") != KERNEL_NAME or not argv or argv[0] != sys.executable:
        raise RuntimeError(
            f"the default kernel does not run {sys.executable}: default={specs.get('default')!r}, "
            f"argv={argv!r}"
        )


def _pids_mentioning(marker: str) -> list[int]:
    """Processes whose command line contains ``marker`` (kernels name their connection file)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
    return pids


def _stop_server(server: LabServer, process: subprocess.Popen[bytes], runtime_dir: Path) -> None:
    """Stop the server and its kernels; escalate to signals if a graceful stop stalls."""
    # Kernels run in sessions of their own, so signalling the server's process
    # group would orphan them: ask the server to shut them down first.
    with contextlib.suppress(Exception):
        server.shutdown_all_kernels()
    with contextlib.suppress(Exception):
        server.api("POST", "api/shutdown", timeout=5)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
            break
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
    else:
        process.wait()
    # Whatever is left of the group, then kernels the server failed to stop.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_mentioning(str(runtime_dir))
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _pids_mentioning(str(runtime_dir)):
            time.sleep(0.1)


@contextlib.contextmanager
def running_lab_server(base: Path) -> Iterator[LabServer]:
    """A JupyterLab server on a free localhost port under `base`, isolated from the user's Jupyter setup
    (also used by docs/screenshots.py)."""
    root_dir = base / "notebooks"
    root_dir.mkdir()
    env = {
        **os.environ,
        **_prepare_jupyter_dirs(base),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        # Kernels import the working tree's package whether or not it is installed.
        "PYTHONPATH": os.pathsep.join(p for p in [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")] if p),
    }
    token = secrets.token_hex(24)
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--ServerApp.token={token}",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.open_browser=False",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = base / "jupyterlab.log"
    server = LabServer(f"http://127.0.0.1:{port}/", token, root_dir, log_path)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(server, process)
        _check_kernelspec(server)
        yield server
    finally:
        _stop_server(server, process, base / "runtime")


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server on a free localhost port, isolated from the user's Jupyter setup."""
    with running_lab_server(tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright (its own browser builds are not used)."""
    if not CHROMIUM_PATH.exists():
        message = f"{CHROMIUM_PATH} is missing: install it with `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, storage, cache) per test."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A fresh page whose console output is kept for failure messages."""
    new_page = context.new_page()
    track_page(new_page, ARTIFACT_DIR)
    yield new_page


@pytest.fixture
def open_notebook(
    page: Page, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Factory: ``open_notebook(cells, name=None)`` opens a new notebook and runs all cells.

    Returns the page showing the notebook. The test's kernels are shut down afterwards.
    """
    opened = 0

    def open_(cells: Sequence[str], name: str | None = None) -> Page:
        nonlocal opened
        opened += 1
        stem = name or re.sub(r"[^A-Za-z0-9_-]", "_", request.node.name)[:80]
        if opened > 1 and name is None:
            stem += f"_{opened}"
        return _open_notebook(page, lab_server, f"{stem}.ipynb", cells)

    try:
        yield open_
    finally:
        with contextlib.suppress(Exception):
            page.close()
        try:
            lab_server.shutdown_all_kernels()
        except Exception as exc:
            raise AssertionError(
                f"could not shut down kernels after the test: {exc}\n{lab_server.log_tail()}"
            ) from exc
