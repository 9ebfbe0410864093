"""The questions of the synthetic surveys, in the harmonised coding, and who is asked them.

Harmonised codes: five-point items 1 (helt uenig / aldri) .. 5 (helt enig / svært ofte),
yes/no items 0 nei, 1 ja; 9 is "vet ikke". NOT_ASKED marks routing (never in a vendor file
as a code: the vendor leaves it system-missing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DONT_KNOW = 9
NOT_ASKED = -1

AGREE_LABELS = {
    1: "Helt uenig",
    2: "Litt uenig",
    3: "Verken enig eller uenig",
    4: "Litt enig",
    5: "Helt enig",
}
FREQUENCY_LABELS = {1: "Aldri", 2: "Sjelden", 3: "Av og til", 4: "Ofte", 5: "Svært ofte"}
YESNO_LABELS = {0: "Nei", 1: "Ja"}


@dataclass(frozen=True)
class Item:
    name: str
    scale: str  # "agree", "frequency" or "yesno"
    wording: str
    asked_roles: tuple[str, ...]
    waves: tuple[int, ...] = (2011, 2019)
    only_in_mixed_teams: bool = False

    @property
    def surveys(self) -> set[str]:
        return {
            "kontor" if r in ("veileder", "kontorleder") else "kommune" for r in self.asked_roles
        }

    def asked(self, frame: pd.DataFrame, wave: int) -> np.ndarray:
        asked = frame["role"].isin(self.asked_roles).to_numpy() & (wave in self.waves)
        if self.only_in_mixed_teams:
            asked &= (frame["team_blandet"] == 1).to_numpy()
        return asked

    @property
    def labels(self) -> dict[int, str]:
        return {"agree": AGREE_LABELS, "frequency": FREQUENCY_LABELS, "yesno": YESNO_LABELS}[
            self.scale
        ]


ITEMS = {
    item.name: item
    for item in [
        Item(
            "team_blandet",
            "yesno",
            "Arbeider du i et team med både statlig og kommunalt ansatte?",
            ("veileder",),
        ),
        Item(
            "andre_parts_oppgaver",
            "frequency",
            "Hvor ofte arbeider du med oppgaver som hører til den andre parten"
            " (stat eller kommune)?",
            ("veileder",),
        ),
        Item(
            "teammal_klare",
            "agree",
            "Teamet mitt har klare og omforente mål.",
            ("veileder",),
            waves=(2019,),
            only_in_mixed_teams=True,
        ),
        Item(
            "fornoyd_teamarbeid",
            "agree",
            "Jeg er fornøyd med å arbeide i team med både statlig og kommunalt ansatte.",
            ("veileder",),
            waves=(2019,),
            only_in_mixed_teams=True,
        ),
        Item(
            "samarbeid_kommunale_tjenester",
            "agree",
            "Samarbeidet mellom Nav-kontoret og andre kommunale tjenester fungerer godt.",
            ("veileder", "kontorleder", "radmann", "ordforer"),
        ),
        Item(
            "tettere_samarbeid",
            "agree",
            "Jeg ønsker et tettere samarbeid med andre kommunale tjenester.",
            ("veileder",),
            waves=(2019,),
        ),
        Item(
            "likeverdig",
            "agree",
            "Partnerskapet mellom stat og kommune er likeverdig.",
            ("kontorleder", "radmann"),
        ),
        Item(
            "statlig_dominans",
            "agree",
            "Partnerskapet er preget av statlig dominans.",
            ("kontorleder", "radmann"),
        ),
        Item(
            "adm_merarbeid",
            "agree",
            "Partnerskapet gir mye administrativt merarbeid.",
            ("kontorleder",),
        ),
        Item(
            "samarbeid_stat_fungerer",
            "agree",
            "Samarbeidet med staten om Nav-kontoret fungerer godt.",
            ("radmann", "ordforer"),
        ),
        Item(
            "flere_i_arbeid",
            "agree",
            "Partnerskapet bidrar til at flere kommer i arbeid og færre går på stønad.",
            ("kontorleder", "radmann", "ordforer"),
        ),
        Item(
            "tilpassede_tjenester",
            "agree",
            "Partnerskapet gir tjenester som er tilpasset brukernes behov.",
            ("kontorleder", "radmann", "ordforer"),
        ),
        Item(
            "sosiale_tjenester_ivaretatt",
            "agree",
            "De sosiale tjenestene i Nav-kontoret blir godt ivaretatt.",
            ("kontorleder", "radmann", "ordforer"),
        ),
        Item(
            "fremmer_samarbeid",
            "agree",
            "Partnerskapet fremmer samarbeidet mellom stat og kommune.",
            ("radmann", "ordforer"),
        ),
        Item(
            "loser_oppgaver",
            "agree",
            "Partnerskapet hjelper Nav-kontoret med å løse oppgavene sine.",
            ("radmann", "ordforer"),
        ),
    ]
}
