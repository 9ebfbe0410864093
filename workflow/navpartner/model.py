"""Explanatory models: a survey-weighted logistic regression of an indicator's positive answer on
respondent characteristics (statsmodels GLM for the coefficients), with design-based standard
errors from the estimation core.

SE convention, that of R's svyglm (checked against it in tests/test_model.py): the sandwich
A^-1 B A^-1, B the with-replacement variance of the PSU totals of the estimating functions
w x (y - mu) within strata, n_h/(n_h - 1) per stratum, no (N-1)/(N-K) factor; t reference with
the design df less the non-intercept terms (PSUs - strata - K + 1). Each survey wave is a
stratum of the pooled design (independent samples), crossed with the survey's own strata where
its design has them. The weights enter as fixed (as svyglm on a design without calibration).

With estimation.variance: bootstrap the covariance is the replicates' instead, as svyglm on a
replicate design: the model refitted with each replicate's weights (from the full-sample
coefficients), svrVar of the replicate coefficients. The pooled waves' replicates are stacked
replicate by replicate (independent draws of independent samples). The t reference keeps the
design df above (R takes the rank of the replicate weights less one, plus one, less K).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from navpartner.errors import InputError
from navpartner.estimate import (
    Replicates,
    covariance_of,
    make_design,
    psu_totals,
    replicate_covariance,
)
from navpartner.indicators import (
    classify_answers,
    population_psus,
    read_replicates,
    read_survey_wave,
    require_psus_within_strata,
)
from navpartner.io import write_csv
from navpartner.weighting import replicate_columns

POOLED = "respondent_group"  # the term naming the indicator each pooled row comes from


def model_data(config: dict, name: str, read: Callable[[str, int], pd.DataFrame]) -> pd.DataFrame:
    """Rows of every wave of the model's indicators: y (0/1), weight, cluster and the terms;
    with estimation.fpc: frame, `fpc`, the municipalities of the row's stratum in its wave's
    frame (as the shares' design has them).

    read(survey, wave) gives a wave's harmonised respondents with their weights and, under
    bootstrap variance, their replicate weights (columns `replicate_0001`, ...), which the rows
    keep.
    """
    spec = config["models"][name]
    variables = [t for t in spec["terms"] if t not in ("wave", POOLED)]
    parts = []
    for indicator_name in spec["indicators"]:
        indicator = config["indicators"][indicator_name]
        survey = indicator["survey"]
        design = config["surveys"][survey].get("design", {})
        cluster = design.get("cluster", "respondent_id")
        stratum = design.get("strata")
        for wave in sorted(int(w) for w in config["surveys"][survey]["waves"]):
            data = read(survey, wave)
            if data[indicator["item"]].isna().all():
                continue  # not asked this wave
            answers = classify_answers(config, indicator_name, data, f"{survey} {wave}")
            keep = answers.valid
            require_psus_within_strata(config, survey, data)
            population = population_psus(config, survey, data)
            parts.append(
                pd.DataFrame(
                    {
                        "y": answers.positive[keep],
                        "weight": data.loc[keep, "weight"].to_numpy(),
                        "cluster": f"{survey}:{wave}:" + data.loc[keep, cluster].astype(str),
                        "stratum": f"{survey}:{wave}"
                        + ("" if stratum is None else ":" + data.loc[keep, stratum].astype(str)),
                        "wave": str(wave),
                        POOLED: indicator_name,
                        **{v: data.loc[keep, v].to_numpy() for v in variables},
                        **{c: data.loc[keep, c].to_numpy() for c in _replicates_in(data)},
                        **({} if population is None else {"fpc": population[keep]}),
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    incomplete = frame[spec["terms"]].isna().any(axis=1)
    if incomplete.any():
        first = frame.loc[incomplete, spec["terms"]].iloc[0]
        raise InputError(
            "(model data)",
            f"model '{name}': {int(incomplete.sum())} rows lack a term's value",
            variable=str(first[first.isna()].index[0]),
            expected="every term known for every respondent in the model",
        )
    return frame


def fit_model(config: dict, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Weighted logistic regression with cluster-robust errors, as a tidy coefficient table."""
    spec = config["models"][name]
    level = config["estimation"]["confidence_level"]
    design = pd.concat(
        [pd.Series(1.0, index=frame.index, name="intercept")]
        + [_dummies(term, spec.get("reference", {}), frame) for term in spec["terms"]],
        axis=1,
    )
    y, weights = frame["y"].to_numpy(float), frame["weight"].to_numpy(float)
    model = GLM(y, design, family=families.Binomial(), var_weights=weights)
    fitted = model.fit(tol=1e-13, maxiter=100)  # to the last digits R is checked at
    coefficients = fitted.params.to_numpy()
    covariance, df = _design_covariance(config, frame, design.to_numpy(), y, weights, fitted)
    dropped = 0
    if config["estimation"]["variance"] == "bootstrap":
        covariance, dropped = _replicate_covariance(
            config, name, frame, design.to_numpy(), coefficients
        )
    se = np.sqrt(np.diag(covariance))
    quantile = stats.t.ppf(0.5 + level / 2, df)
    return pd.DataFrame(
        {
            "model": name,
            "term": design.columns,
            "estimate": coefficients,
            "std_error": se,
            "statistic": coefficients / se,
            "df": df,
            "p_value": 2 * stats.t.sf(np.abs(coefficients / se), df),
            "conf_low": coefficients - quantile * se,
            "conf_high": coefficients + quantile * se,
            "odds_ratio": np.exp(coefficients),
            "odds_ratio_low": np.exp(coefficients - quantile * se),
            "odds_ratio_high": np.exp(coefficients + quantile * se),
            "n": len(frame),
            "clusters": frame["cluster"].nunique(),
            "strata": frame["stratum"].nunique(),
            "replicates_dropped": dropped,
        }
    )


def _design_covariance(config, frame, x, y, weights, fitted) -> tuple[np.ndarray, float]:
    """svyglm's sandwich: influence functions w x (y - mu) A^-1 summed by PSU, their stratified
    with-replacement covariance (each stratum's times 1 - n/N with the rows' `fpc`, as svyglm
    on a design with fpc); and the residual design df."""
    mu = np.asarray(fitted.fittedvalues)
    bread = np.linalg.inv(x.T @ (x * (weights * mu * (1 - mu))[:, None]))
    influence = (x * (weights * (y - mu))[:, None]) @ bread
    design = make_design(
        weights,
        psu=frame["cluster"].to_numpy(str),
        strata=frame["stratum"].to_numpy(str),
        lonely_psu=config["estimation"]["lonely_psu"],
        fpc=frame["fpc"].to_numpy(float) if "fpc" in frame else None,
    )
    covariance = covariance_of(design, psu_totals(design, influence))
    df = design.n_psu - len(design.psus_in_stratum) - x.shape[1] + 1
    return covariance, float(df)


def _replicates_in(data: pd.DataFrame) -> list[str]:
    return [column for column in data.columns if column.startswith("replicate_")]


def _replicate_covariance(config, name, frame, x, coefficients) -> tuple[np.ndarray, int]:
    """svrVar of the coefficients refitted with each replicate's weights, and how many
    replicates were dropped from it.

    A replicate that leaves a term without weight (every PSU of a level's respondents left out)
    cannot estimate that term: R's svyglm gives NA there and svrVar drops the replicate
    (na.omit; the scale stays 1/(R-1)). So do we, and the model table counts them. A replicate
    whose refit has no finite maximum because a level's respondents all answer alike
    (separation) is dropped too: R keeps the coefficient where glm.fit's iterations stopped,
    an artefact that would swamp the variance."""
    bootstrap = config["estimation"]["bootstrap"]
    columns = replicate_columns(bootstrap["replicates"])
    if _replicates_in(frame) != columns:
        raise InputError(
            "(model data)",
            f"model '{name}': estimation.variance is bootstrap but the rows lack their "
            "replicate weights",
            expected=f"columns {columns[0]}..{columns[-1]}",
            found=f"{len(_replicates_in(frame))} replicate columns",
        )
    replicates = Replicates.bootstrap(
        frame[columns].to_numpy(float), full_sample_centre=bootstrap["centre"] == "full_sample"
    )
    y = frame["y"].to_numpy(float)
    refits = [_refit(x, y, weights, coefficients) for weights in replicates.weights.T]
    kept = np.array([refit for refit in refits if refit is not None]).reshape(-1, x.shape[1])
    if len(kept) < 2:
        raise InputError(
            "(model data)",
            f"model '{name}': too few bootstrap replicates can estimate every term",
            expected="at least 2 replicates whose refit has a finite maximum",
            found=f"{len(kept)} of {len(columns)}",
        )
    return replicate_covariance(replicates, kept, coefficients), len(columns) - len(kept)


def _refit(x, y, weights, start, tolerance=1e-12, iterations=100) -> np.ndarray | None:
    """Weighted logistic regression by Newton's method (IRLS) from `start`, as glm.fit; None
    where the likelihood has no finite maximum: a term without weight (aliased) or whose
    respondents all answer alike (separation: the iterations do not settle)."""
    if np.linalg.matrix_rank(x[weights > 0]) < x.shape[1]:
        return None
    weights = weights / weights.sum()
    beta = start
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(iterations):
            mu = special.expit(x @ beta)
            try:
                step = np.linalg.solve(
                    x.T @ (x * (weights * mu * (1 - mu))[:, None]), x.T @ (weights * (y - mu))
                )
            except np.linalg.LinAlgError:
                return None
            if not np.isfinite(step).all():
                return None
            beta = beta + step
            if np.max(np.abs(step)) < tolerance * (1 + np.max(np.abs(beta))):
                return beta
    return None


def _dummies(term: str, reference: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Treatment coding: one 0/1 column per level other than the reference (default: first)."""
    levels = sorted(frame[term].astype(str).unique())
    base = str(reference.get(term, levels[0]))
    if base not in levels:
        raise InputError(
            "(model data)",
            f"reference level '{base}' of '{term}' does not occur",
            variable=term,
            expected=f"one of {levels}",
        )
    values = frame[term].astype(str)
    return pd.DataFrame(
        {f"{term}[{level}]": (values == level).astype(float) for level in levels if level != base}
    )


def fit_model_files(config: dict, name: str, files: dict, output: str) -> pd.DataFrame:
    """Read the waves a model needs ({(survey, wave): (harmonised, weights, replicates or
    None)}), fit, write."""

    @functools.cache  # pooled indicators of one survey read each wave once
    def read(survey: str, wave: int) -> pd.DataFrame:
        harmonised, weights, replicates = files[survey, wave]
        data = read_survey_wave(harmonised, weights)
        if replicates is None:
            return data
        matrix = read_replicates(replicates, data, config).weights
        columns = replicate_columns(matrix.shape[1])
        return pd.concat([data, pd.DataFrame(matrix, columns=columns, index=data.index)], axis=1)

    table = fit_model(config, name, model_data(config, name, read))
    write_csv(table, output)
    return table
