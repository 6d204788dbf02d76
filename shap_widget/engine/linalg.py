"""Where the regression fits' linear algebra runs: numpy on the CPU, torch on the model's accelerator.

The fits are small (a few hundred rows and columns) but many; beside a GPU that does the forward passes in
milliseconds, they are most of an explanation's time, so there they run on the GPU too. On a CPU numpy (with
one BLAS thread, see `threads`) is faster than torch's dispatch for matrices this size.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse
from scipy.linalg import lapack


class NumpyLinalg:
    """Arrays are numpy arrays; rows are summed per sampling unit: as two halves where rows are units'
    pairs in order (a paired design), as they are where each row is its own unit, else with a sparse matrix."""

    def __init__(self, unit: np.ndarray, units: int) -> None:
        unit = np.asarray(unit)
        own = np.arange(units)
        self._layout = ("own" if np.array_equal(unit, own)
                        else "halves" if len(unit) == 2 * units and np.array_equal(unit, np.tile(own, 2))
                        else "sparse")
        if self._layout == "sparse":
            self._rows_of = sparse.csr_matrix((np.ones(len(unit)), (unit, np.arange(len(unit)))),
                                              shape=(units, len(unit)))

    def array(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def numpy(self, x: np.ndarray) -> np.ndarray:
        return x

    def zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.zeros((rows, cols))

    def solve(self, k: np.ndarray, rhs: np.ndarray, max_condition: float) -> np.ndarray | None:
        """k⁻¹ rhs, or None where k is singular, not finite, or worse conditioned than `max_condition` (in the
        1-norm, LAPACK's estimate from the LU factors: no inverse is formed)."""
        if not (np.all(np.isfinite(k)) and np.all(np.isfinite(rhs))):
            return None
        lu, pivots, info = lapack.dgetrf(k)
        if info != 0:
            return None
        reciprocal, info = lapack.dgecon(lu, _norm1(k))
        if info != 0 or not reciprocal * max_condition >= 1.0:
            return None
        solved, info = lapack.dgetrs(lu, pivots, rhs)
        return solved if info == 0 else None

    def unit_sums(self, x: np.ndarray) -> np.ndarray:
        """The rows of x (R, k) summed per sampling unit: (U, k)."""
        if self._layout == "own":
            return x
        if self._layout == "halves":
            half = len(x) // 2
            return x[:half] + x[half:]
        return np.asarray(self._rows_of @ x)


class TorchLinalg:
    """Arrays are float64 tensors on `device`; rows are summed per sampling unit with `index_add`."""

    def __init__(self, unit: np.ndarray, units: int, device: torch.device) -> None:
        self.device = device
        self._unit = torch.as_tensor(unit, dtype=torch.int64, device=device)
        self._units = units

    def array(self, x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(x, dtype=np.float64), device=self.device)

    def numpy(self, x: torch.Tensor) -> np.ndarray:
        return x.cpu().numpy()

    def zeros(self, rows: int, cols: int) -> torch.Tensor:
        return torch.zeros((rows, cols), dtype=torch.float64, device=self.device)

    def solve(self, k: torch.Tensor, rhs: torch.Tensor, max_condition: float) -> torch.Tensor | None:
        """k⁻¹ rhs, or None where k is singular, not finite, or worse conditioned than `max_condition` (the
        1-norm condition number, exact from the inverse)."""
        inverse, info = torch.linalg.inv_ex(k)
        if not bool(torch.isfinite(k).all()) or int(info) != 0 or _norm1(k) * _norm1(inverse) > max_condition:
            return None
        return inverse @ rhs

    def unit_sums(self, x: torch.Tensor) -> torch.Tensor:
        """The rows of x (R, k) summed per sampling unit: (U, k)."""
        return torch.zeros((self._units, x.shape[1]), dtype=x.dtype, device=self.device).index_add_(0, self._unit, x)


def _norm1(m: np.ndarray | torch.Tensor) -> float:
    """The 1-norm: the largest column sum of absolute values."""
    return float(abs(m).sum(0).max())


# Beside a CUDA model, fits over fewer rows x players than this stay in numpy: on an H100 machine (16 CPU
# cores) numpy was faster at 500 rows x 30 players (16 against 25 ms for a whole kernel plan), level at 500 x
# 128, and torch faster from 2,000 x 60 (63 against 93 ms; 4,000 x 200: 190 against 695 ms).
CUDA_MIN_ENTRIES = 1 << 16


def linalg_for(unit: np.ndarray, units: int, device: torch.device | str | None = None, entries: int = 0):
    """Numpy without a device; torch on `device` when one is given (the explainer gives only accelerators),
    unless it is a CUDA device and the fit's rows x players (`entries`) are few."""
    if device is None:
        return NumpyLinalg(unit, units)
    device = torch.device(device)
    if device.type == "cuda" and entries < CUDA_MIN_ENTRIES:
        return NumpyLinalg(unit, units)
    return TorchLinalg(unit, units, device)
