"""Batched, cached model evaluation of masked copies of one input, on the model's own device."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from typing import Callable, Iterator, Sequence

import numpy as np
import torch

from .game import Encoding, MaskRule
from .packing import PackedRow, pack, plan_batches

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


_stand_in_lock = threading.Lock()
_stand_in_users: dict[int, int] = {}  # id(config) -> forward passes running with the stand-in pad id


@contextlib.contextmanager
def stand_in_pad_id(model: torch.nn.Module) -> Iterator[None]:
    """Let a last-token classifier without a pad id run batches, restoring its config afterwards.

    Such models pool the last token that is not padding, and refuse batches when `pad_token_id` is None
    because they cannot tell padding apart. The evaluator never pads such a model (only rows of equal length
    share a pass), so for the duration of the forward pass the pad id is set to -1, which no token has: the
    pooled token is then the last position, exactly what the model uses for a single row. Counted per
    config, so a widget's worker and a call on the main thread can overlap on one model.
    """
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    with _stand_in_lock:
        _stand_in_users[id(config)] = _stand_in_users.get(id(config), 0) + 1
        config.pad_token_id = -1
    try:
        yield
    finally:
        with _stand_in_lock:
            _stand_in_users[id(config)] -= 1
            if not _stand_in_users[id(config)]:
                del _stand_in_users[id(config)]
                config.pad_token_id = None


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[None]:
    """Run in eval mode (no dropout), restoring the caller's train/eval state afterwards."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        if was_training:
            model.train()


class Evaluator:
    """Turns token keep masks into model outputs: drops rows already seen, runs the rest in large batches.

    The cache is keyed by the input's token ids, the mask rule, and each row's full token keep mask, so any
    game on the same input (another target, output space, or more tokens masked) reuses earlier rows.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        *,
        batch_size: int | str = "auto",
        autocast: str | None = None,
        max_cached_rows: int = 500_000,
        pad: bool | None = None,
    ) -> None:
        if not (batch_size == "auto" or (isinstance(batch_size, int) and batch_size > 0)):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}.")
        if autocast is not None and autocast not in _AUTOCAST:
            raise ValueError(f"autocast must be None, 'bf16' or 'fp16', got {autocast!r}.")
        self.model = model
        self.batch_size = batch_size
        self.autocast = autocast
        self.max_cached_rows = max_cached_rows
        # Pad rows of different lengths into one pass: None pads on CUDA only. On a CPU the forward pass
        # dominates and padding only adds work on the padded positions.
        self.pad = pad
        self._lock = threading.RLock()  # widgets on background threads may share one evaluator
        self._cache: OrderedDict[tuple, dict[bytes, np.ndarray]] = OrderedDict()
        self._cached_rows = 0
        self._max_tokens: int | None = None  # tokens per pass known to fit, once a larger pass ran out of memory
        self.rows_run = 0  # rows sent through the model, for tests and benchmarks
        self.forward_calls = 0
        self.stand_in_pad = False  # set once the model refused a batch for want of a pad id

    @property
    def device(self) -> torch.device:
        try:
            return next(self.model.parameters()).device
        except StopIteration:
            return torch.device("cpu")

    def clear_cache(self) -> None:
        self._cache.clear()
        self._cached_rows = 0

    def _rows_per_batch(self, width: int) -> int:
        """How many rows of `width` tokens one forward pass takes."""
        if self.batch_size != "auto":
            rows = int(self.batch_size)
        else:
            rows = _AUTO_TOKENS["cuda" if self.device.type == "cuda" else "cpu"] // max(1, width)
        if self._max_tokens is not None:
            rows = min(rows, self._max_tokens // max(1, width))
        return max(1, rows)

    def _table(self, encoding: Encoding, rule: MaskRule) -> dict[bytes, np.ndarray]:
        key = (encoding.key, rule)
        table = self._cache.get(key)
        if table is None:
            table = self._cache[key] = {}
        self._cache.move_to_end(key)
        return table

    def _evict(self, keep: set[tuple]) -> None:
        while self._cached_rows > self.max_cached_rows and len(self._cache) > len(keep):
            key, table = next(iter(self._cache.items()))
            if key in keep:
                break
            self._cached_rows -= len(table)
            del self._cache[key]

    def evaluate(
        self,
        encoding: Encoding,
        keep: np.ndarray,
        rule: MaskRule,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Raw model outputs (B, C) in float64 for token keep masks (B, L); True keeps a token."""
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
        with self._lock:
            return self._evaluate(requests, on_progress)

    def _evaluate(
        self,
        requests: Sequence[tuple[Encoding, np.ndarray, MaskRule]],
        on_progress: Callable[[int, int], None] | None,
    ) -> list[np.ndarray]:
        tables, all_keys = [], []
        rows: list[PackedRow] = []
        targets: list[tuple[dict[bytes, np.ndarray], bytes]] = []
        for encoding, keep, rule in requests:
            keep = np.asarray(keep, dtype=bool)
            table = self._table(encoding, rule)
            keys = [row.tobytes() for row in np.packbits(keep, axis=1)]
            todo: dict[bytes, int] = {}
            for i, k in enumerate(keys):
                if k not in table and k not in todo:
                    todo[k] = i
            for k, i in todo.items():
                rows.append(PackedRow(encoding, keep[i], rule))
                targets.append((table, k))
            tables.append(table)
            all_keys.append(keys)
        if rows:

            def store(index: list[int], out: np.ndarray) -> None:
                # cache each batch as it arrives, so a superseded job still leaves its rows for the next one
                for j, row in zip(index, out):
                    table, k = targets[j]
                    table[k] = row
                self._cached_rows += len(out)

            try:
                self._forward(rows, on_progress, store)
            finally:
                self._evict({(e.key, r) for e, _, r in requests})
        elif on_progress is not None:
            on_progress(0, 0)
        return [np.stack([t[k] for k in keys]) if keys else np.zeros((0, 0)) for t, keys in zip(tables, all_keys)]

    def _forward(
        self,
        rows: list[PackedRow],
        on_progress: Callable[[int, int], None] | None,
        store: Callable[[list[int], np.ndarray], None],
    ) -> None:
        device = self.device
        total = len(rows)
        done = 0
        autocast = (
            torch.autocast(device_type=device.type, dtype=_AUTOCAST[self.autocast])
            if self.autocast
            else contextlib.nullcontext()
        )
        pending = plan_batches(rows, self._rows_per_batch, pad_id=self._pad_id())
        with eval_mode(self.model), torch.inference_mode(), autocast:
            while pending:
                index = pending.pop(0)
                width = max(len(rows[j].encoding.input_ids) for j in index)
                n = len(index)
                batch = pack(rows, index, self._pad_id() or 0, device)
                try:
                    logits = self._call(batch.input_ids, batch.attention_mask, batch.extra)
                except Exception as err:  # noqa: BLE001 - only out-of-memory and pad-id refusals are retried
                    if _refuses_batches(err) and not self.stand_in_pad:
                        self.stand_in_pad = True
                        pending.insert(0, index)
                        continue
                    if _refuses_batches(err):
                        raise ValueError(
                            f"{type(self.model).__name__} refuses batches of more than one input even with a "
                            "stand-in pad id. Set model.config.pad_token_id, or pass batch_size=1."
                        ) from err
                    if not _is_oom(err) or n == 1:
                        raise
                    self._max_tokens = max(1, n // 2) * width
                    left = index + [j for b in pending for j in b]
                    pending = plan_batches(rows, self._rows_per_batch, pad_id=self._pad_id(), subset=left)
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                    continue
                if not np.all(np.isfinite(logits)):
                    bad = int((~np.isfinite(logits)).any(axis=1).sum())
                    raise ModelOutputError(
                        f"The model returned NaN or infinite outputs for {bad} of {n} masked inputs, so they "
                        "cannot be explained. Check the model's weights and dtype (half precision overflows are "
                        "common; try float32 or autocast='bf16')."
                    )
                store(index, logits)
                done += n
                self.rows_run += n
                self.forward_calls += 1
                if on_progress is not None:
                    on_progress(done, total)

    def _pad_id(self) -> int | None:
        """The id padding may use, or None when rows of different lengths must not share a pass.

        A model without a pad id cannot tell padding apart (last-token classifiers would pool a pad), so
        only rows of equal length are packed together for it; so too when padding is off (see `pad`).
        """
        if self.stand_in_pad or not (self.pad if self.pad is not None else self.device.type == "cuda"):
            return None
        config = self.model.config.get_text_config() if hasattr(self.model.config, "get_text_config") else \
            self.model.config
        pad = getattr(config, "pad_token_id", None)
        return int(pad) if isinstance(pad, (int, np.integer)) and pad >= 0 else None

    def _call(self, ids: torch.Tensor, attention: torch.Tensor, extra: dict[str, torch.Tensor]) -> np.ndarray:
        with stand_in_pad_id(self.model) if self.stand_in_pad else contextlib.nullcontext():
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
