"""ExplainWidget in a marimo app (`mo.ui.anywidget`), served by `marimo run` and driven in a real browser."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytest.importorskip("marimo")

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0

APP = textwrap.dedent(
    '''
    import marimo

    app = marimo.App()


    @app.cell
    def _():
        import marimo as mo
        from shap_widget import ExplainWidget
        from shap_widget.demo import load_sentiment_model

        model, tok = load_sentiment_model()
        w = mo.ui.anywidget(
            ExplainWidget(model, tok, text="The movie was great! I loved the storyline and the acting was superb.")
        )
        w
        return mo, w


    @app.cell
    def _(mo, w):
        mo.md(f"python-state: {w.value['state']} masked={w.value['masked']}")
        return


    if __name__ == "__main__":
        app.run()
    '''
)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started (its own process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`marimo run` of a two-cell app (the widget; a cell reading its value) on a free localhost port, with a token."""
    base = tmp_path_factory.mktemp("marimo")
    (base / "app.py").write_text(APP, encoding="utf-8")
    token, port = secrets.token_hex(16), _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")] if p),
        "XDG_CONFIG_HOME": str(base / "config"),  # not the user's marimo settings
        "XDG_STATE_HOME": str(base / "state"),
        "XDG_CACHE_HOME": str(base / "cache"),
    }
    command = [
        sys.executable, "-m", "marimo", "run", "app.py", "--headless", "--host", "127.0.0.1", "--port", str(port),
        "--token-password", token, "--no-sandbox", "--no-check",
    ]
    log_path = base / "marimo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=base, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/?access_token={token}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"marimo run did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).close()
                break
            time.sleep(0.25)
        yield url
    finally:
        _stop(process)


def test_marimo_click_masks_a_token_and_reactive_cells_see_the_settled_state(page: Page, marimo_app: str) -> None:
    """In marimo a click masks the token and recomputes, and a cell reading the widget's value re-runs to "ready"."""
    page.goto(marimo_app, wait_until="domcontentloaded")
    root = page.locator(".shap-widget")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(page.get_by_text(re.compile(r"python-state: ready masked=\[\]"))).to_be_visible(timeout=30_000)

    token = page.locator('.sw-token[data-index="3"]')  # "great"
    value_before = float(token.get_attribute("data-value"))
    token.click()
    expect(token).to_have_attribute("data-masked", "true")
    expect(root).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(root).to_have_attribute("data-stale", "false")
    assert value_before != 0 and float(token.get_attribute("data-value")) == 0
    expect(page.get_by_text(re.compile(r"python-state: ready masked=\[3\]"))).to_be_visible(timeout=30_000)
