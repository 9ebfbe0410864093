"""Indicators: the config's definitions turned into calls of the estimation core, one wave at a
time, then stacked across waves with the change between consecutive waves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from navpartner.errors import ConfigError, InputError
from navpartner.estimate import (
    Design,
    Replicates,
    beta_interval,
    difference_independent,
    domain_proportions,
    korn_graubard_interval,
    logit_interval,
    make_design,
    replicate_proportions,
)
from navpartner.geo import read_municipality_frame, read_regions, region_of, size_class
from navpartner.io import parquet_metadata, sha256_of, write_csv, write_json, write_parquet

ESTIMATE_COLUMNS = [
    "indicator",
    "survey",
    "wave",
    "breakdown",
    "group",
    "n",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "df",
    "method",
    "population_estimate",
    "variance",
    "estimate_unweighted",
]
# korn_graubard: the NCHS standard's (effective size at most the respondents); beta: R's
# svyciprop(method = "beta"), uncapped; logit: svyciprop(method = "logit").
INTERVALS = {
    "korn_graubard": korn_graubard_interval,
    "beta": beta_interval,
    "logit": logit_interval,
}


def survey_indicators(config: dict, survey: str) -> dict[str, dict]:
    return {k: v for k, v in config["indicators"].items() if v["survey"] == survey}


def read_survey_wave(harmonised: str, weights: str) -> pd.DataFrame:
    """Harmonised respondents with their weights; every respondent must have exactly one."""
    respondents = pd.read_parquet(harmonised)
    weight_table = pd.read_parquet(weights)
    merged = respondents.merge(weight_table, on="respondent_id", how="left", validate="1:1")
    missing = merged["weight"].isna()
    if missing.any() or len(weight_table) != len(respondents):
        row = int(np.flatnonzero(missing.to_numpy())[0]) if missing.any() else len(respondents)
        raise InputError(
            weights,
            "weights and harmonised respondents do not match one to one",
            variable="respondent_id",
            row=row,
            expected=f"one weight for each of the {len(respondents)} respondents in {harmonised}",
            found=f"{len(weight_table)} weights",
        )
    return merged


def survey_design(config: dict, survey: str, data: pd.DataFrame) -> Design:
    """The design the variance honours: clusters, strata and (optionally) the raking margins."""
    spec = config["surveys"][survey]
    settings = config["estimation"]
    cluster, strata = spec.get("design", {}).get("cluster"), spec.get("design", {}).get("strata")
    require_psus_within_strata(config, survey, data)
    margins = None
    # bootstrap: the design gives the estimates and df; every variance is the replicates'.
    if settings["variance"] == "calibrated":
        margins = [
            pd.factorize(data[variable], sort=True)[0] for variable in spec["weighting"]["margins"]
        ]
    return make_design(
        data["weight"].to_numpy(float),
        psu=None if cluster is None else data[cluster].to_numpy(str),
        strata=None if strata is None else data[strata].to_numpy(str),
        margins=margins,
        fpc=population_psus(config, survey, data),
        base_weights=data["base_weight"].to_numpy(float),
        lonely_psu=settings["lonely_psu"],
    )


def require_psus_within_strata(config: dict, survey: str, data: pd.DataFrame) -> None:
    """Each cluster (PSU) lies within one stratum. R's svydesign refuses a cluster found in two
    strata unless told nest = TRUE, and the design config has no such option: counting each part
    as a PSU of its own would understate the SEs of a design whose strata cut through PSUs."""
    design = config["surveys"][survey].get("design", {})
    cluster, strata = design.get("cluster"), design.get("strata")
    if cluster is None or strata is None:
        return
    strata_per_psu = data.groupby(cluster, observed=True)[strata].nunique()
    crossing = strata_per_psu.index[strata_per_psu > 1]
    if crossing.empty:
        return
    psu = crossing[0]
    found = sorted(data.loc[data[cluster] == psu, strata].astype(str).unique())
    raise ConfigError(
        f"surveys.{survey}.design: in {survey} {data['wave'].iat[0]} the clusters ({cluster}) "
        f"are not nested in the strata ({strata}): PSUs in more than one stratum: "
        f"{len(crossing)} of {len(strata_per_psu)}, e.g. {cluster} {psu} in {strata} {found}. "
        f"There is no nest option; stratify by a variable constant within each {cluster}, or "
        "drop strata"
    )


# The municipality-level variables a frame gives, which can stratify a design whose PSU is the
# municipality when the finite population correction is taken from the frame.
FRAME_STRATA = ("fylkesnummer", "region", "size_class")


def population_psus(config: dict, survey: str, data: pd.DataFrame) -> np.ndarray | None:
    """With estimation.fpc: frame, each respondent's stratum's number of municipalities in the
    wave's frame (the population's PSUs, R's svydesign(fpc = ...)); None without a correction.

    Every municipality of the frame was invited, so the design is a census of PSUs with
    nonresponse; counting the PSUs with respondents as sampled from the frame's is the one-stage
    view of it (the staff within a municipality are not a sample, so no second stage)."""
    if config["estimation"].get("fpc", "none") == "none":
        return None
    if config["estimation"]["variance"] == "bootstrap":
        raise ConfigError(
            "estimation.fpc: frame corrects the linearised variance; the Rao-Wu replicates of "
            "estimation.variance: bootstrap have no such correction (set fpc: none)"
        )
    design = config["surveys"][survey].get("design", {})
    wave = int(data["wave"].iat[0])
    if design.get("cluster") != "kommunenummer" or design.get("strata", "region") not in (
        FRAME_STRATA
    ):
        raise ConfigError(
            f"estimation.fpc is frame, but {survey} {wave} is clustered by "
            f"'{design.get('cluster')}' and stratified by '{design.get('strata')}': the frame "
            f"counts municipalities (design.cluster: kommunenummer, strata one of {FRAME_STRATA})"
        )
    path = config["surveys"][survey]["waves"][wave]["municipalities"]
    frame = municipality_strata(config, read_municipality_frame(path))
    strata = design.get("strata")
    if strata is None:
        return np.full(len(data), float(len(frame)))
    counts = frame[strata].value_counts()
    sampled = data.groupby(strata)["kommunenummer"].nunique()
    for stratum, psus in sampled.items():
        found = counts.get(stratum, 0)
        if found < psus:
            raise InputError(
                path,
                f"{survey} {wave}: stratum '{stratum}' of '{strata}' has respondents in {psus} "
                "municipalities, more than the frame lists",
                variable=strata,
                expected=f"at least {psus} municipalities in stratum '{stratum}'",
                found=int(found),
            )
    return data[strata].map(counts).to_numpy(float)


def municipality_strata(config: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each municipality's region and size class, as records get them."""
    size = config["geography"]["municipality_size"]
    return frame.assign(
        region=region_of(frame["fylkesnummer"], read_regions(config["geography"]["regions"])),
        size_class=size_class(frame["population"], size["lower_bounds"], size["labels"]),
    )


@dataclass(frozen=True)
class Answers:
    """Per respondent, for one indicator: who it is about, who answered, and who counts."""

    in_population: np.ndarray
    answered: np.ndarray
    dont_know: np.ndarray
    valid: np.ndarray  # in the denominator, by the indicator's don't-know rule
    positive: np.ndarray  # 0/1


def classify_answers(config: dict, name: str, data: pd.DataFrame, source: str) -> Answers:
    """Apply an indicator's definition to one wave's respondents.

    `source` names the data in errors (an empty population, no valid answer)."""
    indicator = config["indicators"][name]
    in_population = _population(indicator, data, name, source)
    answers = data[indicator["item"]].astype("Float64")
    answered = in_population & answers.notna().to_numpy()
    dont_know = answered & (answers == config["dont_know_code"]).fillna(False).to_numpy()
    valid = answered & ~dont_know if indicator["dont_know"] == "exclude" else answered
    if not valid.any():
        raise InputError(
            source,
            f"indicator '{name}' has no valid answers among its respondents",
            variable=indicator["item"],
            expected="at least one substantive answer",
        )
    positive = answers.isin(indicator["positive"]).fillna(False).to_numpy(float)
    return Answers(in_population, answered, dont_know, valid, positive)


def estimate_indicator(
    config: dict,
    name: str,
    data: pd.DataFrame,
    design: Design,
    source: str,
    replicates: Replicates | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Estimates of one indicator in one wave for all its breakdowns, and its row account.

    With `replicates`, variances (and so SEs, intervals, design effects) are replicate
    variances; points and degrees of freedom are the design's."""
    indicator = config["indicators"][name]
    answers = classify_answers(config, name, data, source)
    account = {
        "respondents": len(data),
        "in_population": int(answers.in_population.sum()),
        "not_answered": int((answers.in_population & ~answers.answered).sum()),
        "dont_know": int(answers.dont_know.sum()),
        "dont_know_rule": indicator["dont_know"],
        "used": int(answers.valid.sum()),
    }
    tables = [
        _breakdown_table(
            config, breakdown, data, design, answers.positive, answers.valid, replicates
        )
        for breakdown in indicator["breakdowns"]
    ]
    return pd.concat(tables, ignore_index=True).assign(indicator=name), account


def _population(indicator: dict, data: pd.DataFrame, name: str, source: str) -> np.ndarray:
    selected = np.ones(len(data), dtype=bool)
    for variable, values in indicator["respondents"].items():
        selected &= data[variable].isin(values).fillna(False).to_numpy()
    if not selected.any():
        raise InputError(
            source,
            f"indicator '{name}' selects no respondents (empty population)",
            variable=", ".join(indicator["respondents"]),
            expected=str(indicator["respondents"]),
        )
    return selected


def _breakdown_table(
    config, breakdown, data, design, positive, valid, replicates=None
) -> pd.DataFrame:
    if breakdown == "total":
        groups, codes = np.array(["total"]), np.zeros(len(data), dtype=np.intp)
    else:
        codes, groups = pd.factorize(data[breakdown], sort=True)
        groups = np.asarray(groups, dtype=str)
    domain = np.where(valid & (codes >= 0), codes, -1)
    est = domain_proportions(design, positive, domain, len(groups))
    if replicates is not None:
        est = replicate_proportions(est, replicates, positive, domain)
    inside = domain >= 0
    positives = np.bincount(domain[inside], positive[inside], minlength=len(groups))
    level = config["estimation"]["confidence_level"]
    shared = {
        "breakdown": breakdown,
        "group": groups,
        "n": est.n,
        "estimate": est.estimate,
        "se": est.se,
        "deff": est.deff,
        "df": est.df,
        "population_estimate": est.weight_sum,
        "variance": est.variance,
        "estimate_unweighted": positives / np.maximum(est.n, 1),
    }
    tables = []
    for method, interval in INTERVALS.items():
        low, high = interval(est, level)
        tables.append(pd.DataFrame({**shared, "ci_low": low, "ci_high": high, "method": method}))
    table = pd.concat(tables, ignore_index=True)
    return table[table["n"] > 0]


def read_replicates(path: str, data: pd.DataFrame, config: dict) -> Replicates:
    """Replicate weights in the order of the respondents in `data`."""
    table = pd.read_parquet(path)
    if not table["respondent_id"].equals(data["respondent_id"].reset_index(drop=True)):
        raise InputError(
            path,
            "replicate weights and respondents do not match row for row",
            variable="respondent_id",
            expected=f"the {len(data)} respondents of the weights file, in its order",
            found=f"{len(table)} rows",
        )
    centre = config["estimation"]["bootstrap"]["centre"]
    return Replicates.bootstrap(
        table.drop(columns="respondent_id").to_numpy(float),
        full_sample_centre=centre == "full_sample",
    )


@dataclass(frozen=True)
class SurveyWave:
    """One survey wave ready to estimate from: respondents with weights, the design, and the
    replicate weights where the variance is bootstrap."""

    data: pd.DataFrame
    design: Design
    replicates: Replicates | None


def load_survey_wave(
    config: dict, survey: str, harmonised: str, weights: str, replicates: str | None = None
) -> SurveyWave:
    """replicates: the survey wave's replicate weights file, required when the variance is
    bootstrap."""
    data = read_survey_wave(harmonised, weights)
    return SurveyWave(
        data, survey_design(config, survey, data), replicates_for(config, replicates, data)
    )


def estimate_survey_wave(
    config: dict,
    survey: str,
    wave: int,
    harmonised: str,
    weights: str,
    output: str,
    audit: str,
    replicates: str | None = None,
    loaded: SurveyWave | None = None,
) -> pd.DataFrame:
    """Every indicator of one survey wave; the audit says who was used and who was left out.

    loaded: the survey wave as load_survey_wave read it from these files, if already read."""
    loaded = loaded or load_survey_wave(config, survey, harmonised, weights, replicates)
    data, design, replicate_weights = loaded.data, loaded.design, loaded.replicates
    tables, accounts = [], {}
    for name, indicator in survey_indicators(config, survey).items():
        if data[indicator["item"]].isna().all():
            accounts[name] = {"skipped": f"item '{indicator['item']}' not asked in {wave}"}
            continue
        table, accounts[name] = estimate_indicator(
            config, name, data, design, harmonised, replicate_weights
        )
        tables.append(table)
    columns = [c for c in ESTIMATE_COLUMNS if c not in ("survey", "wave")]
    result = (
        pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    )
    result.insert(1, "survey", survey)
    result.insert(2, "wave", wave)
    write_parquet(result, output)
    write_json(
        {
            "step": "indicators_estimate",
            "function": f"{estimate_indicator.__module__}.{estimate_indicator.__qualname__}",
            "survey": survey,
            "wave": wave,
            "inputs": {path: sha256_of(path) for path in (harmonised, weights, replicates) if path},
            "source_file_label": parquet_metadata(harmonised).get("source_file_label", ""),
            "variance": config["estimation"]["variance"],
            "design": config["surveys"][survey].get("design", {}),
            "psus": design.n_psu,
            "indicators": accounts,
            "rows_out": len(result),
            "output": output,
        },
        audit,
    )
    return result


def replicates_for(config: dict, path: str | None, data: pd.DataFrame) -> Replicates | None:
    if config["estimation"]["variance"] != "bootstrap":
        return None
    if path is None:
        raise ConfigError(
            "estimation.variance is bootstrap: the estimates need the replicate weights "
            "file (--replicates)"
        )
    return read_replicates(path, data, config)


def reliability_flags(table: pd.DataFrame, thresholds: dict) -> pd.DataFrame:
    """Flags after the NCHS standards for proportions (Parker et al. 2017): effective sample
    size p(1-p)/var, at most the respondents (a design effect below 1 counts as 1; the
    respondents where the variance is 0, at p = 0 or 1), df, and the interval's width."""
    p, variance, n = table["estimate"], table["variance"], table["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        n_effective = np.minimum(np.where(variance > 0, p * (1 - p) / variance, n), n)
    flags = {
        "n_effective": n_effective,
        "flag_low_n_effective": n_effective < thresholds["min_effective_n"],
        "flag_low_df": table["df"] < thresholds["min_df"],
        "flag_wide_interval": (table["ci_high"] - table["ci_low"])
        >= thresholds["max_interval_width"],
    }
    flagged = flags["flag_low_n_effective"] | flags["flag_low_df"] | flags["flag_wide_interval"]
    return table.assign(**flags, flagged=flagged)


def combine_estimates(
    config: dict, inputs: list[str], parquet: str, csv: str, differences: str
) -> pd.DataFrame:
    """Stack every wave's estimates and add the change between consecutive waves."""
    estimates = pd.concat([pd.read_parquet(path) for path in inputs], ignore_index=True)
    unknown = sorted(set(estimates["indicator"]) - set(config["indicators"]))
    if unknown:
        raise ConfigError(f"estimates hold indicator '{unknown[0]}', which the config lacks")
    estimates = estimates.sort_values(
        ["indicator", "breakdown", "group", "wave", "method"], kind="stable", ignore_index=True
    )
    estimates = reliability_flags(estimates, config["estimation"]["reliability"])
    write_parquet(estimates, parquet)
    write_csv(estimates, csv)
    write_csv(wave_differences(estimates, config["estimation"]["confidence_level"]), differences)
    return estimates


def _paired(point: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    return point.assign(
        wave_from=earlier["wave"],
        estimate_from=earlier["estimate"],
        var_from=earlier["variance"],
        df_from=earlier["df"],
    )


def wave_differences(estimates: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """later - earlier for each indicator, breakdown and group: every pair of consecutive waves,
    and first to last where there are three waves or more."""
    point = estimates.drop_duplicates(["indicator", "breakdown", "group", "wave"])
    keys = ["indicator", "breakdown", "group"]
    point = point.sort_values([*keys, "wave"])
    groups = point.groupby(keys, sort=False)
    consecutive = _paired(point, groups.shift(1))
    position, size = groups.cumcount(), groups["wave"].transform("size")
    spans = _paired(point, groups.transform("first"))[(position == size - 1) & (size >= 3)]
    pairs = pd.concat([consecutive, spans]).sort_values([*keys, "wave", "wave_from"])
    pairs = pairs[pairs["wave_from"].notna()]
    diff = difference_independent(
        (
            pairs["estimate_from"].to_numpy(),
            pairs["var_from"].to_numpy(),
            pairs["df_from"].to_numpy(),
        ),
        (pairs["estimate"].to_numpy(), pairs["variance"].to_numpy(), pairs["df"].to_numpy()),
        level,
    )
    return pd.DataFrame(
        {
            "indicator": pairs["indicator"].to_numpy(),
            "breakdown": pairs["breakdown"].to_numpy(),
            "group": pairs["group"].to_numpy(),
            "wave_from": pairs["wave_from"].astype(int).to_numpy(),
            "wave_to": pairs["wave"].to_numpy(),
            "estimate_from": pairs["estimate_from"].to_numpy(),
            "estimate_to": pairs["estimate"].to_numpy(),
            "difference": diff.estimate,
            "se": diff.se,
            "ci_low": diff.ci_low,
            "ci_high": diff.ci_high,
            "df": diff.df,
            "p_value": diff.p_value,
        }
    )
