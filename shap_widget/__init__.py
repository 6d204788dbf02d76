"""Interactive SHAP explanations of Hugging Face transformer text classifiers."""

from .estimators import MAX_EXACT_PLAYERS
from .evaluator import Evaluator, ModelOutputError
from .explain import Attribution, Explainer, explain, explain_callable
from .faithfulness import Faithfulness, faithfulness
from .game import TextGame

__all__ = [
    "MAX_EXACT_PLAYERS",
    "Attribution",
    "DatasetWidget",
    "Evaluator",
    "ExplainWidget",
    "Explainer",
    "Faithfulness",
    "ModelOutputError",
    "TextGame",
    "explain",
    "faithfulness",
]

__version__ = "0.1.0"


def __getattr__(name: str):
    # The widget pulls in anywidget/ipywidgets; the engine stays importable from plain scripts without them.
    if name == "ExplainWidget":
        from .widget import ExplainWidget

        return ExplainWidget
    if name == "DatasetWidget":
        from .dataset import DatasetWidget

        return DatasetWidget
    raise AttributeError(f"module 'shap_widget' has no attribute {name!r}")
