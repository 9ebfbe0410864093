"""Explanatory models: a survey-weighted logistic regression of an indicator's positive answer on
respondent characteristics, with standard errors robust to clustering (statsmodels GLM).

The weights enter as fixed pseudo-likelihood weights (as R's svyglm on a design without
calibration); the cluster-robust covariance is statsmodels' with its small-sample factor
G/(G-1) * (N-1)/(N-K).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import statsmodels.api as sm

from navpartner.errors import InputError
from navpartner.indicators import classify_answers, read_survey_wave
from navpartner.io import write_csv

POOLED = "respondent_group"  # the term naming the indicator each pooled row comes from


def model_data(config: dict, name: str, read: Callable[[str, int], pd.DataFrame]) -> pd.DataFrame:
    """Rows of every wave of the model's indicators: y (0/1), weight, cluster and the terms.

    read(survey, wave) gives a wave's harmonised respondents with their weights.
    """
    spec = config["models"][name]
    variables = [t for t in spec["terms"] if t not in ("wave", POOLED)]
    parts = []
    for indicator_name in spec["indicators"]:
        indicator = config["indicators"][indicator_name]
        survey = indicator["survey"]
        cluster = config["surveys"][survey].get("design", {}).get("cluster", "respondent_id")
        for wave in sorted(int(w) for w in config["surveys"][survey]["waves"]):
            data = read(survey, wave)
            if data[indicator["item"]].isna().all():
                continue  # not asked this wave
            answers = classify_answers(config, indicator_name, data, f"{survey} {wave}")
            keep = answers.valid
            parts.append(
                pd.DataFrame(
                    {
                        "y": answers.positive[keep],
                        "weight": data.loc[keep, "weight"].to_numpy(),
                        "cluster": f"{survey}:{wave}:" + data.loc[keep, cluster].astype(str),
                        "wave": str(wave),
                        POOLED: indicator_name,
                        **{v: data.loc[keep, v].to_numpy() for v in variables},
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
    clusters = pd.factorize(frame["cluster"])[0]
    with warnings.catch_warnings():
        # statsmodels warns generically about var_weights with a robust covariance; for this
        # binomial model the result equals R's svyglm (tests/test_model.py checks it).
        warnings.filterwarnings("ignore", message="cov_type not fully supported")
        fitted = sm.GLM(
            frame["y"].to_numpy(),
            design,
            family=sm.families.Binomial(),
            var_weights=frame["weight"],
        ).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    interval = fitted.conf_int(alpha=1 - level)
    return pd.DataFrame(
        {
            "model": name,
            "term": design.columns,
            "estimate": fitted.params.to_numpy(),
            "std_error": fitted.bse.to_numpy(),
            "statistic": fitted.tvalues.to_numpy(),
            "p_value": fitted.pvalues.to_numpy(),
            "conf_low": interval[0].to_numpy(),
            "conf_high": interval[1].to_numpy(),
            "odds_ratio": np.exp(fitted.params.to_numpy()),
            "n": len(frame),
            "clusters": int(clusters.max()) + 1,
        }
    )


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
    """Read the waves a model needs ({(survey, wave): (harmonised, weights)}), fit, write."""

    @functools.cache  # pooled indicators of one survey read each wave once
    def read(survey: str, wave: int) -> pd.DataFrame:
        return read_survey_wave(*files[survey, wave])

    table = fit_model(config, name, model_data(config, name, read))
    write_csv(table, output)
    return table
