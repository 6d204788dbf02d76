"""Lets browser benchmarks reuse the real-browser test fixtures (JupyterLab server, Chromium, notebooks)."""

import importlib.util
import pathlib

_path = pathlib.Path(__file__).parents[1] / "tests" / "ui" / "conftest.py"
_spec = importlib.util.spec_from_file_location("ui_fixtures", _path)
_ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ui)

lab_server, browser, context, page, open_notebook = (
    _ui.lab_server, _ui.browser, _ui.context, _ui.page, _ui.open_notebook,
)
