"""Every supported model family explains correctly: additivity, special tokens, player texts, word grouping.

The models are tiny random classifiers built from configs, with tokenizers built offline (tests/families.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from families import FAMILIES, ID2LABEL, MATRIX, gpt2

import shap_widget as sw
from shap_widget import ExplainWidget
from shap_widget.engine.explain import Explainer

NAMES = list(FAMILIES)
EVERY = {**MATRIX, **FAMILIES}  # with the family matrix's (tests/test_family_matrix.py) for the tokenizer checks
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the storyline was great but the ending was boring"  # 9 words; "storyline" splits in every family
SHORT = "the storyline was not good"
HARD_TEXTS = [
    "The storyline was great, but filmmaking isn't fun! 10/10",
    "  9 stars  for the  unwatchable\nfilm.  ",
    "9 stars",
    "Unwatchable.",
]


def model_output(model, tokenizer, text: str, replace_players_with: int | None = None) -> np.ndarray:
    """Class probabilities from one plain forward pass, optionally with every non-special token replaced."""
    enc = tokenizer(text, return_tensors="pt", return_special_tokens_mask=True)
    special = enc.pop("special_tokens_mask").bool()
    if replace_players_with is not None:
        enc["input_ids"] = torch.where(special, enc["input_ids"], torch.tensor(replace_players_with))
    with torch.no_grad():
        logits = model(**enc).logits[0].double()
    return torch.softmax(logits, -1).numpy()


@pytest.mark.parametrize("name", EVERY)
def test_auto_mask_rule_is_the_familys_documented_choice(family, name):
    """mask='auto' takes the mask token where there is one, and GPT-2's <|endoftext|> (its unk) where not."""
    model, tok = family(name)
    rule = Explainer(model, tok).rule
    assert rule.name == EVERY[name].mask_rule
    assert rule.token_id == getattr(tok, f"{rule.name}_token_id")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("method", "players"), [("exact", "word"), ("partition", "token")])
def test_explanations_add_up_to_the_models_own_output(family, name, method, players):
    """base + sum(values) equals what the model itself outputs on the text, for every class and method."""
    model, tok = family(name)
    result = Explainer(model, tok).attribute(TEXT, method=method, players=players, max_evals=300)
    direct = model_output(model, tok, TEXT)
    np.testing.assert_allclose(result.outputs, direct, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-5, atol=1e-9)
    assert result.method == method
    assert np.abs(result.values).max() > 1e-2  # the model is not flat, so the check above has teeth


@pytest.mark.parametrize("name", NAMES)
def test_base_value_is_the_model_with_every_player_masked_and_specials_kept(family, name):
    """The empty coalition is the text with each non-special token replaced by the mask id, specials in place."""
    model, tok = family(name)
    ex = Explainer(model, tok)
    result = ex.attribute(SHORT, method="exact")
    np.testing.assert_allclose(result.base_values, model_output(model, tok, SHORT, ex.rule.token_id),
                               rtol=1e-5, atol=1e-7)
    assert not np.allclose(result.base_values, result.outputs, atol=1e-3)


@pytest.mark.parametrize("name", EVERY)
def test_special_tokens_are_never_players(family, name):
    """The tokens the tokenizer adds around the text stay in the input but no player owns them."""
    model, tok = family(name)
    game = Explainer(model, tok).game(TEXT)
    enc = game.encoding
    specials = [t for t, s in zip(enc.tokens, enc.special) if s]
    assert specials == list(EVERY[name].specials)
    owned = np.concatenate(game.players.positions)
    assert sorted(owned.tolist()) == [i for i, s in enumerate(enc.special) if not s]
    assert not any(s in t for t in game.players.texts for s in tok.all_special_tokens)


@pytest.mark.parametrize("name", EVERY)
@pytest.mark.parametrize("players", ["token", "word"])
def test_player_texts_read_back_as_the_input(family, name, players):
    """prefix + text over all players gives the input back (trailing spaces aside) and no text is padded."""
    model, tok = family(name)
    ex = Explainer(model, tok)
    for text in HARD_TEXTS:
        game = ex.game(text, players=players)
        back = "".join(p + t for p, t in zip(game.players.prefixes, game.players.texts))
        assert back in (text, text.rstrip()), (text, list(zip(game.players.prefixes, game.players.texts)))
        for t in game.players.texts:
            assert t == t.strip() or not t.strip(), t  # spaces live in prefixes, except whitespace tokens


@pytest.mark.parametrize("name", EVERY)
def test_a_word_split_into_pieces_is_one_word_player(family, name):
    """'storyline' and 'unwatchable' are several tokens but one word each; punctuation follows the family."""
    model, tok = family(name)
    ex = Explainer(model, tok)
    text = "the storyline was unwatchable!"
    tokens = ex.game(text, players="token").players
    words = ex.game(text, players="word").players
    assert len(tokens) >= len(words) + 3  # both long words really are split
    if EVERY[name].words_split_punctuation:
        assert (words.texts, words.prefixes) == (["the", "storyline", "was", "unwatchable", "!"],
                                                 ["", " ", " ", " ", ""])
    else:  # SentencePiece words are what lies between spaces
        assert (words.texts, words.prefixes) == (["the", "storyline", "was", "unwatchable!"], ["", " ", " ", " "])
    story = set(words.positions[1].tolist())
    pieces = [i for i, p in enumerate(tokens.positions) if p[0] in story]
    assert len(pieces) >= 2 and "".join(tokens.texts[i] for i in pieces) == "storyline"


def test_gpt2_without_pad_id_runs_batches_that_match_one_row_at_a_time():
    """GPT-2 refuses batches without a pad id; the engine batches anyway and gets the one-row results."""
    model, tok = gpt2()
    assert model.config.pad_token_id is None
    batched = Explainer(model, tok)
    a = batched.attribute(SHORT, method="exact", players="word")
    one_by_one = Explainer(model, tok, batch_size=1)
    b = one_by_one.attribute(SHORT, method="exact", players="word")
    np.testing.assert_allclose(a.values, b.values, atol=1e-6)
    assert np.abs(a.values).max() > 1e-2
    assert batched.evaluator.stand_in_pad and batched.evaluator.forward_calls == 2  # the input, then 31 rows
    assert one_by_one.evaluator.forward_calls == 2**5
    assert model.config.pad_token_id is None  # handed back as it came


@pytest.mark.parametrize(("pad_as_eos", "mask", "rule"), [(True, "auto", "pad"), (False, "attention", "attention")])
def test_gpt2_other_masking_setups_add_up(pad_as_eos, mask, rule):
    """With <|endoftext|> as pad (the usual fine-tuning setup) or attention masking, GPT-2 stays additive."""
    model, tok = gpt2(pad_as_eos=pad_as_eos)
    result = Explainer(model, tok, mask=mask).attribute(TEXT, method="partition", max_evals=200)
    assert result.method == "partition" and Explainer(model, tok, mask=mask).rule.name == rule
    np.testing.assert_allclose(result.outputs, model_output(model, tok, TEXT), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-5, atol=1e-9)
    assert model.config.pad_token_id == (tok.eos_token_id if pad_as_eos else None)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights_explain_additively_on_cpu(name, dtype):
    """fp16 and bf16 weights run on CPU; values add up exactly and follow the float32 explanation."""
    model, tok = FAMILIES[name].build()
    reference = Explainer(model, tok).attribute(SHORT, method="exact")
    half = model.to(dtype)
    result = Explainer(half, tok).attribute(SHORT, method="exact")
    np.testing.assert_allclose(result.base_values + result.values.sum(0), result.outputs, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(result.outputs, model_output(half, tok, SHORT), atol=5e-3)
    assert np.corrcoef(result.values.ravel(), reference.values.ravel())[0, 1] > 0.9


@pytest.mark.parametrize("name", ["roberta", "albert", "deberta-v2", "gpt2", "distilbert"])
def test_model_left_in_train_mode_is_explained_without_dropout_and_handed_back(name):
    """Dropout would make every coalition noisy; the engine explains in eval mode and restores train mode."""
    model, tok = FAMILIES[name].build(dropout=0.3)
    expected = Explainer(model, tok).attribute(SHORT, method="exact")
    model.train()
    enc = tok(SHORT, return_tensors="pt")
    with torch.no_grad():
        assert not torch.allclose(model(**enc).logits, model(**enc).logits)  # dropout is really active
    result = Explainer(model, tok).attribute(SHORT, method="exact")
    assert model.training
    np.testing.assert_allclose(result.values, expected.values, atol=1e-9)


@pytest.mark.parametrize("name", ["roberta", "gpt2"])
def test_pipeline_of_a_non_bert_family_explains_in_the_widget(family, name):
    """ExplainWidget.from_pipeline explains what the pipeline itself predicts, with the config's labels."""
    from transformers import pipeline

    model, tok = family(name)
    pipe = pipeline("text-classification", model=model, tokenizer=tok, device=torch.device("cpu"))
    w = ExplainWidget.from_pipeline(pipe, text=TEXT).wait(60)
    assert w.state == "ready" and w.labels == ["negative", "neutral", "positive"]
    scores = {d["label"]: d["score"] for d in pipe(TEXT, top_k=None)}
    np.testing.assert_allclose(w.probabilities_full, [scores[label] for label in w.labels], rtol=1e-5)
    values = np.array(w.values)
    np.testing.assert_allclose(np.array(w.base_values) + values.sum(0), w.outputs, rtol=1e-5)
    assert values.shape == (len(w.tokens), 3)


def test_plain_callable_is_explained_through_shaps_text_masker(family):
    """explain_callable runs shap's string path: additive, specials left out, close to the token-id engine."""
    model, tok = family("bert")

    def f(strings: list[str]) -> np.ndarray:
        assert isinstance(strings, list) and all(isinstance(s, str) for s in strings)
        enc = tok(strings, return_tensors="pt", padding=True)
        with torch.no_grad():
            return torch.softmax(model(**enc).logits, -1).double().numpy()

    text = "the story was great but the ending was boring"  # whole words: shap's string round trip is lossless
    e = sw.explain_callable(f, tok, text, max_evals=200)
    assert e.values.shape == (9, 3) and e.output_names == ["LABEL_0", "LABEL_1", "LABEL_2"]
    assert [str(d).strip() for d in e.data] == text.split()
    np.testing.assert_allclose(e.base_values + e.values.sum(0), f([text])[0], rtol=1e-5)
    ours = sw.explain(model, tok, text, method="partition", max_evals=200)
    for c in range(3):
        assert np.corrcoef(e.values[:, c], ours.values[:, c])[0, 1] > 0.99
    one = sw.explain_callable(f, tok, SHORT, target="positive", output_names=list(ID2LABEL.values()), max_evals=50)
    assert one.values.ndim == 1
    assert one.base_values + one.values.sum() == pytest.approx(f([SHORT])[0][2], rel=1e-5)
