"""The label audit: each raw code's vendor label against the harmonised code it becomes."""

import copy

import pandas as pd
import pyreadstat
import pytest
from navpartner.config import check_config
from navpartner.crosswalk import normalise
from navpartner.errors import ConfigError, InputError
from navpartner.harmonise import harmonise_survey_wave


def harmonise(config, survey, wave, tmp_path, root):
    paths = {name: tmp_path / f"out.{name}" for name in ("parquet", "json", "csv")}
    harmonise_survey_wave(
        config,
        survey,
        wave,
        str(paths["parquet"]),
        str(paths["json"]),
        root=root,
        crosswalk=str(paths["csv"]),
    )
    return pd.read_csv(paths["csv"], dtype=str, keep_default_na=False)


def edited(config, survey, wave, edit):
    config = copy.deepcopy(config)
    edit(config["surveys"][survey]["waves"][wave])
    check_config(config)
    return config


def refused(config, survey, wave, tmp_path, root) -> str:
    with pytest.raises(InputError) as caught:
        harmonise(config, survey, wave, tmp_path, root)
    assert not list(tmp_path.iterdir()), "nothing may be written when the audit fails"
    return str(caught.value)


def test_normalise_ignores_case_spacing_and_punctuation():
    assert normalise("  Helt   ENIG. ") == normalise("helt enig")
    assert normalise("Kommunedirektør/rådmann") == "kommunedirektør rådmann"
    assert normalise("Litt enig") != normalise("Litt uenig")


@pytest.mark.parametrize(
    ("survey", "wave"), [("kontor", 2011), ("kontor", 2019), ("kommune", 2011), ("kommune", 2019)]
)
def test_shipped_waves_pass_and_write_the_full_table(config, tmp_path, root, survey, wave):
    table = harmonise(config, survey, wave, tmp_path, root)
    assert set(table["status"]) == {"matched"}
    spec = config["surveys"][survey]["waves"][wave]
    # every item: its five (or two) answers, don't-know and missing, each with its label
    for item, source in spec["items"].items():
        rows = table[table["harmonised"] == item]
        assert set(rows["raw_variable"]) == {source["source"]}
        assert (rows["raw_label"] != "").all() and (rows["label"] != "").all()
        assert len(rows) == len(config["scales"][config["items"][item]["scale"]]) + 2


def test_reversed_scale_is_followed_to_its_harmonised_code(config, tmp_path, root):
    table = harmonise(config, "kontor", 2011, tmp_path, root)
    row = table[(table["raw_variable"] == "sp9_1") & (table["raw_code"] == "1")].iloc[0]
    assert (row["raw_label"], row["code"], row["label"]) == ("Helt enig", "5", "Helt enig")


@pytest.mark.bad_input
def test_undeclared_reversal_stops_naming_item_code_and_both_labels(config, tmp_path, root):
    def forget_reversal(wave):
        del wave["items"]["likeverdig"]["reverse"]

    config = edited(config, "kontor", 2011, forget_reversal)
    message = refused(config, "kontor", 2011, tmp_path, root)
    for words in ("kontor_2011.sav", "kontor wave 2011", "'likeverdig'", "sp9_1", "raw code 1"):
        assert words in message
    assert "'Helt enig'" in message and "'Helt uenig'" in message
    # The vendor's labels are the scale's own in reverse: the hint says so, not "add a synonym".
    assert "reversed?" in message and "reverse: true" in message
    assert "label_audit.synonyms" not in message


@pytest.mark.bad_input
def test_a_wrong_encoding_is_named_as_such_not_as_a_crosswalk_to_fix(config, tmp_path, root):
    config = edited(config, "kommune", 2019, lambda wave: wave.update(encoding="cp1252"))
    message = refused(config, "kommune", 2019, tmp_path, root)
    assert "Ã¸" in message and "encoding:" in message
    assert "label_audit.synonyms" not in message


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("synonyms", "words"),
    [
        # The hint once followed for a scale stored the other way round (no `reverse`).
        (
            {"Helt uenig": ["Helt enig"], "Helt enig": ["Helt uenig"]},
            ["label_audit.synonyms.Helt uenig: 'Helt enig' names code 5", "reverse: true"],
        ),
        (
            {"Strongly agree": ["Litt enig"]},
            ["'Litt enig' names code 4 of the scale agree, not code 5"],
        ),
        ({"stat": ["Kommunen"]}, ["synonyms.stat: 'Kommunen'", "category employer"]),
        ({"kontorleder": ["Veileder"]}, ["'Veileder' names veileder", "codes"]),
    ],
)
def test_a_synonym_naming_another_answer_is_refused(config, synonyms, words):
    config = copy.deepcopy(config)
    config["label_audit"]["synonyms"].update(synonyms)
    with pytest.raises(ConfigError) as error:
        check_config(config)
    for word in words:
        assert word in str(error.value), str(error.value)


@pytest.mark.bad_input
def test_swapped_category_codes_stop(config, tmp_path, root):
    def swap_roles(wave):
        wave["background"]["role"]["codes"] = {1: "kontorleder", 2: "veileder"}

    message = refused(edited(config, "kontor", 2019, swap_roles), "kontor", 2019, tmp_path, root)
    assert "'role'" in message and "rolle" in message and "'Veileder'" in message


@pytest.mark.bad_input
def test_dont_know_and_missing_codes_swapped_stop(config, tmp_path, root):
    def swap_codes(wave):
        wave["dont_know"], wave["missing"] = [99], [6]

    message = refused(edited(config, "kommune", 2019, swap_codes), "kommune", 2019, tmp_path, root)
    assert "raw code 6" in message and "'Vet ikke'" in message and "'Ikke besvart'" in message


@pytest.mark.bad_input
def test_vendor_wording_passes_once_declared_as_synonym(config, tmp_path, root):
    """A vendor that writes 'Vet ikke / ikke aktuelt' stops the run until config says it is the
    same answer; an unlabelled code is recorded, not guessed."""
    source = root / config["surveys"]["kommune"]["waves"][2019]["file"]
    data, meta = pyreadstat.read_sav(str(source), user_missing=True)
    labels = copy.deepcopy(meta.variable_value_labels)
    labels["likeverdig"][6.0] = "Vet ikke / ikke aktuelt"
    del labels["tilpasset"][3.0]
    vendor = tmp_path / "vendor" / "kommune_2019.sav"
    vendor.parent.mkdir()
    pyreadstat.write_sav(
        data,
        str(vendor),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=labels,
        missing_ranges=meta.missing_ranges,
    )
    out = tmp_path / "out"
    out.mkdir()
    config = edited(config, "kommune", 2019, lambda wave: wave.update(file=str(vendor)))
    message = refused(config, "kommune", 2019, out, root)
    assert "'Vet ikke / ikke aktuelt'" in message and "label_audit.synonyms.Vet ikke" in message

    config["label_audit"]["synonyms"]["Vet ikke"] = ["Vet ikke/ikke aktuelt"]
    check_config(config)
    table = harmonise(config, "kommune", 2019, out, root)
    row = table[(table["raw_variable"] == "tilpasset") & (table["raw_code"] == "3")].iloc[0]
    assert row["status"] == "no vendor label" and row["label"] == "Verken enig eller uenig"


def test_a_label_given_in_two_languages_matches_either(config):
    from navpartner.crosswalk import LabelRules

    rules = LabelRules.from_config(config)
    label = {"nb": "Helt enig", "en": "Strongly agree"}
    assert rules.agree("helt enig", label) and rules.agree("Strongly agree.", label)
    assert not rules.agree("Helt uenig", label)


def test_the_table_shows_the_norwegian_form_whatever_the_key_order():
    from navpartner.crosswalk import label_forms

    assert label_forms({"en": "Strongly agree", "nb": "Helt enig"})[0] == "Helt enig"
