"""draft-wave: a new wave's crosswalk proposed from its vendor file, checked against the answer."""

import copy
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from navpartner.config import check_config
from navpartner.draft import draft_wave, render
from navpartner.errors import ConfigError
from navpartner.harmonise import harmonise_survey_wave
from navpartner.synth.newwave import derive_wave

# The crosswalk that reads the derived 2023 file (2019 with two variables renamed, statlig
# dominans stored 1 = helt enig, don't-know 6 -> 7, teammaal dropped).
EXPECTED_ITEMS = {
    "team_blandet": {"source": "team_blandet", "codes": {1: 1, 2: 0}},
    "andre_parts_oppgaver": {"source": "andre_oppgaver"},
    "fornoyd_teamarbeid": {"source": "fornoyd_team"},
    "samarbeid_kommunale_tjenester": {"source": "samarb_kommunale"},
    "tettere_samarbeid": {"source": "tettere_samarb"},
    "likeverdig": {"source": "partnerskap_likeverdig"},
    "statlig_dominans": {"source": "statlig_dominans", "reverse": True},
    "adm_merarbeid": {"source": "adm_merarbeid"},
    "flere_i_arbeid": {"source": "flere_i_arbeid"},
    "tilpassede_tjenester": {"source": "tjenester_tilpasset"},
    "sosiale_tjenester_ivaretatt": {"source": "sosiale_tjenester"},
}


@pytest.fixture(scope="module")
def new_wave(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("incoming")
    vendor, margins = derive_wave(
        root / "data_raw" / "kontor_2019.sav",
        root / "data_raw" / "margins" / "kontor_2019.csv",
        root / "data_raw" / "frames",
        2023,
        folder,
    )
    return vendor, margins


def test_draft_finds_renamed_variables_reversal_new_codes_and_dropped_item(config, root, new_wave):
    vendor, _ = new_wave
    draft = draft_wave(config, "kontor", 2023, str(vendor), root=root)
    wave = draft.wave
    assert wave["items"] == EXPECTED_ITEMS
    assert wave["absent"] == ["teammal_klare"]
    assert (wave["dont_know"], wave["missing"]) == ([7], [99])
    assert wave["background"] == config["surveys"]["kontor"]["waves"][2019]["background"]
    assert wave["exclude"] == config["surveys"]["kontor"]["waves"][2019]["exclude"]
    assert wave["municipalities"] == "data_raw/frames/municipalities_2023.csv"
    # the only open point: margins for 2023 are not in data_raw yet
    assert draft.to_settle == [
        "margins: data_raw/margins/kontor_2023.csv does not exist yet; add it or give another path"
    ]


def test_drafted_wave_harmonises_to_the_source_waves_answers(config, root, new_wave, tmp_path):
    """The proof of the draft: the derived file, read with it, gives back 2019's answers."""
    vendor, margins = new_wave
    draft = draft_wave(config, "kontor", 2023, str(vendor), root=root)
    config = copy.deepcopy(config)
    config["surveys"]["kontor"]["waves"][2023] = {**draft.wave, "margins": str(margins)}
    check_config(config)
    files = {}
    for wave in (2019, 2023):
        files[wave] = tmp_path / f"{wave}.parquet"
        harmonise_survey_wave(
            config, "kontor", wave, str(files[wave]), str(tmp_path / f"{wave}.json"), root=root
        )
    before, after = (pd.read_parquet(files[w]).set_index("respondent_id") for w in (2019, 2023))
    assert len(after) == len(before) == 4678
    after = after.loc[before.index]
    for item in EXPECTED_ITEMS:
        pd.testing.assert_series_equal(after[item], before[item], check_names=False)
    assert after["teammal_klare"].isna().all()
    for field in ("role", "employer", "leadership", "office_id"):
        assert (after[field] == before[field]).all()
    # Regions move only where a municipality crossed a region border in the 2020 reform.
    moved = before.loc[after["region"] != before["region"], "kommunenummer"]
    assert set(moved) <= {"0532", "0533", "0711", "1571"}


def test_draft_lists_what_it_cannot_decide(config, root, new_wave, tmp_path):
    vendor, _ = new_wave
    data, meta = pyreadstat.read_sav(str(vendor), user_missing=True)
    labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
    labels["adm_merarbeid"][8.0] = "Ikke relevant for meg"  # neither an answer nor declared
    labels["arbeidsgiver"][3.0] = "Innleid"  # a category the harmonised schema lacks
    data.loc[0, "flere_i_arbeid"] = 42.0  # a code without any label
    odd = tmp_path / "odd_2023.sav"
    pyreadstat.write_sav(
        data, str(odd), column_labels=meta.column_names_to_labels, variable_value_labels=labels
    )
    draft = draft_wave(config, "kontor", 2023, str(odd), root=root)
    text = "\n".join(draft.to_settle)
    assert "item adm_merarbeid: variable adm_merarbeid" in text and "do not fit" in text
    assert "code 8 'Ikke relevant for meg'" in text
    assert "background employer: arbeidsgiver code 3 'Innleid'" in text
    assert "flere_i_arbeid has codes without a label in the data: [42]" in text
    # Found but not settled: neither drafted absent nor mapped, so the run stops on it.
    assert (
        "adm_merarbeid" not in draft.wave["absent"] and "adm_merarbeid" not in draft.wave["items"]
    )
    rendered = render(draft, "kontor", 2023, str(odd))
    assert "# TO SETTLE before use:" in rendered and "Innleid" in rendered


@pytest.mark.bad_input
def test_a_found_item_with_an_unfitting_label_is_never_drafted_absent(
    config, root, new_wave, tmp_path
):
    """A vendor's "Hverken enig eller uenig" (not the scale's "Verken") once drafted the item as
    absent: an unsettled run published it as not asked. Now the draft names the code and label,
    leaves the item unresolved, and the config check stops the run naming it; a variable of the
    file that matches nothing (a new item) is listed."""
    vendor, margins = new_wave
    data, meta = pyreadstat.read_sav(str(vendor), user_missing=True)
    labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
    labels["flere_i_arbeid"][3.0] = "Hverken enig eller uenig"
    data["ny_digital"] = data["flere_i_arbeid"]
    column_labels = dict(meta.column_names_to_labels, ny_digital="Digitale tjenester fungerer")
    labels["ny_digital"] = labels["flere_i_arbeid"]
    odd = tmp_path / "kontor_2023.sav"
    pyreadstat.write_sav(data, str(odd), column_labels=column_labels, variable_value_labels=labels)
    draft = draft_wave(config, "kontor", 2023, str(odd), root=root)
    text = "\n".join(draft.to_settle)
    assert "item flere_i_arbeid: variable flere_i_arbeid" in text
    assert "code 3 'Hverken enig eller uenig'" in text and "label_audit.synonyms" in text
    assert "flere_i_arbeid" not in draft.wave["absent"]
    assert draft.unmatched == ["ny_digital"]
    assert "#   ny_digital" in render(draft, "kontor", 2023, str(odd))
    config = copy.deepcopy(config)
    config["surveys"]["kontor"]["waves"][2023] = {**draft.wave, "margins": str(margins)}
    with pytest.raises(ConfigError, match="'flere_i_arbeid' is neither mapped in items nor"):
        check_config(config)


def test_rendered_draft_is_a_config_overlay(config, root, new_wave):
    import yaml

    vendor, _ = new_wave
    rendered = render(
        draft_wave(config, "kontor", 2023, str(vendor), root=root), "kontor", 2023, "f"
    )
    overlay = yaml.safe_load(rendered)
    assert list(overlay) == ["surveys"] and list(overlay["surveys"]["kontor"]["waves"]) == [2023]
    assert Path(overlay["surveys"]["kontor"]["waves"][2023]["file"]) == Path(str(vendor))


@pytest.mark.bad_input
def test_a_text_coded_item_is_left_to_settle(config, root, new_wave, tmp_path):
    """An item stored as text with labels ('fire' = 'Litt enig') is named, not crashed on."""
    vendor, _ = new_wave
    data, meta = pyreadstat.read_sav(str(vendor), user_missing=True)
    labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
    words = {1.0: "en", 2.0: "to", 3.0: "tre", 4.0: "fire", 5.0: "fem"}
    data["flere_i_arbeid"] = data["flere_i_arbeid"].map(words).fillna("")
    labels["flere_i_arbeid"] = {
        word: labels["flere_i_arbeid"][code] for code, word in words.items()
    }
    text_coded = tmp_path / "kontor_2023.sav"
    pyreadstat.write_sav(
        data,
        str(text_coded),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=labels,
    )
    draft = draft_wave(config, "kontor", 2023, str(text_coded), root=root)
    text = "\n".join(draft.to_settle)
    assert "text code 'fire' 'Litt enig'" in text and "recode the variable" in text
    assert "flere_i_arbeid" not in draft.wave["items"]
    assert "flere_i_arbeid" not in draft.wave["absent"]
