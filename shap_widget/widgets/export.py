"""Exports of an explanation that need no kernel: a pandas DataFrame and a standalone HTML page.

The HTML page renders with the widget's own front end (the built bundle in `static/`, inlined), so it
shows exactly what the widget showed; the state travels in the page as JSON, and the script is imported
from a data: URL, so the page loads nothing from the network and works from a file:// address.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..engine.columns import class_columns

if TYPE_CHECKING:
    import pandas as pd

    from ..engine.explain import Attribution
    from ..engine.interactions import Interactions

STATIC = Path(__file__).parent.parent / "static"
STATE_ELEMENT_ID = "shap-widget-state"
ROOT_ELEMENT_ID = "shap-widget"
_PLAYER_COLUMNS = ("token", "index", "masked", "segment")
_PAIR_COLUMNS = ("i", "j", "token_i", "token_j")
VALUE_COLUMNS = ("{label}", "value[{c}: {label}]")
ERROR_COLUMNS = ("{label} se", "se[{c}: {label}]")


def dataframe(attribution: "Attribution") -> "pd.DataFrame":
    """One row per player: `token`, `index`, `masked`, then the SHAP value for each class (one column each).

    For a sentence pair a `segment` column after `masked` says which text the player is in (0 or 1).

    Sampled values come with their standard errors, one column per class after the values, named
    `<label> se`; exact values have none. Class columns are named after their labels unless that would make
    two columns alike (two classes with one label, a label such as "token", or "x" beside "x se"): then every
    class column is named by its class index as well, `value[<c>: <label>]` and `se[<c>: <label>]`, so no
    class is ever dropped. For a contrast (`versus`) the labels read "<class> vs <versus class>" and the
    versus class itself is left out. `frame.attrs["explained"]` says what each value column adds up to,
    e.g. "P(positive)" or "log P(negative) - log P(positive)".
    """
    import pandas as pd

    masked = set(attribution.masked)
    columns: dict[str, Any] = {
        "token": list(attribution.tokens),
        "index": list(range(len(attribution.tokens))),
        "masked": [i in masked for i in range(len(attribution.tokens))],
    }
    if attribution.segments is not None:
        columns["segment"] = list(attribution.segments)
    kinds = [VALUE_COLUMNS] if attribution.errors is None else [VALUE_COLUMNS, ERROR_COLUMNS]
    names = class_columns(attribution.output_names, _PLAYER_COLUMNS, kinds)
    shown = [c for c in range(len(attribution.labels)) if c != attribution.versus]  # a class against itself is 0
    for c in shown:
        columns[names[0][c]] = attribution.values[:, c].astype(float)
    if attribution.errors is not None:
        for c in shown:
            columns[names[1][c]] = attribution.errors[:, c].astype(float)
    frame = pd.DataFrame(columns)
    frame.attrs["explained"] = {names[0][c]: attribution.explained(c) for c in shown}
    return frame


def interactions_dataframe(interactions: "Interactions") -> "pd.DataFrame":
    """One row per pair i < j: `i`, `j`, `token_i`, `token_j`, then the pair value for each class (named as
    in `dataframe`: the label, or `value[<c>: <label>]` for every class when labels would collide)."""
    import pandas as pd

    n = len(interactions.tokens)
    i, j = np.triu_indices(n, 1)
    columns: dict[str, Any] = {
        "i": i, "j": j,
        "token_i": [interactions.tokens[k] for k in i], "token_j": [interactions.tokens[k] for k in j],
    }
    (names,) = class_columns(interactions.labels, _PAIR_COLUMNS, [VALUE_COLUMNS])
    for c, name in enumerate(names):
        columns[name] = interactions.pairs[i, j, c].astype(float)
    return pd.DataFrame(columns)


def _finite_or_none(value: Any) -> Any:
    """`value` with every NaN or infinite number replaced by None, which the front end shows as missing."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' that could close or open a tag.

    NaN and infinite numbers, which JSON cannot hold, become null: the page shows them as missing values.
    """
    text = json.dumps(_finite_or_none(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def static_html(state: Mapping[str, Any], *, title: str | None = None) -> str:
    """A complete HTML document that renders `state` (the widget's synced traits) without a kernel."""
    script = (STATIC / "widget.js").read_bytes()
    css = (STATIC / "widget.css").read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError("widget.css must not contain '</style'.")
    module = base64.b64encode(script).decode("ascii")
    page_title = title if title is not None else f"SHAP explanation: {state.get('text', '')}".strip()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page_title)}</title>
<style>
body {{ margin: 24px; background: #fff; }}
</style>
<style>
{css}
</style>
</head>
<body>
<div id="{ROOT_ELEMENT_ID}"></div>
<noscript>This page draws the explanation with JavaScript; enable it to see the token heatmap.</noscript>
<script type="application/json" id="{STATE_ELEMENT_ID}">{_script_json(dict(state))}</script>
<script type="module">
const state = JSON.parse(document.getElementById("{STATE_ELEMENT_ID}").textContent);
const {{ renderStatic }} = await import("data:text/javascript;base64,{module}");
renderStatic({{ el: document.getElementById("{ROOT_ELEMENT_ID}"), state }});
</script>
</body>
</html>
"""


def read_state(page: str) -> dict[str, Any]:
    """The widget state embedded in a page written by `static_html`."""
    marker = f'<script type="application/json" id="{STATE_ELEMENT_ID}">'
    start = page.index(marker) + len(marker)
    return json.loads(page[start : page.index("</script>", start)])


def write_html(path: str | Path, state: Mapping[str, Any], *, title: str | None = None) -> Path:
    """Write `static_html(state)` to `path` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(static_html(state, title=title), encoding="utf-8")
    return target
