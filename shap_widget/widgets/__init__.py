"""Notebook widgets: thin anywidget views that drive the engine on a background worker."""

from .dataset_widget import DatasetWidget
from .explain_widget import ExplainWidget

__all__ = ["DatasetWidget", "ExplainWidget"]
