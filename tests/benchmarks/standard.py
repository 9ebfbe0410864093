"""The standard benchmark data set (seeded): respondents in PSUs in strata, three raking margins
of 5, 12 and 20 levels, ten binary outcomes, and the margins' population counts.

At the default size: 10^6 respondents, 10^5 PSUs in 10^3 strata. Base weights vary by stratum
and respondent; margins and outcomes depend on a PSU effect, so clustering and raking both
matter for the SEs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARGIN_LEVELS = {"region": 5, "age": 12, "sector": 20}
OUTCOMES = [f"y{i}" for i in range(1, 11)]


@dataclass(frozen=True)
class Standard:
    columns: dict[str, np.ndarray]  # stratum, psu, w (base weight), margins, outcomes
    targets: dict[str, np.ndarray]  # margin -> population count per level


def build(respondents: int = 10**6, psus: int = 10**5, strata: int = 10**3, seed: int = 15):
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, psus, respondents))
    psu[:psus] = np.arange(psus)  # every PSU has a respondent
    psu.sort()
    stratum = psu * strata // psus
    psu_effect = rng.normal(0, 0.5, psus)[psu]
    base = rng.uniform(50, 150, strata)[stratum] * rng.uniform(0.8, 1.25, respondents)
    columns = {"stratum": stratum, "psu": psu, "w": base}
    for name, levels in MARGIN_LEVELS.items():
        # A level from a logistic score that a PSU effect shifts: margins cluster in PSUs.
        score = np.log(rng.random(respondents)) - np.log(rng.random(respondents)) + psu_effect
        columns[name] = (levels / (1 + np.exp(-score / 2))).astype(np.int8)
    linear = psu_effect + 0.1 * columns["age"] - 0.3 * (columns["region"] == 2)
    for i, outcome in enumerate(OUTCOMES):
        chance = 1 / (
            1 + np.exp(-(linear * (i % 3 - 1) + rng.normal(-0.5 + 0.1 * i, 1, respondents)))
        )
        columns[outcome] = (rng.random(respondents) < chance).astype(np.int8)
    total = base.sum() * 1.05
    targets = {}
    for name, levels in MARGIN_LEVELS.items():
        achieved = np.bincount(columns[name], base, minlength=levels)
        shifted = achieved * rng.uniform(0.85, 1.15, levels)
        targets[name] = shifted / shifted.sum() * total
    return Standard(columns, targets)
