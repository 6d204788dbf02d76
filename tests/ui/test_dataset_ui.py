"""DatasetWidget in a real JupyterLab page: sort, filter, open a row, then mask a token of its explanation."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from notebook_ui import run_code, wait_for_widget
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# The same text once under each label, so whatever the model predicts, one row is right and two are wrong.
TEXTS = [
    "I love this phone",
    "Oh great, another delay. Just what I needed.",
    "The service was terrible",
    "Meeting moved to noon",
    "Meeting moved to noon",
    "Meeting moved to noon",
]
LABELS = ["positive", "negative", "negative", "negative", "neutral", "positive"]

DATASET_WIDGET = f"""
from shap_widget import DatasetWidget
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
w = DatasetWidget(model, tok, {TEXTS!r}, {LABELS!r}, selected=0, max_evals=64, progress_bar=False)
w
"""

Opener = Callable[[list[str]], Page]


def shown_rows(page: Page) -> list[dict]:
    """The table's rows as shown, in order."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.sw-dataset tr.sw-row')].map((tr) => ({
            index: Number(tr.dataset.index), correct: tr.dataset.correct,
        }))"""
    )


def kernel_json(page: Page, expression: str):
    return json.loads(run_code(page, f"import json; print(json.dumps({expression}))").splitlines()[-1])


def test_sort_filter_open_a_row_and_mask_a_token(open_notebook: Opener) -> None:
    """Error analysis end to end: sort by loss, filter, open a row, mask a token; the kernel sees every step."""
    page = open_notebook([DATASET_WIDGET])
    root = wait_for_widget(page, ".sw-dataset")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(len(TEXTS))

    # Sort: highest loss first, as the kernel's own numbers order the rows.
    page.locator('.sw-dataset th[data-sort="loss"]').click()
    expect(page.locator('.sw-dataset th[data-sort="loss"]')).to_have_attribute("aria-sort", "descending")
    by_loss = kernel_json(page, "w.to_dataframe().sort_values('loss', ascending=False, kind='stable').index.tolist()")
    expect(page.locator(".sw-dataset tr.sw-row").first).to_have_attribute("data-index", str(by_loss[0]))
    assert [r["index"] for r in shown_rows(page)] == by_loss

    # Filter: misclassified only, then a token typed into the filter box.
    page.locator(".sw-dataset .sw-filter-misclassified").check()
    wrong = kernel_json(page, "[int(i) for i in w.to_dataframe().query('correct == False').index]")
    assert len(wrong) >= 2
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(len(wrong))
    assert {r["index"] for r in shown_rows(page)} == set(wrong)
    assert all(r["correct"] == "false" for r in shown_rows(page))
    page.locator(".sw-dataset .sw-filter-misclassified").uncheck()
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(len(TEXTS))
    # A token of the global ranking narrows the table to the examples that contain it.
    noon = page.locator('.sw-dataset .sw-global-token[data-token="noon"]')
    expect(noon).to_have_attribute("data-examples", "3")
    noon.click()
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(3)
    assert {r["index"] for r in shown_rows(page)} == {3, 4, 5}
    expect(page.locator(".sw-dataset .sw-filter-token")).to_have_value("noon")
    page.locator(".sw-dataset .sw-filter-token").fill("DELAY")
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(1)
    assert kernel_json(page, "[w.table.filter_token, w.visible]") == ["DELAY", [1]]

    # Open the row: the explanation below switches to its text.
    page.locator('.sw-dataset tr.sw-row[data-index="1"]').click()
    expect(page.locator('.sw-dataset tr.sw-row[data-index="1"]')).to_have_attribute("aria-selected", "true")
    explain = page.locator(".shap-widget")
    expect(explain.locator(".sw-text:not(.sw-text-pair)")).to_have_value(TEXTS[1])
    expect(explain).to_have_attribute("data-state", "ready", timeout=60_000)
    assert kernel_json(page, "[w.selected, w.explain_widget.text]") == [1, TEXTS[1]]

    # Mask a token of that explanation: the view recomputes and the kernel has the mask.
    token = explain.locator('.sw-token[data-index="1"]')
    expect(token).to_have_text("great")
    token.click()
    expect(token).to_have_attribute("data-masked", "true")
    expect(explain).to_have_attribute("data-state", "ready", timeout=60_000)
    state = kernel_json(page, "(w.explain_widget.wait(), [w.explain_widget.masked, w.explain_widget.result_for['masked'], "
                              "w.explain_widget.values[1]])[1]")
    assert state[0] == [1] and state[1] == [1] and all(v == 0 for v in state[2])


PARTIAL_RUN = f"""
import pathlib, tempfile
from shap_widget import DatasetWidget, explain_dataset
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
path = pathlib.Path(tempfile.mkdtemp()) / "run.parquet"
full = explain_dataset(model, tok, {TEXTS!r}, labels={LABELS!r}, path=path, max_evals=64, chunk_size=2,
                       progress_bar=False)
sorted(path.glob("part-*.parquet"))[-1].unlink()  # as a run killed before its last chunk finished
w = DatasetWidget.from_results(path, model, tok, progress_bar=False)
w
"""


def test_partial_saved_run_opens_rows_from_disk_and_clicks_recompute(open_notebook: Opener) -> None:
    """A saved run cut short opens in the table; a row shows its stored values, a token click recomputes."""
    page = open_notebook([PARTIAL_RUN])
    root = wait_for_widget(page, ".sw-dataset")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(4)  # the two rows of the lost chunk are absent

    page.locator('.sw-dataset th[data-sort="loss"]').click()
    expect(page.locator('.sw-dataset th[data-sort="loss"]')).to_have_attribute("aria-sort", "descending")
    by_loss = kernel_json(page, "w.to_dataframe().sort_values('loss', ascending=False, kind='stable').index.tolist()")
    assert [r["index"] for r in shown_rows(page)] == by_loss

    page.locator('.sw-dataset tr.sw-row[data-index="1"]').click()
    explain = page.locator(".shap-widget")
    expect(explain.locator(".sw-text:not(.sw-text-pair)")).to_have_value(TEXTS[1])
    expect(explain).to_have_attribute("data-state", "ready", timeout=60_000)
    stored = kernel_json(page, "(w.explain_widget.wait(), [w.explain_widget.values == full[1].values.tolist(), "
                               "w.explain_widget.n_evals == full[1].n_evals])[1]")
    assert stored == [True, True]

    token = explain.locator('.sw-token[data-index="1"]')
    expect(token).to_have_text("great")
    token.click()
    expect(token).to_have_attribute("data-masked", "true")
    expect(explain).to_have_attribute("data-state", "ready", timeout=60_000)
    state = kernel_json(page, "(w.explain_widget.wait(), [w.explain_widget.result_for['masked'], "
                              "w.explain_widget.values[1], w.explain_widget.values == full[1].values.tolist()])[1]")
    assert state[0] == [1] and all(v == 0 for v in state[1]) and state[2] is False


CONTRASTIVE_RUN = f"""
import pathlib, tempfile
from shap_widget import DatasetWidget, explain_dataset
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
path = pathlib.Path(tempfile.mkdtemp()) / "run.parquet"
run = explain_dataset(model, tok, {TEXTS[:4]!r}, path=path, max_evals=64, versus="positive", progress_bar=False)
w = DatasetWidget.from_results(path, model, tok, progress_bar=False)
w
"""


METHODS_RUN = f"""
import pathlib, tempfile
from shap_widget import DatasetWidget, explain_dataset
from shap_widget.demo import load_sentiment_model

model, tok = load_sentiment_model()
path = pathlib.Path(tempfile.mkdtemp()) / "run.parquet"
full = explain_dataset(model, tok, {TEXTS[:4]!r}, labels={LABELS[:4]!r}, path=path, max_evals=32,
                       progress_bar=False, methods=["occlusion", "lime"])
w = DatasetWidget.from_results(path, model, tok, selected=-1, progress_bar=False)
w
"""


def test_contrastive_run_names_its_contrast_and_opens_rows_with_it(open_notebook: Opener) -> None:
    """A run against "positive" says so, ranks tokens for "<class> vs positive" and opens rows as that contrast."""
    page = open_notebook([CONTRASTIVE_RUN])
    root = wait_for_widget(page, ".sw-dataset")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(page.locator(".sw-dataset .sw-dataset-contrast")).to_have_text(
        "Contrast: each class vs positive. Values explain log P(class) − log P(positive).")
    options = page.locator(".sw-dataset .sw-global-class option")
    expect(options).to_have_text(["negative vs positive", "neutral vs positive"])
    shown = page.evaluate("() => [...document.querySelectorAll('.sw-global-token')].map((b) => b.dataset.token)")
    assert shown == kernel_json(page, "w.token_ranking(0, min_count=2, top=30)['token'].tolist()")

    page.locator('.sw-dataset tr.sw-row[data-index="2"]').click()  # "The service was terrible"
    target = kernel_json(page, "run.to_dataframe().loc[2, 'contrast']")
    expect(page.locator(".sw-dataset .sw-selection")).to_contain_text(f"read as {target}")
    explain = page.locator(".shap-widget")
    expect(explain).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(explain.locator(".sw-versus")).to_have_value("2")
    stored = kernel_json(page, "(w.explain_widget.wait(), [w.explain_widget.values == run[2].values.tolist(), "
                               "w.explain_widget.versus])[1]")
    assert stored == [True, 2]


def test_saved_run_with_methods_ranks_texts_where_explanations_disagree(open_notebook: Opener) -> None:
    """With methods beside SHAP, a disagreement column ranks the texts and a row shows every method's values."""
    page = open_notebook([METHODS_RUN])
    root = wait_for_widget(page, ".sw-dataset")
    expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
    header = page.locator('.sw-dataset th[data-sort="disagreement"]')
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator(".sw-dataset tr.sw-row")).to_have_count(4)
    assert [r["index"] for r in shown_rows(page)] == kernel_json(page, "w.visible")
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.sw-dataset tr.sw-row .sw-col-disagreement')].map((td) => td.textContent)"
    )
    ranked = kernel_json(page, "full.disagreement().loc[w.visible, 'disagreement'].tolist()")
    assert ranked == sorted(ranked, reverse=True) and shown == [f"{d:.3f}" for d in ranked]

    first = shown_rows(page)[0]["index"]
    page.locator(f'.sw-dataset tr.sw-row[data-index="{first}"]').click()
    panel = page.locator(".sw-dataset .sw-methods")
    expect(panel).to_have_attribute("data-row", str(first))
    expect(panel.locator("tr.sw-methods-row")).to_have_count(3)
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.sw-methods tr.sw-methods-row')].map((tr) => [tr.dataset.method,
            [...tr.querySelectorAll('.sw-methods-token')].map((td) => Number(td.dataset.value))])"""
    )
    stored = kernel_json(page, f"[[m, v.tolist()] for m, v in full.method_values({first}).items()]")
    assert [m for m, _ in drawn] == [m for m, _ in stored] == ["shap", "occlusion", "lime"]
    for (_, got), (_, want) in zip(drawn, stored):
        assert got == pytest.approx(want, abs=1e-12)
