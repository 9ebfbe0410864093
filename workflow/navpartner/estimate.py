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


# Answer distributions, contrasts of domains and tests of association. Every domain's share is
# a ratio of weighted sums; its linearised scores are summed by PSU so that any two estimates
# of the same design have a covariance (a difference of domains, the cells of a table).


@dataclass(frozen=True)
class CategorySums:
    """Weighted sums by domain and answer category, the raw material of shares.

    Linear in the respondents, so the sums of a union (the rest of a population) are sums of
    these. Per PSU with the final weights; per calibration cell with the base weights.
    """

    psu_count: np.ndarray  # PSUs x domains: respondents
    psu_weight: np.ndarray  # PSUs x domains
    psu_category: np.ndarray  # PSUs x domains x categories
    cell_weight: np.ndarray | None  # cells x domains (None without calibration)
    cell_category: np.ndarray | None  # cells x domains x categories
    count_category: np.ndarray  # domains x categories: respondents


def category_sums(
    design: Design, category: np.ndarray, n_categories: int, domain: np.ndarray, n_domains: int
) -> CategorySums:
    """Sums of the final (and base) weights by PSU, domain and category, one bincount each.

    category: per respondent 0..n_categories-1 (any value where domain is -1); domain: per
    respondent 0..n_domains-1, or -1 outside every domain.
    """
    inside = domain >= 0
    slot = np.where(inside, domain * n_categories + np.where(inside, category, 0), -1)
    cells = n_domains * n_categories
    psu_category = _sums_by(design.psu, slot, design.weights, design.n_psu, cells)
    psu_count = _sums_by(design.psu, slot, np.ones(design.n_rows), design.n_psu, cells)
    psu_category = psu_category.reshape(design.n_psu, n_domains, n_categories)
    counts = psu_count.reshape(design.n_psu, n_domains, n_categories)
    cell_weight = cell_category = None
    if design.calibration is not None:
        cal = design.calibration
        n_cells = cal.projector.shape[0]
        cell_category = _sums_by(cal.cell, slot, cal.base, n_cells, cells).reshape(
            n_cells, n_domains, n_categories
        )
        cell_weight = cell_category.sum(axis=2)
    return CategorySums(
        psu_count=counts.sum(axis=2),
        psu_weight=psu_category.sum(axis=2),
        psu_category=psu_category,
        cell_weight=cell_weight,
        cell_category=cell_category,
        count_category=counts.sum(axis=0),
    )


def _sums_by(rows: np.ndarray, slot: np.ndarray, values: np.ndarray, n_rows: int, bins: int):
    """rows x bins sums of values; slot -1 (no domain) dropped."""
    index = rows * (bins + 1) + np.where(slot >= 0, slot, bins)
    sums = np.bincount(index, values, minlength=n_rows * (bins + 1))
    return sums.reshape(n_rows, bins + 1)[:, :bins]


def rest_of_each(sums: CategorySums) -> CategorySums:
    """For every domain, the sums of all the other domains together (its 'rest')."""

    def rest(array):
        return None if array is None else array.sum(axis=1, keepdims=True) - array

    return CategorySums(
        psu_count=rest(sums.psu_count),
        psu_weight=rest(sums.psu_weight),
        psu_category=rest(sums.psu_category),
        cell_weight=rest(sums.cell_weight),
        cell_category=rest(sums.cell_category),
        count_category=sums.count_category.sum(axis=0, keepdims=True) - sums.count_category,
    )


@dataclass(frozen=True)
class DomainShares:
    """Each domain's share of each category, with the per-PSU totals of its linearised scores.

    `scores[j, d, c]` is PSU j's total of w (y_c - p_dc) / W_d over the members of domain d,
    less its calibration fit: the variance of any linear combination of shares, within one
    design, is the stratified variance of the same combination of these columns.
    """

    n: np.ndarray  # domains: respondents
    n_category: np.ndarray  # domains x categories
    weight_sum: np.ndarray  # domains
    estimate: np.ndarray  # domains x categories (NaN for an empty domain)
    scores: np.ndarray  # PSUs x domains x categories
    psu_count: np.ndarray  # PSUs x domains: respondents (which PSUs a domain reaches)
    n_rows: int


def domain_shares(design: Design, sums: CategorySums) -> DomainShares:
    """Shares of categories within domains, as ratios of the full design's weighted sums."""
    weight = sums.psu_weight.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sums.psu_category.sum(axis=0) / weight[:, None]
        scores = (sums.psu_category - share * sums.psu_weight[:, :, None]) / weight[:, None]
        if design.calibration is not None:
            cell_scores = (sums.cell_category - share * sums.cell_weight[:, :, None]) / weight[
                :, None
            ]
            scores -= _psu_calibration_fit(design, np.nan_to_num(cell_scores))
    return DomainShares(
        n=sums.count_category.sum(axis=1),
        n_category=sums.count_category,
        weight_sum=weight,
        estimate=share,
        scores=np.nan_to_num(scores),
        psu_count=sums.psu_count,
        n_rows=design.n_rows,
    )


def _psu_calibration_fit(design: Design, cell_scores: np.ndarray) -> np.ndarray:
    """PSU totals of w times the fitted value of the scores' regression on the calibration
    dummies (weights: base), fitted on cells; a sparse PSU x cell sum keeps memory linear."""
    from scipy import sparse

    cal = design.calibration
    n_cells = cal.projector.shape[0]
    fitted = cal.projector @ cell_scores.reshape(n_cells, -1)
    psu_by_cell = sparse.csr_matrix(
        (design.weights, (design.psu, cal.cell)), shape=(design.n_psu, n_cells)
    )
    return (psu_by_cell @ fitted).reshape(design.n_psu, *cell_scores.shape[1:])


def psu_totals(design: Design, values: np.ndarray) -> np.ndarray:
    """PSUs x k sums of per-respondent values (rows x k), e.g. weighted influence functions."""
    index = (design.psu[:, None] * values.shape[1] + np.arange(values.shape[1])).ravel()
    sums = np.bincount(index, values.ravel(), minlength=design.n_psu * values.shape[1])
    return sums.reshape(design.n_psu, values.shape[1])


def score_covariance(design: Design, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Elementwise covariance of two estimates from PSU score totals (PSUs x k each)."""
    deviation, scale = _psu_deviations(design, np.concatenate([first, second], axis=1))
    k = first.shape[1]
    return (deviation[:, :k] * deviation[:, k:] * scale[:, None]).sum(axis=0)


def score_covariance_matrix(design: Design, scores: np.ndarray) -> np.ndarray:
    """k x k covariance of k estimates from their PSU score totals (PSUs x k)."""
    deviation, scale = _psu_deviations(design, scores)
    return deviation.T @ (deviation * scale[:, None])


def _psu_deviations(design: Design, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PSU totals less their stratum mean, and each PSU's factor, such that the with-replacement
    stratified (co)variance is sum_j scale_j dev_j dev_j' (lonely PSUs as in
    `_stratified_variance`)."""
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
        centre[lonely] = 0.0
    scale = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1, 1))
    if design.lonely_psu == "average" and lonely.any():
        kept = (~lonely).sum()
        scale = scale * (len(n_h) / kept if kept else np.nan)
    return totals - centre[strata], scale[strata]


def domain_df(design: Design, psu_count: np.ndarray) -> np.ndarray:
    """Per domain (columns of PSUs x domains counts): PSUs reached less strata reached."""
    members = psu_count > 0
    return members.sum(axis=0) - _strata_with(design, members)


def share_estimates(design: Design, shares: DomainShares, category: int) -> DomainEstimates:
    """One category's shares as DomainEstimates (for the intervals and design effects)."""
    variance = score_covariance(
        design, shares.scores[:, :, category], shares.scores[:, :, category]
    )
    p, n = shares.estimate[:, category], shares.n
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance * (n - 1) / (p * (1 - p))
    variance = np.where(n > 0, variance, np.nan)
    df = domain_df(design, shares.psu_count)
    return DomainEstimates(n, shares.weight_sum, p, variance, df, deff, shares.n_rows)


def difference_within(
    design: Design,
    first: DomainShares,
    first_index: np.ndarray,
    second: DomainShares,
    second_index: np.ndarray,
    category: int,
    level: float = 0.95,
) -> Difference:
    """first - second for pairs of domain shares of one design, correlated through it.

    first_index, second_index: the domains paired. The variance is var1 + var2 - 2 cov from the
    PSU score totals (strata, clusters and calibration honoured); the t reference has the df
    of the two domains together (PSUs reaching either, less their strata).
    """
    a = first.scores[:, first_index, category]
    b = second.scores[:, second_index, category]
    variance = score_covariance(design, a - b, a - b)
    diff = first.estimate[first_index, category] - second.estimate[second_index, category]
    reached = first.psu_count[:, first_index] + second.psu_count[:, second_index]
    return _t_difference(diff, variance, domain_df(design, reached).astype(float), level)


def _t_difference(diff, variance, df, level) -> Difference:
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(variance)
        quantile = stats.t.ppf(0.5 + level / 2, _positive(df))
        p_value = 2 * stats.t.sf(np.abs(diff / se), _positive(df))
    return Difference(diff, se, df, diff - quantile * se, diff + quantile * se, p_value)


@dataclass(frozen=True)
class AssociationTest:
    statistic: float  # Rao-Scott F
    df_numerator: float
    df_denominator: float
    p_value: float


def rao_scott_f(
    design: Design,
    row: np.ndarray,
    n_rows: int,
    column: np.ndarray,
    n_columns: int,
    domain: np.ndarray,
) -> AssociationTest:
    """Rao-Scott second-order corrected Pearson test of independence of row and column within
    a domain, as R's svychisq(statistic = "F"): F = X^2 / tr(Delta) on (d0, d0 * nu) df,
    d0 = tr(Delta)^2 / tr(Delta^2), Delta the design effect matrix of the interaction contrasts.

    row, column: per respondent codes; domain: boolean (who is tabulated). nu, the design df,
    is the domain's (PSUs with members less strata with members), as R for a subset of a
    design without calibration (R counts every PSU of a calibrated design).
    """
    inside = np.asarray(domain, dtype=bool)
    cell = np.where(inside, row * n_columns + column, 0)
    sums = category_sums(design, cell, n_rows * n_columns, np.where(inside, 0, -1), 1)
    shares = domain_shares(design, sums)
    p = shares.estimate[0]
    table = p.reshape(n_rows, n_columns)
    rows_seen, columns_seen = table.sum(axis=1) > 0, table.sum(axis=0) > 0
    kept = np.outer(rows_seen, columns_seen).ravel()
    table = table[rows_seen][:, columns_seen]
    r, c = table.shape
    if r < 2 or c < 2:
        return AssociationTest(np.nan, np.nan, np.nan, np.nan)
    variance = score_covariance_matrix(design, shares.scores[:, 0, :][:, kept])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    pearson = ((table - expected) ** 2 / expected).sum()  # X^2 / N
    contrasts = _interaction_contrasts(r, c)
    inverse = np.where(table.ravel() > 0, 1 / np.where(table.ravel() > 0, table.ravel(), 1), 0)
    weighted = contrasts * inverse[:, None]
    delta = np.linalg.solve(contrasts.T @ weighted, weighted.T @ variance @ weighted)
    trace = np.trace(delta)
    d0 = trace**2 / np.trace(delta @ delta)
    nu = float(domain_df(design, shares.psu_count)[0])
    statistic = pearson / trace
    return AssociationTest(statistic, d0, d0 * nu, stats.f.sf(statistic, d0, d0 * nu))


def _interaction_contrasts(r: int, c: int) -> np.ndarray:
    """The interaction dummies of an r x c table (cells row-major) made orthogonal to the main
    effects: R's qr.resid(qr(X1), X12[, interaction columns])."""
    rows, columns = np.divmod(np.arange(r * c), c)
    row_dummies = (rows[:, None] == np.arange(1, r)).astype(float)
    column_dummies = (columns[:, None] == np.arange(1, c)).astype(float)
    main = np.hstack([np.ones((r * c, 1)), row_dummies, column_dummies])
    interaction = (row_dummies[:, :, None] * column_dummies[:, None, :]).reshape(r * c, -1)
    fit, *_ = np.linalg.lstsq(main, interaction, rcond=None)
    return interaction - main @ fit


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (R's p.adjust(method = "BH")); NaN stays NaN and
    is not counted in the family."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = len(tested)
    if m == 0:
        return adjusted
    order = tested[np.argsort(-p[tested], kind="stable")]
    ranks = m - np.arange(m)  # rank of each, largest p first
    adjusted[order] = np.minimum(1.0, np.minimum.accumulate(p[order] * m / ranks))
    return adjusted
