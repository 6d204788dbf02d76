from test_harness import COUNTER_WIDGET
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import expect
def test_probe(open_notebook):
    page = open_notebook([COUNTER_WIDGET, """
import threading
seen = []
w.observe(lambda ch: seen.append((ch['new'], threading.current_thread().name)), 'count')
"""])
    root = wait_for_widget(page, ".ui-counter")
    root.locator("button").click()
    expect(root).to_have_attribute("data-count", "1")
    print("OBS", run_code(page, "print(seen, threading.current_thread().name)"))
    print("FEAT", run_code(page, "k = get_ipython().kernel; print(type(k).__name__, getattr(k, '_supports_kernel_subshells', None), [t.name for t in threading.enumerate()])"))
    print("PANEL", page.evaluate("() => { const p = window.jupyterapp.shell.currentWidget; const k = p.sessionContext.session.kernel; return [k.supportsSubshells, JSON.stringify(k.info ? 'x':'')] }"))
    print(run_code(page, "1+1"))
    print(repr(run_code(page, "print('a'); import sys; print('b', file=sys.stderr); 3")))
