"""Coverage of the intervals on the synthetic population, whose true values are known.

Each draw re-runs the synthetic model on the fixed structure (municipalities, offices, staff):
new municipality and office climates, answers and nonresponse (the same response model). The
respondents are raked to the population margins and the indicators estimated with the pipeline's
design (offices as clusters). An interval covers when it holds the model's expected share, the
mean of the draws' population shares: the quantity a with-replacement clustered design speaks
about. Coverage of each draw's own finite-population share is reported too; with every office
in the survey it is higher, as the office climates are then fixed rather than sampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from navpartner.estimate import (
    Replicates,
    differences_from_rest,
    domain_proportions,
    korn_graubard_interval,
    logit_interval,
    make_design,
    replicate_proportions,
)
from navpartner.geo import size_class
from navpartner.raking import Margin, WeightingError, rake, rake_replicate, rao_wu_factors
from navpartner.synth import MARGIN_VARIABLES, OFFICE_SIZE_BOUNDS, OFFICE_SIZE_LABELS
from navpartner.synth.items import DONT_KNOW, NOT_ASKED
from navpartner.synth.population import Population, answer_shifts, redraw


@dataclass(frozen=True)
class Target:
    """An indicator as the study sees it: survey, role, item, positive codes, a breakdown."""

    survey: str
    role: str
    item: str
    positive: tuple[int, ...]
    breakdown: str = "total"

    @property
    def name(self) -> str:
        return f"{self.item} ({self.role}, {self.breakdown})"


DEFAULT_TARGETS = (
    Target("kontor", "veileder", "team_blandet", (1,)),
    Target("kontor", "veileder", "team_blandet", (1,), "employer"),
    Target("kontor", "veileder", "samarbeid_kommunale_tjenester", (4, 5), "office_size"),
    Target("kontor", "kontorleder", "likeverdig", (4, 5)),
    Target("kontor", "kontorleder", "adm_merarbeid", (4, 5), "employer"),
    Target("kommune", "radmann", "likeverdig", (4, 5)),
    Target("kommune", "radmann", "statlig_dominans", (4, 5), "size_class"),
)


# The synthetic population's column for each harmonised cluster variable.
CLUSTER_COLUMNS = {"office_id": "office", "kommunenummer": "kommunenummer"}


def survey_frame(population: Population, survey: str, cluster: str) -> pd.DataFrame:
    """The population members of one survey with the variables the design and targets need."""
    frame = population.leaders if survey == "kommune" else population.staff
    if survey == "kontor":
        frame = frame.assign(
            office_size=size_class(frame["staff"], OFFICE_SIZE_BOUNDS, OFFICE_SIZE_LABELS)
        )
    return frame.assign(cluster=frame[CLUSTER_COLUMNS[cluster]])


def coverage(
    population: Population,
    params: dict,
    targets: list[Target],
    clusters: dict[str, str],
    draws: int,
    seed: int,
    level: float = 0.95,
    replicates: int = 0,
) -> pd.DataFrame:
    """Per target and group: expected share, mean SE, SD of the estimates, coverage.

    clusters: survey -> its cluster variable (office_id or kommunenummer), as in the config.
    replicates: with a number, SEs from that many Rao-Wu bootstrap replicates (raked again),
    as estimation.variance: bootstrap; with 0 the raking-aware linearisation.
    """
    rng = np.random.default_rng(seed)
    shifts = answer_shifts(population, params)
    records = []
    for draw in range(draws):
        drawn = redraw(population, params, shifts, rng)
        for survey in sorted({t.survey for t in targets}):
            frame = survey_frame(drawn, survey, clusters[survey])
            design, sample = _respondent_design(frame, survey, rng)
            replicate_weights = None
            if replicates:
                try:
                    replicate_weights = _bootstrap(frame, survey, sample, replicates, rng)
                except WeightingError:
                    # A replicate left out every PSU with respondents in a margin level, so it
                    # cannot be raked (the pipeline stops there, naming it): the draw drops
                    # out of the study, and the `draws` column shows how many remain.
                    continue
            for target in (t for t in targets if t.survey == survey):
                positive, valid, group, groups, truth = _prepare(frame, target)
                domain = np.where(valid[sample], group[sample], -1)
                est = domain_proportions(design, positive[sample], domain, len(groups))
                if replicate_weights is not None:
                    est = replicate_proportions(est, replicate_weights, positive[sample], domain)
                kg, logit = korn_graubard_interval(est, level), logit_interval(est, level)
                records.append(
                    pd.DataFrame(
                        {
                            "target": target.name,
                            "group": groups,
                            "draw": draw,
                            "finite_share": truth,
                            "estimate": est.estimate,
                            "se": est.se,
                            "kg_low": kg[0],
                            "kg_high": kg[1],
                            "logit_low": logit[0],
                            "logit_high": logit[1],
                        }
                    )
                )
    return summarise(pd.concat(records, ignore_index=True))


def summarise(draws: pd.DataFrame) -> pd.DataFrame:
    expected = draws.groupby(["target", "group"])["finite_share"].transform("mean")
    draws = draws.assign(
        expected_share=expected,
        korn_graubard=(draws["kg_low"] <= expected) & (expected <= draws["kg_high"]),
        logit=(draws["logit_low"] <= expected) & (expected <= draws["logit_high"]),
        korn_graubard_finite=(draws["kg_low"] <= draws["finite_share"])
        & (draws["finite_share"] <= draws["kg_high"]),
    )
    return (
        draws.groupby(["target", "group"], sort=False)
        .agg(
            draws=("draw", "size"),
            expected_share=("expected_share", "first"),
            mean_se=("se", "mean"),
            sd_estimate=("estimate", "std"),
            korn_graubard=("korn_graubard", "mean"),
            logit=("logit", "mean"),
            korn_graubard_finite=("korn_graubard_finite", "mean"),
        )
        .reset_index()
    )


def contrast_coverage(
    population: Population,
    params: dict,
    targets: list[Target],
    clusters: dict[str, str],
    draws: int,
    seed: int,
    level: float = 0.95,
    min_respondents: int = 6,
) -> pd.DataFrame:
    """Per target with a breakdown and group: coverage of the interval of the group's difference
    from the rest of the population (covariance of the two domains in one design), against the
    model's expected difference (the mean of the draws' population differences), over the
    draws in which the group has at least `min_respondents` (`draws` counts them)."""
    rng = np.random.default_rng(seed)
    shifts = answer_shifts(population, params)
    targets = [t for t in targets if t.breakdown != "total"]
    records = []
    for draw in range(draws):
        drawn = redraw(population, params, shifts, rng)
        for survey in sorted({t.survey for t in targets}):
            frame = survey_frame(drawn, survey, clusters[survey])
            design, sample = _respondent_design(frame, survey, rng)
            for target in (t for t in targets if t.survey == survey):
                positive, valid, group, groups, _ = _prepare(frame, target)
                domain = np.where(valid[sample], group[sample], -1)
                diff = differences_from_rest(
                    design,
                    positive[sample].astype(np.intp),
                    domain,
                    len(groups),
                    2,
                    1,
                    level,
                ).difference
                records.append(
                    pd.DataFrame(
                        {
                            "target": target.name,
                            "group": groups,
                            "draw": draw,
                            "n": np.bincount(domain[domain >= 0], minlength=len(groups)),
                            "finite_difference": _rest_differences(
                                positive[valid], group[valid], len(groups)
                            ),
                            "difference": diff.estimate,
                            "se": diff.se,
                            "ci_low": diff.ci_low,
                            "ci_high": diff.ci_high,
                        }
                    )
                )
    draws_table = pd.concat(records, ignore_index=True)
    expected = draws_table.groupby(["target", "group"])["finite_difference"].transform("mean")
    draws_table = draws_table.assign(expected=expected)[draws_table["n"] >= min_respondents]
    expected = draws_table.pop("expected")
    draws_table = draws_table.assign(
        expected_difference=expected,
        covered=(draws_table["ci_low"] <= expected) & (expected <= draws_table["ci_high"]),
    )
    return (
        draws_table.groupby(["target", "group"], sort=False)
        .agg(
            draws=("draw", "size"),
            mean_n=("n", "mean"),
            min_n=("n", "min"),
            expected_difference=("expected_difference", "first"),
            mean_difference=("difference", "mean"),
            mean_se=("se", "mean"),
            sd_difference=("difference", "std"),
            coverage=("covered", "mean"),
        )
        .reset_index()
    )


def _rest_differences(positive: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Each group's population share less the share of all the other groups together."""
    positives = np.bincount(group, positive, n_groups)
    members = np.bincount(group, minlength=n_groups)
    rest = (positives.sum() - positives) / (members.sum() - members)
    return positives / members - rest


def _margins(frame: pd.DataFrame, survey: str, sample: np.ndarray) -> list[Margin]:
    """The population margins of the survey's weighting variables, coded for the respondents."""
    margins = []
    for variable in MARGIN_VARIABLES[survey]:
        codes, levels = pd.factorize(frame[variable], sort=True)
        margins.append(
            Margin(variable, codes[sample], tuple(levels), np.bincount(codes).astype(float))
        )
    return margins


def _respondent_design(frame: pd.DataFrame, survey: str, rng: np.random.Generator):
    """Draw who responds, rake them to the population margins; the design and their rows."""
    sample = np.flatnonzero(rng.random(len(frame)) < frame["response_probability"].to_numpy())
    margins = _margins(frame, survey, sample)
    weights = rake(np.ones(len(sample)), margins).weights
    design = make_design(
        weights, psu=frame["cluster"].to_numpy()[sample], margins=[m.codes for m in margins]
    )
    return design, sample


def _bootstrap(
    frame: pd.DataFrame, survey: str, sample: np.ndarray, replicates: int, rng
) -> Replicates:
    """Rao-Wu replicate weights of the respondents (PSUs: the design's clusters, one stratum),
    each replicate raked again to the population margins."""
    psu = pd.factorize(frame["cluster"].to_numpy()[sample], sort=True)[0]
    factors = rao_wu_factors(np.zeros(psu.max() + 1, dtype=np.intp), replicates, rng)[psu]
    margins = _margins(frame, survey, sample)
    base = np.ones(len(sample))
    weights = np.column_stack([rake_replicate(base, factor, margins) for factor in factors.T])
    return Replicates.bootstrap(weights)


def _prepare(frame: pd.DataFrame, target: Target):
    answers = frame[target.item].to_numpy()
    valid = (
        (frame["role"] == target.role).to_numpy() & (answers != NOT_ASKED) & (answers != DONT_KNOW)
    )
    positive = np.isin(answers, target.positive).astype(float)
    if target.breakdown == "total":
        group, groups = np.zeros(len(frame), dtype=np.intp), np.array(["total"])
    else:
        group, groups = pd.factorize(frame[target.breakdown], sort=True)
    truth = np.bincount(group[valid], positive[valid], len(groups)) / np.bincount(
        group[valid], minlength=len(groups)
    )
    return positive, valid, group, np.asarray(groups, dtype=str), truth
