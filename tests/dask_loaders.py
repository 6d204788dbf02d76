"""Model loaders for the Dask tests, importable by worker processes (tests/ is on their PYTHONPATH)."""

from __future__ import annotations


def broken_loader():
    """A loader that fails on the worker, as a wrong checkpoint path would."""
    raise OSError("no checkpoint at /models/missing")
