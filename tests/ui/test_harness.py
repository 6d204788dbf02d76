"""Smoke tests of the browser harness itself, using a tiny anywidget defined inline."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

COUNTER_WIDGET = '''
import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const root = document.createElement("div");
      root.className = "ui-counter";
      const button = document.createElement("button");
      button.className = "ui-counter-button";
      const show = () => {
        root.dataset.count = String(model.get("count"));
        button.textContent = `count is ${model.get("count")}`;
      };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", show);
      show();
      root.appendChild(button);
      el.appendChild(root);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)


w = Counter()
w
'''

SET_COUNT_FROM_THREAD = """
import threading
import time


def set_count_later():
    time.sleep(0.5)
    w.count = 41


threading.Thread(target=set_count_later, daemon=True).start()
"""


def test_button_clicks_sync_count_to_kernel(open_notebook: Callable[..., Page]) -> None:
    """Clicks in the browser must reach the Python model, proving the harness end to end."""
    page = open_notebook([COUNTER_WIDGET])
    root = wait_for_widget(page, ".ui-counter")
    expect(root).to_have_attribute("data-count", "0")

    button = root.locator(".ui-counter-button")
    button.click()
    expect(root).to_have_attribute("data-count", "1")
    button.click()
    expect(root).to_have_attribute("data-count", "2")

    assert run_code(page, "print(w.count)") == "2"


def test_trait_set_from_background_thread_reaches_browser(
    open_notebook: Callable[..., Page],
) -> None:
    """Widgets that compute in a worker thread must update the view without another cell run."""
    page = open_notebook([COUNTER_WIDGET])
    root = wait_for_widget(page, ".ui-counter")
    expect(root).to_have_attribute("data-count", "0")

    assert run_code(page, SET_COUNT_FROM_THREAD) == ""
    expect(root).to_have_attribute("data-count", "41", timeout=30_000)
