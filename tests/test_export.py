"""Exports of a widget's state: a pandas DataFrame, a standalone HTML page, and shap's own plots."""

from __future__ import annotations

import html.parser
from pathlib import Path

import numpy as np
import pytest

from chromium import CHROMIUM_ARGS, CHROMIUM_PATH

from shap_widget import ExplainWidget, explain_dataset, explain_interactions
from shap_widget.engine.explain import Explainer
from shap_widget.widgets.export import dataframe, interactions_dataframe, read_state, static_html

TEXT = "the movie was great but the ending was boring"


@pytest.fixture(scope="module")
def widget(model, tokenizer):
    """A finished widget with one token masked and class 0 selected."""
    return ExplainWidget(model, tokenizer, text=TEXT, target=0, masked=[2], method="exact", max_evals=1024).wait(60)


class _Elements(html.parser.HTMLParser):
    """Collects each element's tag and attributes, and the text of <script> and <title> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {"script": [], "title": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in self.texts else None
        if self._open:
            self.texts[tag].append("")

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            self.texts[self._open][-1] += data


def parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


def test_dataframe_has_one_row_per_player_and_a_column_per_class(widget):
    """to_dataframe(): token, index, masked, then the widget's values class by class."""
    df = widget.to_dataframe()
    assert list(df.columns) == ["token", "index", "masked", "LABEL_0", "LABEL_1", "LABEL_2"]
    assert df["token"].tolist() == TEXT.split()
    assert df["index"].tolist() == list(range(9))
    assert df["masked"].tolist() == [i == 2 for i in range(9)]
    np.testing.assert_array_equal(df[["LABEL_0", "LABEL_1", "LABEL_2"]].to_numpy(), np.array(widget.values))
    assert df.loc[2, ["LABEL_0", "LABEL_1", "LABEL_2"]].tolist() == [0.0, 0.0, 0.0]
    assert df["LABEL_0"].abs().max() > 1e-3


def test_html_page_carries_the_state_script_and_style_inline(widget, tmp_path):
    """to_html() writes one self-contained file: state as JSON, bundle and CSS inline, no external resource."""
    path = widget.to_html(tmp_path / "explanation.html")
    page = path.read_text(encoding="utf-8")
    state = read_state(page)
    assert state["text"] == TEXT and state["masked"] == [2] and state["target"] == 0
    assert [t["text"] for t in state["tokens"]] == TEXT.split()
    assert state["values"] == widget.values
    assert state["faithfulness"]["result_for"] == widget.result_for and state["faithfulness"]["target"] == 0
    elements = parse(page)
    assert not [attrs for tag, attrs in elements.tags if attrs.get("src") or attrs.get("href")]
    module = next(s for s in elements.texts["script"] if "import(" in s)
    assert "data:text/javascript;base64," in module and "renderStatic" in module
    css = (Path(__file__).parents[1] / "shap_widget" / "static" / "widget.css").read_text()
    assert css.strip() in "".join(elements.texts["style"])
    assert elements.texts["title"] == [f"SHAP explanation: {TEXT}"]


def test_html_state_cannot_close_its_script_element(widget, tmp_path):
    """Text such as '</script>' in the state stays data: the page still has exactly its own two scripts."""
    state = {**widget.view_state(), "text": "</script><script>alert(1)</script> & <b>"}
    from shap_widget.widgets.export import write_html

    page = write_html(tmp_path / "tricky.html", state, title="<b>x</b>").read_text()
    elements = parse(page)
    assert len(elements.texts["script"]) == 2
    assert read_state(page)["text"] == state["text"]
    assert elements.texts["title"] == ["<b>x</b>"]


def test_explanation_plots_with_shap(widget):
    """w.explanation draws with shap.plots.text, bar and waterfall, labelled with the widget's tokens."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap

    e = widget.explanation
    assert "".join(e.data) == TEXT
    page = shap.plots.text(e, display=False)
    assert all(token in page for token in TEXT.split())
    shap.plots.bar(e, show=False, max_display=20)
    labels = " ".join(t.get_text() for t in plt.gca().get_yticklabels())
    assert all(token in labels for token in ("movie", "ending", "boring"))
    plt.close("all")
    shap.plots.waterfall(e, show=False, max_display=20)
    labels = " ".join(t.get_text() for t in plt.gcf().axes[0].get_yticklabels())
    assert all(token in labels for token in ("movie", "ending", "boring"))
    plt.close("all")


@pytest.mark.browser
def test_html_page_renders_offline_in_chromium(widget, tmp_path):
    """The written page renders the heatmap and the faithfulness plot in a browser with all network blocked."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(f"{CHROMIUM_PATH} is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = widget.to_html(tmp_path / "page.html").resolve()
    requested: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.on("pageerror", lambda err: errors.append(str(err)))

            def route(r):
                requested.append(r.request.url)
                if r.request.url == path.as_uri():
                    r.continue_()
                else:
                    r.abort()

            page.route("**/*", route)
            page.goto(path.as_uri())
            page.wait_for_selector(".shap-widget .sw-token", timeout=20_000)
            shown = page.evaluate(
                """() => {
                    const root = document.querySelector('.shap-widget');
                    const faith = root.querySelector('.sw-faithfulness');
                    return {
                        state: root.dataset.state,
                        static: root.dataset.static,
                        tokens: [...root.querySelectorAll('.sw-token')].map(t => ({
                            index: Number(t.dataset.index), masked: t.dataset.masked, value: t.dataset.value,
                            text: t.textContent })),
                        faithStatus: faith.dataset.status,
                        aopc: faith.dataset.aopcDeletion,
                        curves: [...faith.querySelectorAll('polyline')].map(p => p.dataset.curve),
                    };
                }"""
            )
            page.select_option(".sw-target", "2")
            switched = page.eval_on_selector_all(".sw-token", "els => els.map(t => t.dataset.value)")
            faith_after = page.get_attribute(".sw-faithfulness", "data-status")
        finally:
            browser.close()
    assert errors == []
    assert requested == [path.as_uri()]
    assert shown["state"] == "ready" and shown["static"] == "true"
    assert [t["text"] for t in shown["tokens"]] == TEXT.split()
    assert [t["index"] for t in shown["tokens"]] == list(range(9))
    assert [t["masked"] for t in shown["tokens"]] == ["true" if i == 2 else "false" for i in range(9)]
    assert [float(t["value"]) for t in shown["tokens"]] == [row[0] for row in widget.values]
    assert [float(v) for v in switched] == [row[2] for row in widget.values]
    assert shown["faithStatus"] == "ready" and shown["curves"] == ["deletion", "insertion"]
    assert float(shown["aopc"]) == widget.faithfulness["aopc_deletion"]
    assert faith_after == "unavailable"  # measured for the class selected when the page was written


@pytest.fixture(scope="module")
def colliding(make_bert):
    """A classifier whose labels collide: two classes called "x", one "x se" (like x's error column)."""
    return make_bert(id2label={0: "x", 1: "x se", 2: "x"}, label2id={"x": 0, "x se": 1})


def test_colliding_labels_keep_every_class_in_the_dataframe(colliding, tokenizer):
    """Labels "x", "x se", "x": every class and its standard errors get a column of their own, by class index."""
    attribution = Explainer(colliding, tokenizer).attribute(TEXT, method="kernel", max_evals=300)
    df = dataframe(attribution)
    values = ["value[0: x]", "value[1: x se]", "value[2: x]"]
    errors = ["se[0: x]", "se[1: x se]", "se[2: x]"]
    assert list(df.columns) == ["token", "index", "masked", *values, *errors]
    np.testing.assert_array_equal(df[values].to_numpy(), attribution.values)
    np.testing.assert_array_equal(df[errors].to_numpy(), attribution.errors)


@pytest.mark.parametrize("labels", [["token", "b", "c"], ["a", "b", "value[0: a]"]])
def test_label_named_like_another_column_never_shadows_it(make_bert, tokenizer, labels):
    """A class called "token" (or named like an indexed column) cannot replace the tokens or another class."""
    model = make_bert(id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
    attribution = Explainer(model, tokenizer).attribute(TEXT, method="exact")
    df = dataframe(attribution)
    assert len(set(df.columns)) == len(df.columns) == 6 and df["token"].tolist() == TEXT.split()
    np.testing.assert_array_equal(df.iloc[:, 3:].to_numpy(), attribution.values)


def test_distinct_labels_keep_their_plain_names(model, tokenizer):
    """The common case stays readable: one column per class named after it, "<label> se" for errors."""
    attribution = Explainer(model, tokenizer).attribute(TEXT, method="kernel", max_evals=300)
    assert list(dataframe(attribution).columns)[3:] == [
        "LABEL_0", "LABEL_1", "LABEL_2", "LABEL_0 se", "LABEL_1 se", "LABEL_2 se"]


def test_colliding_labels_keep_every_class_in_interactions_and_dataset_frames(colliding, tokenizer):
    """Pair values and a dataset's P(<class>) columns keep all three classes too."""
    pairs = explain_interactions(colliding, tokenizer, "a fun film", method="exact")
    frame = interactions_dataframe(pairs)
    assert list(frame.columns)[4:] == ["value[0: x]", "value[1: x se]", "value[2: x]"]
    i, j = np.triu_indices(len(pairs.tokens), 1)
    np.testing.assert_array_equal(frame.iloc[:, 4:].to_numpy(), pairs.pairs[i, j])
    results = explain_dataset(colliding, tokenizer, ["a fun film", "i hated it"], method="exact",
                              progress_bar=False)
    probs = results.to_dataframe()[["P[0: x]", "P[1: x se]", "P[2: x]"]].to_numpy()
    np.testing.assert_array_equal(probs, np.stack([a.probabilities_full for a in results]))


def test_html_export_writes_non_finite_numbers_as_missing(widget, tmp_path):
    """NaN and infinite values, which JSON cannot hold, are written as null (shown as missing), not raised on."""
    state = widget.view_state()
    values = [list(v) for v in state["values"]]
    values[0][0], values[1][0] = float("nan"), float("inf")
    page = static_html({**state, "values": values})
    shown = read_state(page)["values"]
    assert shown[0][0] is None and shown[1][0] is None and shown[2] == list(state["values"][2])
