"""The claims register: statements of earlier reports re-tested against the current estimates.

Each configured claim has one testable form (config.yaml, `claims:`):
- level: an indicator's share in one wave against a threshold. `about: [lo, hi]` holds when the
  interval overlaps the band and fails when it lies wholly outside; `above: x` (`below: x`)
  holds when the whole interval is above (below) x, fails when the whole interval is on the
  other side, and is inconclusive when the interval straddles x.
- change: the direction of an indicator's change between two waves (a `wave` contrast); with
  `reference`, the change of the gap between a group and its reference (difference of the two
  waves' `group` contrasts; the waves are independent samples).
- difference: the direction of a contrast within one wave, between a group and its reference
  (`group`) or between two indicators of different surveys (`survey`).
A direction holds when the contrast points that way and its FDR-adjusted p is below
1 - confidence_level, fails when it points the other way at that level, and is otherwise
inconclusive. Any claim is inconclusive where an estimate it rests on is missing, rests on
fewer respondents than publication.min_cell_size, or carries a reliability flag.
A claim configured as `untestable` (no item bears on it) is listed as not testable, with the
reason, so that the register still holds every statement.

Only the estimates tables are read (never respondent rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from navpartner.errors import InputError

HOLDS, FAILS, INCONCLUSIVE = "holds", "does_not_hold", "inconclusive"
NOT_TESTABLE = "not_testable"
COLUMNS = [
    "claim",
    "form",
    "indicator",
    "indicator_reference",
    "breakdown",
    "group",
    "reference",
    "wave",
    "wave_reference",
    "estimate",
    "estimate_ci_low",
    "estimate_ci_high",
    "estimate_reference",
    "difference",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "p_adjusted",
    "verdict",
    "reason",
]
# Reasons that leave a claim without evidence: nothing to show, or too few to publish.
HIDDEN = ("not_estimated", "too_few_respondents")
CONTRAST_KEYS = ["kind", "indicator", "indicator_reference", "breakdown", "group", "reference"]


def evaluate_claims(
    config: dict,
    indicators: pd.DataFrame,
    contrasts: pd.DataFrame,
    association_p: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per claim, in config order: the evidence and the verdict.

    `association_p` are the raw p-values of the association tests: with the contrasts' raw
    p-values they are the published family that a derived test (the change of a gap) joins
    for its Benjamini–Hochberg adjustment.
    """
    context = _Context(config, _published_interval(config, indicators), contrasts)
    rows = [
        context.evaluate(name, spec["test"])
        if "test" in spec
        else {"claim": name, "verdict": NOT_TESTABLE, "reason": spec["untestable"]}
        for name, spec in config["claims"]["statements"].items()
    ]
    table = _adjust_derived(pd.DataFrame(rows), contrasts, association_p, context)
    return table.reindex(columns=COLUMNS)


def read_estimates_table(path: str, columns: list[str]) -> pd.DataFrame:
    """A table of results/estimates/, stopping with a named error if a column is missing."""
    table = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    missing = [column for column in columns if column not in table]
    if missing:
        raise InputError(path, "columns missing", expected=str(columns), found=missing)
    return table


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values, as R's p.adjust(method = "BH")."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)[::-1]
    ranks = np.arange(len(p), 0, -1)
    adjusted = np.minimum.accumulate(p[order] * len(p) / ranks)
    result = np.empty_like(p)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def _published_interval(config: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    return indicators[indicators["method"] == config["estimation"]["interval"]]


class _Context:
    """The tables and settings every claim is evaluated with."""

    def __init__(self, config: dict, indicators: pd.DataFrame, contrasts: pd.DataFrame):
        self.config = config
        self.indicators = indicators
        self.contrasts = contrasts
        self.alpha = 1 - config["estimation"]["confidence_level"]
        self.minimum = config["publication"]["min_cell_size"]

    def evaluate(self, name: str, test: dict) -> dict:
        row = {
            "claim": name,
            "form": test["form"],
            "indicator": test["indicator"],
            "indicator_reference": test.get("indicator_reference", test["indicator"]),
            "breakdown": test.get("breakdown", "total"),
            "group": test.get("group", "total"),
            "reference": test.get("reference", ""),
        }
        if test["form"] == "level":
            return row | self._level(row, test)
        if test["form"] == "change" and row["reference"]:
            return row | self._gap_change(row, test)
        return row | self._direction(row, test)

    def _estimate(self, indicator: str, breakdown: str, group: str, wave: int) -> pd.Series | None:
        table = self.indicators
        hit = table[
            (table["indicator"] == indicator)
            & (table["breakdown"] == breakdown)
            & (table["group"].astype(str) == str(group))
            & (table["wave"] == wave)
        ]
        return None if hit.empty else hit.iloc[0]

    def _unreliable(self, *estimates: pd.Series | None) -> str:
        """Why estimates cannot carry a verdict ('' when they can)."""
        if any(e is None for e in estimates):
            return "not_estimated"
        if any(e["n"] < self.minimum for e in estimates):
            return "too_few_respondents"
        if any(bool(e.get("flagged", False)) for e in estimates):
            return "flagged"
        return ""

    def _level(self, row: dict, test: dict) -> dict:
        estimate = self._estimate(row["indicator"], row["breakdown"], row["group"], test["wave"])
        result = {"wave": test["wave"], "wave_reference": test["wave"]}
        problem = self._unreliable(estimate)
        if problem in HIDDEN:
            return result | {"verdict": INCONCLUSIVE, "reason": problem}
        low, high = estimate["ci_low"], estimate["ci_high"]
        result |= {
            "estimate": estimate["estimate"],
            "estimate_ci_low": low,
            "estimate_ci_high": high,
            "df": estimate["df"],
        }
        if problem:
            return result | {"verdict": INCONCLUSIVE, "reason": problem}
        if "about" in test:
            band_low, band_high = (value / 100 for value in test["about"])
            inside = high >= band_low and low <= band_high
            return result | {"verdict": HOLDS if inside else FAILS, "reason": "interval_vs_band"}
        above = "above" in test
        threshold = (test["above"] if above else test["below"]) / 100
        if low > threshold:
            verdict = HOLDS if above else FAILS
        elif high < threshold:
            verdict = FAILS if above else HOLDS
        else:
            verdict = INCONCLUSIVE
        return result | {"verdict": verdict, "reason": "interval_vs_threshold"}

    def _direction(self, row: dict, test: dict) -> dict:
        """A change between waves or a difference within a wave, from the contrasts table."""
        if test["form"] == "change":
            kind, wave, wave_reference = "wave", test["waves"][1], test["waves"][0]
        else:
            kind = "survey" if "indicator_reference" in test else "group"
            wave = wave_reference = test["wave"]
        result = {"wave": wave, "wave_reference": wave_reference}
        estimates = self._compared_estimates(row, wave, wave_reference)
        problem = self._unreliable(*estimates)
        contrast = self._contrast(kind, row, wave, wave_reference)
        if not problem and contrast is None:
            problem = "no_test"
        if problem and problem != "flagged":
            return result | {"verdict": INCONCLUSIVE, "reason": problem}
        if problem:
            return result | contrast | {"verdict": INCONCLUSIVE, "reason": problem}
        return result | contrast | self.verdict(contrast, test["direction"])

    def _compared_estimates(self, row: dict, wave: int, wave_reference: int) -> list:
        group = self._estimate(row["indicator"], row["breakdown"], row["group"], wave)
        if row["indicator_reference"] != row["indicator"]:
            other = (row["indicator_reference"], row["breakdown"], row["group"], wave_reference)
        elif row["reference"] and row["reference"] != "rest":
            other = (row["indicator"], row["breakdown"], row["reference"], wave_reference)
        else:
            other = (row["indicator"], row["breakdown"], row["group"], wave_reference)
        return [group, self._estimate(*other)]

    def _contrast(self, kind: str, row: dict, wave: int, wave_reference: int) -> dict | None:
        """The contrast row the claim names, turned round if the table holds it the other way.

        A group against `rest` stands for a group against the other group where the breakdown
        has only two groups in this indicator's estimates.
        """
        wanted = {"kind": kind, **{key: row[key] for key in CONTRAST_KEYS[1:]}}
        if kind != "group":
            wanted["reference"] = row["group"]
        swapped = wanted | {
            "indicator": wanted["indicator_reference"],
            "indicator_reference": wanted["indicator"],
        }
        if kind == "group":
            swapped |= {"group": wanted["reference"], "reference": wanted["group"]}
        candidates = [(wanted, wave, wave_reference, 1), (swapped, wave_reference, wave, -1)]
        if kind == "group" and self._two_groups(row, wave):
            candidates.append((wanted | {"reference": "rest"}, wave, wave_reference, 1))
        for keys, first, second, sign in candidates:
            hit = self._find_contrast(keys, first, second)
            if hit is not None:
                return _oriented(hit, sign)
        return None

    def _find_contrast(self, keys: dict, wave: int, wave_reference: int) -> pd.Series | None:
        table = self.contrasts
        mask = (table["wave"] == wave) & (table["wave_reference"] == wave_reference)
        for key, value in keys.items():
            mask &= table[key].astype(str) == str(value)
        hit = table[mask]
        return None if hit.empty else hit.iloc[0]

    def _two_groups(self, row: dict, wave: int) -> bool:
        table = self.indicators
        groups = table.loc[
            (table["indicator"] == row["indicator"])
            & (table["breakdown"] == row["breakdown"])
            & (table["wave"] == wave),
            "group",
        ]
        return groups.nunique() == 2

    def verdict(self, contrast: dict, direction: str) -> dict:
        if not contrast["p_adjusted"] < self.alpha:
            return {"verdict": INCONCLUSIVE, "reason": "not_significant"}
        agrees = (contrast["difference"] > 0) == (direction == "higher")
        return {"verdict": HOLDS if agrees else FAILS, "reason": "significant"}

    def _gap_change(self, row: dict, test: dict) -> dict:
        """Change of a group's gap to its reference between two waves (independent samples)."""
        wave_reference, wave = test["waves"]
        result = {"wave": wave, "wave_reference": wave_reference}
        gaps = [self._contrast("group", row, w, w) for w in (wave, wave_reference)]
        estimates = self._compared_estimates(row, wave, wave) + self._compared_estimates(
            row, wave_reference, wave_reference
        )
        problem = self._unreliable(*estimates)
        if problem != "flagged" and any(gap is None for gap in gaps):
            problem = problem or "no_test"
        if problem in (*HIDDEN, "no_test"):
            return result | {"verdict": INCONCLUSIVE, "reason": problem}
        late, early = gaps
        difference = late["difference"] - early["difference"]
        variances = np.array([late["se"], early["se"]]) ** 2
        se = float(np.sqrt(variances.sum()))
        df = variances.sum() ** 2 / (
            variances[0] ** 2 / late["df"] + variances[1] ** 2 / early["df"]
        )
        half = special.stdtrit(df, 1 - self.alpha / 2) * se
        return result | {
            "estimate": late["difference"],
            "estimate_reference": early["difference"],
            "difference": difference,
            "ci_low": difference - half,
            "ci_high": difference + half,
            "df": df,
            "p_value": 2 * special.stdtr(df, -abs(difference) / se),
            "derived": True,
            "direction": test["direction"],
            "reason": problem,
        }


def _oriented(contrast: pd.Series, sign: int) -> dict:
    """Evidence of a contrast, its sign turned when the table held it the other way round."""
    estimate, reference = contrast["estimate"], contrast["estimate_reference"]
    low, high = contrast["ci_low"], contrast["ci_high"]
    if sign < 0:
        estimate, reference, low, high = reference, estimate, -high, -low
    return {
        "estimate": estimate,
        "estimate_reference": reference,
        "difference": sign * contrast["difference"],
        "ci_low": low,
        "ci_high": high,
        "se": contrast["se"],
        "df": contrast["df"],
        "p_value": contrast["p_value"],
        "p_adjusted": contrast["p_adjusted"],
    }


def _adjust_derived(
    table: pd.DataFrame, contrasts: pd.DataFrame, association_p: pd.Series | None, context
) -> pd.DataFrame:
    """Derived tests join the published family for Benjamini–Hochberg, then get their verdict.

    The family's own adjusted p-values stay as published; each derived p is adjusted as a
    member of the family enlarged by every derived test.
    """
    if "derived" not in table:
        return table
    derived = table.index[table["derived"].fillna(False).astype(bool)]
    family = [contrasts["p_value"].to_numpy(float)]
    if association_p is not None:
        family.append(np.asarray(association_p, dtype=float))
    pooled = np.concatenate([*family, table.loc[derived, "p_value"].to_numpy(float)])
    table.loc[derived, "p_adjusted"] = benjamini_hochberg(pooled)[len(pooled) - len(derived) :]
    for index in derived:
        if table.at[index, "reason"] == "flagged":
            table.loc[index, "verdict"] = INCONCLUSIVE
            continue
        verdict = context.verdict(table.loc[index], table.at[index, "direction"])
        table.loc[index, ["verdict", "reason"]] = [verdict["verdict"], verdict["reason"]]
    return table


def write_claims(
    config: dict,
    indicators: str,
    contrasts: str | None,
    association_tests: str | None,
    output: str,
) -> pd.DataFrame:
    """The claims step: read the estimates tables, evaluate, write the register's table.

    Without a contrasts table (a workflow without the findings step) every direction claim is
    inconclusive for want of its test.
    """
    from navpartner.io import write_csv

    estimates = read_estimates_table(indicators, ["indicator", "wave", "breakdown", "group", "n"])
    tests = (
        read_estimates_table(contrasts, [*CONTRAST_KEYS, "wave", "wave_reference", "p_adjusted"])
        if contrasts
        else pd.DataFrame(columns=[*CONTRAST_KEYS, "wave", "wave_reference", "p_value"])
    )
    association = (
        read_estimates_table(association_tests, ["p_value"])["p_value"]
        if association_tests
        else None
    )
    table = evaluate_claims(config, estimates, tests, association)
    write_csv(table, output)
    return table
