"""Masked rows of many inputs in shared forward passes, and many estimator plans driven at once.

One short text's coalitions fill a small part of a good GPU batch. Packing rows of several texts into one
pass (padded to the longest with an attention mask, or only equal lengths together for a model without a
pad id) keeps the device busy; `run_plans` advances many plans in step so their requests can be packed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import torch

from .estimators import Attributions, Plan
from .game import Encoding, MaskRule, transform

if TYPE_CHECKING:
    from .game import TextGame


@dataclass(frozen=True)
class PackedRows:
    """Masked copies of several inputs: each input's encoding, mask rule and keep masks (B_i, L_i), and for
    each row to run, its input (`source`) and its row among that input's keep masks (`row`)."""

    encodings: Sequence[Encoding]
    rules: Sequence[MaskRule]
    keeps: Sequence[np.ndarray]
    source: np.ndarray
    row: np.ndarray

    @cached_property
    def lengths(self) -> np.ndarray:
        """Each row's length in tokens."""
        return np.array([len(e.input_ids) for e in self.encodings], dtype=np.int64)[self.source]

    def __len__(self) -> int:
        return len(self.source)


@dataclass(frozen=True)
class PackedBatch:
    """Model inputs for rows of different lengths, padded on the right to the longest."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    extra: dict[str, torch.Tensor]


def plan_batches(
    rows: PackedRows,
    rows_per_batch: Callable[[int], int],
    pad_id: int | None,
    subset: Sequence[int] | np.ndarray | None = None,
) -> list[np.ndarray]:
    """Indices of `rows` (or of `subset`) grouped into forward passes: shortest first so padding stays small,
    each within `rows_per_batch(width)`; with `pad_id` None only rows of equal length share a pass."""
    index = np.arange(len(rows)) if subset is None else np.asarray(subset, dtype=np.int64)
    by_length = np.argsort(rows.lengths[index], kind="stable")
    order = index[by_length]
    widths, starts = np.unique(rows.lengths[order], return_index=True)
    batches: list[list[np.ndarray]] = []
    filled, width = 0, 0
    for length, begin, stop in zip(widths.tolist(), starts.tolist(), [*starts[1:].tolist(), len(order)]):
        limit = rows_per_batch(length)
        run = order[begin:stop]
        if batches and (length == width or pad_id is not None) and filled < limit:
            take = min(limit - filled, len(run))
            batches[-1].append(run[:take])
            filled, width, run = filled + take, length, run[take:]
        for at in range(0, len(run), limit):
            batches.append([run[at: at + limit]])
            filled, width = len(run[at: at + limit]), length
    return [np.concatenate(parts) for parts in batches]


def pack(rows: PackedRows, index: np.ndarray, pad_id: int, device: torch.device) -> PackedBatch:
    """The padded input tensors for `rows[index]`; masked tokens replaced or dropped from attention per rule."""
    index = np.asarray(index, dtype=np.int64)
    source = rows.source[index]
    inputs = np.unique(source)
    width = max(len(rows.encodings[i].input_ids) for i in inputs.tolist())
    n = len(index)
    ids = np.full((n, width), pad_id, dtype=np.int64)
    attention = np.zeros((n, width), dtype=np.int64)
    names = sorted(set().union(*(rows.encodings[i].extra for i in inputs.tolist())))
    extra = {k: np.zeros((n, width), dtype=np.int64) for k in names}
    for i in inputs.tolist():
        encoding, rule = rows.encodings[i], rows.rules[i]
        length = len(encoding.input_ids)
        at = np.flatnonzero(source == i)
        keep = rows.keeps[i][rows.row[index[at]]]
        if rule.uses_attention:
            ids[at, :length] = encoding.input_ids
            attention[at, :length] = keep
        else:
            ids[at, :length] = np.where(keep, encoding.input_ids, rule.token_id)
            attention[at, :length] = 1
        for k, v in encoding.extra.items():
            extra[k][at, :length] = v
    return PackedBatch(
        input_ids=torch.as_tensor(ids, device=device),
        attention_mask=torch.as_tensor(attention, device=device),
        extra={k: torch.as_tensor(v, device=device) for k, v in extra.items()},
    )


def run_plans(
    items: Sequence[tuple[Plan, "TextGame"]],
    *,
    on_round: Callable[[int, int], None] | None = None,
) -> list[Attributions]:
    """Drive every plan against its game together: each round gathers every plan's next request and
    evaluates all of them in shared forward passes, then sends each plan its values.

    Partial estimates a plan yields between requests are passed over. All games must share one evaluator.
    `on_round(finished, total)` runs after each round (a place to stop between batches).
    """
    if not items:
        return []
    evaluator = items[0][1].evaluator
    if any(game.evaluator is not evaluator for _, game in items):
        raise ValueError("run_plans packs rows into one model's forward passes; every game needs the same evaluator.")
    results: list[Attributions | None] = [None] * len(items)
    requests: dict[int, np.ndarray] = {}

    def advance(i: int, value: np.ndarray | None) -> None:
        plan = items[i][0]
        try:
            item = next(plan) if value is None else plan.send(value)
            while isinstance(item, Attributions):
                item = plan.send(None)
            requests[i] = np.atleast_2d(np.asarray(item, dtype=bool))
        except StopIteration as stop:
            results[i] = stop.value

    for i in range(len(items)):
        advance(i, None)
    while requests:
        pending = sorted(requests)
        batch = [(items[i][1].encoding, items[i][1].keep_matrix(requests[i]), items[i][1].rule) for i in pending]
        raw = evaluator.evaluate_many(batch)
        requests.clear()
        for i, out in zip(pending, raw):
            game = items[i][1]
            advance(i, transform(out, game.kind, game.output, game.versus))
        if on_round is not None:
            on_round(sum(r is not None for r in results), len(items))
    return results  # type: ignore[return-value]
