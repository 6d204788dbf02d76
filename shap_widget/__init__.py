"""Interactive SHAP explanations of Hugging Face transformer text classifiers."""

from .estimators import MAX_EXACT_PLAYERS
from .evaluator import Evaluator, ModelOutputError
from .explain import Attribution, Explainer, explain
from .game import TextGame

__all__ = [
    "MAX_EXACT_PLAYERS",
    "Attribution",
    "Evaluator",
    "ExplainWidget",
    "Explainer",
    "ModelOutputError",
    "TextGame",
    "explain",
]

__version__ = "0.1.0"


def __getattr__(name: str):
    # The widget pulls in anywidget/ipywidgets; the engine stays importable from plain scripts without them.
    if name == "ExplainWidget":
        from .widget import ExplainWidget

        return ExplainWidget
    raise AttributeError(f"module 'shap_widget' has no attribute {name!r}")
