"""Raking (iterative proportional fitting) to known margins, trimming, weight diagnostics, and
the Rao-Wu rescaling bootstrap's replicate factors.

Arrays in, arrays out: no I/O, no config. Raking runs on the table of cells formed by the margin
variables, so the respondents are touched twice whatever the iteration count: one bincount to
aggregate the weights into cells, one gather to apply each cell's factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from navpartner.codes import compact
from navpartner.errors import WeightingError


@dataclass(frozen=True)
class Margin:
    name: str
    codes: np.ndarray  # per respondent: index into levels
    levels: tuple[str, ...]
    targets: np.ndarray  # population count per level


@dataclass
class RakeResult:
    weights: np.ndarray
    iterations: int
    trimmed: int
    max_relative_error: float


def rake(
    base: np.ndarray,
    margins: list[Margin],
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    bounds: tuple[float, float] | None = None,
    max_trim_rounds: int = 50,
) -> RakeResult:
    """Weights that reproduce every margin's targets (largest relative error < tolerance).

    With `bounds` (absolute lower, upper), weights outside them are set to the bound and held
    there while the others are raked again, until all lie within the bounds and the margins hold.
    """
    base = np.asarray(base, dtype=float)
    _check_margins(base, margins)
    weights, fixed = base.copy(), np.zeros(len(base), dtype=bool)
    total_iterations = 0
    for _ in range(max_trim_rounds):
        weights, iterations = _rake_free(weights, fixed, margins, tolerance, max_iterations)
        total_iterations += iterations
        if bounds is None:
            break
        outside = ~fixed & ((weights < bounds[0]) | (weights > bounds[1]))
        if not outside.any():
            break
        weights[outside] = np.clip(weights[outside], *bounds)
        fixed |= outside
    else:
        raise WeightingError(f"trimming to {bounds} did not settle in {max_trim_rounds} rounds")
    return RakeResult(
        weights, total_iterations, int(fixed.sum()), _max_relative_error(weights, margins)
    )


def relative_bounds(weights: np.ndarray, lower: float, upper: float) -> tuple[float, float]:
    """Bounds as multiples of the median weight."""
    median = float(np.median(weights))
    return lower * median, upper * median


def _check_margins(base: np.ndarray, margins: list[Margin]) -> None:
    if (base <= 0).any() or not np.isfinite(base).all():
        raise WeightingError("base weights must be positive and finite")
    totals = {m.name: float(np.sum(m.targets)) for m in margins}
    first = next(iter(totals.values()))
    for name, total in totals.items():
        if not np.isclose(total, first, rtol=1e-9):
            raise WeightingError(
                f"margin '{name}' totals {total:g}, but margin "
                f"'{margins[0].name}' totals {first:g}: targets must agree"
            )
    for margin in margins:
        counts = np.bincount(margin.codes, minlength=len(margin.levels))
        empty = [
            level
            for level, n, t in zip(margin.levels, counts, margin.targets, strict=True)
            if n == 0 and t > 0
        ]
        if empty:
            raise WeightingError(
                f"margin '{margin.name}' level '{empty[0]}' has no respondents "
                "but a population count: collapse it with a neighbour"
            )


def _rake_free(weights, fixed, margins, tolerance, max_iterations):
    """Rake the rows not held fixed so that free + fixed weights meet every margin."""
    free = None if not fixed.any() else ~fixed  # None: every row (no copies of the rows)
    sizes = [len(m.levels) for m in margins]
    cell_of_row = np.ravel_multi_index([m.codes for m in margins], sizes)
    free_cells = cell_of_row if free is None else cell_of_row[free]
    free_weights = weights if free is None else weights[free]
    first, inverse = compact(free_cells)
    cell_weight = np.bincount(inverse, free_weights, minlength=len(first))
    cell_codes = np.unravel_index(free_cells[first], sizes)
    targets = []
    for margin, level_of_cell in zip(margins, cell_codes, strict=True):
        held = np.bincount(margin.codes[fixed], weights[fixed], minlength=len(margin.levels))
        remaining = margin.targets - held
        if (remaining < 0).any():
            level = margin.levels[int(np.argmin(remaining))]
            raise WeightingError(
                f"margin '{margin.name}' level '{level}': trimmed weights "
                "alone exceed its target; the bounds are too tight"
            )
        free_weight = np.bincount(level_of_cell, cell_weight, minlength=len(margin.levels))
        stuck = (free_weight == 0) & (remaining > margin.targets * 1e-12)
        if stuck.any():
            level = margin.levels[int(np.flatnonzero(stuck)[0])]
            raise WeightingError(
                f"margin '{margin.name}' level '{level}': every respondent is "
                "held at a bound and the target is not met; widen the bounds"
            )
        targets.append(remaining)

    factor = np.ones(len(first))
    for iterations in range(1, max_iterations + 1):
        for level_of_cell, target in zip(cell_codes, targets, strict=True):
            achieved = np.bincount(level_of_cell, cell_weight * factor, minlength=len(target))
            factor *= _ratio(target, achieved)[level_of_cell]
        error = max(
            _relative_error(np.bincount(level, cell_weight * factor, minlength=len(t)), t)
            for level, t in zip(cell_codes, targets, strict=True)
        )
        if error < tolerance:
            if free is None:
                return weights * factor[inverse], iterations
            raked = weights.copy()
            raked[free] = free_weights * factor[inverse]
            return raked, iterations
    raise WeightingError(
        f"raking did not converge in {max_iterations} iterations: "
        + _worst_level(margins, cell_codes, cell_weight * factor, targets)
    )


def _worst_level(margins, cell_codes, cell_weight, targets) -> str:
    """The margin level furthest from its target, as the message of a raking that did not
    converge: margins whose cells the respondents cannot meet together (e.g. classes counted
    with other bounds than the data's), or trim bounds too tight."""
    worst = (-1.0, "", "", 0.0, 0.0)
    for margin, level_of_cell, target in zip(margins, cell_codes, targets, strict=True):
        achieved = np.bincount(level_of_cell, cell_weight, minlength=len(target))
        errors = np.abs(achieved - target) / np.where(target > 0, target, 1.0)
        at = int(np.argmax(errors))
        if errors[at] > worst[0]:
            held = margin.targets[at] - target[at]  # the weights of rows held at a bound
            total = (achieved[at] + held, margin.targets[at])
            worst = (float(errors[at]), margin.name, margin.levels[at], *total)
    error, name, level, achieved, target = worst
    return (
        f"margin '{name}' level '{level}' reaches {achieved:,.1f} against its target "
        f"{target:,.1f} (relative error {error:.3g}); check that the margins' cells are those "
        "the respondents are classed into, and the trim bounds"
    )


def _ratio(target: np.ndarray, achieved: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(achieved > 0, target / achieved, 1.0)


def _relative_error(achieved: np.ndarray, target: np.ndarray) -> float:
    scale = np.where(target > 0, target, 1.0)
    return float(np.max(np.abs(achieved - target) / scale))


def _max_relative_error(weights: np.ndarray, margins: list[Margin]) -> float:
    return max(
        _relative_error(np.bincount(m.codes, weights, minlength=len(m.levels)), m.targets)
        for m in margins
    )


def summary(weights: np.ndarray) -> dict[str, float]:
    """Distribution and efficiency of a set of weights (Kish's design effect from weighting)."""
    n, total = len(weights), float(weights.sum())
    cv = float(weights.std() / weights.mean())
    return {
        "n": n,
        "sum_weights": total,
        "min_weight": float(weights.min()),
        "median_weight": float(np.median(weights)),
        "max_weight": float(weights.max()),
        "cv": cv,
        "deff_kish": 1.0 + cv**2,  # = n * sum(w^2) / sum(w)^2
        "effective_n": total**2 / float(np.square(weights).sum()),
    }


def rao_wu_factors(
    stratum_of_psu: np.ndarray, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicate factors of the Rao-Wu rescaling bootstrap, PSUs x replicates.

    In each stratum of n_h PSUs, every replicate draws n_h - 1 PSUs with replacement; a PSU's
    factor is the times it was drawn times n_h / (n_h - 1). These are the factors of R's
    `as.svrepdesign(type = "subbootstrap")`, whose variance is the sum of squared deviations of
    the replicate estimates divided by (replicates - 1). stratum_of_psu: codes 0..H-1.
    """
    stratum_of_psu = np.asarray(stratum_of_psu)
    factors = np.empty((len(stratum_of_psu), replicates))
    for stratum in np.unique(stratum_of_psu):
        members = np.flatnonzero(stratum_of_psu == stratum)
        n_h = len(members)
        if n_h < 2:
            raise WeightingError(
                f"stratum {stratum} has a single PSU: the bootstrap needs at least two "
                "PSUs in every stratum (merge the stratum with a neighbour)"
            )
        draws = rng.integers(0, n_h, size=(replicates, n_h - 1))
        counts = np.zeros((replicates, n_h))
        np.add.at(counts, (np.arange(replicates)[:, None], draws), 1.0)
        factors[members] = counts.T * (n_h / (n_h - 1))
    return factors


def rake_replicate(
    base: np.ndarray,
    factor: np.ndarray,
    margins: list[Margin],
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> np.ndarray:
    """One replicate's weights: base x factor raked again to the margins (0 where factor = 0).

    Raking only, as R's calibrate() does for each replicate of a replicate design. Trimming is
    not repeated: resampling PSUs moves raking adjustments well past the full sample's bounds
    (up to 12 x the median on the default data), and holding them there leaves some replicates
    without a solution.
    """
    drawn = factor > 0
    kept = [Margin(m.name, m.codes[drawn], m.levels, m.targets) for m in margins]
    weights = np.zeros(len(base))
    weights[drawn] = rake(base[drawn] * factor[drawn], kept, tolerance, max_iterations).weights
    return weights
