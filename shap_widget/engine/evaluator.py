"""Batched, cached model evaluation of masked copies of one input, on the model's own device."""

from __future__ import annotations

import contextlib
import inspect
import itertools
import threading
from collections import OrderedDict
from typing import Callable, Iterator, Sequence

import numpy as np
import torch

from .game import Encoding, MaskRule
from .packing import PackedRows, pack, plan_batches
from .scheduling import ModelGate, check_cancelled, pass_tokens

# Tokens per forward pass when batch_size="auto". On CPU throughput is flat beyond a few thousand tokens, and
# smaller passes let progress move; CUDA starts large and halves on out-of-memory.
_AUTO_TOKENS = {"cpu": 4_096, "cuda": 1 << 19}
_AUTOCAST = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}


class ModelOutputError(ValueError):
    """The model returned something that cannot be explained (NaN/inf, or the wrong shape)."""


def _is_oom(err: BaseException) -> bool:
    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    msg = str(err).lower()
    return isinstance(err, RuntimeError) and ("out of memory" in msg or "can't allocate memory" in msg)


def _refuses_batches(err: BaseException) -> bool:
    """transformers' last-token classifiers (GPT-2, Llama, ...) refuse batches when they have no pad id."""
    return isinstance(err, ValueError) and "no padding token is defined" in str(err)


def pools_by_pad_id(model: torch.nn.Module) -> bool:
    """Whether the classifier finds the token it reads through `config.pad_token_id`, at run time.

    transformers' decoder classifiers (GPT-2, OPT, Llama, Qwen2, Gemma, Mistral, ...) pool the last token
    whose id is not the pad id; encoder classifiers read a fixed position ([CLS], or the last </s> for BART
    and T5) and never look at it. Told apart by whether the classifier's own forward reads the attribute
    (a PEFT model's, its base model's).
    """
    if hasattr(model, "get_base_model"):
        model = model.get_base_model()
    forward = inspect.unwrap(type(model).forward)
    code = getattr(forward, "__code__", None)
    return code is not None and "pad_token_id" in code.co_names


def attention_masking_refusal(model: torch.nn.Module) -> str | None:
    """Why hiding tokens through the attention mask would not hide them from this model, or None.

    A model whose forward takes no attention mask (FNet) ignores it; an encoder-decoder classifier (BART,
    T5) feeds its decoder the input ids themselves, masked or not.
    """
    name = type(model).__name__
    parameters = inspect.signature(model.forward).parameters
    if "attention_mask" not in parameters:
        return f"{name} takes no attention mask, so mask='attention' would hide nothing."
    if getattr(text_config(model), "is_encoder_decoder", False):
        return f"{name} gives its decoder the input ids themselves, so mask='attention' would not hide them."
    return None


def text_config(model: torch.nn.Module):
    """The config that holds the pad id (a multimodal model's text config, else the model's own)."""
    return model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config


def config_pad_id(model: torch.nn.Module) -> int | None:
    pad = getattr(text_config(model), "pad_token_id", None)
    return int(pad) if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool) and pad >= 0 else None


_stand_in_lock = threading.Lock()
_stand_in_users: dict[int, tuple[int, object]] = {}  # id(config) -> (passes running with the stand-in, saved id)


@contextlib.contextmanager
def stand_in_pad_id(model: torch.nn.Module) -> Iterator[None]:
    """Make a last-token classifier read the last position, restoring its config's pad id afterwards.

    Such models pool the last token whose id is not the pad id, and refuse batches when `pad_token_id` is
    None. The evaluator never pads these rows (every row is the whole input), so for the duration of the
    forward pass the pad id is set to -1, which no token has: the pooled token is then the last position,
    whatever the masked tokens were replaced with. Counted per config, so a widget's worker and a call on
    the main thread can overlap on one model.
    """
    config = text_config(model)
    with _stand_in_lock:
        users, saved = _stand_in_users.get(id(config), (0, config.pad_token_id))
        _stand_in_users[id(config)] = (users + 1, saved)
        config.pad_token_id = -1
    try:
        yield
    finally:
        with _stand_in_lock:
            users, saved = _stand_in_users[id(config)]
            if users == 1:
                del _stand_in_users[id(config)]
                config.pad_token_id = saved
            else:
                _stand_in_users[id(config)] = (users - 1, saved)


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[None]:
    """Run in eval mode (no dropout), restoring each module's train/eval state afterwards."""
    training = [m for m in model.modules() if m.training]
    if training:
        model.eval()
    try:
        yield
    finally:
        for m in training:
            m.training = True


# Bookkeeping Python adds to every cached row besides its key's and value's data: the bytes object's and the
# array's headers and the dict slot (measured on CPython 3.11, 64-bit).
_ROW_OVERHEAD = 33 + 112 + 48
DEFAULT_CACHE_BYTES = 256 << 20


class Evaluator:
    """Turns token keep masks into model outputs: drops rows already seen, runs the rest in large batches.

    The cache is keyed by the input's token ids, the mask rule, and each row's full token keep mask, so any
    game on the same input (another target, output space, or more tokens masked) reuses earlier rows. It
    holds at most `max_cache_bytes` (default 256 MiB): the inputs used least recently go first, and if one
    input alone needs more, its oldest rows. Only whole batches that the model returned are stored, so a
    failed or stopped evaluation leaves nothing partial behind.

    Threads share an evaluator through a `ModelGate`: one forward pass at a time, and background work
    (`scheduling.background()`) hands the model to interactive work at the next batch.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        *,
        batch_size: int | str = "auto",
        autocast: str | None = None,
        max_cache_bytes: int = DEFAULT_CACHE_BYTES,
        pad: bool | None = None,
    ) -> None:
        if not (batch_size == "auto" or (isinstance(batch_size, int) and batch_size > 0)):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}.")
        if autocast is not None and autocast not in _AUTOCAST:
            raise ValueError(f"autocast must be None, 'bf16' or 'fp16', got {autocast!r}.")
        if not isinstance(max_cache_bytes, int) or max_cache_bytes < 0:
            raise ValueError(
                f"max_cache_bytes must be a non-negative int (0 disables the cache), got {max_cache_bytes!r}."
            )
        self.model = model
        self.batch_size = batch_size
        self.autocast = autocast
        self.max_cache_bytes = max_cache_bytes
        # Pad rows of different lengths into one pass: None pads on CUDA only. On a CPU the forward pass
        # dominates and padding only adds work on the padded positions.
        self.pad = pad
        self.gate = ModelGate()
        self._cache: OrderedDict[tuple, dict[bytes, np.ndarray]] = OrderedDict()
        self._table_bytes: dict[tuple, int] = {}
        self._cache_bytes = 0
        self._max_tokens: int | None = None  # tokens per pass known to fit, once a larger pass ran out of memory
        self.rows_run = 0  # rows sent through the model, for tests and benchmarks
        self.forward_calls = 0
        self.pools_by_pad = pools_by_pad_id(model)
        self.reads_attention = "attention_mask" in inspect.signature(model.forward).parameters
        self._refused_batches = False  # set once the model refused a batch for want of a pad id
        self.stand_in_pad = False  # set once a forward pass ran with the stand-in pad id

    @property
    def device(self) -> torch.device:
        try:
            return next(self.model.parameters()).device
        except StopIteration:
            return torch.device("cpu")

    @property
    def cache_bytes(self) -> int:
        """Estimated memory the cache holds now (keys, values and Python's per-row bookkeeping)."""
        return self._cache_bytes

    @property
    def cached_rows(self) -> int:
        with self.gate.hold():
            return sum(len(t) for t in self._cache.values())

    def cached_items(self) -> list[tuple[tuple, dict[bytes, np.ndarray]]]:
        """A snapshot of the cache: ((input key, mask rule), {packed keep mask: outputs}) per input."""
        with self.gate.hold():
            return [(key, dict(table)) for key, table in self._cache.items()]

    def interactive(self) -> contextlib.AbstractContextManager[None]:
        """Give the block priority over background work on this evaluator (e.g. a widget's whole job)."""
        return self.gate.interactive()

    def clear_cache(self) -> None:
        with self.gate.hold():
            self._cache.clear()
            self._table_bytes.clear()
            self._cache_bytes = 0

    def _rows_per_batch(self, width: int) -> int:
        """How many rows of `width` tokens one forward pass takes."""
        if self.batch_size != "auto":
            rows = int(self.batch_size)
        else:
            rows = _AUTO_TOKENS["cuda" if self.device.type == "cuda" else "cpu"] // max(1, width)
        if self._max_tokens is not None:
            rows = min(rows, self._max_tokens // max(1, width))
        cap = pass_tokens()
        if cap is not None and self.device.type == "cpu":
            rows = min(rows, cap // max(1, width))
        return max(1, rows)

    def _table(self, key: tuple) -> dict[bytes, np.ndarray]:
        table = self._cache.get(key)
        if table is None:
            table = self._cache[key] = {}
            self._table_bytes[key] = 0
        self._cache.move_to_end(key)
        return table

    def _store(self, key: tuple, keys: list[bytes], out: np.ndarray) -> None:
        table = self._table(key)
        row_bytes = (len(keys[0]) if keys else 0) + out.shape[1] * out.itemsize + _ROW_OVERHEAD
        before = len(table)
        for k, row in zip(keys, out):
            table.setdefault(k, row)
        added = (len(table) - before) * row_bytes
        self._table_bytes[key] += added
        self._cache_bytes += added
        self._evict(key, row_bytes)

    def _evict(self, keep: tuple, row_bytes: int) -> None:
        while self._cache_bytes > self.max_cache_bytes and len(self._cache) > 1:
            key = next(iter(self._cache))
            if key == keep:  # the current input is the most recent, so this only happens when it is alone
                break
            self._cache_bytes -= self._table_bytes.pop(key)
            del self._cache[key]
        table = self._cache.get(keep)
        if table is not None and self._cache_bytes > self.max_cache_bytes:
            excess = -(-(self._cache_bytes - self.max_cache_bytes) // row_bytes)
            for k in list(itertools.islice(table, excess)):
                del table[k]
            self._table_bytes[keep] -= excess * row_bytes
            self._cache_bytes -= excess * row_bytes

    def evaluate(
        self,
        encoding: Encoding,
        keep: np.ndarray,
        rule: MaskRule,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Raw model outputs (B, C) in float64 for token keep masks (B, L); True keeps a token.

        Between batches it runs `on_progress(done, total)` and the thread's cancellation checks (either may
        raise to stop), and background work gives way to interactive work.
        """
        return self.evaluate_many([(encoding, keep, rule)], on_progress=on_progress)[0]

    def evaluate_many(
        self,
        requests: Sequence[tuple[Encoding, np.ndarray, MaskRule]],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[np.ndarray]:
        """Raw model outputs for keep masks of several inputs at once, one (B_i, C) array per request.

        Rows of different inputs share forward passes (see `packing`), so many short texts fill a batch
        that one of them alone would leave mostly empty; each row is cached under its own input.
        """
        items = []
        for encoding, keep, rule in requests:
            keep = np.asarray(keep, dtype=bool)
            items.append(((encoding.key, rule), encoding, keep, rule,
                          [row.tobytes() for row in np.packbits(keep, axis=1)]))
        stand_in = self._needs_stand_in([(encoding, rule) for _, encoding, _, rule, _ in items])
        # this call's rows per input, kept in case the cache drops them (None until its batch returns); inputs
        # are numbered in `inputs`, so rows are found without hashing their input's key
        inputs = list(dict.fromkeys(cache_key for cache_key, *_ in items))
        number = {cache_key: i for i, cache_key in enumerate(inputs)}
        found: list[dict[bytes, np.ndarray | None]] = [{} for _ in inputs]
        with self.gate.hold(), eval_mode(self.model):
            source: list[int] = []
            which: list[int] = []
            targets: list[tuple[int, bytes]] = []
            for q, (cache_key, encoding, keep, rule, keys) in enumerate(items):
                table = self._table(cache_key)
                at = number[cache_key]
                mine = found[at]
                for i, k in enumerate(keys):
                    if k in mine:
                        continue
                    row = table.get(k)
                    mine[k] = row
                    if row is None:
                        source.append(q)
                        which.append(i)
                        targets.append((at, k))
            rows = PackedRows([it[1] for it in items], [it[3] for it in items], [it[2] for it in items],
                              np.array(source, dtype=np.int64), np.array(which, dtype=np.int64))
            total, done = len(rows), 0
            pending = plan_batches(rows, self._rows_per_batch, pad_id=self._pad_id(stand_in)) if rows else []
            while pending:
                check_cancelled()
                index = pending.pop(0)
                out = self._batch(rows, index, stand_in)
                if out is None:  # out of memory: plan what is left again with smaller passes
                    left = np.concatenate([index, *pending])
                    pending = plan_batches(rows, self._rows_per_batch, pad_id=self._pad_id(stand_in), subset=left)
                    continue
                by_input: dict[int, tuple[list[bytes], list[int]]] = {}
                for r, j in enumerate(index.tolist()):
                    at, k = targets[j]
                    found[at][k] = out[r]
                    keys_rows = by_input.setdefault(at, ([], []))
                    keys_rows[0].append(k)
                    keys_rows[1].append(r)
                for at, (stored, where) in by_input.items():
                    self._store(inputs[at], stored, out[where])
                done += len(out)
                if on_progress is not None:
                    on_progress(done, total)
                if pending and self.gate.checkpoint():
                    # interactive work ran meanwhile and may have filled some of the rest
                    for j in [j for b in pending for j in b.tolist()]:
                        at, k = targets[j]
                        row = self._cache.get(inputs[at], {}).get(k)
                        if row is not None:
                            found[at][k] = row
                    missing = [np.array([j for j in b.tolist() if found[targets[j][0]][targets[j][1]] is None],
                                        dtype=np.int64) for b in pending]
                    pending = [b for b in missing if len(b)]
            if not total and on_progress is not None:
                on_progress(0, 0)
        return [np.stack([found[number[cache_key]][k] for k in keys]) if keys else np.zeros((0, 0))
                for cache_key, _, _, _, keys in items]

    def _needs_stand_in(self, requests: Sequence[tuple[Encoding, MaskRule]]) -> bool:
        """Whether forward passes must run with the stand-in pad id so the pooled token never moves.

        A head that pools the last token that is not the pad id would read an earlier position once the
        last real tokens are replaced by the pad id; with no pad id it refuses batches. Either way the
        stand-in makes it read the last position, where it reads the unmasked input. That is only the
        model's own choice when the input does not end with the pad id itself, so such inputs are refused.
        """
        if not self.pools_by_pad:
            return self._refused_batches
        pad = config_pad_id(self.model)
        if pad is not None and not any(rule.token_id == pad for _, rule in requests):
            return self._refused_batches
        for encoding, rule in requests:
            if pad is not None and len(encoding.input_ids) and encoding.input_ids[-1] == pad:
                raise ValueError(
                    f"This input ends with the pad token (id {pad}), so {type(self.model).__name__} reads an "
                    "earlier token, and masking with the pad id would move the token it reads. Pass another "
                    "mask token id (mask=...), or leave the pad tokens out of the input."
                )
        return True

    def _batch(self, rows: PackedRows, index: np.ndarray, stand_in: bool) -> np.ndarray | None:
        """Outputs for the rows `index` in one forward pass; None after out-of-memory (passes are smaller now)."""
        device = self.device
        stand_in = stand_in or self._refused_batches
        width = int(rows.lengths[index].max())
        autocast = (
            torch.autocast(device_type=device.type, dtype=_AUTOCAST[self.autocast])
            if self.autocast
            else contextlib.nullcontext()
        )
        with torch.inference_mode(), autocast:
            while True:
                n = len(index)
                batch = pack(rows, index, self._pad_id(stand_in) or 0, device)
                try:
                    logits = self._call(batch.input_ids, batch.attention_mask, batch.extra, stand_in)
                except Exception as err:  # noqa: BLE001 - only out-of-memory and pad-id refusals are retried
                    if _refuses_batches(err) and not stand_in:
                        self._refused_batches = stand_in = True
                        continue
                    if _refuses_batches(err):
                        raise ValueError(
                            f"{type(self.model).__name__} refuses batches of more than one input even with a "
                            "stand-in pad id. Set model.config.pad_token_id, or pass batch_size=1."
                        ) from err
                    if not _is_oom(err) or n == 1:
                        raise
                    self._max_tokens = max(1, n // 2) * width
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                    return None
                if not np.all(np.isfinite(logits)):
                    bad = int((~np.isfinite(logits)).any(axis=1).sum())
                    raise ModelOutputError(
                        f"The model returned NaN or infinite outputs for {bad} of {n} masked inputs, so they "
                        "cannot be explained. Check the model's weights and dtype (half precision overflows are "
                        "common; try float32 or autocast='bf16')."
                    )
                self.rows_run += n
                self.forward_calls += 1
                return logits

    def _pad_id(self, stand_in: bool = False) -> int | None:
        """The id padding may use, or None when rows of different lengths must not share a pass.

        A model without a pad id cannot tell padding apart (last-token classifiers would pool a pad), nor can
        one run with the stand-in pad id or one that takes no attention mask, so only rows of equal length
        are packed together for them; so too when padding is off (see `pad`).
        """
        if stand_in or not self.reads_attention or not (self.pad if self.pad is not None else
                                                         self.device.type == "cuda"):
            return None
        return config_pad_id(self.model)

    def _call(self, ids: torch.Tensor, attention: torch.Tensor, extra: dict[str, torch.Tensor],
              stand_in: bool = False) -> np.ndarray:
        if stand_in:
            self.stand_in_pad = True
        with stand_in_pad_id(self.model) if stand_in else contextlib.nullcontext():
            result = self.model(input_ids=ids, attention_mask=attention, **extra)
        logits = getattr(result, "logits", None)
        if logits is None:
            logits = result[0] if isinstance(result, (tuple, list)) else result
        if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or logits.shape[0] != ids.shape[0]:
            raise ModelOutputError(
                f"Expected the model to return logits of shape (batch, num_labels), got "
                f"{getattr(logits, 'shape', type(logits))}. Is this a sequence classification model?"
            )
        return logits.detach().float().cpu().numpy().astype(np.float64)
