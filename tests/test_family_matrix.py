"""The families people fine-tune explain the documented game: encoders, decoder classifiers, encoder-decoders.

Tiny random models of each family in tests/families.py (MATRIX), with tokenizers built offline (their mask
rule, special tokens, player texts and punctuation in words are checked in tests/test_families.py): exact values
are the Shapley values of "each masked token replaced by the mask id, the head reading where it reads for the
whole text", computed here by brute force from the model's own layers; decoder classifiers give the same values
whether or not `config.pad_token_id` is set; words are words in every family; a tokenizer's batch output is
explained as its texts are.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from families import MATRIX
from games import brute_force

import shap_widget as sw
from shap_widget.engine.explain import Explainer
from shap_widget.engine.game import Encoding, make_players

NAMES = list(MATRIX)
DECODERS = [n for n in NAMES if MATRIX[n].decoder]
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the storyline was great but the ending was boring"  # 9 words; "storyline" splits in every family
SHORT = "the storyline was not good"


def mask_id(name: str, tok) -> int:
    """The id the family's documented mask="auto" choice stands for."""
    return getattr(tok, f"{MATRIX[name].mask_rule}_token_id")


def head_logits(model, name: str, ids: torch.Tensor, enc) -> torch.Tensor:
    """The classifier's logits for one row of ids, without the engine.

    A decoder classifier's head is applied to the last position's hidden state directly, the position it
    reads for the whole text; other classifiers run as they are, with the tokenizer's other inputs.
    """
    with torch.no_grad():
        if MATRIX[name].decoder:
            hidden = getattr(model, model.base_model_prefix)(input_ids=ids).last_hidden_state
            return model.score(hidden[:, -1])[0]
        others = {k: v for k, v in enc.items() if k in ("token_type_ids",)}
        return model(input_ids=ids, **others).logits[0]


@pytest.mark.parametrize("name", NAMES)
def test_exact_values_are_brute_force_shapley_values_and_add_up(family, name):
    """Exact word values equal brute-force Shapley values of the documented game, and add up to the output."""
    model, tok = family(name)
    model = copy.deepcopy(model).double()  # float64 so batched and one-row passes agree far below 1e-6
    result = Explainer(model, tok).attribute(SHORT, method="exact", players="word", output="logit")
    enc = tok(SHORT, return_tensors="pt")
    positions = Explainer(model, tok).game(SHORT, players="word").players.positions
    assert len(positions) == 5

    def game(coalitions: np.ndarray) -> np.ndarray:
        rows = []
        for keep in coalitions:
            ids = enc["input_ids"].clone()
            for p, pos in enumerate(positions):
                if not keep[p]:
                    ids[0, torch.as_tensor(pos)] = mask_id(name, tok)
            rows.append(head_logits(model, name, ids, enc).numpy())
        return np.array(rows)

    np.testing.assert_allclose(result.values, brute_force(game, 5), atol=1e-6, rtol=0)
    with torch.no_grad():
        own = model(**enc).logits[0].numpy()
    np.testing.assert_allclose(result.outputs, own, atol=1e-9)
    np.testing.assert_allclose(result.base_values + result.values.sum(0), own, atol=1e-9)
    assert np.abs(result.values).max() > 1e-2  # the model is not flat, so the checks have teeth


@pytest.mark.parametrize("name", DECODERS)
def test_decoder_values_do_not_depend_on_config_pad_token_id(name):
    """Same weights, pad id unset or equal to the mask id: the head reads the same token, so the same values."""
    model, tok = MATRIX[name].build()
    masking = mask_id(name, tok)
    results = {}
    for pad in (None, masking):
        model.config.pad_token_id = pad
        results[pad] = Explainer(model, tok).attribute(TEXT, method="exact", players="word")
        assert model.config.pad_token_id == pad  # handed back as it came
    np.testing.assert_allclose(results[masking].values, results[None].values, atol=1e-6)
    np.testing.assert_allclose(results[masking].base_values, results[None].base_values, atol=1e-6)
    # the hazard is real: a plain forward pass with the last token replaced by the pad id reads another token
    ids = tok(TEXT, return_tensors="pt")["input_ids"]
    ids[0, -1] = masking
    with torch.no_grad():
        moved = model(input_ids=ids).logits
        model.config.pad_token_id = None
        kept = model(input_ids=ids).logits
    assert not torch.allclose(moved, kept, atol=1e-3)


def test_input_ending_with_the_pad_id_is_refused_when_the_pad_id_masks():
    """The head reads before a trailing pad token, where masking with the pad id cannot keep it: a clear error."""
    model, tok = MATRIX["qwen2"].build()
    assert model.config.pad_token_id == tok.pad_token_id == Explainer(model, tok).rule.token_id
    with pytest.raises(ValueError, match="ends with the pad token"):
        Explainer(model, tok).attribute(SHORT + tok.pad_token, method="exact")


@pytest.mark.parametrize("name", NAMES)
def test_nine_words_are_nine_word_players(family, name):
    """Words are found in every family, Llama's and Gemma's tokenizers (whose word ids are all 0) included."""
    model, tok = family(name)
    ex = Explainer(model, tok)
    words = ex.game(TEXT, players="word").players
    assert (words.texts, words.prefixes) == (TEXT.split(), [""] + [" "] * 8)
    assert len(ex.game(TEXT, players="token").players) > 9  # "storyline" really is split


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("players", ["token", "word"])
def test_batch_encoding_is_explained_as_its_texts(family, name, players):
    """A padded tokenizer batch gives each text's values and base values, with the same players."""
    model, tok = family(name)
    texts = [SHORT, "i loved it"]
    ex = sw.Explainer(model, tok)
    if tok.pad_token is not None:
        batch = ex(tok(texts, return_tensors="pt", padding=True), method="exact", players=players)
    else:  # Llama and GPT-2 have no pad token, so each text is a batch of one
        batch = [ex(tok([text], return_tensors="pt"), method="exact", players=players)[0] for text in texts]
    for i, text in enumerate(texts):
        one = ex(text, method="exact", players=players)
        assert [str(d).strip() for d in batch[i].data] == [str(d).strip() for d in one.data]
        np.testing.assert_allclose(batch[i].values, one.values, atol=1e-6)
        np.testing.assert_allclose(batch[i].base_values, one.base_values, atol=1e-6)


def test_padded_batch_without_attention_mask_drops_the_padding(family):
    """FNet's tokenizer returns no attention mask: the pad run of each row is left out, as with a mask."""
    model, tok = family("fnet")
    texts = [TEXT, "i loved it"]
    inputs = tok(texts, return_tensors="pt", padding=True)
    assert "attention_mask" not in inputs and (inputs["input_ids"][1] == tok.pad_token_id).any()
    ex = sw.Explainer(model, tok)
    batch = ex(inputs, players="word", method="exact")
    for i, text in enumerate(texts):
        one = ex(text, players="word", method="exact")
        np.testing.assert_allclose(batch[i].values, one.values, atol=1e-6)
        np.testing.assert_allclose(batch[i].base_values, one.base_values, atol=1e-6)


def test_padding_that_cannot_be_told_from_the_text_is_refused_without_attention_mask():
    """GPT-2 padded with its end-of-text token and no attention mask: the padding is ambiguous, so refused."""
    from families import gpt2

    model, tok = gpt2(pad_as_eos=True)
    ids = tok([TEXT, "i loved it"], padding=True)["input_ids"]
    with pytest.raises(ValueError, match="attention_mask"):
        sw.Explainer(model, tok)({"input_ids": ids})


@pytest.mark.parametrize(("name", "reason"), [("fnet", "takes no attention mask"), ("bart", "decoder"), ("t5", "decoder")])
def test_attention_masking_that_would_hide_nothing_is_refused(family, name, reason):
    """FNet ignores attention masks and BART/T5 decoders read the ids themselves: mask='attention' is refused."""
    model, tok = family(name)
    with pytest.raises(ValueError, match=reason):
        Explainer(model, tok, mask="attention")


def test_tokenizer_without_word_information_warns_that_words_are_tokens():
    """No word ids, offsets or word markers: each token is its own word player, and the user is told."""
    encoding = Encoding(text="ab cd", input_ids=np.arange(4), extra={}, special=np.zeros(4, bool), offsets=None,
                        word_ids=None, tokens=["a", "b", "c", "d"], truncated=False)

    class NoWords:  # a tokenizer that reports no word ids
        def __call__(self, text, **kwargs):
            return {"input_ids": [0]}

        def convert_tokens_to_string(self, tokens):
            return "".join(tokens)

    with pytest.warns(UserWarning, match="marks no words"):
        players = make_players(encoding, NoWords(), kind="word")
    assert len(players) == 4
