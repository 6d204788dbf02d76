"""Masked rows of many inputs in shared forward passes, and many estimator plans driven at once.

One short text's coalitions fill a small part of a good GPU batch. Packing rows of several texts into one
pass (padded to the longest with an attention mask, or only equal lengths together for a model without a
pad id) keeps the device busy; `run_plans` advances many plans in step so their requests can be packed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import torch

from .estimators import Attributions, Plan
from .game import Encoding, MaskRule, transform

if TYPE_CHECKING:
    from .game import TextGame


@dataclass(frozen=True)
class PackedRow:
    """One masked copy of one input: its encoding, token keep mask (L,) and mask rule."""

    encoding: Encoding
    keep: np.ndarray
    rule: MaskRule


@dataclass(frozen=True)
class PackedBatch:
    """Model inputs for rows of different lengths, padded on the right to the longest."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    extra: dict[str, torch.Tensor]


def plan_batches(
    rows: Sequence[PackedRow],
    rows_per_batch: Callable[[int], int],
    pad_id: int | None,
    subset: Sequence[int] | None = None,
) -> list[list[int]]:
    """Indices of `rows` (or of `subset`) grouped into forward passes: shortest first so padding stays small,
    each within `rows_per_batch(width)`; with `pad_id` None only rows of equal length share a pass."""
    index = range(len(rows)) if subset is None else subset
    order = sorted(index, key=lambda j: len(rows[j].encoding.input_ids))
    batches: list[list[int]] = []
    width = 0
    limits: dict[int, int] = {}  # rows_per_batch by width, asked once each
    for j in order:
        length = len(rows[j].encoding.input_ids)
        if batches:
            last = batches[-1]
            same = length == width
            wide = max(width, length)
            if wide not in limits:
                limits[wide] = rows_per_batch(wide)
            if (same or pad_id is not None) and len(last) + 1 <= limits[wide]:
                last.append(j)
                width = max(width, length)
                continue
        batches.append([j])
        width = length
    return batches


def pack(rows: Sequence[PackedRow], index: Sequence[int], pad_id: int, device: torch.device) -> PackedBatch:
    """The padded input tensors for `rows[index]`; masked tokens replaced or dropped from attention per rule."""
    width = max(len(rows[j].encoding.input_ids) for j in index)
    n = len(index)
    ids = np.full((n, width), pad_id, dtype=np.int64)
    attention = np.zeros((n, width), dtype=np.int64)
    names = sorted(set().union(*(rows[j].encoding.extra for j in index)))
    extra = {k: np.zeros((n, width), dtype=np.int64) for k in names}
    # rows of one input under one rule are filled together (one explanation's rows are all of them)
    groups: dict[tuple[int, int], list[int]] = {}
    for r, j in enumerate(index):
        groups.setdefault((id(rows[j].encoding), id(rows[j].rule)), []).append(r)
    for members in groups.values():
        first = rows[index[members[0]]]
        encoding, rule = first.encoding, first.rule
        length = len(encoding.input_ids)
        at = np.asarray(members)
        keep = np.stack([rows[index[r]].keep for r in members])
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
