from notebook_ui import run_code
def test_probe_multi(open_notebook):
    page = open_notebook(["x = 1"])
    print(repr(run_code(page, "print('a'); import sys; print('b', file=sys.stderr); 3")))
def test_probe_cell_error(open_notebook):
    open_notebook(["x = 1", "1/0", "y = 2"])
def test_probe_run_code_error(open_notebook):
    page = open_notebook(["x = 1"])
    run_code(page, "raise ValueError('boom')")
def test_probe_timeout(open_notebook):
    page = open_notebook(["x = 1"])
    run_code(page, "import time; time.sleep(5)", timeout_s=2)
