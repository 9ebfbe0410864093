"""The published estimates: one tidy table, suppressed and labelled, and its formatted views."""

from __future__ import annotations

import numpy as np
import pandas as pd

from navpartner.publish.labels import Labels
from navpartner.publish.suppress import PRIMARY, SECONDARY, suppression_marks

# Columns of the tidy published table (results/tables/indicators.csv), in order.
PUBLISHED_COLUMNS = [
    "theme",
    "indicator",
    "indicator_label",
    "population",
    "survey",
    "wave",
    "breakdown",
    "breakdown_label",
    "group",
    "group_label",
    "n",
    "percent",
    "ci_low",
    "ci_high",
    "se",
    "deff",
    "interval",
    "suppressed",
    "flagged",
]
CHANGE_COLUMNS = [
    "theme",
    "indicator",
    "indicator_label",
    "breakdown",
    "breakdown_label",
    "group",
    "group_label",
    "wave_from",
    "wave_to",
    "percent_from",
    "percent_to",
    "change",
    "ci_low",
    "ci_high",
    "p_value",
    "suppressed",
]
# Values hidden in a suppressed row (the row itself stays, flagged).
HIDDEN = ["n", "percent", "ci_low", "ci_high", "se", "deff"]
HIDDEN_CHANGE = ["percent_from", "percent_to", "change", "ci_low", "ci_high", "p_value"]


def published_estimates(estimates: pd.DataFrame, config: dict) -> pd.DataFrame:
    """The configured interval's rows, labelled, in report order, with small cells suppressed."""
    labels = Labels(config)
    method = config["estimation"]["interval"]
    rows = estimates[estimates["method"] == method].copy()
    for breakdown, groups in rows.groupby("breakdown")["group"]:
        labels.require_groups(breakdown, groups)
    rows["suppressed"] = _marks(rows, config["publication"]["min_cell_size"])
    table = pd.DataFrame(
        {
            **row_labels(rows, config, labels, population=True),
            "n": rows["n"].astype("Int64"),
            "percent": (100 * rows["estimate"]).round(1),
            "ci_low": (100 * rows["ci_low"]).round(1),
            "ci_high": (100 * rows["ci_high"]).round(1),
            "se": (100 * rows["se"]).round(2),
            "deff": rows["deff"].round(2),
            "interval": method,
            "suppressed": rows["suppressed"],
            "flagged": rows["flagged"].astype(bool) & (rows["suppressed"] == ""),
        }
    )
    table.loc[table["suppressed"] != "", HIDDEN] = pd.NA
    return table.iloc[_report_order(table, config)].reset_index(drop=True)


def published_changes(
    differences: pd.DataFrame, published: pd.DataFrame, config: dict
) -> pd.DataFrame:
    """Wave-to-wave changes in percentage points; hidden where either wave's cell is hidden."""
    keys = ["indicator", "breakdown", "group"]
    marks = published.set_index([*keys, "wave"])["suppressed"]
    labels = published.drop_duplicates(keys).set_index(keys)
    rows = differences.set_index(keys)
    mark_from = marks.reindex(pd.MultiIndex.from_arrays([*_levels(rows), rows["wave_from"]]))
    mark_to = marks.reindex(pd.MultiIndex.from_arrays([*_levels(rows), rows["wave_to"]]))
    either = np.where(
        (mark_from.to_numpy() == PRIMARY) | (mark_to.to_numpy() == PRIMARY),
        PRIMARY,
        np.where((mark_from.to_numpy() != "") | (mark_to.to_numpy() != ""), SECONDARY, ""),
    )
    table = pd.DataFrame(
        {
            **{
                column: labels[column].reindex(rows.index).to_numpy()
                for column in ["theme", "indicator_label", "breakdown_label", "group_label"]
            },
            **{key: rows.index.get_level_values(key) for key in keys},
            "wave_from": rows["wave_from"].to_numpy(),
            "wave_to": rows["wave_to"].to_numpy(),
            "percent_from": (100 * rows["estimate_from"]).round(1).to_numpy(),
            "percent_to": (100 * rows["estimate_to"]).round(1).to_numpy(),
            "change": (100 * rows["difference"]).round(1).to_numpy(),
            "ci_low": (100 * rows["ci_low"]).round(1).to_numpy(),
            "ci_high": (100 * rows["ci_high"]).round(1).to_numpy(),
            # three significant digits: a small p stays visible, never rounded to 0.0
            "p_value": rows["p_value"].map(lambda p: float(f"{p:.3g}")).to_numpy(),
            "suppressed": either,
        }
    )[CHANGE_COLUMNS]
    table[HIDDEN_CHANGE] = table[HIDDEN_CHANGE].astype("Float64")
    table.loc[table["suppressed"] != "", HIDDEN_CHANGE] = pd.NA
    return table.iloc[_report_order(table, config)].reset_index(drop=True)


def _levels(frame: pd.DataFrame) -> list[pd.Index]:
    return [frame.index.get_level_values(i) for i in range(frame.index.nlevels)]


def _marks(rows: pd.DataFrame, minimum: int) -> pd.Series:
    """Primary and secondary marks; each breakdown's groups in one wave form an additive set."""
    marks = pd.Series("", index=rows.index, dtype=object)
    for _, cells in rows.groupby(["indicator", "wave", "breakdown"], sort=False):
        marks[cells.index] = suppression_marks(cells["n"].to_numpy(), minimum)
    return marks


def row_labels(rows: pd.DataFrame, config: dict, labels: Labels, population=False) -> dict:
    """The leading columns of a published table: what each row is about, coded and labelled
    (the indicator's population too where asked)."""
    indicators = rows["indicator"]
    return {
        "theme": indicators.map(lambda name: config["indicators"][name]["theme"]),
        "indicator": indicators,
        "indicator_label": indicators.map(labels.indicator),
        **({"population": indicators.map(labels.population)} if population else {}),
        "survey": rows["survey"],
        "wave": rows["wave"],
        "breakdown": rows["breakdown"],
        "breakdown_label": rows["breakdown"].map(labels.breakdown),
        "group": rows["group"],
        "group_label": [
            labels.group(b, g) for b, g in zip(rows["breakdown"], rows["group"], strict=True)
        ],
    }


def _report_order(table: pd.DataFrame, config: dict) -> np.ndarray:
    """Themes, indicators and breakdowns as config lists them; groups by their labels' order."""
    themes = list(config["publication"]["themes"])
    keys = [
        table["theme"].map(themes.index).to_numpy(),
        *listed_order(table, config, Labels(config)),
        (table["wave"] if "wave" in table else table["wave_to"]).to_numpy(),
    ]
    return np.lexsort(keys[::-1])


def listed_order(table: pd.DataFrame, config: dict, labels: Labels) -> list[np.ndarray]:
    """Sort keys of rows by indicator and breakdown as config lists them, then by group in its
    labels' order (for np.lexsort, most significant first)."""
    indicators = list(config["indicators"])
    return [
        table["indicator"].map(indicators.index).to_numpy(),
        np.array(
            [
                config["indicators"][i]["breakdowns"].index(b)
                for i, b in zip(table["indicator"], table["breakdown"], strict=True)
            ]
        ),
        np.array(
            [
                labels.group_rank(b, g)
                for b, g in zip(table["breakdown"], table["group"], strict=True)
            ]
        ),
    ]
