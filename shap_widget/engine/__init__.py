"""The attribution engine: token-id games, batched cached evaluation, estimators, faithfulness.

No widget imports: everything here runs from a plain script.
"""

from .estimators import MAX_EXACT_PLAYERS
from .evaluator import Evaluator, ModelOutputError
from .batch import attributions_to_shap
from .compare import Comparison, compare
from .explain import Attribution, Explainer, explain, explain_callable
from .faithfulness import Faithfulness, faithfulness
from .game import TextGame
from .interactions import Interactions, explain_interactions
from .zero_shot import ZeroShotExplainer

__all__ = [
    "MAX_EXACT_PLAYERS",
    "Attribution",
    "Comparison",
    "Evaluator",
    "Explainer",
    "Faithfulness",
    "Interactions",
    "ModelOutputError",
    "TextGame",
    "ZeroShotExplainer",
    "attributions_to_shap",
    "compare",
    "explain",
    "explain_callable",
    "explain_interactions",
    "faithfulness",
]
