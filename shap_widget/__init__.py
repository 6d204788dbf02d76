"""Interactive SHAP explanations of Hugging Face transformer text classifiers."""

import os as _os
import sys as _sys

# Torch's OpenMP threads read their wait policy once, when torch loads. Left spinning between forward passes,
# they take the cores the estimator's own work needs, which on a loaded machine made a click's engine time
# 2.3 times its quiet time (1.8 times when passive; benchmarks/bench_overhead.py). A policy set by the user stays.
if "torch" not in _sys.modules:
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .engine import (
    MAX_EXACT_PLAYERS,
    Attribution,
    Comparison,
    Evaluator,
    Explainer,
    Faithfulness,
    Interactions,
    ModelOutputError,
    TextGame,
    ZeroShotExplainer,
    attributions_to_shap,
    compare,
    explain,
    explain_callable,
    explain_interactions,
    faithfulness,
)
from .runner import DatasetResults, InvalidResults, ResultsMismatch, explain_dataset

__all__ = [
    "MAX_EXACT_PLAYERS",
    "Attribution",
    "Comparison",
    "DatasetResults",
    "DatasetWidget",
    "Evaluator",
    "ExplainWidget",
    "Explainer",
    "Faithfulness",
    "Interactions",
    "InvalidResults",
    "ModelOutputError",
    "ResultsMismatch",
    "TextGame",
    "ZeroShotExplainer",
    "attributions_to_shap",
    "compare",
    "explain",
    "explain_callable",
    "explain_interactions",
    "explain_dataset",
    "faithfulness",
]

__version__ = "0.1.0"


def __getattr__(name: str):
    # The widget pulls in anywidget/ipywidgets; the engine stays importable from plain scripts without them.
    if name == "ExplainWidget":
        from .widgets.explain_widget import ExplainWidget

        return ExplainWidget
    if name == "DatasetWidget":
        from .widgets.dataset_widget import DatasetWidget

        return DatasetWidget
    raise AttributeError(f"module 'shap_widget' has no attribute {name!r}")
