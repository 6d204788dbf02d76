"""Other explanation methods beside SHAP over a dataset run, and how far each one's ranking departs from SHAP's.

`explain_dataset(..., methods=[...])` computes, for every row, each named method's values for the row's
explained class (the predicted one) with the same implementations as `compare` (engine/compare.py), on the
same game: same players, mask token and output space, nothing masked. Each row also records its disagreement
with SHAP per method, 1 - Kendall's tau-b between the two rankings of the players (0: the same order, 1:
unrelated, 2: reversed), and their mean: sorting by it finds the texts where the methods tell different stories.

Cost per text, in rows through the model (one row = one masked copy of the text), beside SHAP's own:
occlusion n + 1 (n players, served from the explainer's cache where SHAP already evaluated them); LIME its
sample budget (`max_evals` when it is a number, else the evaluations SHAP spent on the row, as in the widget's
Compare mode); integrated gradients 32 to 512 forward and backward
rows; gradient x input 1 + 1; attention 1. The methods run one text at a time in the calling process.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..engine import certainty
from ..engine.compare import MethodError, predicted_class, resolve_methods, run_methods
from ..engine.explain import Attribution, Explainer
from ..engine.inputs import Item, split_item

LIME_SAMPLES = 500  # LIME's budget in the probe when SHAP's is "auto" (compare's default)


def check_methods(methods: Any) -> tuple[str, ...]:
    """The methods to compute beside SHAP (aliases expanded, "shap" dropped: its values are the run's own)."""
    if isinstance(methods, str):
        methods = (methods,)
    try:
        names = tuple(m for m in resolve_methods(list(methods)) if m != "shap")
    except TypeError:
        raise TypeError(f"methods must be a list of method names, got {type(methods).__name__}.") from None
    if not names:
        raise ValueError("methods= names no method beside SHAP, whose values every run has; name some of "
                         "'occlusion', 'lime', 'integrated_gradients', 'gradient_x_input', 'attention', or leave "
                         "methods out.")
    return names


def _options(max_evals: int | str, seed: int, spent: int = LIME_SAMPLES) -> dict[str, Any]:
    """LIME gets SHAP's budget: `max_evals`, or under "auto" the evaluations SHAP `spent`."""
    return {"lime_samples": certainty.spent_budget(max_evals, spent), "seed": int(seed)}


def probe(explainer: Explainer, item: Item, names: Sequence[str], *, players: str, output: str | None,
          max_evals: int | str, seed: int) -> None:
    """Run the methods once on `item` before the run starts, so a method this model cannot serve (no Captum,
    no gradients, no attention weights, mask="attention") is refused up front instead of failing mid-run."""
    text, pair = split_item(item)
    game = explainer.game(text, text_pair=pair, players=players, output=output)
    _, errors = run_methods(game, predicted_class(game), names, **_options(max_evals, seed))
    if errors:
        reasons = " ".join(f"{name}: {why}" for name, why in errors.items())
        raise ValueError(f"methods= names {sorted(errors)}, which cannot explain this model: {reasons} Drop them "
                         "from methods= to run the others.")


def row_values(explainer: Explainer, attribution: Attribution, names: Sequence[str], *, max_evals: int | str,
               seed: int) -> dict[str, np.ndarray]:
    """Each method's values (n_players,) for the row's predicted class, as `compare` gives them for its text."""
    a = attribution
    game = explainer.game(a.text, text_pair=a.text_pair, players=a.players, output=a.output)
    outcomes, errors = run_methods(game, explained_class(a), names, **_options(max_evals, seed, a.n_evals))
    if errors:
        name, why = next(iter(errors.items()))
        raise MethodError(f"{name} failed on {a.text[:60]!r}: {why}")
    return {name: np.asarray(outcomes[name].values, dtype=np.float64) for name in names}


def explained_class(attribution: Attribution) -> int:
    """The class a row's methods explain: the predicted one."""
    return int(np.argmax(attribution.probabilities_full))


def explained_values(attribution: Attribution) -> np.ndarray:
    """SHAP's values for the row's explained (predicted) class."""
    return np.asarray(attribution.values, dtype=np.float64)[:, explained_class(attribution)]


def disagreement(shap_values: np.ndarray, values: np.ndarray) -> float | None:
    """1 - Kendall's tau-b between two rankings of the players; None when undefined (under 2 players, or
    one ranking all ties)."""
    from scipy.stats import kendalltau

    if len(shap_values) < 2:
        return None
    tau = float(kendalltau(shap_values, values).statistic)
    return min(2.0, max(0.0, 1.0 - tau)) if math.isfinite(tau) else None


def disagreements(shap_values: np.ndarray, values: dict[str, np.ndarray]) -> tuple[dict[str, float | None],
                                                                                  float | None]:
    """Each method's disagreement with SHAP (see `disagreement`), and their mean over the methods where it is
    defined (None when it is for none)."""
    per = {name: disagreement(shap_values, v) for name, v in values.items()}
    known = [d for d in per.values() if d is not None]
    return per, float(np.mean(known)) if known else None


def columns(attribution: Attribution, values: dict[str, np.ndarray]) -> dict[str, Any]:
    """A row's Parquet columns: `values_<method>`, `disagreement_<method>` and their mean `disagreement`."""
    per, mean = disagreements(explained_values(attribution), values)
    out: dict[str, Any] = {f"values_{name}": [float(x) for x in v] for name, v in values.items()}
    out.update({f"disagreement_{name}": d for name, d in per.items()})
    out["disagreement"] = mean
    return out


def schema_fields(names: Sequence[str]) -> list[tuple[str, Any]]:
    """The Arrow columns `columns` fills, appended after a run's own (none for a run without methods)."""
    import pyarrow as pa

    if not names:
        return []
    fields = [(f"values_{name}", pa.list_(pa.float64())) for name in names]
    fields += [(f"disagreement_{name}", pa.float64()) for name in names]
    return fields + [("disagreement", pa.float64())]


def from_row(row: dict[str, Any], names: Sequence[str]) -> dict[str, np.ndarray]:
    """The method values a stored (already checked) row holds."""
    return {name: np.asarray(row[f"values_{name}"], dtype=np.float64) for name in names}
