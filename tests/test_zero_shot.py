"""Zero-shot classification pipelines: values add up to the pipeline's own score for each candidate label."""

from __future__ import annotations

import numpy as np
import pytest
import transformers

from shap_widget import ExplainWidget
from shap_widget.engine.zero_shot import ZeroShotExplainer

TEXT = "the movie was great"
LABELS = ["fun", "bad", "music"]
NLI = {0: "contradiction", 1: "neutral", 2: "entailment"}


def nli_pipeline(family, name, id2label=NLI):
    """A tiny random model dressed as an NLI model, in transformers' own zero-shot pipeline."""
    model, tok = family(name)
    model = type(model)(model.config.__class__(**{**model.config.to_dict(), "id2label": id2label,
                                                   "label2id": {v: k for k, v in id2label.items()}}))
    model.load_state_dict(family(name)[0].state_dict())
    return transformers.pipeline("zero-shot-classification", model=model.eval(), tokenizer=tok)


@pytest.mark.parametrize("name", ["bert", "roberta"])
@pytest.mark.parametrize("multi_label", [False, True])
@pytest.mark.parametrize("method", ["exact", "partition"])
def test_values_add_up_to_the_pipelines_scores(family, name, multi_label, method):
    pipe = nli_pipeline(family, name)
    template = "This review is about {}."
    scores = pipe(TEXT, candidate_labels=LABELS, hypothesis_template=template, multi_label=multi_label)
    expected = [dict(zip(scores["labels"], scores["scores"]))[c] for c in LABELS]
    a = ZeroShotExplainer(pipe, LABELS, hypothesis_template=template, multi_label=multi_label).attribute(
        TEXT, method=method)
    assert a.labels == LABELS and a.tokens == TEXT.split()
    np.testing.assert_allclose(a.outputs, expected, atol=1e-6)
    np.testing.assert_allclose(a.base_values + a.values.sum(0), expected, atol=1e-6)
    if not multi_label:
        assert a.values.sum(1) == pytest.approx(np.zeros(len(TEXT.split())), abs=1e-9)  # scores sum to 1


def test_masked_premise_score_equals_the_pipeline_on_the_masked_text(family):
    """Players are the premise's tokens; a masked one is [MASK] in every hypothesis pair."""
    pipe = nli_pipeline(family, "bert")
    a = ZeroShotExplainer(pipe, LABELS).attribute(TEXT, method="exact", masked=[3])
    scores = pipe(f"the movie was {pipe.tokenizer.mask_token}", candidate_labels=LABELS)
    expected = [dict(zip(scores["labels"], scores["scores"]))[c] for c in LABELS]
    np.testing.assert_allclose(a.outputs, expected, atol=1e-6)


def test_every_coalition_and_candidate_runs_in_one_pass_per_candidate(family):
    pipe = nli_pipeline(family, "bert")
    explainer = ZeroShotExplainer(pipe, LABELS)
    explainer.attribute(TEXT, method="exact")
    assert explainer.evaluator.rows_run >= 16 * len(LABELS)
    assert explainer.evaluator.forward_calls <= 2 * len(LABELS)


def test_widget_from_zero_shot_pipeline_offers_the_candidate_labels(family):
    pipe = nli_pipeline(family, "bert")
    w = ExplainWidget.from_pipeline(pipe, TEXT, candidate_labels=LABELS, method="exact").wait(60)
    assert w.labels == LABELS and [t["text"] for t in w.tokens] == TEXT.split()
    scores = pipe(TEXT, candidate_labels=LABELS)
    np.testing.assert_allclose(w.probabilities_full, [dict(zip(scores["labels"], scores["scores"]))[c]
                                                      for c in LABELS], atol=1e-6)
    before = np.array(w.values)
    w.mask(1).wait(60)
    assert np.all(np.array(w.values)[1] == 0) and not np.allclose(w.values, before)
    assert w.faithfulness.get("target") == w.target and "error" not in w.faithfulness


@pytest.mark.parametrize("kwargs, error, message", [
    ({"candidate_labels": []}, ValueError, "candidate_labels is empty"),
    ({"candidate_labels": ["fun", 3]}, TypeError, "non-empty strs"),
    ({"candidate_labels": LABELS, "hypothesis_template": "This is about it."}, ValueError, "no '{}'"),
    ({"candidate_labels": LABELS, "hypothesis_template": "About {topic}."}, ValueError, "no .{}."),
])
def test_bad_zero_shot_arguments_get_clear_errors(family, kwargs, error, message):
    with pytest.raises(error, match=message):
        ExplainWidget.from_pipeline(nli_pipeline(family, "bert"), TEXT, **kwargs)


def test_model_without_entailment_label_is_refused(family):
    pipe = nli_pipeline(family, "bert", {0: "negative", 1: "neutral", 2: "positive"})
    with pytest.raises(ValueError, match="no entailment label"):
        ZeroShotExplainer(pipe, LABELS)


def test_zero_shot_pipeline_without_labels_is_refused(family):
    with pytest.raises(ValueError, match="needs candidate_labels"):
        ExplainWidget.from_pipeline(nli_pipeline(family, "bert"), TEXT)


def test_long_premise_is_truncated_as_the_pipeline_does_and_flagged(family):
    """Each hypothesis keeps the premise tokens the pipeline keeps; values still add up to its scores."""
    pipe = nli_pipeline(family, "bert")
    labels = ["fun", "the music and the acting of the film"]
    premise = " ".join(["the movie was great and the story was fun"] * 8)
    scores = pipe(premise, candidate_labels=labels)
    expected = [dict(zip(scores["labels"], scores["scores"]))[c] for c in labels]
    a = ZeroShotExplainer(pipe, labels).attribute(premise, method="partition", max_evals=64)
    assert a.truncated
    np.testing.assert_allclose(a.base_values + a.values.sum(0), expected, atol=1e-6)
    w = ExplainWidget.from_pipeline(pipe, premise, candidate_labels=labels, method="partition", max_evals=64).wait(60)
    assert len(w.tokens) == len(a.tokens) and w.truncated


def test_a_batch_of_premises_adds_up_to_the_pipelines_scores_for_each(family):
    """A list of premises through the tutorial call form gives each premise the pipeline's own scores."""
    pipe = nli_pipeline(family, "bert")
    texts = [TEXT, "the music was bad"]
    e = ZeroShotExplainer(pipe, LABELS)(texts, method="exact")
    for i, text in enumerate(texts):
        scores = pipe(text, candidate_labels=LABELS)
        expected = [dict(zip(scores["labels"], scores["scores"]))[c] for c in LABELS]
        np.testing.assert_allclose(e[i].base_values + e[i].values.sum(0), expected, atol=1e-6)
