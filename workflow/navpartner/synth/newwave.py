"""An example new wave, derived from a shipped synthetic one, for trying out `draft-wave`.

The derived file changes what new waves change in practice: two variables renamed, one agreement
item stored the other way round (1 = helt enig), the don't-know code moved, one item no longer
asked, and municipality numbers as of the new wave's frame (through the reform crosswalks). The
answers are the source wave's, so a correct crosswalk harmonises them back to the same values.
It is as synthetic as its source, and its file label says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyreadstat

from navpartner.geo import read_municipality_frame, read_regions, region_of, size_class
from navpartner.io import write_atomically, write_text
from navpartner.synth import (
    MARGIN_VARIABLES,
    OFFICE_SIZE_BOUNDS,
    OFFICE_SIZE_LABELS,
    load_parameters,
)
from navpartner.synth.population import SIZE_BOUNDS, SIZE_LABELS, build_population
from navpartner.synth.vendor import FILE_NOTE

FILE_LABEL = "SYNTETISKE DATA - ikke ekte svar (navpartner example-wave)"
# The reforms between the shipped waves and a later one: (crosswalk file, first year it holds).
REFORMS = [("municipality_changes_2020.csv", 2020), ("municipality_changes_2024.csv", 2024)]


@dataclass(frozen=True)
class Changes:
    renamed: dict[str, str] = field(
        default_factory=lambda: {
            "likeverdig": "partnerskap_likeverdig",
            "tilpasset": "tjenester_tilpasset",
        }
    )
    reversed: tuple[str, ...] = ("statlig_dominans",)
    dont_know: tuple[float, float] = (6.0, 7.0)  # (old code, new code)
    dropped: tuple[str, ...] = ("teammaal",)
    municipality: str = "kommunenr"


@dataclass
class VendorFile:
    data: pd.DataFrame
    column_labels: dict
    value_labels: dict
    missing: dict

    @classmethod
    def read(cls, path: Path) -> VendorFile:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
        missing = {k: [r["lo"] for r in v] for k, v in (meta.missing_ranges or {}).items()}
        labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
        return cls(data, dict(meta.column_names_to_labels), labels, missing)

    def write(self, path: Path) -> None:
        def write(tmp: str) -> None:
            pyreadstat.write_sav(
                self.data,
                tmp,
                file_label=FILE_LABEL,
                note=FILE_NOTE,
                column_labels=self.column_labels,
                variable_value_labels=self.value_labels,
                missing_ranges=self.missing,
                row_compress=True,
            )

        write_atomically(path, write)


def derive_wave(
    source: Path,
    margins: Path,
    frames: Path,
    wave: int,
    output_dir: Path,
    changes: Changes = Changes(),
) -> list[Path]:
    """Write <survey>_<wave>.sav and <survey>_<wave>_margins.csv under output_dir.

    Changes name variables of the kontor files; those a file lacks are left out."""
    vendor = VendorFile.read(source)
    _move_dont_know(vendor, *changes.dont_know)
    for variable in set(changes.reversed) & set(vendor.data.columns):
        _reverse(vendor, variable)
    vendor.data = vendor.data.drop(columns=list(changes.dropped), errors="ignore")
    column = changes.municipality
    vendor.data[column] = _recode_municipalities(vendor.data[column], frames, wave)
    _rename(vendor, changes.renamed)

    survey, source_wave = source.stem.rsplit("_", 1)
    stem = f"{survey}_{wave}"
    paths = [output_dir / f"{stem}.sav", output_dir / f"{stem}_margins.csv"]
    vendor.write(paths[0])
    note = (
        f"# EXAMPLE for draft-wave: the synthetic population of {margins.name}, its "
        f"municipalities carried to {wave} and counted by {wave}'s regions and size classes\n"
    )
    counts = _example_margins(survey, int(source_wave), frames, wave)
    write_text(note + counts.to_csv(index=False, lineterminator="\n"), paths[1])
    return paths


def _example_margins(survey: str, source_wave: int, frames: Path, wave: int) -> pd.DataFrame:
    """The margins of the source wave's synthetic population as the new wave's frame places
    it: municipalities carried through the reforms, regions and size classes of the new year."""
    regions = read_regions(frames / "regions.csv")
    source_frame = read_municipality_frame(frames / f"municipalities_{source_wave}.csv")
    population = build_population(source_wave, source_frame, regions, load_parameters())
    people = population.staff if survey == "kontor" else population.leaders
    new_frame = read_municipality_frame(frames / f"municipalities_{wave}.csv")
    new_frame = new_frame.set_index("kommunenummer")
    municipality = _recode_municipalities(people["kommunenummer"], frames, wave)
    people = people.assign(
        region=region_of(municipality.map(new_frame["fylkesnummer"]), regions).to_numpy(),
        size_class=size_class(municipality.map(new_frame["population"]), SIZE_BOUNDS, SIZE_LABELS),
    )
    if "staff" in people:
        people["office_size"] = size_class(people["staff"], OFFICE_SIZE_BOUNDS, OFFICE_SIZE_LABELS)
    return people.groupby(MARGIN_VARIABLES[survey]).size().rename("count").reset_index()


def _move_dont_know(vendor: VendorFile, old: float, new: float) -> None:
    for variable, codes in vendor.missing.items():
        if old in codes:
            vendor.data[variable] = vendor.data[variable].replace(old, new)
            vendor.missing[variable] = [new if c == old else c for c in codes]
            vendor.value_labels[variable] = {
                (new if c == old else c): text for c, text in vendor.value_labels[variable].items()
            }


def _reverse(vendor: VendorFile, variable: str) -> None:
    answers = vendor.data[variable].between(1, 5)
    vendor.data.loc[answers, variable] = 6 - vendor.data.loc[answers, variable]
    vendor.value_labels[variable] = {
        (6 - c if 1 <= c <= 5 else c): text for c, text in vendor.value_labels[variable].items()
    }


def _rename(vendor: VendorFile, renamed: dict[str, str]) -> None:
    kept = set(vendor.data.columns)
    vendor.data = vendor.data.rename(columns=renamed)
    for name in ("column_labels", "value_labels", "missing"):
        table = getattr(vendor, name)
        setattr(vendor, name, {renamed.get(k, k): v for k, v in table.items() if k in kept})


def _recode_municipalities(codes: pd.Series, frames: Path, wave: int) -> pd.Series:
    """Municipality numbers carried through each reform up to the wave. A split municipality
    goes to its most populous successor (the example needs one number per office)."""
    population = pd.read_csv(frames / f"municipalities_{wave}.csv", dtype=str)
    size = population.set_index("kommunenummer")["population"].astype(int)
    for file, year in REFORMS:
        if year > wave:
            break
        changes = pd.read_csv(frames / file, dtype=str)
        changes["size"] = changes["new_kommunenummer"].map(size).fillna(0)
        successor = (
            changes.sort_values("size", ascending=False)
            .drop_duplicates("old_kommunenummer")
            .set_index("old_kommunenummer")["new_kommunenummer"]
        )
        codes = codes.map(lambda code, s=successor: s.get(code, code))
    return codes
