"""Crosswalk cases on small hand-made vendor files, three formats, and bad inputs."""

import copy
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from navpartner.config import check_config
from navpartner.errors import InputError
from navpartner.harmonise import harmonise_survey_wave
from navpartner.synth.items import NOT_ASKED
from navpartner.synth.vendor import LAYOUTS, vendor_frame, write_vendor_file

# A small 2011-style municipal file: numeric municipality numbers, reversed agreement scale,
# don't-know 8, missing 9, a breakoff row.
SMALL = pd.DataFrame(
    {
        "lopenr": [1.0, 2.0, 3.0, 4.0, 5.0],
        "knr": [301.0, 301.0, 1103.0, 1601.0, 1601.0],
        "funksjon": [1.0, 2.0, 2.0, 1.0, 2.0],
        "fullfort": [1.0, 1.0, 1.0, 0.0, 1.0],
        "k4": [1.0, 5.0, 8.0, np.nan, 9.0],
        "k5": [2.0, 4.0, 3.0, np.nan, np.nan],
    }
)
SMALL_LABELS = {"k4": {1: "Helt enig", 5: "Helt uenig", 8: "Vet ikke", 9: "Ikke besvart"}}
SMALL_MISSING = {"k4": [8, 9], "k5": [8, 9]}


def small_config(config, tmp_path, file="small.sav", file_format="sav", **wave_changes):
    """The real config reduced to one municipal survey wave reading a file in tmp_path."""
    config = copy.deepcopy(config)
    survey = config["surveys"]["kommune"]
    survey["items"] = ["samarbeid_kommunale_tjenester", "samarbeid_stat_fungerer", "likeverdig"]
    wave = survey["waves"][2011]
    wave.update(
        file=str(tmp_path / file),
        format=file_format,
        items={
            "samarbeid_kommunale_tjenester": {"source": "k4", "reverse": True},
            "samarbeid_stat_fungerer": {"source": "k5"},
        },
        absent=["likeverdig"],
        **wave_changes,
    )
    survey["waves"] = {2011: wave}
    config["surveys"] = {"kommune": survey}
    config["indicators"] = {
        name: spec
        for name, spec in config["indicators"].items()
        if spec["survey"] == "kommune" and spec["item"] in wave["items"]  # asked in the wave
    }
    config["models"] = {}
    config.pop("claims", None)
    config["publication"]["figures"] = {}
    del config["publication"]["change"]
    check_config(config)
    return config


def run(config, tmp_path, root):
    output, audit = tmp_path / "out.parquet", tmp_path / "out.audit.json"
    account = harmonise_survey_wave(config, "kommune", 2011, str(output), str(audit), root=root)
    return pd.read_parquet(output), account


def write_sav(frame, path, **kwargs):
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels=kwargs.get("labels", SMALL_LABELS),
        missing_ranges=kwargs.get("missing", SMALL_MISSING),
    )


def test_crosswalk_cases(config, tmp_path, root):
    write_sav(SMALL, tmp_path / "small.sav")
    out, account = run(small_config(config, tmp_path), tmp_path, root)
    assert list(out["respondent_id"]) == ["1", "2", "3", "5"]  # breakoff row 4 dropped
    assert list(out["kommunenummer"]) == ["0301", "0301", "1103", "1601"]  # zero-padded
    assert list(out["role"]) == ["ordforer", "radmann", "radmann", "radmann"]  # code map
    # reversed: raw 1 (helt enig) -> 5, raw 5 -> 1; 8 -> don't know 9; 9 -> NA
    assert out["samarbeid_kommunale_tjenester"].tolist() == [5, 1, 9, pd.NA]
    assert out["samarbeid_stat_fungerer"].tolist() == [2, 4, 3, pd.NA]  # not reversed
    assert out["likeverdig"].isna().all()  # absent in this wave
    assert list(out["region"]) == ["oslo_og_viken", "oslo_og_viken", "vestlandet", "trondelag"]
    assert list(out["fylkesnummer"]) == ["03", "03", "11", "16"]
    assert list(out["size_class"]) == ["50000_plus", "50000_plus", "50000_plus", "50000_plus"]
    assert str(out["samarbeid_kommunale_tjenester"].dtype) == "Int8"
    assert (account.rows_in, account.rows_out) == (5, 4)
    assert account.dropped[0]["rows"] == 1 and "broke off" in account.dropped[0]["reason"]["en"]
    recode = {r["item"]: r for r in account.recoded}
    assert recode["samarbeid_kommunale_tjenester"]["dont_know_rows"] == 1
    assert recode["samarbeid_kommunale_tjenester"]["missing_code_rows"] == 1


def test_audit_names_inputs_with_checksums(config, tmp_path, root):
    write_sav(SMALL, tmp_path / "small.sav")
    run(small_config(config, tmp_path), tmp_path, root)
    audit = yaml.safe_load((tmp_path / "out.audit.json").read_text(encoding="utf-8"))
    assert audit["rows_in"] == audit["rows_out"] + sum(d["rows"] for d in audit["dropped"])
    checksums = audit["inputs"]
    assert str(tmp_path / "small.sav") in checksums
    assert all(len(value) == 64 for value in checksums.values())


def test_stata_and_csv_files_give_the_same_records(config, tmp_path, root):
    write_sav(SMALL, tmp_path / "small.sav")
    expected, _ = run(small_config(config, tmp_path), tmp_path, root)

    pyreadstat.write_dta(SMALL, str(tmp_path / "small.dta"), variable_value_labels=SMALL_LABELS)
    from_dta, _ = run(small_config(config, tmp_path, "small.dta", "dta"), tmp_path, root)
    pd.testing.assert_frame_equal(from_dta, expected)

    SMALL.to_csv(tmp_path / "small.csv", index=False)
    codebook = {
        "file_label": "small",
        "variables": {
            "k4": {
                "label": "Samarbeid",
                "values": {1: "Helt enig", 5: "Helt uenig"},
                "missing": [8, 9],
            },
        },
    }
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(codebook), encoding="utf-8")
    csv_config = small_config(
        config, tmp_path, "small.csv", "csv", codebook=str(tmp_path / "small.yaml")
    )
    from_csv, _ = run(csv_config, tmp_path, root)
    pd.testing.assert_frame_equal(from_csv, expected)


def test_yes_no_code_map_and_item_overrides(config, tmp_path, root):
    frame = SMALL.assign(k5=[1.0, 2.0, 7.0, np.nan, 1.0])
    write_sav(frame, tmp_path / "small.sav")
    changed = small_config(config, tmp_path)
    wave = changed["surveys"]["kommune"]["waves"][2011]
    # An item with its own don't-know code (7) and a code map onto the agreement scale.
    wave["items"]["samarbeid_stat_fungerer"] = {
        "source": "k5",
        "codes": {1: 5, 2: 1},
        "dont_know": [7],
    }
    out, _ = run(changed, tmp_path, root)
    assert out["samarbeid_stat_fungerer"].tolist() == [5, 1, 9, 5]


BAD_INPUTS = [
    # (change to SMALL, expected words in the message)
    (lambda d: d.assign(funksjon=[1.0, 2.0, 3.0, 1.0, 2.0]), ["funksjon", "row 3", "[1, 2]", "3"]),
    (lambda d: d.assign(lopenr=[1.0, 2.0, 2.0, 4.0, 5.0]), ["lopenr", "row 3", "unique"]),
    (lambda d: d.assign(knr=[301.0, 9999.0, 1103.0, 1601.0, 1601.0]), ["knr", "row 2", "9999"]),
    (lambda d: d.drop(columns="k5"), ["k5", "not in the file"]),
    (lambda d: d.assign(k4=[1.0, 6.0, 8.0, np.nan, 9.0]), ["k4", "row 2", "[1, 2, 3, 4, 5]", "6"]),
    (lambda d: d.assign(k4=[1.0, 2.5, 8.0, np.nan, 9.0]), ["k4", "row 2", "found 2.5)"]),
    (lambda d: d.assign(funksjon=[1.0, np.nan, 2.0, 1.0, 2.0]), ["funksjon", "row 2", "missing"]),
    (
        lambda d: d.assign(knr=[301.0, 301.0, 1103.5, 1601.0, 1601.0]),
        ["knr", "row 3", "whole number", "1103.5"],
    ),
    (
        lambda d: d.assign(knr=[301.0, 301.0, 11030.0, 1601.0, 1601.0]),
        ["knr", "row 3", "four-digit"],
    ),
    # No value where the exclude rule (fullfort 0: broke off) looks: kept or dropped is unknown.
    (
        lambda d: d.assign(fullfort=[1.0, np.nan, 1.0, 0.0, np.nan]),
        ["fullfort", "row 2", "exclude: 2 rows have no value", "rows 2 (id 2), 5 (id 5)"],
    ),
    # Two rådmenn in one municipality (surveys.kommune.one_per_municipality).
    (
        lambda d: d.assign(knr=[301.0, 301.0, 301.0, 1601.0, 1601.0]),
        ["respondents 2 (row 2) and 3 (row 3) are both radmann of municipality 0301", "funksjon"],
    ),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "words"), BAD_INPUTS)
def test_bad_input_stops_with_a_named_error_and_writes_nothing(
    config, tmp_path, root, change, words
):
    write_sav(change(SMALL.copy()), tmp_path / "small.sav")
    with pytest.raises(InputError) as error:
        run(small_config(config, tmp_path), tmp_path, root)
    message = str(error.value)
    assert "small.sav" in message
    for word in words:
        assert word in message, message
    assert not (tmp_path / "out.parquet").exists()
    assert not (tmp_path / "out.audit.json").exists()
    assert not list(tmp_path.glob(".out*"))  # no half-written temporary file left behind


@pytest.mark.bad_input
def test_a_labelled_text_item_is_named(config, tmp_path, root):
    """An item stored as text with value labels ('fire' = 'Litt enig') once gave a traceback."""
    text_item = SMALL.assign(k4=["fire", "en", "8", "", "9"])
    labels = {"k4": {"fire": "Litt enig", "en": "Helt enig"}}
    pyreadstat.write_sav(text_item, str(tmp_path / "small.sav"), variable_value_labels=labels)
    with pytest.raises(InputError) as error:
        run(small_config(config, tmp_path), tmp_path, root)
    message = str(error.value)
    assert "small.sav: variable 'k4'" in message and "text codes" in message
    assert "fire = Litt enig" in message
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("labels", "words"),
    [
        # fullfort labelled 0 Nei, 1 Ja: a rule for code 2 would drop no one, unnoticed.
        ({"fullfort": {0: "Nei", 1: "Ja"}}, ["not a labelled value", "{0: 'Nei', 1: 'Ja'}"]),
        # fullfort without labels: code 2 is then checked against the codes it holds.
        ({}, ["has no value labels", "holds [0, 1]"]),
    ],
)
def test_an_exclusion_code_the_variable_does_not_have_is_named(
    config, tmp_path, root, labels, words
):
    write_sav(SMALL, tmp_path / "small.sav", labels={**SMALL_LABELS, **labels})
    changed = small_config(config, tmp_path)
    changed["surveys"]["kommune"]["waves"][2011]["exclude"][0]["codes"] = [2]
    with pytest.raises(InputError) as error:
        run(changed, tmp_path, root)
    message = str(error.value)
    assert "small.sav: variable 'fullfort' - surveys.kommune.waves.2011.exclude: code 2" in message
    for word in [*words, "found 2)"]:
        assert word in message, message
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.bad_input
def test_a_value_the_exclusion_variable_does_not_label_is_named(config, tmp_path, root):
    # fullfort labelled 0 Nei, 1 Ja; a 3 is neither: whether the rule should drop it is unknown.
    labels = {**SMALL_LABELS, "fullfort": {0: "Nei", 1: "Ja"}}
    write_sav(
        SMALL.assign(fullfort=[1.0, 1.0, 3.0, 0.0, 1.0]), tmp_path / "small.sav", labels=labels
    )
    with pytest.raises(InputError) as error:
        run(small_config(config, tmp_path), tmp_path, root)
    message = str(error.value)
    for words in (
        "variable 'fullfort' row 3",
        "1 row has a value the variable does not label",
        "row 3 (id 3)",
        "{0: 'Nei', 1: 'Ja'}",
        "found [3]",
    ):
        assert words in message, message


def test_a_labelled_exclusion_code_no_row_holds_drops_no_one(config, tmp_path, root):
    """A wave without breakoffs: the rule stands, and drops nothing."""
    labels = {**SMALL_LABELS, "fullfort": {0: "Nei", 1: "Ja"}}
    write_sav(SMALL.assign(fullfort=1.0), tmp_path / "small.sav", labels=labels)
    out, account = run(small_config(config, tmp_path), tmp_path, root)
    assert len(out) == 5 and account.dropped[0]["rows"] == 0


def test_one_respondent_per_role_and_municipality_is_configurable(config, tmp_path, root):
    write_sav(SMALL.assign(knr=[301.0, 301.0, 301.0, 1601.0, 1601.0]), tmp_path / "small.sav")
    config = small_config(config, tmp_path)
    config["surveys"]["kommune"]["one_per_municipality"] = ["ordforer"]
    out, _ = run(config, tmp_path, root)
    assert ((out["role"] == "radmann") & (out["kommunenummer"] == "0301")).sum() == 2


@pytest.mark.bad_input
def test_missing_file_is_named(config, tmp_path, root):
    with pytest.raises(InputError, match=r"small\.sav.*file not found"):
        run(small_config(config, tmp_path), tmp_path, root)


def harmonise_changed_office_file(config, tmp_path, root, change):
    """Harmonise the shipped 2019 office file after `change` (data -> None) to its data."""
    shutil.copy(root / "data_raw/kontor_2019.sav", tmp_path / "kontor.sav")
    data, meta = pyreadstat.read_sav(tmp_path / "kontor.sav", user_missing=True)
    change(data)
    pyreadstat.write_sav(
        data,
        str(tmp_path / "kontor.sav"),
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges,
    )
    changed = copy.deepcopy(config)
    changed["surveys"]["kontor"]["waves"][2019]["file"] = str(tmp_path / "kontor.sav")
    harmonise_survey_wave(
        changed, "kontor", 2019, str(tmp_path / "o.parquet"), str(tmp_path / "o.json"), root=root
    )


@pytest.mark.bad_input
def test_bad_count_in_office_file_is_named(config, tmp_path, root):
    def change(data):
        data.loc[9, "kontor_ansatte"] = 12.5

    with pytest.raises(InputError, match=r"kontor_ansatte.*row 10.*whole number"):
        harmonise_changed_office_file(config, tmp_path, root, change)


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("variable", "other", "harmonised"),
    [
        ("kontor_ansatte", lambda staff: staff + 40, lambda staff: int(staff)),  # 28 -> 68
        ("ledelsesmodell", lambda code: 3 - code, {1: "enhetlig", 2: "todelt"}.get),
    ],
)
def test_an_office_trait_that_differs_within_the_office_is_named(
    config, tmp_path, root, variable, other, harmonised
):
    """Staff, leadership and services are the office's: one respondent's differing value would
    move it alone to another office size class or leadership group."""
    rows = {}

    def change(data):
        kept = data["status"] != 2  # not excluded as broken off
        office = data.loc[kept, "kontor_id"].iat[0]
        members = data.index[kept & (data["kontor_id"] == office)]
        usual = data.at[members[0], variable]
        data.loc[members[1], variable] = other(usual)
        rows.update(office=office, row=members[1] + 1, usual=usual, first=members[0] + 1)

    with pytest.raises(InputError) as error:
        harmonise_changed_office_file(config, tmp_path, root, change)
    message = str(error.value)
    assert (
        f"kontor.sav: variable '{variable}' row {rows['row']} - office {rows['office']}" in message
    )
    usual, odd = harmonised(rows["usual"]), harmonised(other(rows["usual"]))
    for words in [
        f"{usual} in rows {rows['first']}, ",
        f"{odd} in row {rows['row']} ",
        "one value",
    ]:
        assert words in message, message
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize(("survey", "wave"), sorted(LAYOUTS))
def test_harmonised_answers_equal_the_synthetic_truth(
    config, populations, tmp_path, root, survey, wave
):
    """End to end through the real crosswalk: vendor file -> harmonised = the true answers."""
    population = populations[wave]
    frame = population.staff if survey == "kontor" else population.leaders
    respondents = frame[frame["responds"]]
    table, labels, value_labels, missing = vendor_frame(
        respondents, LAYOUTS[survey, wave], item_nonresponse=0.0, rng=np.random.default_rng(1)
    )
    write_vendor_file(tmp_path / "vendor.sav", table, labels, value_labels, missing)
    changed = copy.deepcopy(config)
    changed["surveys"][survey]["waves"][wave]["file"] = str(tmp_path / "vendor.sav")
    harmonise_survey_wave(
        changed, survey, wave, str(tmp_path / "h.parquet"), str(tmp_path / "h.json"), root=root
    )
    harmonised = pd.read_parquet(tmp_path / "h.parquet")

    items = config["surveys"][survey]["items"]
    keys = ["kommunenummer", "role"] + (["employer", "staff"] if survey == "kontor" else [])
    completed = respondents[~respondents["breakoff"]]
    truth = (
        completed[keys]
        .astype(str)
        .join(
            completed.reindex(columns=items)
            .replace(NOT_ASKED, np.nan)
            .astype("Float64")
            .astype(str)
        )
    )
    got = (
        harmonised.rename(columns={"office_staff": "staff"})[keys]
        .astype(str)
        .join(harmonised[items].astype("Float64").astype(str))
    )
    assert Counter(map(tuple, got.to_numpy())) == Counter(map(tuple, truth.to_numpy()))
