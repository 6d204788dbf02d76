"""Running explanations over whole datasets: packed passes, Parquet results that survive a kill, Dask."""

from .dataset import DatasetResults, InvalidResults, ResultsMismatch, explain_dataset

__all__ = ["DatasetResults", "InvalidResults", "ResultsMismatch", "explain_dataset"]
