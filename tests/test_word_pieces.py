"""Token players say which of them continue a word, so the heatmap can draw a word's pieces as one word."""

from __future__ import annotations

import pytest

from shap_widget.engine.explain import Explainer


@pytest.mark.parametrize("name", ["bert", "roberta", "albert"])
def test_token_players_mark_the_pieces_that_continue_a_word(family, name):
    """"storyline" splits into pieces: every piece after the first is joined, whole words and punctuation not."""
    model, tokenizer = family(name)
    players, _ = Explainer(model, tokenizer).players_of("the storyline was fun, unwatchable")
    tokens = players.to_json()
    words = Explainer(model, tokenizer).players_of("the storyline was fun, unwatchable", kind="word")[0]
    # joined tokens rebuild exactly the word players
    rebuilt: list[str] = []
    for t in tokens:
        if t.get("joined"):
            assert t["prefix"] == ""
            rebuilt[-1] += t["text"]
        else:
            rebuilt.append(t["text"])
    rebuilt = [w.strip() for w in rebuilt]  # a lone space piece (byte-level BPE) belongs to its word
    assert rebuilt == words.texts
    assert "storyline" in rebuilt and "unwatchable" in rebuilt
    assert not tokens[0].get("joined")


def test_word_players_carry_no_joined_marks(model, tokenizer):
    """Word players are whole words already: nothing to join."""
    players, _ = Explainer(model, tokenizer).players_of("the plot was unwatchable", kind="word")
    assert all("joined" not in t for t in players.to_json())
