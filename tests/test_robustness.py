"""Bad input gets a clear exception (what is wrong, what to do), never a hang or a torch traceback; faults
(out of memory, interrupts, long inputs) leave a complete explanation or a usable widget."""

from __future__ import annotations

import signal
import threading
import time
import tracemalloc

import numpy as np
import pytest
import torch
import traitlets
from families import CORPUS, FAMILIES, bert, gpt2, roberta

import shap_widget as sw
from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer
from shap_widget.widgets.jobs import JobRunner

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the storyline was great but the ending was boring"
LABELS = ["negative", "neutral", "positive"]


def classifier_fn(model, tok):
    """A plain function of strings around a model, as explain_callable expects."""

    def f(strings: list[str]) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(**tok(strings, return_tensors="pt", padding=True)).logits, -1).numpy()

    return f


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_refused_by_every_entry_point(family, text):
    """Blank text has nothing to explain: a ValueError saying so, from explain, Explainer and explain_callable."""
    model, tok = family("roberta")
    with pytest.raises(ValueError, match="text is empty; give a sentence"):
        sw.explain(model, tok, text)
    with pytest.raises(ValueError, match="text is empty"):
        Explainer(model, tok).attribute(text)
    with pytest.raises(ValueError, match="text is empty"):
        sw.explain_callable(classifier_fn(model, tok), tok, text)


def test_blank_text_in_the_widget_is_an_empty_picture_not_an_error(family):
    """A cleared text box is a normal widget state: no tokens, no values, no error."""
    model, tok = family("roberta")
    w = ExplainWidget(model, tok, text="   ").wait(30)
    assert (w.state, w.error, w.tokens, w.values) == ("ready", "", [], [])
    w.text = TEXT
    w.wait(60)
    assert w.state == "ready" and len(w.values) == len(w.tokens) > 0


def test_text_without_explainable_tokens_says_so(family):
    """Text the tokenizer drops entirely (a zero-width space) is refused by name, not explained as nothing."""
    model, tok = family("bert")
    with pytest.raises(ValueError, match="produced no tokens to explain"):
        sw.explain(model, tok, "\u200b")


@pytest.mark.parametrize("text", [42, None, b"a good movie", ["a good movie"]])
def test_non_string_text_is_a_type_error(family, text):
    """The error names the type that was given (explain also takes lists, pairs and tokenizer outputs)."""
    model, tok = family("gpt2")
    name = type(text).__name__
    if not isinstance(text, list):
        with pytest.raises(TypeError, match=f"text must be a str, .*; got {name}"):
            sw.explain(model, tok, text)
    with pytest.raises(TypeError, match=f"text must be a str, got {name}"):
        ExplainWidget(model, tok, text=text)
    with pytest.raises(TypeError, match=f"text must be a str, got {name}"):
        sw.explain_callable(classifier_fn(model, tok), tok, text)


def test_roberta_long_text_is_truncated_to_the_positions_it_has_and_flagged(family):
    """RoBERTa's 66 position rows hold 64 tokens (2 are its padding offset): explained up to that, marked truncated."""
    model, tok = family("roberta")
    assert model.config.max_position_embeddings == 66 and tok.model_max_length > 10**6  # only the config limits
    text = " ".join(CORPUS)  # about 100 tokens
    result = Explainer(model, tok).attribute(text, method="partition", max_evals=100)
    assert result.truncated
    assert len(result.tokens) == 62  # 64 positions minus <s> and </s>
    assert text.startswith("".join(p + t for p, t in zip(result.prefixes, result.tokens)))
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-5)
    w = ExplainWidget(model, tok, text=text, max_evals=100).wait(60)
    assert w.truncated and w.state == "ready" and len(w.tokens) == 62


def test_short_text_is_not_flagged_truncated(family):
    """The truncation flag is raised only when tokens were actually dropped."""
    model, tok = family("roberta")
    assert not Explainer(model, tok).attribute("the movie was great", method="exact").truncated


@pytest.mark.parametrize(
    "build",
    [
        lambda: __import__("transformers").RobertaForMaskedLM(roberta()[0].config),
        lambda: __import__("transformers").GPT2LMHeadModel(gpt2()[0].config),
        lambda: __import__("transformers").BertForTokenClassification(bert()[0].config),
    ],
    ids=["masked-lm", "causal-lm", "token-classifier"],
)
def test_model_that_is_not_a_sequence_classifier_is_refused(family, build):
    """Language-model and token-classification heads have no per-text classes: refused with the class to load."""
    _, tok = family("roberta")
    model = build()
    with pytest.raises(TypeError, match="is not a sequence classifier.*AutoModelForSequenceClassification"):
        sw.explain(model, tok, TEXT)


@pytest.mark.parametrize("model", [torch.nn.Linear(4, 2), lambda strings: np.zeros((len(strings), 2))],
                         ids=["torch-module", "function"])
def test_non_transformers_model_points_to_explain_callable(family, model):
    """A bare module or a plain function is not a transformers model; the error names explain_callable."""
    _, tok = family("bert")
    with pytest.raises(TypeError, match="must be a transformers model.*explain_callable"):
        sw.explain(model, tok, TEXT)


def test_tokenizer_of_another_model_is_refused_before_any_forward_pass(family):
    """RoBERTa's larger vocabulary cannot index BERT's embedding table: said plainly, with both sizes and the fix."""
    model, _ = family("bert")
    _, other = family("roberta")
    rows = model.get_input_embeddings().num_embeddings
    assert len(other) > rows
    with pytest.raises(ValueError, match=rf"vocabulary \({len(other)} tokens\).*\({rows} rows\).*same checkpoint"):
        sw.explain(model, other, TEXT)


def test_id2label_that_disagrees_with_the_head_is_refused(family):
    """A config naming 2 classes for a 3-output head would mislabel every value: refused with both counts."""
    model, tok = FAMILIES["roberta"].build()
    model.config.id2label = {0: "bad", 1: "good"}
    with pytest.raises(ValueError, match="id2label has 2 entries but the model has 3 outputs"):
        sw.explain(model, tok, TEXT)
    w = ExplainWidget(model, tok, text=TEXT)
    with pytest.raises(RuntimeError, match="id2label has 2 entries"):
        w.wait(60)
    assert w.state == "error" and "num_labels" in w.error


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        ("happy", ValueError, r"Unknown target class 'happy'; this model's classes are \['negative'"),
        (3, ValueError, "target=3 is out of range; this model has 3 classes"),
        (-4, ValueError, "target=-4 is out of range"),
        (True, TypeError, "target must be a class index or a label name, got bool"),
        (1.0, TypeError, "got float"),
    ],
)
def test_unknown_target_names_the_classes(family, target, error, message):
    """A target that is not one of the model's classes lists the classes there are."""
    model, tok = family("deberta-v2")
    with pytest.raises(error, match=message):
        sw.explain(model, tok, TEXT, target=target)
    with pytest.raises(error, match=message):
        sw.explain_callable(classifier_fn(model, tok), tok, TEXT, target=target, output_names=LABELS)


def test_target_by_name_and_negative_index_pick_the_same_class(family):
    """Names come from config.id2label and -1 counts from the end, as in Python."""
    model, tok = family("deberta-v2")
    a = sw.explain(model, tok, "the movie was great", target="positive")
    b = sw.explain(model, tok, "the movie was great", target=-1)
    np.testing.assert_array_equal(a.values, b.values)


def test_infinite_outputs_are_reported_with_how_many_inputs_produced_them(family):
    """A model that overflows on masked inputs is reported, counting the bad rows, instead of drawn wrongly."""
    model, tok = FAMILIES["albert"].build()
    original = model.forward

    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        out.logits[(kwargs["input_ids"] == tok.mask_token_id).any(-1)] = float("inf")
        return out

    model.forward = forward
    with pytest.raises(sw.ModelOutputError, match="NaN or infinite outputs for 31 of 31 masked inputs"):
        Explainer(model, tok).attribute("the movie was not good", method="exact")


def test_half_precision_overflow_suggests_float32_or_bf16():
    """fp16 overflows to inf easily; the error says so and names the fixes."""
    model, tok = gpt2()
    with torch.no_grad():
        model.score.weight.mul_(1e5)
    model = model.half()
    with pytest.raises(sw.ModelOutputError, match="NaN or infinite.*half precision.*float32"):
        sw.explain(model, tok, TEXT)


def test_exact_with_too_many_players_suggests_the_alternatives(family):
    """2^n coalitions for 20 words is too many: refused with the player count and what to use instead."""
    model, tok = family("gpt2")
    text = " ".join(["the movie was great"] * 5)
    with pytest.raises(ValueError, match="limited to 14 players; this input has 20.*partition.*players='word'"):
        sw.explain(model, tok, text, method="exact")
    assert len(sw.explain(model, tok, " ".join(text.split()[:14]), method="exact").values) == 14


@pytest.mark.parametrize("max_evals", [0, -5, 1, 2.5, "500", None])
def test_max_evals_below_two_or_not_an_integer_is_refused(family, max_evals):
    """Every estimator needs at least the empty and the full coalition."""
    model, tok = family("electra")
    with pytest.raises(ValueError, match="max_evals must be .auto. .* or an integer of at least 2"):
        sw.explain(model, tok, TEXT, max_evals=max_evals)
    with pytest.raises(ValueError, match="max_evals must be an integer of at least 2"):
        sw.explain_callable(classifier_fn(model, tok), tok, TEXT, max_evals=max_evals)


def test_widget_refuses_max_evals_below_two(family):
    """The widget trait keeps its last valid value when given a budget below 2."""
    model, tok = family("electra")
    w = ExplainWidget(model, tok, text=TEXT, max_evals=100).wait(60)
    with pytest.raises(traitlets.TraitError, match="max_evals must be .auto. .* or an integer of at least 2"):
        w.max_evals = 0
    assert w.max_evals == 100


@pytest.mark.parametrize(
    ("masked", "error", "message"),
    [
        ([99], IndexError, r"masked indices \[99\] are out of range: this input has 9 players \(0..8\)"),
        ([-1], IndexError, r"masked indices \[-1\] are out of range"),
        (["the"], TypeError, "masked must hold player indices \\(ints\\), got 'the'"),
        ([1.0], TypeError, "got 1.0 of type float"),
        ([True], TypeError, "got True of type bool"),
        (3, TypeError, r"masked must be a list of player indices such as \[0, 3\], got int"),
        ("0,3", TypeError, "got str"),
    ],
)
def test_bad_masked_indices_are_refused(family, masked, error, message):
    """Masked players are indices into the player list; anything else is named, never rounded or guessed."""
    model, tok = family("roberta")
    with pytest.raises(error, match=message):
        sw.explain(model, tok, TEXT, players="word", masked=masked)


def test_masked_indices_as_numpy_ints_are_accepted(family):
    """Indices taken from numpy (np.argsort etc.) are ints too."""
    model, tok = family("roberta")
    e = sw.explain(model, tok, TEXT, players="word", masked=np.array([1, 4]), method="exact")
    assert e.values[1].tolist() == [0, 0, 0] and e.values[4].tolist() == [0, 0, 0]


@pytest.mark.parametrize(("mask", "message"), [
    (10_000, r"mask=10000 is not a token id of this model, whose vocabulary has ids 0..381"),
    (-1, "mask=-1 is not a token id"),
    ("mask", "The tokenizer has no mask token, so mask='mask' cannot be used"),
    ("pad", "has no pad token"),
    ("blank", "mask must be one of"),
])
def test_mask_setting_the_tokenizer_cannot_honour_is_refused_up_front(family, mask, message):
    """GPT-2 has no mask or pad token and 382 ids; a mask it cannot use fails before any forward pass."""
    model, tok = family("gpt2")
    with pytest.raises(ValueError, match=message):
        Explainer(model, tok, mask=mask)


def test_callable_returning_the_wrong_shape_or_nan_is_reported(family):
    """explain_callable checks what f returns: one finite row per string."""
    model, tok = family("bert")
    with pytest.raises(sw.ModelOutputError, match=r"shape \(n,\) or \(n, n_outputs\).*got shape \(1, 3\)"):
        sw.explain_callable(lambda s: np.zeros((1, 3)), tok, TEXT)
    with pytest.raises(sw.ModelOutputError, match="NaN or infinite"):
        sw.explain_callable(lambda s: np.full((len(s), 2), np.nan), tok, TEXT)
    with pytest.raises(sw.ModelOutputError, match="must return numbers"):
        sw.explain_callable(lambda s: [{"label": "x"}] * len(s), tok, TEXT)


def test_explain_callable_refuses_a_model_or_a_non_tokenizer(family):
    """A transformers model goes to explain (token ids, faster); the masker must be a tokenizer or shap masker."""
    model, tok = family("bert")
    with pytest.raises(TypeError, match=r"for a transformers model use shap_widget.explain\(model"):
        sw.explain_callable(model, tok, TEXT)
    with pytest.raises(TypeError, match="tokenizer_or_masker must be a transformers tokenizer or a shap masker"):
        sw.explain_callable(classifier_fn(model, tok), "bert-base-uncased", TEXT)
    with pytest.raises(ValueError, match="output_names has 2 names but f returns 3 outputs"):
        sw.explain_callable(classifier_fn(model, tok), tok, "a good movie", output_names=["a", "b"], max_evals=10)


# --- faults -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["partition", "permutation"])
def test_out_of_memory_for_every_batch_above_one_row_completes_with_the_same_values(method):
    """On a long input where only single rows fit, the batch halves down to 1 and the values do not change."""
    model, tok = bert()
    model = model.double()  # so one-row and batched forwards agree to the last bit that matters
    text = " ".join(CORPUS)[:240]
    reference = Explainer(model, tok).attribute(text, method=method, max_evals=300)
    original = model.forward
    seen = []

    def forward(*args, **kwargs):
        seen.append(kwargs["input_ids"].shape[0])
        if seen[-1] > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB")
        return original(*args, **kwargs)

    model.forward = forward
    ex = Explainer(model, tok, batch_size=1024)  # ask for large batches, as on a GPU
    result = ex.attribute(text, method=method, max_evals=300)
    assert len(result.tokens) > 40 and result.n_evals == reference.n_evals
    assert ex.evaluator.rows_run == ex.evaluator.forward_calls  # every pass that went through was one row
    assert seen.count(1) == ex.evaluator.forward_calls and len(seen) > ex.evaluator.forward_calls  # OOMs happened
    if method == "permutation":  # one planned batch of all rows, halved all the way down
        assert max(seen) > 100
    np.testing.assert_allclose(result.values, reference.values, atol=1e-12)
    np.testing.assert_allclose(result.base_values, reference.base_values, atol=1e-12)


def test_interrupt_escaping_a_job_does_not_kill_the_worker(monkeypatch):
    """A KeyboardInterrupt escaping a job is reported and the same worker runs the next job, so wait() never hangs."""
    reports = []
    monkeypatch.setattr(threading, "excepthook", lambda args: reports.append(args.exc_type))
    runner = JobRunner()
    runner.submit(lambda generation: None)
    assert runner.wait(5)
    worker = runner._thread
    ran = []

    def interrupted(generation):
        raise KeyboardInterrupt

    for i in range(3):
        runner.submit(interrupted)
        assert runner.wait(5)
        runner.submit(lambda generation, i=i: ran.append(i))
        assert runner.wait(5)
    assert ran == [0, 1, 2]
    assert reports == [KeyboardInterrupt] * 3
    assert runner._thread is worker and worker.is_alive()


def test_interrupt_inside_the_model_is_shown_as_an_error(monkeypatch):
    """An interrupted computation should read as one: state 'error', and wait() raising with the cause."""
    model, tok = FAMILIES["bert"].build()
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    w = ExplainWidget(model, tok, text=TEXT).wait(60)
    original = model.forward

    def interrupted(*args, **kwargs):
        model.forward = original
        raise KeyboardInterrupt

    model.forward = interrupted
    w.mask(2)
    with pytest.raises(RuntimeError, match="KeyboardInterrupt"):
        w.wait(30)
    assert w.state == "error"
    w.mask(3).wait(60)
    assert w.state == "ready" and w.result_for["masked"] == [2, 3]


def test_kernel_interrupt_while_waiting_leaves_the_computation_running(family, hold_forward):
    """Ctrl-C / 'interrupt kernel' during wait() stops the wait only; the widget finishes in the background."""
    model, tok = FAMILIES["roberta"].build()
    gate = hold_forward(model)
    w = ExplainWidget(model, tok, text=TEXT)
    main = threading.main_thread().ident
    with pytest.raises(KeyboardInterrupt):  # SIGINT to the main thread, as Ctrl-C or "interrupt kernel" sends
        threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT)).start()
        w.wait(30)
    assert w.state == "computing"
    gate.set()
    w.wait(60)
    assert w.state == "ready" and w.error == ""
    w.mask(1).wait(60)
    assert w.result_for["masked"] == [1]


def test_long_input_completes_with_monotonic_progress_and_bounded_memory():
    """510 tokens, 500 partition evaluations: progress only grows and ends at its total; memory stays small."""
    model, tok = bert(max_positions=512)
    words = " ".join(CORPUS).split()
    text = " ".join((words * 10)[:600])
    reports = []
    ex = Explainer(model, tok)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = ex.attribute(text, method="partition", max_evals=500,
                              on_progress=lambda done, total: reports.append((done, total)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 120
    assert result.truncated and len(result.tokens) == 510 and result.n_evals <= 500
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-5)
    done = [d for d, _ in reports]
    assert len(reports) > 10 and done == sorted(done) and all(d <= t for d, t in reports)
    assert reports[-1][0] == reports[-1][1] == result.n_evals
    assert peak < 32e6  # Python/numpy allocations: keep masks and cached outputs, not a copy per coalition
