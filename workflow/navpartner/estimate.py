"""Design-based estimation of domain proportions: Taylor linearisation, calibration, intervals.

Arrays in, arrays out; every pass over the respondents is one `np.bincount`. The conventions are
those of R's survey package, which the tests check to 1e-8:

- the design is one-stage, with-replacement: clusters (PSUs) within optional strata, no finite
  population correction; a stratum with a single PSU follows `lonely_psu` as
  `options(survey.lonely.psu)` does;
- a domain is estimated within the full design: rows outside it score zero, every PSU of the
  design counts in its stratum, nothing is subset;
- with calibration (raked weights), the linearised scores are replaced by their residuals from
  the weighted regression on the calibration variables, as R does for a design made by
  `calibrate(design, margins, population, calfun = "raking")`: regression weights are the base
  (pre-raking) weights, residuals are scaled by the final weights. (`rake()` approximates the
  same projection by ten backfitting sweeps, so it differs from this in late decimals.)
- domain degrees of freedom are PSUs with domain members minus strata with domain members;
- the design effect compares with simple random sampling with replacement of the same size
  (`svymean(deff = "replace")`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

LONELY_PSU_RULES = ("fail", "remove", "certainty", "adjust", "average")


class DesignError(ValueError):
    """The design cannot give a variance as declared (for instance a lonely PSU under 'fail')."""


@dataclass(frozen=True)
class Calibration:
    """The calibration model, on the table of cells formed by the margin variables."""

    cell: np.ndarray  # per respondent: its cell
    projector: np.ndarray  # cells x cells: X (X' D X)^+ X' with D the base weight per cell
    base: np.ndarray  # per respondent: base (pre-calibration) weight
    psu_cell_weights: np.ndarray  # PSUs x cells: sums of the final weights


@dataclass(frozen=True)
class Design:
    weights: np.ndarray
    psu: np.ndarray  # per respondent: PSU index 0..n_psu-1
    stratum_of_psu: np.ndarray  # per PSU: stratum index
    psus_in_stratum: np.ndarray  # per stratum: number of PSUs in the design
    calibration: Calibration | None
    lonely_psu: str

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    @property
    def n_psu(self) -> int:
        return len(self.stratum_of_psu)


@dataclass(frozen=True)
class DomainEstimates:
    """One entry per domain. `variance` is NaN where the domain has no respondents."""

    n: np.ndarray
    weight_sum: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    n_rows: int  # rows of the design, which Korn-Graubard's t ratio uses as R does

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(self.variance)


def make_design(
    weights: np.ndarray,
    psu: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    margins: list[np.ndarray] | None = None,
    base_weights: np.ndarray | None = None,
    lonely_psu: str = "fail",
) -> Design:
    """A design from per-respondent arrays.

    psu, strata: labels of any kind (None: each respondent its own PSU; one stratum). PSU labels
    are nested in strata: the same label in two strata names two PSUs.
    margins: per calibration variable, each respondent's level code (0..k-1); None for weights
    used as fixed.
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if lonely_psu not in LONELY_PSU_RULES:
        raise DesignError(f"lonely_psu must be one of {LONELY_PSU_RULES}, not '{lonely_psu}'")
    if (weights <= 0).any() or not np.isfinite(weights).all():
        raise DesignError("weights must be positive and finite")
    stratum = _codes(strata, n)
    psu_key = _codes(psu, n) if psu is not None else np.arange(n)
    first_row, psu_of_row = _compact(stratum * (int(psu_key.max()) + 1) + psu_key)
    stratum_of_psu = stratum[first_row]
    psu_of_row = psu_of_row.ravel()
    calibration = None
    if margins is not None:
        base = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float)
        calibration = _calibration(margins, base, weights, psu_of_row, len(first_row))
    return Design(
        weights=weights,
        psu=psu_of_row,
        stratum_of_psu=stratum_of_psu,
        psus_in_stratum=np.bincount(stratum_of_psu),
        calibration=calibration,
        lonely_psu=lonely_psu,
    )


def _codes(labels, n: int) -> np.ndarray:
    if labels is None:
        return np.zeros(n, dtype=np.intp)
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu" and labels.min() >= 0:
        return _compact(labels)[1]
    return np.unique(labels, return_inverse=True)[1].ravel()


def _compact(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 for non-negative integer keys (in key order), and a row of each code.

    A bincount over the key range when that range is modest (one pass, no sort)."""
    if keys.max() > 8 * len(keys) + 1_000_000:
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        return first, codes.ravel()
    present = np.bincount(keys) > 0
    codes = (np.cumsum(present) - 1)[keys]
    first = np.empty(int(present.sum()), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(keys) - 1, -1, -1)
    return first, codes


def _calibration(margins, base, weights, psu, n_psu) -> Calibration:
    sizes = [int(codes.max()) + 1 for codes in margins]
    first, cell = _compact(np.ravel_multi_index(np.stack(margins), sizes))
    levels = [codes[first] for codes in margins]
    # Dummies for every level of every margin: rank-deficient, but the projection is unique.
    model = np.hstack([np.eye(size)[level] for size, level in zip(sizes, levels, strict=True)])
    cell_base = np.bincount(cell, base, minlength=len(first))
    gram = model.T @ (model * cell_base[:, None])
    projector = model @ np.linalg.pinv(gram, hermitian=True) @ model.T
    n_cells = len(first)
    psu_cell_weights = np.bincount(
        psu * n_cells + cell, weights, minlength=n_psu * n_cells
    ).reshape(n_psu, n_cells)
    return Calibration(cell, projector, base, psu_cell_weights)


def domain_proportions(
    design: Design, positive: np.ndarray, domain: np.ndarray, n_domains: int
) -> DomainEstimates:
    """Weighted share of `positive` in each domain, with its linearised variance.

    positive: per respondent, 0 or 1. domain: per respondent, its domain 0..n_domains-1, or -1
    when it belongs to none (outside the population, or no valid answer).
    """
    bins = n_domains + 1  # the last bin collects the rows in no domain
    slot = np.where(domain >= 0, domain, n_domains)
    n = np.bincount(slot, minlength=bins)[:n_domains]
    slot = slot * 2 + np.asarray(positive, dtype=np.intp)  # (domain, y) in one code
    # Weight sums by (PSU, domain, y) in one pass; y = 1 is the positive part.
    psu_w, psu_wy = _grid(design.psu, slot, design.weights, design.n_psu, bins)
    wsum, wy = psu_w.sum(axis=0), psu_wy.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = wy / wsum
        # Per PSU and domain: totals of the scores w (y - p) / W.
        totals = (psu_wy - p * psu_w) / wsum
        if design.calibration is not None:
            totals -= _calibration_fit(design.calibration, slot, bins, p, wsum)
    totals = np.nan_to_num(totals)
    variance = _stratified_variance(design, totals)
    members = psu_w > 0
    df = members.sum(axis=0) - _strata_with(design, members)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance * (n - 1) / (p * (1 - p))
    variance[n == 0] = np.nan
    return DomainEstimates(n, wsum, p, variance, df, deff, design.n_rows)


def _grid(rows, slot, values, n_rows, bins) -> tuple[np.ndarray, np.ndarray]:
    """Sums of values by (row, domain): all, and where y = 1; the 'no domain' bin dropped.

    slot = 2 * domain + y."""
    index = rows * (2 * bins) + slot
    sums = np.bincount(index, values, minlength=n_rows * bins * 2).reshape(n_rows, bins, 2)
    return sums.sum(axis=2)[:, :-1], sums[:, :-1, 1]


def _calibration_fit(cal: Calibration, slot, bins, p, wsum) -> np.ndarray:
    """Per PSU and domain: the part of the score totals the calibration variables explain.

    The scores are u = (y - p) / W on domain members, weighted by w. Their regression on the
    calibration dummies (weights: base) is fitted on cells; each respondent's fitted value
    times its final weight is summed by PSU.
    """
    n_cells = cal.projector.shape[0]
    cell_d, cell_dy = _grid(cal.cell, slot, cal.base, n_cells, bins)
    fitted = cal.projector @ np.nan_to_num((cell_dy - p * cell_d) / wsum)
    return cal.psu_cell_weights @ fitted


def _stratified_variance(design: Design, totals: np.ndarray) -> np.ndarray:
    """Sum over strata of n_h/(n_h-1) times the squared deviations of PSU totals."""
    n_h = design.psus_in_stratum
    strata = design.stratum_of_psu
    lonely = n_h == 1
    if lonely.any() and design.lonely_psu == "fail":
        raise DesignError(
            f"{int(lonely.sum())} stratum/strata have a single PSU; set lonely_psu to "
            f"one of {LONELY_PSU_RULES[1:]} to say how to treat them"
        )
    centre = _by_stratum(strata, totals, len(n_h)) / n_h[:, None]
    if design.lonely_psu == "adjust":
        centre[lonely] = 0.0  # as R: a lonely PSU deviates from the grand mean of scores, 0
    squares = _by_stratum(strata, (totals - centre[strata]) ** 2, len(n_h))
    scale = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1, 1))
    variance = (squares * scale[:, None]).sum(axis=0)
    if design.lonely_psu == "average" and lonely.any():
        # As R: lonely strata contribute nothing and the rest are scaled up to all strata.
        kept = (~lonely).sum()
        variance *= len(n_h) / kept if kept else np.nan
    return variance


def _by_stratum(strata: np.ndarray, values: np.ndarray, n_strata: int) -> np.ndarray:
    """Column sums of a PSUs x domains array within each stratum."""
    columns = values.shape[1]
    index = (strata[:, None] * columns + np.arange(columns)).ravel()
    return np.bincount(index, values.ravel(), minlength=n_strata * columns).reshape(
        n_strata, columns
    )


def _strata_with(design: Design, members: np.ndarray) -> np.ndarray:
    per_stratum = _by_stratum(
        design.stratum_of_psu, members.astype(float), len(design.psus_in_stratum)
    )
    return (per_stratum > 0).sum(axis=0)


def logit_interval(est: DomainEstimates, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wald interval on the logit scale, t with the domain df: svyciprop(method = "logit")."""
    p = est.estimate
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, _positive(est.df)) * est.se / (p * (1 - p))
        centre = np.log(p / (1 - p))
        return _expit(centre - half), _expit(centre + half)


def korn_graubard_interval(
    est: DomainEstimates, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson with the effective sample size, df-adjusted: svyciprop(method = "beta").

    As R: n_eff = p(1-p)/var * (t_{n-1} / t_df)^2 with n the rows of the design (for a domain
    that is the whole design, as domains are never subset). Where p is 0 or 1 the variance is 0
    and R gives NaN; here n_eff falls back to the domain's respondents, giving the exact
    one-sided Clopper-Pearson bound at that n.
    """
    p, alpha = est.estimate, 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = p * (1 - p) / est.variance
        n_eff = np.where(est.variance > 0, n_eff, est.n)
        ratio = stats.t.ppf(alpha / 2, est.n_rows - 1) / stats.t.ppf(alpha / 2, _positive(est.df))
        n_eff = n_eff * ratio**2
        x = n_eff * p
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1), 0.0)
        high = np.where(n_eff - x > 0, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x), 1.0)
    undefined = np.isnan(p) | ~(est.df > 0)
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def _positive(df: np.ndarray) -> np.ndarray:
    return np.where(df > 0, df, np.nan)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Difference:
    estimate: np.ndarray
    se: np.ndarray
    df: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray


def difference_independent(
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray, np.ndarray],
    level: float = 0.95,
) -> Difference:
    """second - first for estimates from independent samples (two waves).

    Each argument is (estimate, variance, df). The variances add; the t reference has
    Welch-Satterthwaite degrees of freedom.
    """
    (p1, v1, df1), (p2, v2, df2) = first, second
    diff, variance = p2 - p1, v1 + v2
    with np.errstate(invalid="ignore", divide="ignore"):
        df = variance**2 / (v1**2 / df1 + v2**2 / df2)
        se = np.sqrt(variance)
        quantile = stats.t.ppf(0.5 + level / 2, df)
        p_value = 2 * stats.t.sf(np.abs(diff / se), df)
    return Difference(diff, se, df, diff - quantile * se, diff + quantile * se, p_value)
