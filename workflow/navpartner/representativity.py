"""Representativity of the response: the R-indicator and its partial indicators (Schouten,
Cobben & Bethlehem 2009; Schouten, Shlomo & Skinner 2011), from the frame's cell counts.

Everyone in the frame was invited, so the frame's cells (the weighting variables crossed) and
their respondents are all there is to know about who answered. Response propensities are the
fitted values of a logistic regression of response on the weighting variables' main effects,
fitted to the cells by maximum likelihood. Then, with N the frame's size and rho-bar = r/N:

- R = 1 - 2 S(rho), S the standard deviation of the propensities over the frame (divisor N-1):
  1 when everyone was as likely to answer, lower the more the response depends on the
  variables;
- the unconditional partial indicator of a variable Z, P_U(Z) = sqrt(sum_k N_k (rho_k -
  rho-bar)^2 / N), the between-category spread of the propensities, and of a category k,
  P_U(Z, k) = sqrt(N_k / N) (rho_k - rho-bar), negative where the category answered less.
  rho_k, the category's mean propensity, is its response rate r_k / N_k (a main-effects fit
  meets every category's count).

Standard errors by a parametric bootstrap of the response: respondents redrawn in every cell
from its fitted propensity (binomial), the model refitted, the indicators recomputed; the SD
over the draws.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from navpartner.errors import InputError


def r_indicators(
    frame: np.ndarray,
    respondents: np.ndarray,
    levels: dict[str, np.ndarray],
    draws: int = 200,
    seed: int = 2009,
) -> list[dict]:
    """Rows (indicator, variable, category, value, se) for the frame's cells.

    frame, respondents: per cell, its frame count and its respondents; levels: per variable,
    each cell's category (labels)."""
    frame, respondents = np.asarray(frame, float), np.asarray(respondents, float)
    model = _main_effects(levels)
    propensity = _propensities(frame, respondents, model)
    point = _indicators(frame, propensity, levels)
    rng = np.random.default_rng(seed)
    replicated = [
        _indicators(
            frame,
            _propensities(frame, rng.binomial(frame.astype(np.int64), propensity), model),
            levels,
        )
        for _ in range(draws)
    ]
    if draws < 2:
        spread = np.full(len(point), np.nan)
    else:
        values = np.array([[value for _, value in draw] for draw in replicated])
        spread = values.std(axis=0, ddof=1)
    return [
        {**key, "value": value, "se": se} for (key, value), se in zip(point, spread, strict=True)
    ]


def _main_effects(levels: dict[str, np.ndarray]) -> np.ndarray:
    """Cells x terms: an intercept and a dummy per category of each variable but its first."""
    columns = [np.ones(len(next(iter(levels.values()))))]
    for values in levels.values():
        categories = np.unique(values)
        columns += [(values == category).astype(float) for category in categories[1:]]
    return np.column_stack(columns)


def _propensities(frame, respondents, model, iterations=100, tolerance=1e-12) -> np.ndarray:
    """Per cell, the fitted response propensity (binomial logistic regression, Newton)."""
    beta = np.zeros(model.shape[1])
    beta[0] = special.logit(min(max(respondents.sum() / frame.sum(), 1e-6), 1 - 1e-6))
    for _ in range(iterations):
        rho = special.expit(model @ beta)
        hessian = model.T @ (model * (frame * rho * (1 - rho))[:, None])
        step = np.linalg.lstsq(hessian, model.T @ (respondents - frame * rho), rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < tolerance * (1 + np.max(np.abs(beta))):
            break
    return special.expit(model @ beta)


def _indicators(frame, rho, levels) -> list[tuple[dict, float]]:
    """The R-indicator and the partial indicators of the cells' fitted propensities."""
    total = frame.sum()
    mean = (frame * rho).sum() / total
    spread = np.sqrt((frame * (rho - mean) ** 2).sum() / (total - 1))
    rows = [({"indicator": "R", "variable": "", "category": ""}, 1 - 2 * spread)]
    for variable, values in levels.items():
        categories = np.unique(values)
        index = np.searchsorted(categories, values)
        size = np.bincount(index, frame)
        category_mean = np.bincount(index, frame * rho) / size
        partial = np.sqrt(size / total) * (category_mean - mean)
        rows.append(
            (
                {"indicator": "partial_unconditional", "variable": variable, "category": ""},
                float(np.sqrt((partial**2).sum())),
            )
        )
        rows += [
            (
                {"indicator": "partial_unconditional", "variable": variable, "category": str(c)},
                float(value),
            )
            for c, value in zip(categories, partial, strict=True)
        ]
    return rows


def cell_table(population, respondents, variables: list[str], source: str):
    """Frame counts and respondents per cell of the weighting variables, in the margins file's
    cells; a respondent in a cell the frame lacks is named."""
    counted = respondents.groupby(variables).size().rename("respondents")
    table = population.set_index(variables)["count"].to_frame().join(counted, how="outer")
    outside = table["count"].isna()
    if outside.any():
        cell = dict(zip(variables, table.index[outside][0], strict=True))
        raise InputError(
            source,
            "respondents in a cell the margins file does not list",
            variable=", ".join(variables),
            expected="a population count for every cell with respondents",
            found=cell,
        )
    table = table.fillna({"respondents": 0}).reset_index()
    over = np.flatnonzero(table["respondents"] > table["count"])
    if over.size:
        row = table.iloc[over[0]]
        cell = {variable: row[variable] for variable in variables}
        raise InputError(
            source,
            "more respondents than the frame counts in a cell",
            variable="count",
            line=_line_of(population, cell),
            expected=f"at most {row['count']:g} respondents in {cell}",
            found=int(row["respondents"]),
        )
    return table


def _line_of(population, cell: dict) -> int | None:
    """The margins file's line of a cell, where the table carries its lines."""
    lines = population.attrs.get("lines")
    if lines is None:
        return None
    match = np.logical_and.reduce([population[v].to_numpy() == value for v, value in cell.items()])
    return int(np.asarray(lines)[np.flatnonzero(match)[0]])
