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

Many outcomes share the design's passes: `domain_shares` estimates, for one item or several,
the share of every answer category in every domain in one call. The per-PSU totals of the
linearised scores (PSUs x columns) are formed, calibrated, centred and squared a block of whole
strata at a time, small enough to stay in the processor's cache, and kept only when asked for
(`variance_of` and `covariance_of` take any columns of them). A contrast of two domains and the
covariance a Rao-Scott test needs come from the same blocks as the estimates. Memory is
O(respondents + PSUs x calibration levels + a block), time O(respondents + PSUs x columns x
calibration levels): neither a dense PSUs x cells array nor PSUs x columns ones are formed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import pairwise

import numpy as np
from scipy import sparse, special

from navpartner.codes import compact, first_rows
from navpartner.errors import DesignError

LONELY_PSU_RULES = ("fail", "remove", "certainty", "adjust", "average")


@dataclass(frozen=True)
class Calibration:
    """The calibration model, on the table of cells formed by the margin variables."""

    cell: np.ndarray  # per respondent: its cell
    model: np.ndarray  # cells x levels: each cell's dummy for every level of every margin
    gram_inverse: np.ndarray  # levels x levels: (X' D X)^+ with D the base weight per cell
    base: np.ndarray  # per respondent: base (pre-calibration) weight
    # levels x PSUs: sums of the final weights of each level's respondents in each PSU (a
    # PSU's share of the calibration fit is these times the fit's coefficients)
    margin_weights: np.ndarray


@dataclass(frozen=True)
class Design:
    weights: np.ndarray
    psu: np.ndarray  # per respondent: PSU index 0..n_psu-1, PSUs ordered by stratum
    stratum_of_psu: np.ndarray  # per PSU: stratum index (non-decreasing)
    psus_in_stratum: np.ndarray  # per stratum: number of PSUs in the design
    calibration: Calibration | None
    lonely_psu: str
    # per stratum: 1 - n_h/N_h, the finite population correction (1 without one)
    sampled_fraction_left: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    @property
    def n_psu(self) -> int:
        return len(self.stratum_of_psu)

    @cached_property
    def first_psu_of_stratum(self) -> np.ndarray:
        return np.cumsum(self.psus_in_stratum) - self.psus_in_stratum

    @cached_property
    def rows_by_psu(self) -> _RowsByPsu:
        return _RowsByPsu.of(self.psu, self.weights, self.n_psu)


@dataclass(frozen=True)
class _RowsByPsu:
    """The design's rows in PSU order (a PSU's rows keep their order) and where each PSU's rows
    start: per-PSU sums are formed a block of PSUs at a time, in the cache."""

    order: np.ndarray | None  # rows in PSU order; None where they already are
    psu: np.ndarray  # in PSU order: each row's PSU
    weights: np.ndarray  # in PSU order: each row's final weight
    start: np.ndarray  # per PSU, and one past the last: its first row in PSU order

    @classmethod
    def of(cls, psu: np.ndarray, weights: np.ndarray, n_psu: int) -> _RowsByPsu:
        start = np.concatenate([[0], np.cumsum(np.bincount(psu, minlength=n_psu))])
        if (psu[1:] >= psu[:-1]).all():
            return cls(None, psu, weights, start)
        order = np.argsort(psu, kind="stable")
        return cls(order, psu[order], weights[order], start)

    def rows(self, values: np.ndarray) -> np.ndarray:
        """Per-row values in PSU order."""
        return values if self.order is None else values[self.order]


# Per-PSU sums of a block: 1 MB of floats, which stay in the cache while they are turned into
# scores, calibrated, centred and squared.
_BLOCK_ELEMENTS = 1 << 17


def _blocks(design: Design, per_psu: int) -> Iterator[tuple[slice, slice]]:
    """Runs of whole strata of about _BLOCK_ELEMENTS / per_psu PSUs (a larger stratum alone),
    as (strata, PSUs) slices: a stratum's PSU totals are centred on their own mean."""
    starts = design.first_psu_of_stratum
    wanted = np.arange(0, design.n_psu, max(1, _BLOCK_ELEMENTS // per_psu))
    first_strata = np.unique(np.searchsorted(starts, wanted, side="right") - 1)
    bounds = [*first_strata, len(starts)]
    psu_bounds = [*starts[first_strata], design.n_psu]
    for (s0, s1), (p0, p1) in zip(pairwise(bounds), pairwise(psu_bounds), strict=True):
        yield slice(s0, s1), slice(p0, p1)


@dataclass(frozen=True)
class DomainEstimates:
    """Estimates by domain (and item and category, for `domain_shares`): arrays of one shape.

    `variance` is NaN where the domain has no respondents. `totals` holds the linearised score
    totals, PSUs x columns, a column per entry of `estimate` in C order; `variance` and
    `covariance` of any of its columns give the (co)variances of those estimates.
    """

    n: np.ndarray  # respondents in the domain (with an answer that counts)
    weight_sum: np.ndarray  # the domain's estimated population (sum of weights)
    estimate: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    n_rows: int  # rows of the design, which Korn-Graubard's t ratio uses as R does
    n_category: np.ndarray  # respondents in the domain in the category (for proportions: y = 1)
    totals: np.ndarray

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
    fpc: np.ndarray | None = None,
) -> Design:
    """A design from per-respondent arrays.

    psu, strata: labels of any kind (None: each respondent its own PSU; one stratum). PSU labels
    are nested in strata: the same label in two strata names two PSUs.
    margins: per calibration variable, each respondent's level code (0..k-1); None for weights
    used as fixed.
    fpc: per respondent, the population's number of PSUs in its stratum, as R's
    svydesign(fpc = ...): each stratum's variance is multiplied by 1 - n_h/N_h. None: sampling
    with replacement (no correction).
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if lonely_psu not in LONELY_PSU_RULES:
        raise DesignError(f"lonely_psu must be one of {LONELY_PSU_RULES}, not '{lonely_psu}'")
    if (weights <= 0).any() or not np.isfinite(weights).all():
        raise DesignError("weights must be positive and finite")
    stratum = _codes(strata, n)
    psu_label = _codes(psu, n) if psu is not None else np.arange(n)
    psu_of_row, stratum_of_psu = _psus_by_stratum(stratum, psu_label)
    calibration = None
    if margins is not None:
        base = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float)
        calibration = _calibration(margins, base, weights, psu_of_row, len(stratum_of_psu))
    psus_in_stratum = np.bincount(stratum_of_psu)
    return Design(
        weights=weights,
        psu=psu_of_row,
        stratum_of_psu=stratum_of_psu,
        psus_in_stratum=psus_in_stratum,
        calibration=calibration,
        lonely_psu=lonely_psu,
        sampled_fraction_left=None if fpc is None else _unsampled(fpc, stratum, psus_in_stratum),
    )


def _unsampled(fpc, stratum: np.ndarray, psus_in_stratum: np.ndarray) -> np.ndarray:
    """Per stratum 1 - n_h/N_h from the per-row population counts N_h."""
    fpc = np.asarray(fpc, dtype=float)
    population = np.full(len(psus_in_stratum), np.nan)
    population[stratum] = fpc
    if not (population[stratum] == fpc).all():
        raise DesignError("fpc: the population count differs within a stratum")
    short = ~(population >= psus_in_stratum)
    if short.any():
        at = int(np.flatnonzero(short)[0])
        raise DesignError(
            f"fpc: stratum {at} has {psus_in_stratum[at]} sampled PSUs but a population "
            f"count of {population[at]:g}"
        )
    return 1.0 - psus_in_stratum / population


def _codes(labels, n: int) -> np.ndarray:
    if labels is None:
        return np.zeros(n, dtype=np.intp)
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu" and labels.min() >= 0:
        return compact(labels)[1]
    return np.unique(labels, return_inverse=True)[1].ravel()


def _psus_by_stratum(stratum: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's PSU, and each PSU's stratum, PSUs ordered by (stratum, label code).

    label: compact codes 0..k-1. Where every label lies in one stratum (the usual case) the
    labels are the PSUs, reordered by stratum; otherwise (stratum, label) pairs are."""
    n_labels = int(label.max()) + 1
    stratum_of_label = stratum[first_rows(label, n_labels)]
    if (stratum_of_label[label] == stratum).all():
        order = np.argsort(stratum_of_label, kind="stable")
        rank = np.empty(n_labels, dtype=np.intp)
        rank[order] = np.arange(n_labels)
        return rank[label], stratum_of_label[order]
    first, psu = compact(stratum * n_labels + label)
    return psu, stratum[first]


def _calibration(margins, base, weights, psu, n_psu) -> Calibration:
    sizes = [int(codes.max()) + 1 for codes in margins]
    first, cell = compact(np.ravel_multi_index(np.stack(margins), sizes))
    n_cells = len(first)
    levels = [codes[first] for codes in margins]
    # Dummies for every level of every margin: rank-deficient, but the projection is unique.
    model = np.hstack([np.eye(size)[level] for size, level in zip(sizes, levels, strict=True)])
    cell_base = np.bincount(cell, base, minlength=n_cells)
    gram = model.T @ (model * cell_base[:, None])
    margin_weights = np.vstack(
        [
            np.bincount(
                np.asarray(codes, np.intp) * n_psu + psu, weights, minlength=size * n_psu
            ).reshape(size, n_psu)
            for size, codes in zip(sizes, margins, strict=True)
        ]
    )
    return Calibration(cell, model, np.linalg.pinv(gram, hermitian=True), base, margin_weights)


def domain_proportions(
    design: Design, positive: np.ndarray, domain: np.ndarray, n_domains: int
) -> DomainEstimates:
    """Weighted share of `positive` in each domain, with its linearised variance.

    positive: per respondent, 0 or 1; or respondents x outcomes for several outcomes in one
    call (results are then outcomes x domains). domain: per respondent, its domain
    0..n_domains-1, or -1 when it belongs to none (outside the population, or no valid answer);
    respondents x outcomes where the outcomes' domains differ (item nonresponse).
    """
    positive = np.asarray(positive)
    if positive.dtype.kind not in "iub":
        inside = np.asarray(domain) >= 0
        if inside.ndim < positive.ndim:
            inside = inside[:, None]  # one domain for every outcome
        values = np.where(inside, positive, 0)  # values outside the domains do not matter
        if not ((values == 0) | (values == 1)).all():
            raise DesignError("positive must be 0 or 1 for every respondent in a domain")
        positive = values.astype(np.int8)
    shares = domain_shares(design, positive, domain, n_domains, 2, categories=[1])
    return _without_category_axis(shares)


def domain_shares(
    design: Design,
    answers: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    n_categories: int,
    categories: list[int] | None = None,
    with_rest: bool = False,
    keep_totals: bool = True,
) -> DomainEstimates:
    """Weighted share of each answer category in each domain, for one item or several.

    answers: per respondent its category 0..n_categories-1 (any value outside the domains), or
    respondents x items. domain: per respondent 0..n_domains-1, or -1 for none (outside the
    population, or no answer that counts); shared by the items, or respondents x items.
    categories: the categories to report (default all); the shares are always of all answers
    in the domain. Results have shape (domains, categories), or (items, domains, categories)
    for several items; `totals` has one column per result, in that order. with_rest: each
    domain's results are followed by those of its rest (all other domains together): shape
    (domains, 2, categories), side 0 the domain, 1 its rest. keep_totals: False leaves
    `totals` None (they are PSUs x results large, and the variances do not need them).
    """
    wanted = _Wanted(keep_totals=keep_totals)
    layout = (n_domains, n_categories, categories, with_rest)
    return _shares(design, answers, domain, *layout, wanted)[0]


@dataclass(frozen=True)
class _Wanted:
    """What a call of `_shares` keeps or computes besides the estimates and their variances."""

    keep_totals: bool = False  # the PSU totals of the scores
    # (first, second) domain rows of a call of one item and one reported category: the
    # variance of each first one's estimate less its second's, and their df together
    differences: tuple[np.ndarray, np.ndarray] | None = None
    covariance: bool = False  # of all results


def _shares(
    design: Design,
    answers: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    n_categories: int,
    categories: list[int] | None,
    with_rest: bool,
    wanted: _Wanted,
) -> tuple[DomainEstimates, _Moments]:
    """`domain_shares`, and the moments of its scores that `wanted` asks for."""
    answers, domain = np.asarray(answers), np.asarray(domain)
    by_item = answers.reshape(len(answers), -1)
    domain_by_item = domain.reshape(len(domain), -1)
    if len(by_item) != design.n_rows or domain.shape not in (answers.shape, (design.n_rows,)):
        raise DesignError(
            f"answers {answers.shape} and domain {domain.shape} must have a row per "
            f"respondent of the design ({design.n_rows}), the domain one column or one per item"
        )
    layout = _Layout.of(design, n_domains, n_categories, categories, with_rest)
    # One contiguous row per item: each item's pass reads its answers in sequence.
    answers_by_item = np.ascontiguousarray(by_item.T)
    domains_by_item = np.ascontiguousarray(domain_by_item.T)
    parts = []
    for item, answer in enumerate(answers_by_item):
        if item < len(domains_by_item):  # a shared domain is coded once for all items
            slots = _DomainSlots.of(layout, domains_by_item[item])
        parts.append(_item_shares(design, layout, answer, slots))
    moments = _score_moments(design, layout, parts, wanted)
    shape = (n_domains, *((2,) if with_rest else ()), layout.n_reported)
    if answers.ndim == 2:
        shape = (by_item.shape[1], *shape)
    n = _stack([part.n for part in parts], shape)
    estimate = _stack([part.estimate for part in parts], shape)
    variance = moments.variance.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance * (n - 1) / (estimate * (1 - estimate))
    variance[n == 0] = np.nan
    shares = DomainEstimates(
        n=n,
        weight_sum=_stack([part.weight_sum for part in parts], shape),
        estimate=estimate,
        variance=variance,
        df=_stack(list(moments.df), shape),
        deff=deff,
        n_rows=design.n_rows,
        n_category=_stack([part.n_category for part in parts], shape),
        totals=None if moments.by_column is None else moments.by_column.T,
    )
    return shares, moments


def _stack(per_item: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """One field of every item, per domain or per (domain, category), in the result's shape."""
    rows = len(per_item[0])  # domain rows (with their rests)
    return np.stack(
        [np.broadcast_to(field.reshape(rows, -1), (rows, shape[-1])) for field in per_item]
    ).reshape(shape)


def _without_category_axis(shares: DomainEstimates) -> DomainEstimates:
    """Results of one reported category, shaped as their domains (and items)."""
    shaped = ("n", "weight_sum", "estimate", "variance", "df", "deff", "n_category")
    return replace(shares, **{name: getattr(shares, name)[..., 0] for name in shaped})


@dataclass(frozen=True)
class _ItemShares:
    """One item's shares by domain (domains x reported categories), and what its per-PSU score
    totals are formed from."""

    n: np.ndarray
    n_category: np.ndarray
    weight_sum: np.ndarray
    estimate: np.ndarray
    share: np.ndarray  # domain rows x all categories
    bin_by_psu: np.ndarray  # rows in PSU order: their (domain, category) bin
    coefficients: np.ndarray | None  # columns x margin levels: the scores' calibration fit


@dataclass(frozen=True)
class _Layout:
    """The (domain, category) bins of one call, and each row's bin offset by calibration cell,
    computed once for all items. The last domain bin collects the rows in no domain."""

    n_domains: int
    n_categories: int
    reported: slice | np.ndarray  # the reported categories (a slice copies nothing)
    cell_offset: np.ndarray | None
    with_rest: bool = False  # each domain followed by its rest (all the other domains)

    @classmethod
    def of(cls, design, n_domains, n_categories, categories, with_rest=False) -> _Layout:
        if categories is None:
            reported = slice(0, n_categories)
        elif len(categories) == 1:
            reported = slice(categories[0], categories[0] + 1)
        else:
            reported = np.asarray(categories)
        bins = (n_domains + 1) * n_categories
        cal = design.calibration
        cell_offset = None if cal is None else cal.cell * bins
        return cls(n_domains, n_categories, reported, cell_offset, with_rest)

    @property
    def bins(self) -> int:
        return (self.n_domains + 1) * self.n_categories

    @property
    def n_reported(self) -> int:
        return len(np.arange(self.n_categories)[self.reported])


@dataclass(frozen=True)
class _DomainSlots:
    """One domain column's bin of (domain, category 0) per row: an item's bins are these plus
    its answer codes, one addition per pass."""

    inside: np.ndarray | None  # rows in a domain; None where every row is
    slot: np.ndarray

    @classmethod
    def of(cls, layout: _Layout, domain: np.ndarray) -> _DomainSlots:
        inside = domain >= 0
        if inside.all():
            return cls(None, domain * layout.n_categories)
        return cls(inside, np.where(inside, domain, layout.n_domains) * layout.n_categories)


def _item_shares(design, layout: _Layout, answer, slots: _DomainSlots) -> _ItemShares:
    """One item's pass: counts and weight sums of each (domain, category), overall and (with
    calibration) by cell; its sums by PSU come a block at a time (`_score_moments`)."""
    # Answers outside the domains do not matter.
    code = answer if slots.inside is None else np.where(slots.inside, answer, 0)
    if code.min() < 0 or code.max() >= layout.n_categories:
        raise DesignError(
            f"answers must be category codes 0..{layout.n_categories - 1} for every respondent "
            "in a domain"
        )
    bins = slots.slot + code
    counts = _sides(_by_bin(np.bincount(bins, minlength=layout.bins), layout), layout)
    sums = _sides(_by_bin(np.bincount(bins, design.weights, minlength=layout.bins), layout), layout)
    weight_sum = sums.sum(axis=1)
    cal, coefficients = design.calibration, None
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sums / weight_sum[:, None]
        if cal is not None:
            cells = len(cal.model)
            cell_bins = layout.cell_offset + bins
            cell_sums = np.bincount(cell_bins, cal.base, minlength=cells * layout.bins)
            cell_sums = _sides(_by_bin(cell_sums.reshape(cells, -1).T, layout), layout)
            cell_scores = _score_totals(cell_sums, cell_sums.sum(axis=1), share, weight_sum, layout)
            coefficients = _calibration_fit(cal, cell_scores)
    return _ItemShares(
        n=counts.sum(axis=1),
        n_category=counts[:, layout.reported],
        weight_sum=weight_sum,
        estimate=share[:, layout.reported],
        share=share,
        bin_by_psu=design.rows_by_psu.rows(bins),
        coefficients=coefficients,
    )


@dataclass(frozen=True)
class _Moments:
    """A call's score moments: variances (columns), df (items x domain rows) and, as asked,
    the PSU totals (columns x PSUs), the variances of differences and the covariance."""

    variance: np.ndarray
    df: np.ndarray
    by_column: np.ndarray | None
    difference_variance: np.ndarray | None
    difference_df: np.ndarray | None  # PSUs with a member of either side less their strata
    covariance: np.ndarray | None


def _score_moments(
    design: Design, layout: _Layout, parts: list[_ItemShares], wanted: _Wanted
) -> _Moments:
    """The moments of the items' score totals by PSU, formed a block of whole strata at a
    time: a block's sums by PSU, their scores, calibration residuals and deviations stay in
    the cache, and the PSUs x columns totals are only kept when asked for. Columns x PSUs, so
    that every step runs along a block's PSUs."""
    rows, bins, cal = design.rows_by_psu, layout.bins, design.calibration
    width = parts[0].estimate.size
    columns = width * len(parts)
    by_column = np.empty((columns, design.n_psu)) if wanted.keep_totals else None
    variance = np.zeros(columns)
    df = np.zeros((len(parts), len(parts[0].n)), dtype=np.intp)
    differences = None if wanted.differences is None else np.zeros(len(wanted.differences[0]))
    difference_df = None if differences is None else np.zeros(len(differences), dtype=np.intp)
    covariance = np.zeros((columns, columns)) if wanted.covariance else None
    stratum_scale = _stratum_scale(design)
    # A domain without weight has no share: its scores are 0, not 0/0.
    no_weight = [np.repeat(~(part.weight_sum > 0), layout.n_reported) for part in parts]
    for strata, psus in _blocks(design, max(bins, columns)):
        block_rows = slice(rows.start[psus.start], rows.start[psus.stop])
        n_block = psus.stop - psus.start
        local_psu, weights = rows.psu[block_rows] - psus.start, rows.weights[block_rows]
        first_psus, scale = _first_psus(design, strata), _per_psu(design, stratum_scale, strata)
        scores = np.empty((columns, n_block)) if by_column is None else by_column[:, psus]
        for item, part in enumerate(parts):
            index = part.bin_by_psu[block_rows] * n_block + local_psu
            sums = np.bincount(index, weights, minlength=bins * n_block).reshape(bins, n_block)
            sums = _sides(_by_bin(sums, layout), layout)  # domain rows x categories x PSUs
            in_psu = sums.sum(axis=1)
            present = in_psu > 0
            df[item] += _block_df(present, first_psus)
            if difference_df is not None:
                first, second = wanted.differences
                difference_df += _block_df(present[first] | present[second], first_psus)
            item_scores = scores[item * width : (item + 1) * width]
            _score_totals(sums, in_psu, part.share, part.weight_sum, layout, out=item_scores)
            if cal is not None:
                item_scores -= part.coefficients @ cal.margin_weights[:, psus]
            if no_weight[item].any():
                item_scores[no_weight[item]] = 0.0
        if differences is not None:
            first, second = wanted.differences
            deviations = _deviations(design, scores[first] - scores[second], strata, True)
            differences += _squares(deviations) @ scale
        # The kept totals stay; otherwise the scores become their deviations.
        deviations = _deviations(design, scores, strata, in_place=by_column is None)
        if covariance is not None:
            covariance += (deviations * scale) @ deviations.T
        variance += _squares(deviations) @ scale
    return _Moments(variance, df, by_column, differences, difference_df, covariance)


def _block_df(present: np.ndarray, first_psus: np.ndarray) -> np.ndarray:
    """Per row of `present` (rows x a block's PSUs: a member there), the block's PSUs with a
    member less its strata with one."""
    strata_with = np.logical_or.reduceat(present, first_psus, axis=1)
    return present.sum(axis=1) - strata_with.sum(axis=1)


def _squares(values: np.ndarray) -> np.ndarray:
    """The values squared, in place."""
    return np.square(values, out=values)


def _by_bin(sums: np.ndarray, layout: _Layout) -> np.ndarray:
    """Sums by bin (bins x ...) as domains x categories x ..., the 'no domain' bin dropped."""
    return sums.reshape(layout.n_domains + 1, layout.n_categories, *sums.shape[1:])[:-1]


def _sides(sums: np.ndarray, layout: _Layout) -> np.ndarray:
    """Sums by (domain, category, ...) as they are or, with the layout's `with_rest`, by
    (domain and then its rest, category, ...): a rest's sums are all domains' less its own,
    so every domain's contrast with the rest comes from the one pass."""
    if not layout.with_rest:
        return sums
    rest = sums.sum(axis=0, keepdims=True) - sums
    return np.stack([sums, rest], axis=1).reshape(-1, *sums.shape[1:])


def _score_totals(sums, in_group, share, weight_sum, layout: _Layout, out=None) -> np.ndarray:
    """By group (PSU or cell): totals of the scores (1[answer = k] - p_k) / W of the domain
    members, weighted as `sums` (domain rows x categories x groups; in_group: summed over the
    categories) is; (domain rows x reported categories) x groups, into `out` if given."""
    reported = layout.reported
    totals = np.empty((len(sums), layout.n_reported, sums.shape[-1])) if out is None else out
    totals = totals.reshape(len(sums), layout.n_reported, sums.shape[-1])
    np.multiply(share[:, reported, None], in_group[:, None, :], out=totals)
    np.subtract(sums[:, reported], totals, out=totals)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty domain's scores: NaN
        totals *= (1 / weight_sum)[:, None, None]  # a product: faster than a division
    return totals.reshape(-1, sums.shape[-1])


def _calibration_fit(cal: Calibration, cell_scores: np.ndarray) -> np.ndarray:
    """Columns x margin levels: the coefficients of the scores' regression on the calibration
    dummies (weights: base), fitted from their base-weighted cell totals (columns x cells).
    Each respondent's fitted value times its final weight, summed by PSU (the coefficients
    times the margins' weights by PSU), is the part of the PSU's score totals the calibration
    variables explain."""
    return (np.nan_to_num(cell_scores) @ cal.model) @ cal.gram_inverse


def variance_of(design: Design, totals: np.ndarray) -> np.ndarray:
    """Per column of PSU score totals (PSUs x columns): the design variance of its estimate,
    the sum over strata of n_h/(n_h-1) times the squared deviations of the PSU totals."""
    by_column, scale = np.asarray(totals).T, _stratum_scale(design)
    variance = np.zeros(len(by_column))
    for strata, psus in _blocks(design, len(by_column)):
        variance += _sum_of_squares(design, by_column[:, psus], strata, scale)
    return variance


def covariance_of(design: Design, totals: np.ndarray) -> np.ndarray:
    """Columns x columns: the design covariance of the estimates whose PSU score totals are
    the columns of `totals` (e.g. two domains of `DomainEstimates.totals`, for a contrast)."""
    by_column, scale = np.asarray(totals).T, _stratum_scale(design)
    covariance = np.zeros((len(by_column), len(by_column)))
    for strata, psus in _blocks(design, len(by_column)):
        deviations = _deviations(design, by_column[:, psus], strata)
        covariance += (deviations * _per_psu(design, scale, strata)) @ deviations.T
    return covariance


def _sum_of_squares(design: Design, by_column: np.ndarray, strata: slice, scale) -> np.ndarray:
    """Per column of the PSU totals of a run of whole strata (columns x those PSUs): their
    scaled squared deviations from their stratum's mean, the run's part of the variance."""
    return _squares(_deviations(design, by_column, strata)) @ _per_psu(design, scale, strata)


def _stratum_scale(design: Design) -> np.ndarray:
    """Per stratum, the factor n_h/(n_h-1) of its squared deviations (with the lonely-PSU rule
    and the finite population correction)."""
    n_h = design.psus_in_stratum
    lonely = n_h == 1
    if lonely.any() and design.lonely_psu == "fail":
        raise DesignError(
            f"{int(lonely.sum())} stratum/strata have a single PSU; set lonely_psu to "
            f"one of {LONELY_PSU_RULES[1:]} to say how to treat them"
        )
    scale = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1, 1))
    if design.sampled_fraction_left is not None:
        scale = scale * design.sampled_fraction_left
    if design.lonely_psu == "average" and lonely.any():
        # As R: lonely strata contribute nothing and the rest are scaled up to all strata.
        kept = (~lonely).sum()
        scale = scale * (len(n_h) / kept if kept else np.nan)
    return scale


def _deviations(design: Design, by_column: np.ndarray, strata: slice, in_place=False):
    """PSU totals of a run of whole strata (columns x those PSUs) less their stratum's mean
    (in place: `by_column` becomes the deviations)."""
    n_h = design.psus_in_stratum[strata]
    centre = np.add.reduceat(by_column, _first_psus(design, strata), axis=1) / n_h
    if design.lonely_psu == "adjust":
        centre[:, n_h == 1] = 0.0  # as R: a lonely PSU deviates from the grand mean of scores, 0
    out = by_column if in_place else None
    return np.subtract(by_column, np.repeat(centre, n_h, axis=1), out=out)


def _first_psus(design: Design, strata: slice) -> np.ndarray:
    """Each stratum's first PSU, counted from the first PSU of the run `strata`."""
    first = design.first_psu_of_stratum[strata]
    return first - first[0]


def _per_psu(design: Design, per_stratum: np.ndarray, strata: slice) -> np.ndarray:
    return np.repeat(per_stratum[strata], design.psus_in_stratum[strata])


def logit_interval(est: DomainEstimates, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wald interval on the logit scale, t with the domain df: svyciprop(method = "logit").
    Where p is 0 or 1 the logit is infinite and the variance 0: the interval is the point,
    as R's diverging logistic fit gives it ([0, 0] and [1, 1] to 1e-11)."""
    p = est.estimate
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = special.stdtrit(_positive(est.df), 0.5 + level / 2)
        half = quantile * est.se / (p * (1 - p))
        centre = np.log(p / (1 - p))
        low, high = _expit(centre - half), _expit(centre + half)
    at_bound = ((p == 0) | (p == 1)) & ~np.isnan(quantile)
    return np.where(at_bound, p, low), np.where(at_bound, p, high)


def korn_graubard_interval(
    est: DomainEstimates, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Korn-Graubard interval under the NCHS data presentation standards for proportions
    (Parker et al. 2017), as Stata's kg_nchs (Ward 2019) and the NCHS SAS macro compute it.

    The effective sample size p(1-p)/var may not exceed the domain's respondents n (a design
    effect below 1, which a small domain in few PSUs often shows by chance, is taken as 1; n
    where p is 0 or 1), and is then df-adjusted by (t_{n-1} / t_df)^2. (The NCHS SAS macro caps
    after the adjustment instead, min(n, n_eff (t_{n-1} / t_df)^2), which is narrower where the
    design effect is below 1 and df < n - 1.) R's svyciprop(method = "beta") has no cap:
    `beta_interval`.
    """
    return korn_graubard_bounds(est.estimate, est.variance, est.df, est.n, est.n, level, cap=est.n)


def beta_interval(est: DomainEstimates, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson at the df-adjusted effective sample size, exactly R's
    svyciprop(method = "beta"): the t ratio's n is the rows of the design (for a domain that
    is the whole design, as domains are never subset), and the effective size is not capped.
    Where p is 0 or 1 the variance is 0 and R gives NaN; here the effective size falls back to
    the domain's respondents, giving the exact one-sided Clopper-Pearson bound at that n."""
    rows = np.full(np.shape(est.n), est.n_rows)
    return korn_graubard_bounds(est.estimate, est.variance, est.df, est.n, rows, level)


def korn_graubard_bounds(p, variance, df, respondents, t_rows, level=0.95, cap=None):
    """Clopper-Pearson bounds at n* = min(p(1-p)/variance, cap) * (t_{t_rows-1} / t_df)^2;
    where the variance is 0, n* starts from the respondents."""
    p, variance, df = (np.asarray(a, dtype=float) for a in (p, variance, df))
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(variance > 0, p * (1 - p) / variance, respondents)
        if cap is not None:
            n_eff = np.minimum(n_eff, cap)
        ratio = special.stdtrit(t_rows - 1, alpha / 2) / special.stdtrit(_positive(df), alpha / 2)
        n_eff = np.where(np.asarray(t_rows) > 1, n_eff * ratio**2, n_eff)
        x = n_eff * p
        low = np.where(x > 0, special.betaincinv(x, n_eff - x + 1, alpha / 2), 0.0)
        high = np.where(n_eff - x > 0, special.betaincinv(x + 1, n_eff - x, 1 - alpha / 2), 1.0)
    undefined = np.isnan(p) | ~(df > 0)
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
        quantile = special.stdtrit(df, 0.5 + level / 2)
        p_value = 2 * special.stdtr(df, -np.abs(diff / se))
    return Difference(diff, se, df, diff - quantile * se, diff + quantile * se, p_value)


# Contrasts of domains and tests of association, on the per-PSU score totals of `domain_shares`:
# the variance of any linear combination of estimates of one design is the variance of the
# same combination of their totals' columns.


@dataclass(frozen=True)
class Contrast:
    """Per compared domain: its estimate, the reference's (the rest, or a reference domain),
    and their difference (domain - reference)."""

    estimate: np.ndarray
    estimate_reference: np.ndarray
    difference: Difference


def differences_from_rest(
    design: Design,
    answers: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    n_categories: int,
    category: int,
    level: float = 0.95,
) -> Contrast:
    """Each domain's share of `category` against the rest of the domains together; the t
    reference has the two sides' Welch-Satterthwaite df (`contrast_df`). One pass for all
    domains (`domain_shares` with_rest): a rest's sums are the total's less the domain's, and
    each difference's variance comes from the same PSU totals."""
    sides = np.arange(2 * n_domains).reshape(n_domains, 2).T
    layout = (n_domains, n_categories, [category], True)
    both, moments = _shares(design, answers, domain, *layout, _Wanted(differences=sides))
    df = contrast_df(
        (both.variance[:, 0, 0], both.df[:, 0, 0]),
        (both.variance[:, 1, 0], both.df[:, 1, 0]),
        moments.difference_df,  # a domain and its rest: all domains together
    )
    estimate, rest = both.estimate[:, 0, 0], both.estimate[:, 1, 0]
    diff = _t_difference(estimate - rest, moments.difference_variance, np.asarray(df, float), level)
    return Contrast(estimate, rest, diff)


def differences_from_reference(
    design: Design,
    answers: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    n_categories: int,
    category: int,
    reference: int,
    level: float = 0.95,
) -> Contrast:
    """Each domain's share of `category` against the reference domain's (that domain itself
    included, with difference 0); the t reference has the pair's `contrast_df`."""
    pairs = (np.arange(n_domains), np.full(n_domains, reference))
    layout = (n_domains, n_categories, [category], False)
    shares, moments = _shares(design, answers, domain, *layout, _Wanted(differences=pairs))
    variance, own_df = shares.variance[:, 0], shares.df[:, 0]
    joint = moments.difference_df  # each domain and the reference together
    df = contrast_df((variance, own_df), (variance[reference], own_df[reference]), joint)
    estimate = shares.estimate[:, 0]
    reference_estimate = np.full(n_domains, estimate[reference])
    diff = _t_difference(
        estimate - reference_estimate, moments.difference_variance, np.asarray(df, float), level
    )
    return Contrast(estimate, reference_estimate, diff)


def contrast_df(first, second, joint) -> np.ndarray:
    """Degrees of freedom of a contrast of two domains of one design: Welch-Satterthwaite
    (Satterthwaite 1946) from each side's (variance, df), at most `joint`, the df of the two
    domains together. A small side's variance is estimated from its few PSUs only; the df of
    both sides together would overstate how well the contrast's variance is known, and the
    interval under-covers (tests/validation/coverage.py). Where neither side varies: `joint`.
    """
    (v1, df1), (v2, df2) = first, second
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (v1 + v2) ** 2 / (v1**2 / df1 + v2**2 / df2)
    return np.where(np.isnan(df), joint, np.minimum(df, joint))


def psu_totals(design: Design, values: np.ndarray) -> np.ndarray:
    """PSUs x k sums of per-respondent values (rows x k), e.g. weighted influence functions."""
    index = (design.psu[:, None] * values.shape[1] + np.arange(values.shape[1])).ravel()
    sums = np.bincount(index, values.ravel(), minlength=design.n_psu * values.shape[1])
    return sums.reshape(design.n_psu, values.shape[1])


def _t_difference(diff, variance, df, level) -> Difference:
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(variance)
        quantile = special.stdtrit(_positive(df), 0.5 + level / 2)
        p_value = 2 * special.stdtr(_positive(df), -np.abs(diff / se))
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
    replicates: Replicates | None = None,
) -> AssociationTest:
    """Rao-Scott second-order corrected Pearson test of independence of row and column within
    a domain, as R's svychisq(statistic = "F"): F = X^2 / tr(Delta) on (d0, d0 * nu) df,
    d0 = tr(Delta)^2 / tr(Delta^2), Delta the design effect matrix of the interaction contrasts.

    row, column: per respondent codes; domain: boolean (who is tabulated). nu, the design df,
    is the domain's (PSUs with members less strata with members), as R for a subset of a
    design without calibration (R counts every PSU of a calibrated design). With `replicates`
    the cell shares' covariance is the replicates' (R's svychisq on a replicate design); nu
    stays the design's (R takes the rank of the replicate weights less one).
    """
    inside = np.asarray(domain, dtype=bool)
    cell = np.asarray(row) * n_columns + column  # outside the domain, any value does
    layout = (1, n_rows * n_columns, None, False)
    wanted = _Wanted(covariance=replicates is None)
    shares, moments = _shares(design, cell, np.where(inside, 0, -1), *layout, wanted)
    table = shares.estimate[0].reshape(n_rows, n_columns)
    rows_seen, columns_seen = table.sum(axis=1) > 0, table.sum(axis=0) > 0
    kept = np.outer(rows_seen, columns_seen).ravel()
    table = table[rows_seen][:, columns_seen]
    r, c = table.shape
    if r < 2 or c < 2:
        return AssociationTest(np.nan, np.nan, np.nan, np.nan)
    if replicates is None:
        variance = moments.covariance[np.ix_(kept, kept)]
    else:
        cells = replicate_category_shares(
            replicates, cell, np.where(inside, 0, -1), 1, n_rows * n_columns
        )
        variance = replicate_covariance(replicates, cells[:, 0, kept], table.ravel())
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    pearson = ((table - expected) ** 2 / expected).sum()  # X^2 / N
    contrasts = _interaction_contrasts(r, c)
    shares_seen = table.ravel()
    # As R: a cell with no weight gets 0, not 1/0, in the inverse of diag(p).
    inverse = np.divide(1.0, shares_seen, out=np.zeros_like(shares_seen), where=shares_seen > 0)
    weighted = contrasts * inverse[:, None]
    delta = np.linalg.solve(contrasts.T @ weighted, weighted.T @ variance @ weighted)
    trace = np.trace(delta)
    d0 = trace**2 / np.trace(delta @ delta)
    nu = float(shares.df[0, 0])  # the domain's PSUs with members less their strata
    statistic = pearson / trace
    return AssociationTest(statistic, d0, d0 * nu, special.fdtrc(d0, d0 * nu, statistic))


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


@dataclass(frozen=True)
class Replicates:
    """Replicate weights (respondents x replicates) and how their estimates make a variance."""

    weights: np.ndarray
    scale: float  # R's `scale`: 1 / (replicates - 1) for the Rao-Wu bootstrap
    full_sample_centre: bool  # R's mse = TRUE: deviations from the full-sample estimate

    @classmethod
    def bootstrap(cls, weights: np.ndarray, full_sample_centre: bool = False) -> Replicates:
        weights = np.asarray(weights, dtype=float)
        return cls(weights, 1.0 / (weights.shape[1] - 1), full_sample_centre)


def replicate_variance(
    replicates: Replicates, estimates: np.ndarray, full_sample: np.ndarray
) -> np.ndarray:
    """Variance of any statistic from its replicate estimates (replicates x ...), as R's
    svrVar: scale times the sum of squared deviations from the replicates' mean or, with
    full_sample_centre, from the full-sample estimate."""
    estimates = np.asarray(estimates, dtype=float)
    centre = full_sample if replicates.full_sample_centre else estimates.mean(axis=0)
    return replicates.scale * ((estimates - centre) ** 2).sum(axis=0)


def replicate_covariance(
    replicates: Replicates, estimates: np.ndarray, full_sample: np.ndarray
) -> np.ndarray:
    """Covariance matrix (k x k) of k statistics from their replicate estimates (replicates x
    k), as R's svrVar gives it for a vector statistic (e.g. svymean of several columns)."""
    estimates = np.asarray(estimates, dtype=float)
    centre = full_sample if replicates.full_sample_centre else estimates.mean(axis=0)
    deviations = estimates - centre
    return replicates.scale * deviations.T @ deviations


def replicate_domain_sums(
    replicates: Replicates, positive: np.ndarray, domain: np.ndarray, n_domains: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each replicate's weighted count of `positive` and weighted total in each domain, both
    domains x replicates; the shares, and shares of unions of domains, are their ratios."""
    domain = np.asarray(domain)
    inside = domain >= 0
    rows = replicates.weights[inside]
    membership = sparse.csr_matrix(
        (np.ones(int(inside.sum())), (domain[inside], np.arange(int(inside.sum())))),
        shape=(n_domains, int(inside.sum())),
    )
    positives = membership @ (rows * np.asarray(positive, dtype=float)[inside, None])
    return positives, membership @ rows


def replicate_domain_shares(
    replicates: Replicates, positive: np.ndarray, domain: np.ndarray, n_domains: int
) -> np.ndarray:
    """Each replicate's weighted share of `positive` in each domain (replicates x domains).

    positive, domain: as for domain_proportions (domain -1: in no domain). A domain with no
    replicate weight in a replicate (all its PSUs left out) has no share there: NaN."""
    positives, totals = replicate_domain_sums(replicates, positive, domain, n_domains)
    return _ratio(positives, totals).T


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def replicate_category_shares(
    replicates: Replicates, answers: np.ndarray, domain: np.ndarray, n_domains: int, n_categories
) -> np.ndarray:
    """Each replicate's share of every category in each domain: replicates x domains x
    categories (answers: category codes 0..n_categories-1, as for domain_shares)."""
    answers = np.asarray(answers)
    return np.stack(
        [
            replicate_domain_shares(replicates, answers == category, domain, n_domains)
            for category in range(n_categories)
        ],
        axis=2,
    )


def replicate_shares(
    shares: DomainEstimates,
    replicates: Replicates,
    answers: np.ndarray,
    domain: np.ndarray,
) -> DomainEstimates:
    """`domain_shares` (domains x categories) with variances, and so SEs and design effects,
    from replicate weights; estimates and degrees of freedom stay the design's."""
    n_domains, n_categories = shares.estimate.shape
    by_replicate = replicate_category_shares(replicates, answers, domain, n_domains, n_categories)
    variance = replicate_variance(replicates, by_replicate, shares.estimate)
    variance[shares.n == 0] = np.nan
    p = shares.estimate
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance * (shares.n - 1) / (p * (1 - p))
    return replace(shares, variance=variance, deff=deff)


def replicate_contrast(
    contrast: Contrast,
    replicates: Replicates,
    positive: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    reference: int | None,
    level: float = 0.95,
) -> Contrast:
    """A contrast from `differences_from_rest` (reference None) or `differences_from_reference`
    with the difference's variance from replicate weights: each replicate's difference of the
    domain's share and the rest's (or the reference domain's). Estimates and df stay."""
    positives, totals = replicate_domain_sums(replicates, positive, domain, n_domains)
    share = _ratio(positives, totals)
    if reference is None:
        other = _ratio(positives.sum(axis=0) - positives, totals.sum(axis=0) - totals)
    else:
        other = np.broadcast_to(share[reference], share.shape)
    diff = contrast.difference
    variance = replicate_variance(replicates, (share - other).T, diff.estimate)
    return replace(contrast, difference=_t_difference(diff.estimate, variance, diff.df, level))


def replicate_proportions(
    est: DomainEstimates, replicates: Replicates, positive: np.ndarray, domain: np.ndarray
) -> DomainEstimates:
    """Domain proportions (from domain_proportions) with their variance, and so SE and design
    effect, from replicate weights; estimates and degrees of freedom stay the design's."""
    shares = replicate_domain_shares(replicates, positive, domain, len(est.estimate))
    variance = replicate_variance(replicates, shares, est.estimate)
    variance[est.n == 0] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance * (est.n - 1) / (est.estimate * (1 - est.estimate))
    return replace(est, variance=variance, deff=deff)
