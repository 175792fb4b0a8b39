"""Tests for alliance_kit.engine.psychometrics (golden values by hand and from R psych)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_kit.engine.psychometrics import (
    cronbach_alpha,
    item_statistics,
    omega_total,
    one_factor_loadings,
    reliability_table,
    standardized_alpha,
)

DATA = Path(__file__).parent / "data"

# 5 respondents x 3 items, every item has mean 3 and variance 10/4 = 2.5.
#   a = 1 2 3 4 5   deviations -2 -1  0 1 2
#   b = 2 1 3 5 4   deviations -1 -2  0 2 1
#   c = 1 3 2 4 5   deviations -2  0 -1 1 2
# cov(a,b) = (2+2+0+2+2)/4 = 2, cov(a,c) = (4+0+0+1+4)/4 = 2.25, cov(b,c) = (2+0+0+2+2)/4 = 1.5
# sum(C) = 3*2.5 + 2*(2 + 2.25 + 1.5) = 19 (= var of totals 4 6 8 13 14), trace(C) = 7.5
# alpha = 3/2 * (1 - 7.5/19) = 17.25/19
# correlations .8 .9 .6, rbar = 2.3/3, std alpha = 3 rbar / (1 + 2 rbar) = 6.9/7.6 (= alpha here,
# because all variances are equal)
# r_drop(a) = (2 + 2.25) / sqrt(2.5 * (2.5 + 2.5 + 2*1.5)) = 4.25/sqrt(20)
# alpha without a: 2*(1 - 5/8) = 0.75; without b: 2*(1 - 5/9.5); without c: 2*(1 - 5/9)
HAND = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 3, 5, 4], "c": [1, 3, 2, 4, 5]})


def test_hand_alpha() -> None:
    assert cronbach_alpha(HAND) == pytest.approx(17.25 / 19, abs=1e-12)
    assert standardized_alpha(HAND) == pytest.approx(6.9 / 7.6, abs=1e-12)


def test_hand_item_statistics() -> None:
    stats = item_statistics(HAND)
    assert list(stats.index) == ["a", "b", "c"]
    assert list(stats.columns) == ["n", "mean", "sd", "raw_r", "r_drop", "alpha_if_deleted"]
    assert stats["n"].tolist() == [5, 5, 5]
    np.testing.assert_allclose(stats["mean"], [3, 3, 3])
    np.testing.assert_allclose(stats["sd"], [math.sqrt(2.5)] * 3)
    assert stats.loc["a", "r_drop"] == pytest.approx(4.25 / math.sqrt(20), abs=1e-12)
    # r_drop(b) = (2 + 1.5)/sqrt(2.5 * (5 + 4.5)), r_drop(c) = (2.25 + 1.5)/sqrt(2.5 * (5 + 4))
    assert stats.loc["b", "r_drop"] == pytest.approx(3.5 / math.sqrt(2.5 * 9.5), abs=1e-12)
    assert stats.loc["c", "r_drop"] == pytest.approx(3.75 / math.sqrt(2.5 * 9), abs=1e-12)
    np.testing.assert_allclose(
        stats["alpha_if_deleted"], [0.75, 2 * (1 - 5 / 9.5), 2 * (1 - 5 / 9)], atol=1e-12
    )


def test_one_factor_loadings_recover_exact_structure() -> None:
    lam = np.array([0.9, 0.8, 0.7, 0.6])
    cor = np.outer(lam, lam)
    np.fill_diagonal(cor, 1.0)
    np.testing.assert_allclose(one_factor_loadings(cor), lam, atol=1e-7)
    flip = np.diag([1.0, 1.0, 1.0, -1.0])  # a reverse-keyed fourth item loads negatively
    np.testing.assert_allclose(
        one_factor_loadings(flip @ cor @ flip), lam * np.diag(flip), atol=1e-7
    )


def _compound_symmetric_items() -> pd.DataFrame:
    """Stack cyclic blocks (v0 v1 v2), (v1 v2 v0), (v2 v0 v1): all covariances are equal."""
    vectors = [(1, 1, 2), (2, 3, 2), (4, 4, 5), (3, 4, 4), (5, 4, 5), (1, 2, 2)]
    rows = []
    for v in vectors:
        rows += [(v[0], v[1], v[2]), (v[1], v[2], v[0]), (v[2], v[0], v[1])]
    return pd.DataFrame(rows, columns=["i1", "i2", "i3"], dtype=float)


def test_parallel_items_identities() -> None:
    items = _compound_symmetric_items()
    cor = items.corr().to_numpy()
    rbar = cor[0, 1]
    assert cor[0, 2] == pytest.approx(rbar) and cor[1, 2] == pytest.approx(rbar)
    assert 0.3 < rbar < 0.95
    spearman_brown = 3 * rbar / (1 + 2 * rbar)
    # equal variances: raw alpha = std alpha; equal loadings sqrt(rbar): omega = Spearman-Brown
    assert cronbach_alpha(items) == pytest.approx(spearman_brown, abs=1e-10)
    assert standardized_alpha(items) == pytest.approx(spearman_brown, abs=1e-10)
    assert omega_total(items) == pytest.approx(spearman_brown, abs=1e-8)
    np.testing.assert_allclose(one_factor_loadings(cor), [math.sqrt(rbar)] * 3, atol=1e-7)


# Golden values from R, on tests/data/psych_items.csv (30 respondents x 5 items, 6 NA):
#   R 4.2.2, psych 2.2.9
#   Rscript -e 'library(psych); x<-read.csv("tests/data/psych_items.csv"); a<-alpha(x);
#     print(a$total, digits=10); print(a$alpha.drop, digits=10); print(a$item.stats, digits=10);
#     o<-omega(x,nfactors=1); print(o$omega.tot, digits=10); print(o$schmid$sl, digits=10)'
R_RAW_ALPHA = 0.7636108628
R_STD_ALPHA = 0.7625018933
R_AVERAGE_R = 0.3910281305
R_ALPHA_DROP = [0.6911196042, 0.6979238545, 0.7601880899, 0.7119037124, 0.7352475315]
R_N = [29, 28, 29, 29, 29]
R_R_DROP = [0.6133157808, 0.5985805853, 0.4068941500, 0.5614320234, 0.4900816836]
R_MEAN = [3.000000000, 2.785714286, 2.517241379, 2.931034483, 3.137931034]
R_SD = [0.9636241117, 0.9172076326, 0.8289705171, 1.0667385033, 0.9151166175]
R_OMEGA_TOT = 0.7650890425  # psych: 1 - sum(u2) / sum(cor(x, use="pairwise"))
R_LOADINGS = [0.7029266449, 0.6883421770, 0.4877368900, 0.6745534206, 0.5762838382]


@pytest.fixture
def r_items() -> pd.DataFrame:
    return pd.read_csv(DATA / "psych_items.csv")


def test_r_alpha(r_items: pd.DataFrame) -> None:
    assert int(r_items.isna().sum().sum()) == 6
    assert cronbach_alpha(r_items) == pytest.approx(R_RAW_ALPHA, abs=1e-9)
    assert standardized_alpha(r_items) == pytest.approx(R_STD_ALPHA, abs=1e-9)


def test_r_item_statistics(r_items: pd.DataFrame) -> None:
    stats = item_statistics(r_items)
    assert stats["n"].tolist() == R_N
    np.testing.assert_allclose(stats["mean"], R_MEAN, atol=1e-9)
    np.testing.assert_allclose(stats["sd"], R_SD, atol=1e-9)
    np.testing.assert_allclose(stats["r_drop"], R_R_DROP, atol=1e-9)
    np.testing.assert_allclose(stats["alpha_if_deleted"], R_ALPHA_DROP, atol=1e-9)


def test_r_omega(r_items: pd.DataFrame) -> None:
    cor = r_items.corr().to_numpy()
    loadings = one_factor_loadings(cor)
    # psych's minres uses an optimiser, so agreement is to about 1e-6
    np.testing.assert_allclose(loadings, R_LOADINGS, atol=1e-5)
    psych_formula = 1 - np.sum(1 - loadings**2) / cor.sum()
    assert psych_formula == pytest.approx(R_OMEGA_TOT, abs=1e-6)
    # our omega uses the model-implied denominator: close to, not equal to, psych's
    assert omega_total(r_items) == pytest.approx(R_OMEGA_TOT, abs=1e-4)


def test_r_reliability_table(r_items: pd.DataFrame) -> None:
    table = reliability_table(r_items)
    assert table["alpha"] == pytest.approx(R_RAW_ALPHA, abs=1e-9)
    assert table["std_alpha"] == pytest.approx(R_STD_ALPHA, abs=1e-9)
    assert table["average_r"] == pytest.approx(R_AVERAGE_R, abs=1e-9)
    assert table["omega"] == pytest.approx(omega_total(r_items))
    assert table["n_items"] == 5
    assert table["n_respondents"] == 30
    assert table["constant_items"] == []


def test_reliability_table_counts_rows_with_any_answer() -> None:
    items = HAND.astype(float)
    items.loc[5] = [np.nan, np.nan, np.nan]
    items.loc[6] = [np.nan, 2.0, np.nan]
    table = reliability_table(items)
    assert table["n_respondents"] == 6
    assert table["n_items"] == 3


@pytest.mark.parametrize("n_items", [0, 1])
def test_too_few_items(n_items: int) -> None:
    items = HAND.iloc[:, :n_items]
    for func in (cronbach_alpha, standardized_alpha, item_statistics, omega_total):
        with pytest.raises(ValueError, match="at least 2 items are needed"):
            func(items)
    with pytest.raises(ValueError, match="at least 2 items are needed"):
        reliability_table(items)


def test_constant_item_gives_nan_correlations_without_warnings() -> None:
    items = HAND.assign(d=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alpha = cronbach_alpha(items)
        std = standardized_alpha(items)
        stats = item_statistics(items)
        omega = omega_total(items)
        table = reliability_table(items)
    # a constant item adds nothing to sum(C) but raises k: alpha = 4/3 * (1 - 7.5/19)
    assert alpha == pytest.approx(4 / 3 * (1 - 7.5 / 19))
    assert math.isnan(std) and math.isnan(omega)
    assert math.isnan(stats.loc["d", "r_drop"])
    assert stats.loc["d", "sd"] == 0.0
    assert stats.loc["d", "alpha_if_deleted"] == pytest.approx(17.25 / 19)
    assert table["constant_items"] == ["d"]
    assert math.isnan(table["average_r"])


def test_sparse_data_gives_nan_without_warnings() -> None:
    items = pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [np.nan, 2.0, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(cronbach_alpha(items))
        assert math.isnan(standardized_alpha(items))
        assert math.isnan(omega_total(items))
        stats = item_statistics(items)
    assert stats["n"].tolist() == [1, 2]
    assert math.isnan(stats.loc["a", "sd"])
    assert stats["alpha_if_deleted"].isna().all()  # only one item would remain


def test_two_items_alpha_drop_is_nan() -> None:
    stats = item_statistics(HAND[["a", "b"]])
    assert stats["alpha_if_deleted"].isna().all()
    # with two items r_drop is their correlation
    np.testing.assert_allclose(stats["r_drop"], [0.8, 0.8])


def test_nullable_and_integer_dtypes() -> None:
    items = HAND.astype("Int64")
    items.loc[5] = [pd.NA, 4, 2]
    as_float = items.astype("float64")
    assert cronbach_alpha(items) == pytest.approx(cronbach_alpha(as_float))
    assert omega_total(items) == pytest.approx(omega_total(as_float))
    pd.testing.assert_frame_equal(item_statistics(items), item_statistics(as_float))


def test_non_numeric_items_rejected() -> None:
    items = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]})
    with pytest.raises(ValueError, match="numeric"):
        cronbach_alpha(items)


def test_input_not_modified() -> None:
    items = HAND.astype(float)
    before = items.copy()
    reliability_table(items)
    item_statistics(items)
    pd.testing.assert_frame_equal(items, before)
