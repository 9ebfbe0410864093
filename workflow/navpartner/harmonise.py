"""Apply a wave's crosswalk: vendor codes and names -> one harmonised schema per survey.

A harmonised record: wave, survey, respondent_id, role, kommunenummer and fylkesnummer as of
its wave, region (the stated geography), size_class (by the wave's population), the survey's
other background fields (office survey: office_id, employer, office_staff, office_size,
leadership, services), then one column per item of the survey holding the scale's code, the
don't-know code, or NA (not asked, not answered, or absent in the wave).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from navpartner.audit import RowAccount
from navpartner.config import (
    BACKGROUND_KINDS,
    OFFICE_TRAITS,
    FieldSource,
    ItemSource,
    WaveSpec,
    wave_spec,
)
from navpartner.crosswalk import LabelRules, audit_labels, crosswalk_table
from navpartner.errors import InputError
from navpartner.geo import read_municipality_frame, read_regions, region_of, size_class
from navpartner.io import SurveyFile, read_survey_file, write_csv, write_parquet
from navpartner.validate import (
    plain,
    reject,
    require_columns,
    require_in,
    require_unique,
    require_values,
)


@dataclass(frozen=True)
class Geography:
    municipalities: pd.DataFrame  # the wave's frame
    regions: pd.DataFrame
    municipality_size: dict
    office_size: dict


def harmonise_survey_wave(
    config: dict,
    survey: str,
    wave: int,
    output: str,
    audit: str,
    root: str | Path = ".",
    crosswalk: str | None = None,
) -> RowAccount:
    """Read one vendor file, check its labels against the crosswalk, harmonise it, and write
    Parquet plus its row accounting (and the crosswalk table, where a path is given)."""
    root = Path(root)
    spec = wave_spec(config, survey, wave)
    geography = Geography(
        municipalities=read_municipality_frame(root / spec.municipalities),
        regions=read_regions(root / config["geography"]["regions"]),
        municipality_size=config["geography"]["municipality_size"],
        office_size=config["geography"]["office_size"],
    )
    survey_file = read_survey_file(
        root / spec.file,
        spec.format,
        root / spec.codebook if spec.codebook else None,
        spec.encoding,
    )
    account = RowAccount(step="survey_harmonise")
    for path in [spec.file, spec.municipalities, config["geography"]["regions"]]:
        account.add_input(root / path)
    rules = LabelRules.from_config(config)
    table = crosswalk_table(config, spec, survey_file, rules)
    table = audit_labels(table, rules, survey, wave, survey_file.path)
    items = config["surveys"][survey]["items"]
    scales = {name: config["scales"][config["items"][name]["scale"]] for name in items}
    harmonised = harmonise(survey_file, spec, geography, scales, config["dont_know_code"], account)
    # The vendor file's own label (the synthetic files say so there) travels with the data.
    source = {"source_file_label": survey_file.file_label}
    write_parquet(harmonised, output, metadata=source)
    if crosswalk is not None:
        write_csv(table, crosswalk)
    labels = {str(status): int(n) for status, n in table["status"].value_counts().items()}
    account.write(audit, survey=survey, wave=wave, output=str(output), label_audit=labels, **source)
    return account


def harmonise(
    survey_file: SurveyFile,
    spec: WaveSpec,
    geography: Geography,
    scales: dict[str, dict],
    dont_know_code: int,
    account: RowAccount,
) -> pd.DataFrame:
    """The harmonised records of one vendor file; raises InputError on the first bad value."""
    data, file = survey_file.data, survey_file.path
    sources = [s.source for s in spec.background.values()] + [s.source for s in spec.items.values()]
    require_columns(data, sources + [rule["source"] for rule in spec.exclude], file)
    account.rows_in = len(data)
    if data.empty:
        raise InputError(file, "the file has no respondents", expected="data rows", found=0)
    rows = pd.Series(np.arange(1, len(data) + 1))  # vendor-file row numbers, kept through drops
    require_decidable_exclusions(survey_file, spec, rows)
    keep = np.ones(len(data), dtype=bool)
    for rule in spec.exclude:
        hit = data[rule["source"]].isin(rule["codes"]).to_numpy() & keep
        account.drop(rule["reason"], hit.sum(), source=rule["source"], codes=rule["codes"])
        keep &= ~hit
    if not keep.any():
        excluded = {entry["source"]: entry["rows"] for entry in account.dropped}
        raise InputError(
            file,
            f"the exclusions leave no respondent (rows excluded by variable: {excluded})",
            expected="at least one respondent",
            found=0,
        )
    data, rows = data[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)

    out = pd.DataFrame(
        {
            "wave": np.full(len(data), spec.wave, dtype="int16"),
            "survey": pd.Series([spec.survey] * len(data), dtype="string"),
        }
    )
    for name, source in spec.background.items():
        out[name] = _background(data[source.source], name, source, spec, file, rows)
    for name, source in spec.background.items():  # weighting and breakdowns need them all
        require_values(out[name], file, source.source, rows)
    require_unique(out["respondent_id"], file, spec.background["respondent_id"].source, rows)
    require_one_value_per_office(out, spec, file, rows)
    _add_geography(out, geography, file, spec.background["kommunenummer"].source, rows)
    require_one_per_municipality(out, spec, file, rows)

    for name, scale in scales.items():
        if name in spec.absent:
            out[name] = pd.array([pd.NA] * len(data), dtype="Int8")
            account.recode(item=name, action="absent in this wave: all NA", rows=len(data))
            continue
        source = spec.items[name]
        out[name] = _item(
            data[source.source], name, source, scale, dont_know_code, file, rows, account
        )
    account.rows_out = len(out)
    return out


def _background(
    raw: pd.Series, name: str, source: FieldSource, spec: WaveSpec, file: str, rows: pd.Series
) -> pd.Series:
    kind = BACKGROUND_KINDS[name]
    if kind == "category":
        allowed = sorted(source.codes)
        require_in(
            raw,
            allowed,
            file,
            source.source,
            rows,
            expected=f"one of the codes {[int(c) for c in allowed]}",
        )
        return raw.map(source.codes).astype("string")
    if kind == "count":
        numeric = _numeric(raw, file, source.source, rows)
        whole = numeric.isna() | ((numeric >= 0) & (numeric == np.floor(numeric)))
        reject(~whole, numeric, file, source.source, rows, expected="a whole number >= 0")
        return numeric.astype("Int32")
    text = _as_text(raw, file, source.source, rows)
    if kind == "municipality":
        if source.zero_pad:
            text = text.str.zfill(source.zero_pad)
        bad = text.notna() & ~text.str.fullmatch(r"\d{4}").fillna(False)
        reject(bad, text, file, source.source, rows, expected="a four-digit municipality number")
    return text


def require_decidable_exclusions(survey_file: SurveyFile, spec: WaveSpec, rows: pd.Series) -> None:
    """An exclude rule drops rows by what their codes mean: a code the variable does not label
    (3 for 'Avbrutt' 2) would drop nothing, and a row without a value would be kept unread."""
    data, file = survey_file.data, survey_file.path
    key = f"surveys.{spec.survey}.waves.{spec.wave}.exclude"
    ids = data[spec.background["respondent_id"].source]
    for rule in spec.exclude:
        variable = rule["source"]
        labels = {
            plain(code): label for code, label in survey_file.value_labels.get(variable, {}).items()
        }
        for code in rule["codes"]:
            if labels and code not in labels:
                raise InputError(
                    file,
                    f"{key}: code {code} is not a labelled value of the variable, so the rule "
                    f"({rule['reason']['en']}) would miss the rows it means",
                    variable=variable,
                    expected=f"one of its labelled values {labels}",
                    found=code,
                )
            if not labels and not data[variable].isin([code]).any():
                held = sorted(plain(value) for value in data[variable].dropna().unique())
                raise InputError(
                    file,
                    f"{key}: code {code} is neither a labelled value of the variable (it has no "
                    "value labels) nor held by any row",
                    variable=variable,
                    expected=f"a code the variable holds {held[:10]}",
                    found=code,
                )
        values = data[variable]
        unlabelled = values.notna().to_numpy() & ~values.isin(list(labels)).to_numpy()
        if labels and unlabelled.any():
            found = sorted({plain(value) for value in values[unlabelled]})
            problem = f"{_rows_count(unlabelled.sum())} a value the variable does not label"
            _undecided(file, key, rule, rows, ids, unlabelled, problem, f"one of {labels}", found)
        missing = values.isna().to_numpy()
        if missing.any():
            problem = f"{_rows_count(missing.sum())} no value in the variable"
            expected = f"a value in every row (codes {list(rule['codes'])} are excluded)"
            _undecided(file, key, rule, rows, ids, missing, problem, expected, "no value")


def _undecided(file, key, rule, rows, ids, hit, problem, expected, found) -> None:
    """Stop for rows an exclude rule cannot tell whether to drop, naming the first few."""
    raise InputError(
        file,
        f"{key}: {problem}, so whether the rule ({rule['reason']['en']}) drops them is "
        "unknown: " + _rows_listed(rows[hit], ids[hit]),
        variable=rule["source"],
        row=rows[hit].iat[0],
        expected=expected,
        found=found,
    )


def require_one_value_per_office(
    out: pd.DataFrame, spec: WaveSpec, file: str, rows: pd.Series
) -> None:
    """An office's size, leadership and services are the office's: a respondent whose office
    differs from its colleagues' would move to another office size class (or leadership group)."""
    for name in (trait for trait in OFFICE_TRAITS if trait in out and "office_id" in out):
        values_per_office = out.groupby("office_id")[name].nunique()
        varied = values_per_office.index[values_per_office > 1]
        if varied.empty:
            continue
        office = varied[0]
        members = (out["office_id"] == office).to_numpy()
        counts = out.loc[members, name].value_counts()  # the office's usual value first
        found = "; ".join(
            f"{plain(value)} in " + _rows_listed(rows[members & (out[name] == value).to_numpy()])
            for value in counts.index
        )
        minority = members & (out[name] == counts.index[1]).to_numpy()
        raise InputError(
            file,
            f"office {office} ({spec.background['office_id'].source}) has {len(counts)} values "
            f"of {name}, an office trait: {found}",
            variable=spec.background[name].source,
            row=rows[minority].iat[0],
            expected="one value per office",
            found=[plain(value) for value in counts.index],
        )


def _rows_count(rows: int) -> str:
    return "1 row has" if rows == 1 else f"{rows} rows have"


def _rows_listed(rows: pd.Series, ids: pd.Series | None = None, shown: int = 5) -> str:
    """'rows 3 (id 17), 9 (id 21), … (76 rows)': the first few of the rows, with their ids."""
    listed = ", ".join(
        str(row) if ids is None else f"{row} (id {plain(ids.iat[at])})"
        for at, row in enumerate(rows.iloc[:shown])
    )
    more = f", … ({len(rows)} rows)" if len(rows) > shown else ""
    return f"row{'s' if len(rows) > 1 else ''} {listed}{more}"


def require_one_per_municipality(
    out: pd.DataFrame, spec: WaveSpec, file: str, rows: pd.Series
) -> None:
    """A municipality has one rådmann (and one mayor): a second respondent of such a role in
    one municipality is a duplicate or a miscoded role, and would count twice."""
    if not spec.one_per_municipality:
        return
    held = out["role"].isin(spec.one_per_municipality).to_numpy()
    seen = out[held].duplicated(["role", "kommunenummer"], keep=False)
    if not seen.any():
        return
    first, second = np.flatnonzero(held)[seen.to_numpy()][:2]
    source = spec.background["role"].source
    raise InputError(
        file,
        f"respondents {out['respondent_id'].iat[first]} (row {rows.iat[first]}) and "
        f"{out['respondent_id'].iat[second]} (row {rows.iat[second]}) are both "
        f"{out['role'].iat[first]} of municipality {out['kommunenummer'].iat[first]}",
        variable=source,
        row=rows.iat[second],
        expected=f"at most one respondent per role and municipality for "
        f"{list(spec.one_per_municipality)} (surveys.{spec.survey}.one_per_municipality)",
        found=f"{out['role'].iat[first]} twice",
    )


def _as_text(raw: pd.Series, file: str, variable: str, rows: pd.Series) -> pd.Series:
    """Codes and ids as text: numbers must be whole (and lose their '.0'); blanks are missing."""
    if pd.api.types.is_numeric_dtype(raw):
        reject(
            raw.notna() & (raw != np.floor(raw)),
            raw,
            file,
            variable,
            rows,
            expected="a whole number",
        )
        return raw.astype("Int64").astype("string")
    text = raw.astype("string").str.strip()
    return text.mask(text == "")


def _numeric(raw: pd.Series, file: str, variable: str, rows: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(raw, errors="coerce")
    not_numeric = raw.notna() & numeric.isna()
    if pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw):
        not_numeric &= raw.astype("string").str.strip() != ""
    reject(not_numeric, raw, file, variable, rows, expected="a number")
    return numeric


def _add_geography(
    out: pd.DataFrame, geography: Geography, file: str, variable: str, rows: pd.Series
) -> None:
    frame = geography.municipalities.set_index("kommunenummer")
    require_in(
        out["kommunenummer"],
        frame.index,
        file,
        variable,
        rows,
        expected=f"a municipality number valid in this wave ({len(frame)} in its frame)",
    )
    known = frame.loc[out["kommunenummer"]]
    out["fylkesnummer"] = pd.array(known["fylkesnummer"].to_numpy(), dtype="string")
    out["region"] = pd.array(
        region_of(known["fylkesnummer"], geography.regions).to_numpy(), dtype="string"
    )
    if out["region"].isna().any():
        county = known["fylkesnummer"].to_numpy()[out["region"].isna().to_numpy()][0]
        raise InputError(
            file, f"county {county} has no region in the regions frame", variable=variable
        )
    size = geography.municipality_size
    out["size_class"] = pd.array(
        size_class(known["population"], size["lower_bounds"], size["labels"]), dtype="string"
    )
    if "office_staff" in out:
        office = geography.office_size
        out["office_size"] = pd.array(
            size_class(out["office_staff"], office["lower_bounds"], office["labels"]),
            dtype="string",
        )


def _item(
    raw: pd.Series,
    name: str,
    source: ItemSource,
    scale: dict,
    dont_know_code: int,
    file: str,
    rows: pd.Series,
    account: RowAccount,
) -> pd.Series:
    raw = _numeric(raw, file, source.source, rows)
    is_dont_know = raw.isin(source.dont_know)
    is_missing = raw.isin(source.missing)
    valid = raw.mask(is_dont_know | is_missing)
    scale_codes = sorted(int(code) for code in scale)
    if source.codes is not None:
        require_in(
            valid,
            source.codes,
            file,
            source.source,
            rows,
            expected=f"one of the codes {[int(c) for c in source.codes]} or "
            f"don't-know {list(source.dont_know)} / missing {list(source.missing)}",
        )
        valid = valid.map(source.codes)
    else:
        require_in(
            valid,
            scale_codes,
            file,
            source.source,
            rows,
            expected=f"one of {scale_codes} or don't-know {list(source.dont_know)} / "
            f"missing {list(source.missing)}",
        )
        if source.reverse:
            valid = min(scale_codes) + max(scale_codes) - valid
    harmonised = valid.mask(is_dont_know, dont_know_code).astype("Int8")
    account.recode(
        item=name,
        source=source.source,
        reversed=source.reverse,
        code_map={str(int(k)): v for k, v in source.codes.items()} if source.codes else None,
        dont_know_rows=int(is_dont_know.sum()),
        missing_code_rows=int(is_missing.sum()),
        system_missing_rows=int(raw.isna().sum()),
    )
    return harmonised
