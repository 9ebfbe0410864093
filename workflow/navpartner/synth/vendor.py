"""Write the synthetic respondents as a survey vendor would deliver them, wave by wave.

The waves differ the way real ones do, so that harmonisation is real work:
- variables renamed (2011 numbers its questions, 2019 names them; background variables too);
- the agreement scale runs 1 = helt enig .. 5 = helt uenig in 2011 and the other way in 2019;
- "vet ikke" is 8 (2011) or 6 (2019), "ikke besvart" 9 or 99, declared as SPSS user-missing;
- role and employer codes are ordered differently; 2011 stores municipality numbers as
  numbers (leading zero lost) and ids as running numbers;
- "teammal_klare", "fornoyd_teamarbeid" and "tettere_samarbeid" were asked only in 2019.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyreadstat

from navpartner.synth.items import DONT_KNOW, ITEMS, NOT_ASKED

FILE_LABEL = "SYNTETISKE DATA - ikke ekte svar (navpartner synth)"
FILE_NOTE = [  # SPSS document lines hold at most 80 bytes each
    "SYNTETISKE DATA / SYNTHETIC DATA.",
    "Laget av navpartner synth fra en syntetisk populasjon på det ekte",
    "kommuneregisteret. Ingen rad er et ekte svar.",
    "Made by navpartner synth from a synthetic population on the real",
    "municipality frame. No row is a real response.",
]


@dataclass(frozen=True)
class Coded:
    """A categorical variable: harmonised value -> vendor code, and the vendor's labels."""

    name: str
    codes: dict
    labels: dict[int, str]


@dataclass(frozen=True)
class Layout:
    survey: str
    wave: int
    respondent_id: str
    id_format: str | None  # None: running number stored as a number
    kommunenummer: str
    kommunenummer_numeric: bool
    role: Coded
    status: Coded
    items: dict[str, str]  # harmonised item -> vendor variable
    dont_know: int
    no_answer: int
    agree_reversed: bool
    employer: Coded | None = None
    office: tuple[str, str | None] | None = None  # (variable, id format or None for numeric)
    office_traits: dict[str, str] = field(default_factory=dict)  # population column -> variable
    leadership: Coded | None = None


LAYOUTS = {
    ("kontor", 2011): Layout(
        survey="kontor",
        wave=2011,
        respondent_id="lopenr",
        id_format=None,
        kommunenummer="knr",
        kommunenummer_numeric=True,
        role=Coded("stilling", {"kontorleder": 1, "veileder": 2}, {1: "Leder", 2: "Veileder"}),
        employer=Coded("ansatt_i", {"stat": 1, "kommune": 2}, {1: "Staten", 2: "Kommunen"}),
        status=Coded("fullfort", {True: 1, False: 0}, {1: "Ja", 0: "Nei"}),
        office=("kontornr", None),
        office_traits={"staff": "ansatte_kontor", "services": "komm_tjenester"},
        leadership=Coded("ledermodell", {1: 1, 0: 2}, {1: "Enhetlig ledelse", 2: "Todelt ledelse"}),
        items={
            "team_blandet": "sp3",
            "andre_parts_oppgaver": "sp4",
            "samarbeid_kommunale_tjenester": "sp7",
            "likeverdig": "sp9_1",
            "statlig_dominans": "sp9_2",
            "adm_merarbeid": "sp9_3",
            "flere_i_arbeid": "sp10_1",
            "tilpassede_tjenester": "sp10_2",
            "sosiale_tjenester_ivaretatt": "sp10_3",
        },
        dont_know=8,
        no_answer=9,
        agree_reversed=True,
    ),
    ("kontor", 2019): Layout(
        survey="kontor",
        wave=2019,
        respondent_id="resp_id",
        id_format="NAV19-{:05d}",
        kommunenummer="kommunenr",
        kommunenummer_numeric=False,
        role=Coded("rolle", {"veileder": 1, "kontorleder": 2}, {1: "Veileder", 2: "Kontorleder"}),
        employer=Coded("arbeidsgiver", {"kommune": 1, "stat": 2}, {1: "Kommunen", 2: "Staten"}),
        status=Coded("status", {True: 1, False: 2}, {1: "Fullført", 2: "Avbrutt"}),
        office=("kontor_id", "K19-{:03d}"),
        office_traits={"staff": "kontor_ansatte", "services": "kommunale_tjenester"},
        leadership=Coded(
            "ledelsesmodell", {1: 1, 0: 2}, {1: "Enhetlig ledelse", 2: "Todelt ledelse"}
        ),
        items={
            "team_blandet": "team_blandet",
            "andre_parts_oppgaver": "andre_oppgaver",
            "teammal_klare": "teammaal",
            "fornoyd_teamarbeid": "fornoyd_team",
            "samarbeid_kommunale_tjenester": "samarb_kommunale",
            "tettere_samarbeid": "tettere_samarb",
            "likeverdig": "likeverdig",
            "statlig_dominans": "statlig_dominans",
            "adm_merarbeid": "adm_merarbeid",
            "flere_i_arbeid": "flere_i_arbeid",
            "tilpassede_tjenester": "tilpasset",
            "sosiale_tjenester_ivaretatt": "sosiale_tjenester",
        },
        dont_know=6,
        no_answer=99,
        agree_reversed=False,
    ),
    ("kommune", 2011): Layout(
        survey="kommune",
        wave=2011,
        respondent_id="lopenr",
        id_format=None,
        kommunenummer="knr",
        kommunenummer_numeric=True,
        role=Coded("funksjon", {"ordforer": 1, "radmann": 2}, {1: "Ordfører", 2: "Rådmann"}),
        status=Coded("fullfort", {True: 1, False: 0}, {1: "Ja", 0: "Nei"}),
        items={
            "samarbeid_kommunale_tjenester": "k4",
            "samarbeid_stat_fungerer": "k5",
            "likeverdig": "k6_1",
            "statlig_dominans": "k6_2",
            "flere_i_arbeid": "k7_1",
            "tilpassede_tjenester": "k7_2",
            "sosiale_tjenester_ivaretatt": "k7_3",
            "fremmer_samarbeid": "k7_4",
            "loser_oppgaver": "k7_5",
        },
        dont_know=8,
        no_answer=9,
        agree_reversed=True,
    ),
    ("kommune", 2019): Layout(
        survey="kommune",
        wave=2019,
        respondent_id="resp_id",
        id_format="KOM19-{:04d}",
        kommunenummer="kommunenr",
        kommunenummer_numeric=False,
        role=Coded(
            "rolle", {"radmann": 1, "ordforer": 2}, {1: "Kommunedirektør/rådmann", 2: "Ordfører"}
        ),
        status=Coded("status", {True: 1, False: 2}, {1: "Fullført", 2: "Avbrutt"}),
        items={
            "samarbeid_kommunale_tjenester": "samarb_kommunale",
            "samarbeid_stat_fungerer": "samarb_staten",
            "likeverdig": "likeverdig",
            "statlig_dominans": "statlig_dominans",
            "flere_i_arbeid": "flere_i_arbeid",
            "tilpassede_tjenester": "tilpasset",
            "sosiale_tjenester_ivaretatt": "sosiale_tjenester",
            "fremmer_samarbeid": "fremmer_samarb",
            "loser_oppgaver": "loser_oppgaver",
        },
        dont_know=6,
        no_answer=99,
        agree_reversed=False,
    ),
}

YES, NO = 1, 2  # vendor codes for ja / nei, both waves


def vendor_frame(
    respondents: pd.DataFrame, layout: Layout, item_nonresponse: float, rng: np.random.Generator
):
    """The vendor's table and its SPSS metadata for the respondents of one survey and wave."""
    respondents = respondents.iloc[rng.permutation(len(respondents))].reset_index(drop=True)
    running = np.arange(1, len(respondents) + 1)
    out = pd.DataFrame({layout.respondent_id: _identifiers(running, layout.id_format)})
    labels = {layout.respondent_id: "Respondentnummer"}
    value_labels: dict[str, dict] = {}
    missing: dict[str, list] = {}

    kommune = respondents["kommunenummer"]
    out[layout.kommunenummer] = kommune.astype(int) if layout.kommunenummer_numeric else kommune
    labels[layout.kommunenummer] = "Kommunenummer (kontorets vertskommune)"
    if layout.office is not None:
        variable, id_format = layout.office
        out[variable] = _identifiers(respondents["office"].to_numpy() + 1, id_format)
        labels[variable] = "Nav-kontor"
        for column, variable in layout.office_traits.items():
            out[variable] = respondents[column].astype(int)
        labels[layout.office_traits["staff"]] = "Antall ansatte ved kontoret (fra registeret)"
        labels[layout.office_traits["services"]] = "Antall kommunale tjenester ut over minimum"
    for coded, column, label in [
        (layout.leadership, "unified", "Ledelsesmodell"),
        (layout.role, "role", "Rolle"),
        (layout.employer, "employer", "Arbeidsgiver"),
    ]:
        if coded is not None:
            out[coded.name] = respondents[column].map(coded.codes).astype(int)
            labels[coded.name] = label
            value_labels[coded.name] = coded.labels
    out[layout.status.name] = (~respondents["breakoff"]).map(layout.status.codes).astype(int)
    labels[layout.status.name] = "Status for besvarelsen"
    value_labels[layout.status.name] = layout.status.labels

    unanswered = rng.random((len(respondents), len(layout.items))) < item_nonresponse
    for column, (item_name, variable) in enumerate(layout.items.items()):
        item = ITEMS[item_name]
        truth = respondents[item_name].to_numpy()
        codes = _vendor_codes(truth, item.scale, layout)
        codes[unanswered[:, column] & (truth != NOT_ASKED)] = layout.no_answer
        codes[respondents["breakoff"].to_numpy()] = np.nan
        out[variable] = codes
        labels[variable] = item.wording
        value_labels[variable] = _vendor_labels(item, layout)
        missing[variable] = [layout.dont_know, layout.no_answer]
    return out.sort_values(layout.respondent_id, ignore_index=True), labels, value_labels, missing


def write_vendor_file(path, frame, labels, value_labels, missing) -> None:
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=FILE_LABEL,
        note=FILE_NOTE,
        column_labels=labels,
        row_compress=True,
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )


def _identifiers(numbers: np.ndarray, id_format: str | None):
    if id_format is None:
        return numbers.astype(float)
    return [id_format.format(int(n)) for n in numbers]


def _vendor_codes(truth: np.ndarray, scale: str, layout: Layout) -> np.ndarray:
    codes = truth.astype(float)
    if scale == "yesno":
        codes = np.where(truth == 1, YES, NO).astype(float)
    elif scale == "agree" and layout.agree_reversed:
        codes = 6 - codes
    codes[truth == DONT_KNOW] = layout.dont_know
    codes[truth == NOT_ASKED] = np.nan
    return codes


def _vendor_labels(item, layout: Layout) -> dict[int, str]:
    if item.scale == "yesno":
        labels = {YES: "Ja", NO: "Nei"}
    elif item.scale == "agree" and layout.agree_reversed:
        labels = {6 - code: label for code, label in item.labels.items()}
    else:
        labels = dict(item.labels)
    labels[layout.dont_know] = "Vet ikke"
    labels[layout.no_answer] = "Ikke besvart"
    return dict(sorted(labels.items()))
