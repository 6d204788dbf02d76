"""Reliability: clean exit while work runs, interactive work first, a bounded cache, many widgets and threads,
and models that fail now and then."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from shap_widget import ExplainWidget
from shap_widget.engine.evaluator import Evaluator
from shap_widget.engine.explain import Explainer
from shap_widget.engine.game import MaskRule, encode
from shap_widget.engine.scheduling import background
from shap_widget.widgets.jobs import JobRunner, Stopped

TEXT = "the movie was great but the ending was boring"
EXIT_SCRIPT = textwrap.dedent(
    """
    import atexit, sys, time
    # Registered first, so it runs after every other exit hook: how long the exit waited for background work.
    atexit.register(lambda: print("hooks done after", time.monotonic() - left, file=sys.stderr, flush=True))
    from shap_widget import DatasetWidget
    from shap_widget.demo import load_sentiment_model
    model, tok = load_sentiment_model()
    d = DatasetWidget(model, tok, texts=["I love it", "I hate it so much, it was terrible and slow"] * 20)
    print("leaving", d.table.state, flush=True)
    left = time.monotonic()
    """
)


def test_script_ending_while_a_dataset_is_explained_exits_cleanly():
    """The interpreter stops the background explanation at its next batch and exits 0, its exit hooks done
    within 5 s, with no abort."""
    proc = subprocess.Popen([sys.executable, "-c", EXIT_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.split()[:1] == ["leaving"], proc.stderr.read()
        assert line.split()[1] in ("predicting", "explaining")  # the batch was still running
        rc = proc.wait(timeout=60)
        stderr = proc.stderr.read()
    finally:
        proc.kill()
    assert "terminate called" not in stderr
    assert rc == 0, stderr[-2000:]
    waited = [float(line.split()[-1]) for line in stderr.splitlines() if line.startswith("hooks done after")]
    assert waited and waited[0] < 5.0


def test_stopping_a_runner_ends_its_job_at_the_next_model_batch(make_bert, tokenizer, one_torch_thread):
    """stop() interrupts a long evaluation between batches, the worker ends, and later jobs never run."""
    explainer = Explainer(make_bert(), tokenizer, batch_size=1)
    runner = JobRunner()
    started, outcome = threading.Event(), []

    def job(generation: int) -> None:
        started.set()
        try:
            explainer.attribute(TEXT, method="exact", max_evals=2048)
        except Stopped:
            outcome.append("stopped")
            raise
        outcome.append("finished")

    runner.submit(job)
    assert started.wait(30)
    time.sleep(0.05)
    assert runner.stop(timeout=10)
    assert outcome == ["stopped"] and not runner.running
    runner.submit(lambda g: outcome.append("ran"))
    time.sleep(0.1)
    assert outcome == ["stopped"]


def _logged(model, log: list[str]) -> None:
    """Record which thread runs each forward pass."""
    original = model.forward

    def forward(*args, **kwargs):
        log.append(threading.current_thread().name)
        return original(*args, **kwargs)

    model.forward = forward


def test_interactive_evaluation_preempts_background_work_at_the_next_batch(make_bert, tokenizer, one_torch_thread):
    """A background evaluation of many batches lets an interactive one run at its next batch, not at its end."""
    model = make_bert()
    log: list[str] = []
    _logged(model, log)
    evaluator = Evaluator(model, batch_size=1)
    encoding = encode(tokenizer, TEXT, 64)
    rule = MaskRule("mask", tokenizer.mask_token_id)
    bits = np.arange(len(encoding.input_ids))
    many = (np.arange(200)[:, None] >> bits) & 1 == 1  # 200 distinct masks, so 200 passes at batch_size=1
    few = (np.arange(2000, 2003)[:, None] >> bits) & 1 == 1
    batch_out: list[np.ndarray] = []

    def run_batch() -> None:
        with background():
            batch_out.append(evaluator.evaluate(encoding, many, rule))

    worker = threading.Thread(target=run_batch, name="batch")
    worker.start()
    while log.count("batch") < 5:
        time.sleep(0.001)
    in_flight = log.count("batch")
    interactive = evaluator.evaluate(encoding, few, rule)
    worker.join(60)
    # the main thread's three passes ran together, right after the background pass in flight when it asked
    first = log.index("MainThread")
    assert log[first : first + 3] == ["MainThread"] * 3 and log.count("MainThread") == 3
    assert log[:first].count("batch") <= in_flight + 1 and log.count("batch") == 200
    fresh = Evaluator(model, batch_size=4)
    np.testing.assert_allclose(interactive, fresh.evaluate(encoding, few, rule), atol=1e-5)  # float32, batches of 1 and 4
    np.testing.assert_allclose(batch_out[0], fresh.evaluate(encoding, many, rule), atol=1e-5)  # float32, batches of 1 and 4


def test_cache_stays_under_its_byte_bound_and_keeps_the_latest_input(make_bert, tokenizer, one_torch_thread):
    """With a small max_cache_bytes the cache never exceeds it, drops the oldest inputs first, and values stay
    right."""
    model = make_bert()
    bound = 40_000
    evaluator = Evaluator(model, batch_size=16, max_cache_bytes=bound)
    rule = MaskRule("mask", tokenizer.mask_token_id)
    rng = np.random.default_rng(1)
    texts = [" ".join(rng.choice(TEXT.split(), size=8)) for _ in range(12)]
    seen = []
    for text in texts:
        encoding = encode(tokenizer, text, 64)
        keep = rng.random((80, len(encoding.input_ids))) < 0.5
        out = evaluator.evaluate(encoding, keep, rule)
        seen.append((encoding, keep, out))
        assert evaluator.cache_bytes <= bound
    keys = [key for key, _ in evaluator.cached_items()]
    assert keys[-1] == (seen[-1][0].key, rule)
    assert (seen[0][0].key, rule) not in keys
    # Repeating the last input costs no forward pass; values are the model's.
    before = evaluator.rows_run
    np.testing.assert_array_equal(evaluator.evaluate(seen[-1][0], seen[-1][1], rule), seen[-1][2])
    assert evaluator.rows_run == before
    fresh = Evaluator(model, batch_size=16)
    for encoding, keep, out in seen:
        np.testing.assert_allclose(out, fresh.evaluate(encoding, keep, rule), atol=1e-6)


def test_one_input_larger_than_the_cache_is_still_evaluated_in_full(make_bert, tokenizer, one_torch_thread):
    """An evaluation needing more rows than the cache holds returns every row and leaves the cache at its bound."""
    model = make_bert()
    evaluator = Evaluator(model, batch_size=8, max_cache_bytes=5_000)
    encoding = encode(tokenizer, TEXT, 64)
    rule = MaskRule("mask", tokenizer.mask_token_id)
    keep = np.random.default_rng(2).random((100, len(encoding.input_ids))) < 0.5
    out = evaluator.evaluate(encoding, keep, rule)
    assert out.shape == (100, 3) and 0 < evaluator.cache_bytes <= 5_000
    np.testing.assert_allclose(out, Evaluator(model).evaluate(encoding, keep, rule), atol=1e-6)
    with pytest.raises(ValueError, match="max_cache_bytes"):
        Evaluator(model, max_cache_bytes=-1)


def test_eight_widgets_clicked_from_several_threads_end_in_their_true_state(make_bert, tokenizer, one_torch_thread):
    """Random clicks on eight widgets sharing a model, from four threads: no deadlock, each widget ends equal
    to a fresh explanation of its final mask."""
    model = make_bert()
    texts = [TEXT, "we loved the music", "the plot was not very good", "i hated it and the acting was bad",
             "this film is fun", "a boring story with a superb ending", "the acting was really great", "it was awful"]
    widgets = [ExplainWidget(model, tokenizer, t, method="exact", max_evals=512) for t in texts]
    errors: list[BaseException] = []

    def clicker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(25):
                w = rng.choice(widgets)
                i = rng.randrange(len(w.tokens))
                w.masked = sorted(set(w.masked) ^ {i})
                time.sleep(rng.random() * 0.01)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    threads = [threading.Thread(target=clicker, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "clicking threads deadlocked"
    assert not errors
    fresh = Explainer(model, tokenizer)
    for w in widgets:
        w.wait(120)
        assert w.state == "ready" and w.result_for["masked"] == w.masked
        expected = fresh.attribute(w.text, method="exact", max_evals=512, masked=w.masked)
        np.testing.assert_allclose(np.array(w.values), expected.values, atol=1e-6)


def test_a_model_failing_one_pass_in_ten_shows_the_error_and_the_next_click_works(make_bert, tokenizer,
                                                                                  one_torch_thread):
    """Each failure is shown, the click after it computes the right explanation, and every cached row is the
    model's true output."""
    model = make_bert()
    original = model.forward
    calls = [0]

    def flaky(*args, **kwargs):
        calls[0] += 1
        if calls[0] % 10 == 0:
            raise RuntimeError("the model failed this pass")
        return original(*args, **kwargs)

    model.forward = flaky
    w = ExplainWidget(model, tokenizer, TEXT, method="partition", max_evals=200, batch_size=16)
    w._runner.wait(60)
    fresh = Explainer(make_bert(), tokenizer)
    failures = recoveries = 0
    assert w.state == "ready"
    failed = False
    for i in [1, 3, 5, 7, 0, 2, 4, 6, 8, 1, 3]:
        w.masked = sorted(set(w.masked) ^ {i})
        w._runner.wait(60)
        if w.state == "error":
            assert w.error == "RuntimeError: the model failed this pass"
            failures += 1
            failed = True
            continue
        assert w.state == "ready" and w.error == "" and w.result_for["masked"] == w.masked
        expected = fresh.attribute(TEXT, method="partition", max_evals=200, masked=w.masked)
        np.testing.assert_allclose(np.array(w.values), expected.values, atol=1e-6)
        recoveries += failed
        failed = False
    assert failures >= 2 and recoveries == failures  # the click after each failure worked
    evaluator, clean = w.explainer.evaluator, fresh.evaluator
    encoding = encode(tokenizer, TEXT, w.explainer.max_length)
    for (key, rule), table in evaluator.cached_items():
        assert key == encoding.key
        keep = np.unpackbits(np.frombuffer(b"".join(table), dtype=np.uint8).reshape(len(table), -1), axis=1)
        keep = keep[:, : len(encoding.input_ids)].astype(bool)
        np.testing.assert_allclose(np.stack(list(table.values())), clean.evaluate(encoding, keep, rule), atol=1e-6)


def test_a_click_right_after_a_result_does_not_wait_for_its_faithfulness(make_bert, tokenizer, monkeypatch):
    """The faithfulness of a shown result starts after a pause that a click cuts short, and runs in short
    passes on a CPU, so a click right after a result starts its own explanation at once."""
    from shap_widget.widgets import explain_widget

    monkeypatch.setattr(explain_widget, "FOLLOW_UP_DELAY_S", 30.0)
    model = make_bert()
    passes: list[tuple[int, str]] = []  # tokens of each forward pass, and what the widget showed meanwhile
    original = model.forward

    def forward(*args, **kwargs):
        ids = kwargs["input_ids"] if "input_ids" in kwargs else args[0]
        passes.append((int(ids.numel()), w.state))
        return original(*args, **kwargs)

    model.forward = forward
    w = ExplainWidget(model, tokenizer, text=" ".join([TEXT] * 7), method="partition", max_evals=300)
    deadline = time.monotonic() + 60
    while w.state != "ready" and time.monotonic() < deadline:
        time.sleep(0.005)
    assert w.state == "ready"
    shown = len(passes)
    time.sleep(0.3)
    assert len(passes) == shown  # nothing runs during the pause
    w.masked = [1]
    while len(passes) == shown and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(passes) > shown and passes[shown][1] != "ready"  # the click's explanation started first
    monkeypatch.setattr(explain_widget, "FOLLOW_UP_DELAY_S", 0.0)
    assert w.wait(60)
    assert w.faithfulness.get("result_for", {}).get("masked") == [1]
    follow_up = [tokens for tokens, state in passes if state == "ready"]
    explaining = [tokens for tokens, state in passes if state != "ready"]
    assert follow_up and max(follow_up) <= explain_widget.FOLLOW_UP_PASS_TOKENS
    assert max(explaining) > explain_widget.FOLLOW_UP_PASS_TOKENS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_memory_a_job_freed_goes_back_to_the_system_when_the_worker_is_idle():
    """Freed memory that the C allocator would keep (a fragmented heap) is returned after each job, so a
    long session's resident memory does not creep up with every click."""

    def rss_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    pinned: list[bytes] = []

    def job(generation: int) -> None:
        blocks = [bytes(4000) for _ in range(50_000)]  # about 200 MB in small blocks
        pinned.extend(blocks[::50])  # a few kept alive pin the freed pages between them
        del blocks

    runner = JobRunner()
    before = rss_mb()
    runner.submit(job)
    assert runner.wait(60)
    time.sleep(0.1)
    assert rss_mb() - before < 60, (before, rss_mb())
    runner.stop()
