"""Many inputs explained together, answered as one shap.Explanation with a row per input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import shap

if TYPE_CHECKING:
    from .explain import Attribution, Explainer
    from .inputs import Item


def explain_each(explainer: "Explainer", items: Sequence["Item"], **options: Any) -> list["Attribution"]:
    """Attributions of every input, in order, with the same options; their rows share forward passes."""
    if len(items) == 1:
        return [explainer.attribute(items[0], **options)]
    return explainer.attribute_many(list(items), **options)


def attributions_to_shap(attributions: Sequence["Attribution"], target: int | str | None = None) -> shap.Explanation:
    """One shap.Explanation with a row per attribution, ragged like shap's text explanations.

    `e[i]` is the i-th input's explanation and `shap.plots.text(e)` shows them all; without `target`,
    row i's values have shape (n_tokens_i, C), with it (n_tokens_i,).
    """
    from .explain import resolve_target

    if not attributions:
        raise ValueError("No attributions to combine.")
    labels = list(attributions[0].labels)
    c = None if target is None else resolve_target(target, labels)
    values, data, base = [], [], []
    for a in attributions:
        values.append(a.values.copy() if c is None else a.values[:, c].copy())
        data.append(np.array([p + t for p, t in zip(a.prefixes, a.tokens)], dtype=object))
        base.append(a.base_values if c is None else a.base_values[c])
    ragged = np.empty(len(values), dtype=object)
    ragged[:] = values
    rows = np.empty(len(data), dtype=object)
    rows[:] = data
    return shap.Explanation(
        values=ragged,
        base_values=np.asarray(base, dtype=np.float64),
        data=rows,
        output_names=attributions[0].output_names if c is None else None,
    )
