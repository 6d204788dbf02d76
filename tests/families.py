"""Tiny random sequence classifiers of several transformer families, with tokenizers built offline.

Each factory builds its family's kind of tokenizer with the `tokenizers` library (WordPiece and byte-level
BPE trained on CORPUS; a SentencePiece Unigram vocabulary written out; a SentencePiece-style BPE trained
over a Metaspace pre-tokenizer), wraps it in the class a real checkpoint of that family loads to (or in a
generic PreTrainedTokenizerFast), and builds a 2-layer model of hidden size 32 from a config (T5 and BART:
one encoder and one decoder layer), with large random weights so outputs vary with the input. Nothing is
downloaded. Words outside CORPUS, such as "storyline" and "unwatchable", split into several pieces in every
family. FAMILIES are the families of tests/test_families.py; MATRIX adds the decoder classifiers (Qwen2,
Llama, Mistral, Gemma, OPT), encoder-decoders (T5, BART), ModernBERT, XLM-R and FNet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AlbertConfig,
    BartConfig,
    BartForSequenceClassification,
    BartTokenizer,
    FNetConfig,
    FNetForSequenceClassification,
    FNetTokenizer,
    Gemma2Config,
    Gemma2ForSequenceClassification,
    GemmaConfig,
    GemmaForSequenceClassification,
    GemmaTokenizer,
    LlamaConfig,
    LlamaForSequenceClassification,
    LlamaTokenizer,
    MistralConfig,
    MistralForSequenceClassification,
    ModernBertConfig,
    ModernBertForSequenceClassification,
    OPTConfig,
    OPTForSequenceClassification,
    Qwen2Config,
    Qwen2ForSequenceClassification,
    Qwen2Tokenizer,
    Qwen3Config,
    Qwen3ForSequenceClassification,
    T5Config,
    T5ForSequenceClassification,
    T5Tokenizer,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
    XLMRobertaTokenizer,
    AlbertForSequenceClassification,
    AlbertTokenizer,
    BertConfig,
    BertForSequenceClassification,
    BertTokenizer,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertTokenizer,
    ElectraConfig,
    ElectraForSequenceClassification,
    ElectraTokenizer,
    GPT2Config,
    GPT2ForSequenceClassification,
    GPT2Tokenizer,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaTokenizer,
)

CORPUS = [
    "the movie was great and the acting was superb",
    "i loved the story but the ending was boring",
    "we hated it , the plot was awful and very slow",
    "this film is not good , it is really bad",
    "a fun movie with great music and a good cast",
    "the story of the film was fun to watch",
    "it was a terrible movie with bad acting",
    "the music at the end was very good !",
    "i think the cast loved the story",
    "it isn't a good film, it's a bad one",
    "not a good film but not a bad one either",
]
MAX_POSITIONS = 64  # tokens every family accepts (RoBERTa's position table has 2 more rows for its offset)
ID2LABEL = {0: "negative", 1: "neutral", 2: "positive"}

_TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
_HEAD = {"num_labels": len(ID2LABEL), "id2label": ID2LABEL, "label2id": {v: k for k, v in ID2LABEL.items()},
         "initializer_range": 0.4}

Model = torch.nn.Module


@dataclass(frozen=True)
class Family:
    """A model family under test: how to build it and what the engine should make of its tokenizer."""

    name: str
    tokenizer_type: str
    build: Callable[..., tuple[Model, Any]]  # build(seed=0, dropout=0.0) -> (model in eval mode, tokenizer)
    specials: tuple[str, ...]  # tokens the tokenizer adds around the text: never players
    mask_rule: str  # what mask="auto" resolves to
    word_source: str  # where word players come from
    words_split_punctuation: bool  # "fun!" is two words (BERT, byte-level BPE) or one (SentencePiece)
    decoder: bool = False  # the head pools the last token that is not the pad id


def _dropout(p: float) -> dict[str, float]:
    return {"hidden_dropout_prob": p, "attention_probs_dropout_prob": p}


def _wordpiece_vocab() -> dict[str, int]:
    """A WordPiece vocabulary over CORPUS, BERT's special tokens first: every corpus word whole, plus each
    character alone and as a '##' continuation, so other words split into pieces.

    Written out rather than trained: the trainer breaks ties between equally frequent merges differently from
    one process to the next, which would make a corpus word whole in one run and split in the next.
    """
    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    words = sorted({w for line in CORPUS for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(line))})
    chars = sorted({c for w in words for c in w} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars]
    tokens += [w for w in words if w not in tokens]
    return {t: i for i, t in enumerate(tokens)}


def _byte_level_bpe(specials: list[str], vocab_size: int = 400) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A byte-level BPE vocabulary and merges trained on CORPUS (GPT-2 / RoBERTa: a leading space is 'Ġ')."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    state = json.loads(tok.model.__getstate__())
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    return tok.get_vocab(), merges


def _unigram_pieces(specials: list[str]) -> list[tuple[str, float]]:
    """A SentencePiece Unigram vocabulary written out: '▁word' for CORPUS words, a few suffixes, characters.

    Other words fall back to suffixes and characters, and a word starting with a character that has no '▁'
    piece (a digit) gets a standalone '▁' token, as in real SentencePiece vocabularies.
    """
    words = sorted({w for line in CORPUS for w in line.split() if w.isalpha()})
    pieces = [(s, 0.0) for s in specials] + [("▁", -8.0)]
    pieces += [("▁" + w, -5.0) for w in words]
    suffixes = ("ing", "line", "able", "ed")
    pieces += [(p, -7.0) for p in suffixes]
    pieces += [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'/-"]
    return pieces


def _metaspace_bpe(specials: dict[str, str], vocab_size: int = 150) -> PreTrainedTokenizerFast:
    """A SentencePiece-style BPE ('▁' starts a word) trained on CORPUS, wrapped as a PreTrainedTokenizerFast."""
    tok = Tokenizer(models.BPE(unk_token=specials["unk"]))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    order = ["pad", "unk", "cls", "sep", "mask"]
    tok.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[specials[k] for k in order], show_progress=False),
    )
    cls, sep = specials["cls"], specials["sep"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, tok.token_to_id(cls)), (sep, tok.token_to_id(sep))],
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=MAX_POSITIONS,
                                   **{f"{k}_token": v for k, v in specials.items()})


def bert(seed: int = 0, dropout: float = 0.0, max_positions: int = MAX_POSITIONS):
    """BERT with a WordPiece tokenizer: [CLS] ... [SEP], '##' marks a continuation piece."""
    tokenizer = BertTokenizer(vocab=_wordpiece_vocab(), do_lower_case=True, model_max_length=max_positions)
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=max_positions, **_HEAD, **_TINY,
                     **_dropout(dropout))
    return BertForSequenceClassification(cfg).eval(), tokenizer


def distilbert(seed: int = 0, dropout: float = 0.0):
    """DistilBERT: WordPiece like BERT, but no token_type_ids."""
    tokenizer = DistilBertTokenizer(vocab=_wordpiece_vocab(), do_lower_case=True, model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = DistilBertConfig(vocab_size=len(tokenizer), max_position_embeddings=MAX_POSITIONS, dim=32, n_layers=2,
                           n_heads=2, hidden_dim=64, dropout=dropout, attention_dropout=dropout,
                           seq_classif_dropout=dropout, **_HEAD)
    return DistilBertForSequenceClassification(cfg).eval(), tokenizer


def electra(seed: int = 0, dropout: float = 0.0):
    """ELECTRA discriminator classifier: WordPiece tokenizer, embeddings narrower than the hidden size."""
    tokenizer = ElectraTokenizer(vocab=_wordpiece_vocab(), do_lower_case=True, model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = ElectraConfig(vocab_size=len(tokenizer), embedding_size=16, max_position_embeddings=MAX_POSITIONS,
                        **_HEAD, **_TINY, **_dropout(dropout))
    return ElectraForSequenceClassification(cfg).eval(), tokenizer


def roberta(seed: int = 0, dropout: float = 0.0):
    """RoBERTa: byte-level BPE, <s> ... </s>, 'Ġ' marks a leading space; positions start after the pad id.

    Its position table has MAX_POSITIONS + 2 rows, as real checkpoints (514 for 512 tokens).
    """
    vocab, merges = _byte_level_bpe(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tokenizer = RobertaTokenizer(vocab=vocab, merges=merges)  # model_max_length unset: the config is the limit
    return _roberta_like(RobertaConfig, RobertaForSequenceClassification, tokenizer, seed, dropout)


def _roberta_like(config_class, model_class, tokenizer, seed: int, dropout: float):
    """A RoBERTa-shaped classifier: one token type, and MAX_POSITIONS + 2 position rows for the pad offset."""
    torch.manual_seed(seed)
    cfg = config_class(vocab_size=len(tokenizer), max_position_embeddings=MAX_POSITIONS + 2, type_vocab_size=1,
                       pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, **_HEAD, **_TINY, **_dropout(dropout))
    return model_class(cfg).eval(), tokenizer


def albert(seed: int = 0, dropout: float = 0.0):
    """ALBERT: SentencePiece Unigram pieces ('▁' starts a word), [CLS] ... [SEP], factorised embeddings."""
    tokenizer = AlbertTokenizer(vocab=_unigram_pieces(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]),
                                model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = AlbertConfig(vocab_size=len(tokenizer), embedding_size=16, max_position_embeddings=MAX_POSITIONS,
                       classifier_dropout_prob=dropout, pad_token_id=tokenizer.pad_token_id, **_HEAD, **_TINY,
                       **_dropout(dropout))
    return AlbertForSequenceClassification(cfg).eval(), tokenizer


def deberta_v2(seed: int = 0, dropout: float = 0.0):
    """DeBERTa-v2: SentencePiece-style BPE in a generic PreTrainedTokenizerFast; relative attention only."""
    tokenizer = _metaspace_bpe({"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"})
    torch.manual_seed(seed)
    cfg = DebertaV2Config(vocab_size=len(tokenizer), max_position_embeddings=MAX_POSITIONS, relative_attention=True,
                          position_buckets=16, max_relative_positions=MAX_POSITIONS, pos_att_type=["p2c", "c2p"],
                          position_biased_input=False, type_vocab_size=0, pooler_hidden_size=32,
                          pooler_dropout=dropout, pad_token_id=tokenizer.pad_token_id, **_HEAD, **_TINY,
                          **_dropout(dropout))
    return DebertaV2ForSequenceClassification(cfg).eval(), tokenizer


def gpt2(seed: int = 0, dropout: float = 0.0, pad_as_eos: bool = False):
    """GPT-2: byte-level BPE with no mask or pad token and no special tokens added; pools the last token.

    With `pad_as_eos`, tokenizer and config use <|endoftext|> as padding, as fine-tuning scripts often do.
    """
    vocab, merges = _byte_level_bpe(["<|endoftext|>"])
    tokenizer = GPT2Tokenizer(vocab=vocab, merges=merges, model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=len(tokenizer), n_positions=MAX_POSITIONS, n_embd=32, n_layer=2, n_head=2,
                     n_inner=64, resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout,
                     summary_first_dropout=dropout, bos_token_id=tokenizer.bos_token_id,
                     eos_token_id=tokenizer.eos_token_id, pad_token_id=None, **_HEAD)
    if pad_as_eos:
        tokenizer.pad_token = tokenizer.eos_token
        cfg.pad_token_id = tokenizer.eos_token_id
    return GPT2ForSequenceClassification(cfg).eval(), tokenizer


def _sentencepiece_bpe(specials: list[str], vocab_size: int = 200) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A BPE vocabulary and merges over '▁'-prefixed words trained on CORPUS, with byte-fallback pieces, for
    Llama-style tokenizers."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                            initial_alphabet=list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'/-")),
    )
    state = json.loads(tok.model.__getstate__())
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    vocab = tok.get_vocab()
    for b in range(256):  # byte-fallback pieces, so characters outside CORPUS are still input
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    return vocab, merges


def _byte_level_template(specials: list[str], cls: str, sep: str, mask: str) -> PreTrainedTokenizerFast:
    """A byte-level BPE with a [CLS] ... [SEP] template in a generic PreTrainedTokenizerFast (ModernBERT)."""
    vocab, merges = _byte_level_bpe(specials)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, vocab[cls]), (sep, vocab[sep])],
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=MAX_POSITIONS, cls_token=cls,
                                   sep_token=sep, mask_token=mask, pad_token="[PAD]", unk_token="[UNK]")


_DECODER = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
            "intermediate_size": 64, "max_position_embeddings": MAX_POSITIONS, **_HEAD}


def modernbert(seed: int = 0, dropout: float = 0.0):
    """ModernBERT: byte-level BPE with [CLS] ... [SEP], rotary positions, alternating local attention."""
    tokenizer = _byte_level_template(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], "[CLS]", "[SEP]", "[MASK]")
    torch.manual_seed(seed)
    cfg = ModernBertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=64, max_position_embeddings=MAX_POSITIONS, local_attention=8,
                           pad_token_id=tokenizer.pad_token_id, cls_token_id=tokenizer.cls_token_id,
                           sep_token_id=tokenizer.sep_token_id, bos_token_id=tokenizer.cls_token_id,
                           eos_token_id=tokenizer.sep_token_id, attention_dropout=dropout, mlp_dropout=dropout,
                           embedding_dropout=dropout, classifier_dropout=dropout, attn_implementation="eager",
                           **_HEAD)
    return ModernBertForSequenceClassification(cfg).eval(), tokenizer


def xlm_roberta(seed: int = 0, dropout: float = 0.0):
    """XLM-R: SentencePiece Unigram, <s> ... </s>, <mask>; positions start after the pad id, as RoBERTa."""
    tokenizer = XLMRobertaTokenizer(vocab=_unigram_pieces(["<s>", "<pad>", "</s>", "<unk>"]) + [("<mask>", 0.0)],
                                    model_max_length=MAX_POSITIONS)
    return _roberta_like(XLMRobertaConfig, XLMRobertaForSequenceClassification, tokenizer, seed, dropout)


def _decoder_classifier(config_class, model_class, tokenizer, seed: int, dropout: float, **config):
    """A 2-layer decoder classifier (grouped-query attention, one key/value head) with the tokenizer's ids."""
    torch.manual_seed(seed)
    ids = {f"{n}_token_id": getattr(tokenizer, f"{n}_token_id") for n in ("pad", "bos", "eos")}
    cfg = config_class(vocab_size=len(tokenizer), attention_dropout=dropout, **{**ids, **config}, **_DECODER)
    return model_class(cfg).eval(), tokenizer


def _qwen2_tokenizer():
    vocab, merges = _byte_level_bpe(["<|endoftext|>"])
    return Qwen2Tokenizer(vocab=vocab, merges=merges, model_max_length=MAX_POSITIONS)


def qwen2(seed: int = 0, dropout: float = 0.0):
    """Qwen2: byte-level BPE, no special tokens added; <|endoftext|> is its pad, eos and unk at once."""
    return _decoder_classifier(Qwen2Config, Qwen2ForSequenceClassification, _qwen2_tokenizer(), seed, dropout)


def qwen3(seed: int = 0, dropout: float = 0.0):
    """Qwen3: Qwen2's tokenizer; normalised queries and keys."""
    return _decoder_classifier(Qwen3Config, Qwen3ForSequenceClassification, _qwen2_tokenizer(), seed, dropout,
                               head_dim=16)


def _llama_tokenizer():
    vocab, merges = _sentencepiece_bpe(["<unk>", "<s>", "</s>"])
    return LlamaTokenizer(vocab=vocab, merges=merges, add_bos_token=True, model_max_length=MAX_POSITIONS)


def llama(seed: int = 0, dropout: float = 0.0):
    """Llama: SentencePiece-style BPE over a Metaspace that does not split (word_ids() is 0 throughout),
    <s> first, no mask or pad token; no pad id in the config, as released checkpoints."""
    return _decoder_classifier(LlamaConfig, LlamaForSequenceClassification, _llama_tokenizer(), seed, dropout)


def mistral(seed: int = 0, dropout: float = 0.0):
    """Mistral: the Llama tokenizer, sliding-window attention off (a window longer than any input)."""
    return _decoder_classifier(MistralConfig, MistralForSequenceClassification, _llama_tokenizer(), seed, dropout,
                               sliding_window=None, head_dim=16)


def _gemma_tokenizer():
    vocab, merges = _sentencepiece_bpe(["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"])
    return GemmaTokenizer(vocab=vocab, merges=merges, add_bos_token=True, model_max_length=MAX_POSITIONS)


def gemma(seed: int = 0, dropout: float = 0.0):
    """Gemma: SentencePiece-style BPE where spaces become '▁' before splitting (word_ids() is 0 throughout),
    <bos> first, <pad> as the config's pad id, and a <mask> token."""
    return _decoder_classifier(GemmaConfig, GemmaForSequenceClassification, _gemma_tokenizer(), seed, dropout,
                               head_dim=16)


def gemma2(seed: int = 0, dropout: float = 0.0):
    """Gemma 2: Gemma's tokenizer; soft-capped logits, local and global attention layers."""
    return _decoder_classifier(Gemma2Config, Gemma2ForSequenceClassification, _gemma_tokenizer(), seed, dropout,
                               head_dim=16, sliding_window=8)


def opt(seed: int = 0, dropout: float = 0.0):
    """OPT: GPT-2's byte-level BPE with </s> first (its bos, eos and unk) and <pad> as pad, no mask token."""
    vocab, merges = _byte_level_bpe(["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer = GPT2Tokenizer(vocab=vocab, merges=merges, bos_token="</s>", eos_token="</s>", unk_token="</s>",
                              pad_token="<pad>", add_bos_token=True, model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = OPTConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    ffn_dim=64, word_embed_proj_dim=32, max_position_embeddings=MAX_POSITIONS,
                    pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                    eos_token_id=tokenizer.eos_token_id, dropout=dropout, attention_dropout=dropout,
                    init_std=0.4, **_HEAD)
    return OPTForSequenceClassification(cfg).eval(), tokenizer


def t5(seed: int = 0, dropout: float = 0.0):
    """T5: SentencePiece Unigram, </s> appended, no mask token (<pad> masks); encoder-decoder classifier
    that reads the decoder's state at the last </s>."""
    tokenizer = T5Tokenizer(vocab=_unigram_pieces(["<pad>", "</s>", "<unk>"]), extra_ids=0,
                            model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=16, d_ff=64, num_layers=1, num_heads=2,
                   dropout_rate=dropout, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                   decoder_start_token_id=tokenizer.pad_token_id, initializer_factor=4.0, **_HEAD)
    return T5ForSequenceClassification(cfg).eval(), tokenizer


def bart(seed: int = 0, dropout: float = 0.0):
    """BART: RoBERTa's byte-level BPE and specials; encoder-decoder classifier that reads the last </s>."""
    vocab, merges = _byte_level_bpe(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = BartConfig(vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
                     encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                     max_position_embeddings=MAX_POSITIONS, pad_token_id=tokenizer.pad_token_id,
                     bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                     decoder_start_token_id=tokenizer.eos_token_id, dropout=dropout, attention_dropout=dropout,
                     init_std=0.4, **_HEAD)
    return BartForSequenceClassification(cfg).eval(), tokenizer


def fnet(seed: int = 0, dropout: float = 0.0):
    """FNet: Fourier mixing instead of attention; its tokenizer returns no attention mask."""
    tokenizer = FNetTokenizer(vocab=_unigram_pieces(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]),
                              model_max_length=MAX_POSITIONS)
    torch.manual_seed(seed)
    cfg = FNetConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, intermediate_size=64,
                     max_position_embeddings=MAX_POSITIONS, pad_token_id=tokenizer.pad_token_id,
                     hidden_dropout_prob=dropout, initializer_range=0.4,
                     **{k: v for k, v in _HEAD.items() if k != "initializer_range"})
    return FNetForSequenceClassification(cfg).eval(), tokenizer


_WORD_IDS = "tokenizer word_ids()"
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family("bert", "WordPiece (BertTokenizer)", bert, ("[CLS]", "[SEP]"), "mask", _WORD_IDS, True),
        Family("distilbert", "WordPiece (DistilBertTokenizer)", distilbert, ("[CLS]", "[SEP]"), "mask",
               _WORD_IDS, True),
        Family("electra", "WordPiece (ElectraTokenizer)", electra, ("[CLS]", "[SEP]"), "mask", _WORD_IDS, True),
        Family("roberta", "byte-level BPE (RobertaTokenizer)", roberta, ("<s>", "</s>"), "mask", _WORD_IDS, True),
        Family("albert", "SentencePiece Unigram (AlbertTokenizer)", albert, ("[CLS]", "[SEP]"), "mask",
               _WORD_IDS, False),
        Family("deberta-v2", "SentencePiece-style BPE (PreTrainedTokenizerFast)", deberta_v2, ("[CLS]", "[SEP]"),
               "mask", _WORD_IDS, False),
        Family("gpt2", "byte-level BPE (GPT2Tokenizer)", gpt2, (), "unk", _WORD_IDS, True),
    ]
}

_SPACES = "offsets and '▁' markers (word_ids() is 0 throughout)"
# Families of the family matrix (tests/test_family_matrix.py). `decoder`: the head pools the last token that is
# not the pad id.
MATRIX: dict[str, Family] = {
    f.name: f
    for f in [
        Family("modernbert", "byte-level BPE (PreTrainedTokenizerFast)", modernbert, ("[CLS]", "[SEP]"), "mask",
               _WORD_IDS, True),
        Family("xlm-roberta", "SentencePiece Unigram (XLMRobertaTokenizer)", xlm_roberta, ("<s>", "</s>"), "mask",
               _WORD_IDS, False),
        Family("qwen2", "byte-level BPE (Qwen2Tokenizer)", qwen2, (), "pad", _WORD_IDS, True, decoder=True),
        Family("qwen3", "byte-level BPE (Qwen2Tokenizer)", qwen3, (), "pad", _WORD_IDS, True, decoder=True),
        Family("llama", "SentencePiece-style BPE (LlamaTokenizer)", llama, ("<s>",), "unk", _SPACES, False,
               decoder=True),
        Family("mistral", "SentencePiece-style BPE (LlamaTokenizer)", mistral, ("<s>",), "unk", _SPACES, False,
               decoder=True),
        Family("gemma", "SentencePiece-style BPE (GemmaTokenizer)", gemma, ("<bos>",), "mask", _SPACES, False,
               decoder=True),
        Family("gemma2", "SentencePiece-style BPE (GemmaTokenizer)", gemma2, ("<bos>",), "mask", _SPACES, False,
               decoder=True),
        Family("opt", "byte-level BPE (GPT2Tokenizer, OPT's specials)", opt, ("</s>",), "pad", _WORD_IDS, True,
               decoder=True),
        Family("gpt2", "byte-level BPE (GPT2Tokenizer)", gpt2, (), "unk", _WORD_IDS, True, decoder=True),
        Family("t5", "SentencePiece Unigram (T5Tokenizer)", t5, ("</s>",), "pad", _WORD_IDS, False),
        Family("bart", "byte-level BPE (BartTokenizer)", bart, ("<s>", "</s>"), "mask", _WORD_IDS, True),
        Family("fnet", "SentencePiece Unigram (FNetTokenizer)", fnet, ("[CLS]", "[SEP]"), "mask", _WORD_IDS, False),
    ]
}
