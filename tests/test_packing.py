"""Rows of many texts in shared forward passes: padded outputs equal unpadded ones, and packed
explanations equal one-at-a-time ones."""

from __future__ import annotations

import numpy as np
import pytest

from families import FAMILIES, MATRIX, gpt2
from shap_widget.engine import estimators
from shap_widget.engine.evaluator import Evaluator
from shap_widget.engine.explain import Explainer
from shap_widget.engine.game import encode, resolve_mask_rule
from shap_widget.engine.packing import run_plans

TEXTS = [
    "the movie was great",
    "i hated it",
    "the acting was superb but the storyline was really boring and the ending awful",
    "a fun film",
    "we loved the music",
]


def _requests(tok, rule, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for text in TEXTS:
        enc = encode(tok, text)
        keep = rng.random((7, len(enc.input_ids))) < 0.6
        keep[:, enc.special] = True
        keep[0] = True
        out.append((enc, keep, rule))
    return out


@pytest.mark.parametrize(("name", "mask"), [
    *((name, mask) for name in ["bert", "roberta", "distilbert", "deberta-v2", "gpt2", "gpt2-pad-eos"]
      for mask in ["auto", "attention"]),
    *((name, "auto") for name in ["qwen2", "llama", "gemma", "opt", "t5", "bart", "fnet"]),
])
def test_padded_rows_equal_each_input_alone(name, mask):
    """Padding short inputs to a long one's length (or grouping equal lengths) must not change any output.

    In float64, so that what is left is padding's effect and not float32 rounding of other batch shapes.
    """
    model, tok = gpt2(pad_as_eos=True) if name == "gpt2-pad-eos" else {**MATRIX, **FAMILIES}[name].build()
    model = model.double()
    rule = resolve_mask_rule(tok, mask)
    requests = _requests(tok, rule)
    packed = Evaluator(model, batch_size=64, pad=True)
    together = packed.evaluate_many(requests)
    for (enc, keep, _), out in zip(requests, together):
        alone = Evaluator(model).evaluate(enc, keep, rule)
        np.testing.assert_allclose(out, alone, atol=1e-9, rtol=0)
    lengths = {len(enc.input_ids) for enc, _, _ in requests}
    assert len(lengths) >= 3  # texts of several lengths, so sharing a pass means padding
    pad = model.config.pad_token_id
    if pad is None or (packed.pools_by_pad and pad == rule.token_id) or not packed.reads_attention:
        # without a pad id, when a last-token classifier's pad id masks, or for a model that takes no attention
        # mask (FNet), only equal lengths share a pass
        assert packed.forward_calls == len(lengths)
    else:
        assert packed.forward_calls == 1


def test_packed_rows_are_cached_per_input(model, tokenizer):
    """A row evaluated in a packed pass is served from the cache when its own input asks for it again."""
    rule = resolve_mask_rule(tokenizer)
    requests = _requests(tokenizer, rule)
    ev = Evaluator(model, pad=True)
    ev.evaluate_many(requests)
    rows = ev.rows_run
    assert rows == sum(len({k.tobytes() for k in keep}) for _, keep, _ in requests)
    enc, keep, _ = requests[2]
    ev.evaluate(enc, keep[3:], rule)
    assert ev.rows_run == rows


@pytest.mark.parametrize("method", ["exact", "kernel", "partition", "permutation"])
def test_attribute_many_equals_attribute_for_every_text(make_bert, tokenizer, method):
    """Packing texts into shared passes gives each text the values it gets alone (float64, tight tolerance)."""
    model = make_bert().double()
    texts = TEXTS[:2] + TEXTS[3:] if method == "exact" else TEXTS
    packed = Explainer(model, tokenizer)
    packed.evaluator.pad = True
    many = packed.attribute_many(texts, method=method, max_evals=120, seed=3)
    for text, got in zip(texts, many):
        alone = Explainer(model, tokenizer).attribute(text, method=method, max_evals=120, seed=3)
        assert got.tokens == alone.tokens and got.method == alone.method and got.n_evals == alone.n_evals
        np.testing.assert_allclose(got.values, alone.values, atol=1e-10, rtol=0)
        np.testing.assert_allclose(got.base_values, alone.base_values, atol=1e-10, rtol=0)
        np.testing.assert_allclose(got.probabilities_full, alone.probabilities_full, atol=1e-10, rtol=0)
        if method in ("kernel", "permutation"):  # a sampled estimate, with the standard errors it had alone
            np.testing.assert_allclose(got.errors, alone.errors, atol=1e-10, rtol=0)


def test_cpu_packs_only_equal_lengths_unless_asked(model, tokenizer):
    """On a CPU (nothing to gain from padding) only rows of equal length share a pass."""
    rule = resolve_mask_rule(tokenizer)
    requests = _requests(tokenizer, rule)
    ev = Evaluator(model, batch_size=64)
    together = ev.evaluate_many(requests)
    assert ev.forward_calls == len({len(enc.input_ids) for enc, _, _ in requests})
    for (enc, keep, _), out in zip(requests, together):
        np.testing.assert_allclose(out, Evaluator(model, batch_size=64).evaluate(enc, keep, rule), atol=1e-5, rtol=0)


def test_attribute_many_shares_forward_passes(make_bert, tokenizer):
    """Four short texts explained together take fewer passes than one by one."""
    model = make_bert()
    texts = TEXTS[:2] + TEXTS[3:]
    together = Explainer(model, tokenizer, batch_size=4096)
    together.evaluator.pad = True  # as on a GPU
    together.attribute_many(texts, method="exact")
    alone = Explainer(model, tokenizer, batch_size=4096)
    for t in texts:
        alone.attribute(t, method="exact")
    assert together.evaluator.rows_run == alone.evaluator.rows_run
    assert together.evaluator.forward_calls < alone.evaluator.forward_calls


def test_run_plans_passes_over_partial_estimates(make_bert, tokenizer):
    """A plan that yields partial estimates between requests (an anytime estimator) still gets its values."""
    ex = Explainer(make_bert(), tokenizer)

    def anytime(n):
        first = yield np.ones((1, n), dtype=bool)
        yield estimators.Attributions(np.zeros((n, first.shape[1])), first[0], first[0], 1, final=False)
        result = yield from estimators.exact_plan(n)
        return result

    games = [ex.game(t) for t in TEXTS[:2]]
    got = run_plans([(anytime(g.n_free), g) for g in games])
    for g, r in zip(games, got):
        np.testing.assert_allclose(r.values, estimators.exact(g, g.n_free).values, atol=1e-12)
