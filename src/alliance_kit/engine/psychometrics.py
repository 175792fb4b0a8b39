"""Reliability and item statistics for a set of questionnaire items.

Reference semantics are those of R's ``psych`` package (``psych::alpha`` and
``psych::omega``). All functions take a DataFrame whose columns are items and
whose rows are respondents; values must be numeric and NaN means "missing".

Missing data are handled pairwise, as ``psych::alpha(use="pairwise")`` does:
the covariance matrix ``C`` is computed from pairwise-complete observations
(``DataFrame.cov()``), and the correlation matrix used by alpha is
``cov2cor(C)``. An item with zero variance has NaN correlations, so its
standardized statistics, ``r_drop`` and omega are NaN (psych would instead drop
such an item with a warning); raw alpha from the covariance matrix still works.
No numpy floating-point warnings escape: undefined results are simply NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "cronbach_alpha",
    "standardized_alpha",
    "item_statistics",
    "omega_total",
    "one_factor_loadings",
    "reliability_table",
]

_MAX_ITER = 1000
_TOL = 1e-9
# Largest communality allowed in the factor fit (psych bounds uniquenesses at .005).
_MAX_COMMUNALITY = 0.995


def _as_float_frame(items: pd.DataFrame) -> pd.DataFrame:
    """Return a float64 copy of ``items`` (NaN for missing), checking there are >= 2 items."""
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a pandas DataFrame, got {type(items).__name__}")
    if items.shape[1] < 2:
        raise ValueError(
            f"at least 2 items are needed to compute reliability, got {items.shape[1]}"
        )
    try:
        values = items.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"item columns must be numeric (NaN for missing): {exc}") from exc
    return pd.DataFrame(values, index=items.index, columns=items.columns)


def _pairwise_cov(frame: pd.DataFrame) -> np.ndarray:
    """Return the pairwise-complete covariance matrix (ddof=1) as an array."""
    return frame.cov().to_numpy(dtype=np.float64)


def _cov2cor(cov: np.ndarray) -> np.ndarray:
    """Return the correlation matrix implied by ``cov`` (R's ``cov2cor``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.diag(cov))
        cor = cov / np.outer(sd, sd)
    np.fill_diagonal(cor, np.where(np.isfinite(np.diag(cor)), 1.0, np.nan))
    return cor


def _alpha_from_cov(cov: np.ndarray) -> float:
    """Return raw alpha k/(k-1) * (1 - trace(C)/sum(C)) for a covariance matrix."""
    k = cov.shape[0]
    if k < 2:
        return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        total = float(np.sum(cov))
        if total == 0.0:
            return math.nan
        return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def _mean_offdiag(cor: np.ndarray) -> float:
    """Return the mean off-diagonal element of a square matrix (NaN propagates)."""
    k = cor.shape[0]
    if k < 2:
        return math.nan
    mask = ~np.eye(k, dtype=bool)
    return float(np.mean(cor[mask]))


def _std_alpha_from_cor(cor: np.ndarray) -> float:
    """Return standardized alpha k*rbar / (1 + (k-1)*rbar) for a correlation matrix."""
    k = cor.shape[0]
    rbar = _mean_offdiag(cor)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(k * rbar) / np.float64(1.0 + (k - 1) * rbar))


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Raw Cronbach's alpha from the pairwise covariance matrix (psych raw_alpha)."""
    return _alpha_from_cov(_pairwise_cov(_as_float_frame(items)))


def standardized_alpha(items: pd.DataFrame) -> float:
    """Standardized alpha from the mean inter-item correlation (psych std.alpha).

    The correlation matrix is ``cov2cor`` of the pairwise covariance matrix, as in
    ``psych::alpha``; without missing data this equals ``DataFrame.corr()``.
    """
    return _std_alpha_from_cor(_cov2cor(_pairwise_cov(_as_float_frame(items))))


def item_statistics(items: pd.DataFrame) -> pd.DataFrame:
    """Per-item n, mean, sd, item-total r (raw_r), corrected item-total r (r_drop) and alpha
    if deleted.

    ``raw_r`` is psych's raw.r: the correlation of the item with each person's mean of the
    answered items (pairwise complete). ``r_drop`` is psych's r.drop: cov(item, sum of
    other items) divided by sqrt(var(item) * var(sum of others)), all taken from the
    pairwise covariance
    matrix. ``alpha_if_deleted`` is the raw alpha of the remaining items (NaN when
    only one item would remain).
    """
    frame = _as_float_frame(items)
    cov = _pairwise_cov(frame)
    k = cov.shape[0]
    col_sums = cov.sum(axis=0)
    item_var = np.diag(cov)
    cov_rest = col_sums - item_var
    var_rest = float(np.sum(cov)) - 2.0 * col_sums + item_var
    with np.errstate(divide="ignore", invalid="ignore"):
        r_drop = cov_rest / np.sqrt(item_var * var_rest)
    alpha_drop = np.full(k, np.nan)
    if k > 2:
        for i in range(k):  # loop over items (columns), not respondents
            keep = np.arange(k) != i
            alpha_drop[i] = _alpha_from_cov(cov[np.ix_(keep, keep)])
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = frame.std(ddof=1).to_numpy()
        raw_r = frame.corrwith(frame.mean(axis=1)).to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {
            "n": frame.notna().sum().to_numpy(dtype=np.int64),
            "mean": frame.mean().to_numpy(),
            "sd": sd,
            "raw_r": raw_r,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_drop,
        },
        index=pd.Index(items.columns, name="item"),
    )


def _smc(cor: np.ndarray) -> np.ndarray:
    """Return squared multiple correlations 1 - 1/diag(R^-1), clipped to [0, cap]."""
    try:
        inv = np.linalg.inv(cor)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(cor)
    with np.errstate(divide="ignore", invalid="ignore"):
        smc = 1.0 - 1.0 / np.diag(inv)
    bad = ~np.isfinite(smc) | (smc < 0.0)
    if np.any(bad):
        # psych falls back to the largest absolute correlation of the item.
        off = np.abs(cor - np.eye(cor.shape[0]))
        smc = np.where(bad, off.max(axis=1), smc)
    return np.clip(smc, 0.0, _MAX_COMMUNALITY)


def one_factor_loadings(cor: np.ndarray) -> np.ndarray:
    """One-factor minres/ULS loadings of a correlation matrix by iterated principal axes.

    Starts from squared multiple correlations and iterates until communalities
    change by less than 1e-9 (at most 1000 iterations); communalities are capped
    at 0.995. Loadings are signed so that their sum is non-negative. Returns NaN
    loadings if the matrix has any NaN.
    """
    cor = np.asarray(cor, dtype=np.float64)
    k = cor.shape[0]
    if not np.all(np.isfinite(cor)):
        return np.full(k, np.nan)
    h2 = _smc(cor)
    vec = np.ones(k) / math.sqrt(k)
    for _ in range(_MAX_ITER):
        reduced = cor.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        vec = vectors[:, -1]
        new_h2 = np.minimum(vec**2 * max(float(values[-1]), 0.0), _MAX_COMMUNALITY)
        converged = float(np.max(np.abs(new_h2 - h2))) < _TOL
        h2 = new_h2
        if converged:
            break
    sign = 1.0 if float(np.sum(vec)) >= 0.0 else -1.0
    return sign * np.sign(vec) * np.sqrt(h2)


def omega_total(items: pd.DataFrame) -> float:
    """McDonald's omega total from a single factor fitted to the correlation matrix.

    omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta), theta_i = 1 - lambda_i^2,
    with loadings from a one-factor minres/ULS fit of the pairwise correlation
    matrix (``DataFrame.corr()``, as ``psych::omega`` uses ``cor(use="pairwise")``).
    This approximates ``psych::omega(x, nfactors=1)$omega.tot``; psych divides by
    the observed sum of the correlation matrix rather than the model-implied one,
    so the two agree closely but not exactly. Items loading negatively are not
    reversed. NaN if any correlation is undefined (e.g. a constant item).
    """
    frame = _as_float_frame(items)
    cor = frame.corr().to_numpy(dtype=np.float64)
    loadings = one_factor_loadings(cor)
    if not np.all(np.isfinite(loadings)):
        return math.nan
    common = float(np.sum(loadings)) ** 2
    unique = float(np.sum(1.0 - loadings**2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(common) / np.float64(common + unique))


def reliability_table(items: pd.DataFrame) -> dict[str, Any]:
    """Summary of a scale's reliability: alphas, omega, counts and mean inter-item r.

    Keys: alpha, std_alpha, omega, n_items, n_respondents (rows with at least one
    answer), average_r (mean off-diagonal of cov2cor of the pairwise covariance,
    psych's average_r), mean and sd (of each respondent's mean of the answered items,
    psych's total mean and sd) and constant_items (names of zero-variance items, whose
    correlations are NaN).
    """
    frame = _as_float_frame(items)
    cov = _pairwise_cov(frame)
    cor = _cov2cor(cov)
    variances = np.diag(cov)
    constant = [name for name, var in zip(frame.columns, variances, strict=True) if var == 0.0]
    with np.errstate(invalid="ignore", divide="ignore"):
        person_mean = frame.mean(axis=1).dropna()
    return {
        "alpha": _alpha_from_cov(cov),
        "std_alpha": _std_alpha_from_cor(cor),
        "omega": omega_total(frame),
        "n_items": int(frame.shape[1]),
        "n_respondents": int(frame.notna().any(axis=1).sum()),
        "average_r": _mean_offdiag(cor),
        "mean": float(person_mean.mean()),
        "sd": float(person_mean.std(ddof=1)),
        "constant_items": constant,
    }
