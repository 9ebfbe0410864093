"""Findings beyond one share per cell: answer distributions, group contrasts within a wave, the
Rao-Scott test per breakdown, contrasts across surveys and waves, the false discovery rate over
all published tests, reliability flags and response rates. Each survey wave's design gives the
within-wave results; the combined step adds the between-sample contrasts and the adjustment.

Part of the estimation stage (beside `indicators`): config and files in, calls of the
`estimate` core, tidy tables out.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from navpartner.errors import InputError
from navpartner.estimate import (
    Replicates,
    benjamini_hochberg,
    difference_independent,
    differences_from_reference,
    differences_from_rest,
    domain_shares,
    rao_scott_f,
    replicate_contrast,
    replicate_shares,
)
from navpartner.indicators import (
    INTERVALS,
    SurveyWave,
    classify_answers,
    load_survey_wave,
    reliability_flags,
    survey_indicators,
)
from navpartner.io import write_csv, write_parquet

DISTRIBUTION_COLUMNS = [
    "indicator",
    "survey",
    "wave",
    "breakdown",
    "group",
    "category",
    "n",
    "n_category",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "method",
    "unanswered",
    "estimate_unweighted",
]
CONTRAST_COLUMNS = [
    "kind",
    "indicator",
    "indicator_reference",
    "survey",
    "wave",
    "wave_reference",
    "breakdown",
    "group",
    "reference",
    "estimate",
    "estimate_reference",
    "difference",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "method",
]
ASSOCIATION_COLUMNS = [
    "indicator",
    "survey",
    "wave",
    "breakdown",
    "statistic",
    "df_numerator",
    "df_denominator",
    "p_value",
    "p_adjusted",
]
WITHIN = "linearised"  # a difference of two domains of one design, with their covariance
WITHIN_REPLICATES = "replicates"  # the same, its variance from the replicate weights
BETWEEN = "independent_samples"  # two surveys or two waves: variances add, Welch df


def _groups(data: pd.DataFrame, breakdown: str) -> tuple[np.ndarray, np.ndarray]:
    """Each respondent's group code (-1: unknown) and the group names, as the indicators do."""
    if breakdown == "total":
        return np.zeros(len(data), dtype=np.intp), np.array(["total"])
    codes, groups = pd.factorize(data[breakdown], sort=True)
    return codes, np.asarray(groups, dtype=str)


def distributions(config, name, data, design, source, replicates=None) -> pd.DataFrame:
    """Weighted shares of every category of the item's scale and of "vet ikke" among those in
    the indicator's population who answered, by breakdown group (domains of the full design);
    with `replicates` (bootstrap variance), their variances are the replicates'."""
    indicator = config["indicators"][name]
    item = indicator["item"]
    scale = config["scales"][config["items"][item]["scale"]]
    categories = np.array([*sorted(int(code) for code in scale), config["dont_know_code"]])
    answers = classify_answers(config, name, data, source)
    values = data[item].astype("Float64").fillna(-1).to_numpy(float)
    position = np.searchsorted(categories, values)
    known = position < len(categories)
    known[known] = categories[position[known]] == values[known]
    stray = answers.answered & ~known
    if stray.any():
        row = int(np.flatnonzero(stray)[0])
        raise InputError(
            source,
            "answer outside the item's scale",
            variable=item,
            row=row,
            expected=f"one of {categories.tolist()}",
            found=values[row],
        )
    level = config["estimation"]["confidence_level"]
    method = config["estimation"]["interval"]
    tables = []
    for breakdown in indicator["breakdowns"]:
        codes, groups = _groups(data, breakdown)
        domain = np.where(answers.answered & (codes >= 0), codes, -1)
        # Every category of the scale in one pass: shares (groups x categories) with SEs.
        shares = domain_shares(
            design, position, domain, len(groups), len(categories), keep_totals=False
        )
        if replicates is not None:
            shares = replicate_shares(shares, replicates, position, domain)
        low, high = INTERVALS[method](shares, level)
        members = answers.in_population & ~answers.answered & (codes >= 0)
        unanswered = np.bincount(codes[members], minlength=len(groups))
        with np.errstate(invalid="ignore", divide="ignore"):
            unweighted = shares.n_category / shares.n
        tables.append(
            pd.DataFrame(
                {
                    "breakdown": breakdown,
                    "group": np.repeat(groups, len(categories)),
                    "category": np.tile(categories, len(groups)),
                    "n": shares.n.ravel().astype(int),
                    "n_category": shares.n_category.ravel().astype(int),
                    "estimate": shares.estimate.ravel(),
                    "se": shares.se.ravel(),
                    "ci_low": low.ravel(),
                    "ci_high": high.ravel(),
                    "df": shares.df.ravel(),
                    "method": method,
                    "unanswered": np.repeat(unanswered, len(categories)),
                    "estimate_unweighted": unweighted.ravel(),
                    "variance": shares.variance.ravel(),
                }
            )
        )
    table = pd.concat(tables, ignore_index=True).assign(indicator=name)
    return table[table["n"] > 0]


def group_contrasts(
    config, name, data, design, source, replicates: Replicates | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each group of each breakdown against the rest of the population (or the breakdown's
    configured reference group), and the breakdown's Rao-Scott test, for one indicator; with
    `replicates` (bootstrap variance), every variance is the replicates'."""
    indicator = config["indicators"][name]
    answers = classify_answers(config, name, data, source)
    positive = answers.positive.astype(np.intp)
    level = config["estimation"]["confidence_level"]
    references = config["estimation"].get("contrasts", {}).get("reference", {})
    contrasts, tests = [], []
    for breakdown in indicator["breakdowns"]:
        codes, groups = _groups(data, breakdown)
        domain = np.where(answers.valid & (codes >= 0), codes, -1)
        n = np.bincount(domain[domain >= 0], minlength=len(groups))
        present = np.flatnonzero(n > 0)
        if len(present) < 2:
            continue
        reference = references.get(breakdown)
        if reference is None and len(present) == 2:
            reference = groups[present[0]]  # with two groups, "the rest" is the other one
        shape = (design, positive, domain, len(groups), 2, 1)
        if reference is None:
            compared = present
            contrast = differences_from_rest(*shape, level)
        elif reference in groups[present]:
            at = int(np.flatnonzero(groups == reference)[0])
            compared = present[present != at]
            contrast = differences_from_reference(*shape, at, level)
        else:
            continue  # the reference group has no respondents in this wave
        if replicates is not None:
            at = None if reference is None else int(np.flatnonzero(groups == reference)[0])
            contrast = replicate_contrast(
                contrast, replicates, positive, domain, len(groups), at, level
            )
        diff = contrast.difference
        contrasts.append(
            pd.DataFrame(
                {
                    "kind": "group",
                    "indicator": name,
                    "indicator_reference": name,
                    "breakdown": breakdown,
                    "group": groups[compared],
                    "reference": "rest" if reference is None else reference,
                    "estimate": contrast.estimate[compared],
                    "estimate_reference": contrast.estimate_reference[compared],
                    "difference": diff.estimate[compared],
                    "se": diff.se[compared],
                    "df": diff.df[compared],
                    "ci_low": diff.ci_low[compared],
                    "ci_high": diff.ci_high[compared],
                    "p_value": diff.p_value[compared],
                    "method": WITHIN if replicates is None else WITHIN_REPLICATES,
                }
            )
        )
        test = rao_scott_f(
            design, positive, 2, np.maximum(codes, 0), len(groups), domain >= 0, replicates
        )
        tests.append(
            {
                "indicator": name,
                "breakdown": breakdown,
                "statistic": test.statistic,
                "df_numerator": test.df_numerator,
                "df_denominator": test.df_denominator,
                "p_value": test.p_value,
            }
        )
    return _concat(contrasts, CONTRAST_COLUMNS), pd.DataFrame(tests, columns=ASSOCIATION_COLUMNS)


def _concat(tables: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not tables:
        return pd.DataFrame(columns=columns)
    return pd.concat(tables, ignore_index=True).reindex(columns=columns)


def findings_survey_wave(
    config: dict,
    survey: str,
    wave: int,
    harmonised: str,
    weights: str,
    distributions_out: str,
    contrasts_out: str,
    associations_out: str,
    replicates: str | None = None,
    loaded: SurveyWave | None = None,
) -> None:
    """Distributions, group contrasts and association tests of every indicator of a wave.

    loaded: the survey wave as load_survey_wave read it from these files, if already read."""
    loaded = loaded or load_survey_wave(config, survey, harmonised, weights, replicates)
    data, design, replicate_weights = loaded.data, loaded.design, loaded.replicates
    shares, contrasts, tests = [], [], []
    for name, indicator in survey_indicators(config, survey).items():
        if data[indicator["item"]].isna().all():
            continue  # not asked this wave; the estimates audit says so
        shares.append(distributions(config, name, data, design, harmonised, replicate_weights))
        within, association = group_contrasts(
            config, name, data, design, harmonised, replicate_weights
        )
        contrasts.append(within)
        tests.append(association)
    where = {"survey": survey, "wave": wave}
    write_parquet(
        _concat(shares, [*DISTRIBUTION_COLUMNS, "variance"]).assign(**where), distributions_out
    )
    write_parquet(
        _concat(contrasts, CONTRAST_COLUMNS).assign(**where, wave_reference=wave), contrasts_out
    )
    write_parquet(_concat(tests, ASSOCIATION_COLUMNS).assign(**where), associations_out)


def survey_contrasts(config: dict, estimates: pd.DataFrame) -> pd.DataFrame:
    """Indicators of different surveys sharing a theme and an item, compared in each wave, each
    common breakdown and group, as independent samples. The reference is the one listed first
    in the config."""
    level = config["estimation"]["confidence_level"]
    point = _points(config, estimates)
    names = list(config["indicators"])
    tables = []
    for first, second in itertools.combinations(names, 2):
        a, b = config["indicators"][first], config["indicators"][second]
        if (a["theme"], a["item"]) != (b["theme"], b["item"]) or a["survey"] == b["survey"]:
            continue
        pairs = point[point["indicator"] == second].merge(
            point[point["indicator"] == first],
            on=["wave", "breakdown", "group"],
            suffixes=("", "_reference"),
        )
        pairs["wave_reference"] = pairs["wave"]
        diff = _independent(pairs, level)
        tables.append(
            _between(pairs, diff, "survey").assign(
                indicator_reference=first, reference=pairs["group"]
            )
        )
    return _concat(tables, CONTRAST_COLUMNS)


def wave_contrasts(config: dict, estimates: pd.DataFrame) -> pd.DataFrame:
    """Every consecutive pair of waves and the first against the last, per indicator, breakdown
    and group (later minus earlier)."""
    level = config["estimation"]["confidence_level"]
    keys = ["indicator", "breakdown", "group"]
    point = (
        _points(config, estimates)
        .dropna(subset=keys)
        .sort_values([*keys, "wave"], kind="stable")
        .reset_index(drop=True)
    )
    groups = point.groupby(keys, sort=False)
    position = groups.cumcount().to_numpy()
    count = groups["wave"].transform("size").to_numpy()
    # Each wave after a group's first against the one before it, then the last against the
    # first where a group has more than two waves; groups in the order of their keys.
    later = np.flatnonzero(position > 0)
    last = np.flatnonzero((position == count - 1) & (count > 2))
    pair_later = np.concatenate([later, last])
    pair_earlier = np.concatenate([later - 1, last - position[last]])
    within = np.concatenate([position[later], count[last]])
    order = np.lexsort((within, pair_later - position[pair_later]))
    if not len(order):
        return pd.DataFrame(columns=CONTRAST_COLUMNS)
    pairs = pd.concat(
        [
            point.iloc[pair_later[order]].reset_index(drop=True),
            point.iloc[pair_earlier[order]].add_suffix("_reference").reset_index(drop=True),
        ],
        axis=1,
    )
    diff = _independent(pairs, level)
    return (
        _between(pairs, diff, "wave")
        .assign(indicator_reference=pairs["indicator"], reference=pairs["group"])
        .reindex(columns=CONTRAST_COLUMNS)
    )


def _points(config: dict, estimates: pd.DataFrame) -> pd.DataFrame:
    """One row per estimate: the published interval's rows (the point and variance are shared)."""
    published = estimates[estimates["method"] == config["estimation"]["interval"]]
    return published[
        ["indicator", "survey", "wave", "breakdown", "group", "estimate", "variance", "df"]
    ]


def _independent(pairs: pd.DataFrame, level: float):
    return difference_independent(
        tuple(pairs[f"{c}_reference"].to_numpy(float) for c in ("estimate", "variance", "df")),
        tuple(pairs[c].to_numpy(float) for c in ("estimate", "variance", "df")),
        level,
    )


def _between(pairs: pd.DataFrame, diff, kind: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": kind,
            "indicator": pairs["indicator"],
            "survey": pairs["survey"],
            "wave": pairs["wave"],
            "wave_reference": pairs["wave_reference"],
            "breakdown": pairs["breakdown"],
            "group": pairs["group"],
            "estimate": pairs["estimate"],
            "estimate_reference": pairs["estimate_reference"],
            "difference": diff.estimate,
            "se": diff.se,
            "df": diff.df,
            "ci_low": diff.ci_low,
            "ci_high": diff.ci_high,
            "p_value": diff.p_value,
            "method": BETWEEN,
        }
    )


def combine_findings(
    config: dict,
    estimates: str,
    distribution_inputs: list[str],
    contrast_inputs: list[str],
    association_inputs: list[str],
    outputs: dict[str, str],
) -> None:
    """Stack the waves' findings, add contrasts across surveys and waves, adjust the family of
    tests for the false discovery rate and flag fragile distribution estimates.

    outputs: distributions, contrasts (each .parquet and .csv beside it) and associations."""
    thresholds = config["estimation"]["reliability"]
    shares = pd.concat([pd.read_parquet(p) for p in distribution_inputs], ignore_index=True)
    shares = reliability_flags(shares, thresholds).drop(columns="variance")
    shares = shares.sort_values(
        ["indicator", "breakdown", "group", "wave", "category"], kind="stable", ignore_index=True
    )
    indicators = pd.read_parquet(estimates)
    contrasts = pd.concat(
        [
            *(pd.read_parquet(p) for p in contrast_inputs),
            survey_contrasts(config, indicators),
            wave_contrasts(config, indicators),
        ],
        ignore_index=True,
    )[CONTRAST_COLUMNS]
    tests = pd.concat([pd.read_parquet(p) for p in association_inputs], ignore_index=True)
    # One family: every contrast and every association test that is published.
    adjusted = benjamini_hochberg(
        np.concatenate([contrasts["p_value"].to_numpy(float), tests["p_value"].to_numpy(float)])
    )
    contrasts["p_adjusted"] = adjusted[: len(contrasts)]
    tests["p_adjusted"] = adjusted[len(contrasts) :]
    contrasts = contrasts.sort_values(
        ["kind", "indicator", "breakdown", "group", "wave"], kind="stable", ignore_index=True
    )
    tests = tests[ASSOCIATION_COLUMNS].sort_values(
        ["indicator", "breakdown", "wave"], kind="stable", ignore_index=True
    )
    for table, key in ((shares, "distributions"), (contrasts, "contrasts")):
        write_parquet(table, outputs[key])
        write_csv(table, outputs[key].removesuffix(".parquet") + ".csv")
    write_csv(tests, outputs["associations"])


def response_rates(diagnostics: str, output: str) -> pd.DataFrame:
    """Respondents over the frame count, per survey wave and per level of each weighting
    variable (the frame counts are the raking targets: everyone in the frame was invited)."""
    table = pd.read_csv(diagnostics, dtype={"level": str})
    levels = table[table["statistic"] == "margin"]
    rows = levels.rename(columns={"margin": "variable", "target": "frame_count"})[
        ["survey", "wave", "variable", "level", "frame_count", "respondents"]
    ]
    totals = []
    for (survey, wave), part in table.groupby(["survey", "wave"], sort=False):
        stat = part.set_index("statistic")["value"]
        totals.append(
            {
                "survey": survey,
                "wave": wave,
                "variable": "total",
                "level": "total",
                "frame_count": float(stat["frame_total"]),
                "respondents": float(stat["n"]),
            }
        )
    result = pd.concat([pd.DataFrame(totals), rows], ignore_index=True)
    result["respondents"] = result["respondents"].astype(int)
    result["response_rate"] = result["respondents"] / result["frame_count"]
    result = result.sort_values(["survey", "wave"], kind="stable", ignore_index=True)
    write_csv(result, output)
    return result
