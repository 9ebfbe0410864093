"""Population values of every item, by wave and main group: what estimates are checked against."""

from __future__ import annotations

import pandas as pd

from navpartner.synth.items import DONT_KNOW, ITEMS, NOT_ASKED

POSITIVE = {"agree": {4, 5}, "frequency": {4, 5}, "yesno": {1}}
BREAKDOWNS = {
    "kontor": ["total", "employer", "size_class", "region", "leadership"],
    "kommune": ["total", "size_class", "region"],
}


def population_truth(frame: pd.DataFrame, survey: str, wave: int) -> pd.DataFrame:
    """Share positive among substantive answers ("vet ikke" excluded), per item, role, group."""
    frame = frame.assign(
        total="alle",
        leadership=frame["unified"].map({1: "enhetlig", 0: "todelt"})
        if "unified" in frame
        else None,
    )
    rows = []
    for item in ITEMS.values():
        if item.name not in frame:
            continue
        answers = frame[item.name]
        asked = answers != NOT_ASKED
        if not asked.any():
            continue
        substantive = asked & (answers != DONT_KNOW)
        positive = answers.isin(POSITIVE[item.scale])
        for role in sorted(frame.loc[asked, "role"].unique()):
            in_role = frame["role"] == role
            for breakdown in BREAKDOWNS[survey]:
                table = (
                    pd.DataFrame(
                        {
                            "group": frame[breakdown],
                            "asked": asked & in_role,
                            "substantive": substantive & in_role,
                            "positive": positive & in_role,
                        }
                    )
                    .groupby("group")
                    .sum()
                )
                for group, counts in table[table["asked"] > 0].iterrows():
                    rows.append(
                        {
                            "survey": survey,
                            "wave": wave,
                            "item": item.name,
                            "role": role,
                            "breakdown": breakdown,
                            "group": group,
                            "n_asked": int(counts["asked"]),
                            "n_substantive": int(counts["substantive"]),
                            "share_positive": counts["positive"] / counts["substantive"],
                            "share_dont_know": 1 - counts["substantive"] / counts["asked"],
                        }
                    )
    return pd.DataFrame(rows)
