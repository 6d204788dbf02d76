"""The faithfulness plot in a real JupyterLab page: drawn after each explanation, never for a stale request."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "The movie was great! I loved the storyline and the acting was superb."

DEMO_WIDGET = f"""
from shap_widget import ExplainWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = ExplainWidget(model, tok, text={TEXT!r})
w
"""

Opener = Callable[[list[str]], Page]


def shown(page: Page) -> dict:
    """What the faithfulness panel shows: status, class, AOPCs and the number of points per curve."""
    return page.evaluate(
        """() => {
            const el = document.querySelector('.shap-widget .sw-faithfulness');
            return {
                status: el.dataset.status,
                target: Number(el.dataset.target),
                aopc_deletion: Number(el.dataset.aopcDeletion),
                aopc_insertion: Number(el.dataset.aopcInsertion),
                points: [...el.querySelectorAll('polyline')].map(p => p.getAttribute('points').split(' ').length),
            };
        }"""
    )


def kernel(page: Page) -> dict:
    out = run_code(
        page,
        "import json; w.wait(); f = w.faithfulness; print(json.dumps({'target': f['target'], "
        "'masked': f['result_for']['masked'], 'aopc_deletion': f['aopc_deletion'], "
        "'aopc_insertion': f['aopc_insertion'], 'n': len(f['deletion'])}))",
    )
    return json.loads(out.strip().splitlines()[-1])


def test_plot_follows_masks_and_class_changes(open_notebook: Opener) -> None:
    """The curves match the kernel's numbers for the shown mask and class, after a click and a class change."""
    page = open_notebook([DEMO_WIDGET])
    wait_for_widget(page, ".shap-widget .sw-token")
    panel = page.locator(".shap-widget .sw-faithfulness")
    expect(panel).to_have_attribute("data-status", "ready", timeout=90_000)
    expect(panel.locator("polyline")).to_have_count(2)
    first = shown(page)
    k = kernel(page)
    assert first["target"] == k["target"] and k["masked"] == []
    assert first["aopc_deletion"] == k["aopc_deletion"] and first["aopc_insertion"] == k["aopc_insertion"]
    assert first["points"] == [k["n"], k["n"]] == [16, 16]  # 15 tokens: 0..15 removed

    page.locator('.sw-token[data-index="3"]').click()
    expect(panel).not_to_have_attribute("data-status", "ready", timeout=5_000)
    expect(panel).to_have_attribute("data-status", "ready", timeout=90_000)
    masked = shown(page)
    k = kernel(page)
    assert k["masked"] == [3] and masked["points"] == [15, 15]
    assert masked["aopc_deletion"] == k["aopc_deletion"]

    other = (first["target"] + 1) % 3
    page.locator(".sw-target").select_option(str(other))
    expect(panel).to_have_attribute("data-target", str(other), timeout=90_000)
    expect(panel).to_have_attribute("data-status", "ready")
    switched = shown(page)
    k = kernel(page)
    assert k["target"] == other and k["masked"] == [3]
    assert switched["aopc_deletion"] == k["aopc_deletion"] != masked["aopc_deletion"]


LONG = ("The staff were friendly and the location was perfect, but the room was small, the bed was hard, the walls "
        "were thin and we could hear every word from the corridor all night.")


def test_opening_the_panel_draws_every_step_of_the_curves(open_notebook: Opener) -> None:
    """After a sampled explanation the curves are sampled side work; opening the panel draws every step,
    while the folded summary line keeps its numbers."""
    page = open_notebook([DEMO_WIDGET.replace(f"text={TEXT!r})", f"text={LONG!r}, max_evals=200)")])
    wait_for_widget(page, ".shap-widget .sw-token")
    panel = page.locator(".shap-widget .sw-faithfulness")
    expect(panel).to_have_attribute("data-status", "ready", timeout=90_000)
    n = page.locator(".shap-widget .sw-heatmap .sw-token").count()
    sampled = shown(page)
    summary = panel.locator(".sw-faith-status").text_content()
    assert sampled["points"][0] == sampled["points"][1] < n + 1

    panel.locator("summary").click()
    expect(panel.locator(".sw-faith-plot")).to_have_attribute("data-points", str(n + 1), timeout=60_000)
    assert shown(page)["points"] == [n + 1, n + 1]
    expect(panel.locator(".sw-faith-note")).to_have_text(f"every step ({n + 1})")
    assert panel.locator(".sw-faith-status").text_content() == summary
    out = run_code(page, "f = w.faithfulness; print(len(f['steps']), len(f['full_curve']['deletion']))")
    assert out.strip().splitlines()[-1] == f"{sampled['points'][0]} {n + 1}"
