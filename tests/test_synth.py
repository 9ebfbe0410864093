"""The synthetic default data: reproducible, calibrated to the published figures, labelled."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from navpartner.synth import OFFICE_SIZE_BOUNDS, OFFICE_SIZE_LABELS, generate
from navpartner.synth.population import SIZE_BOUNDS, SIZE_LABELS

SURVEY_WAVES = [("kontor", 2011), ("kontor", 2019), ("kommune", 2011), ("kommune", 2019)]


def share(truth, item, role, wave, breakdown="total", group="alle"):
    row = truth.query(
        "item == @item and role == @role and wave == @wave "
        "and breakdown == @breakdown and group == @group"
    )
    assert len(row) == 1, (item, role, wave, breakdown, group)
    return float(row["share_positive"].iloc[0])


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory, root) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, root / "data_raw")
    return out


@pytest.mark.parametrize(("survey", "wave"), SURVEY_WAVES)
def test_same_seed_gives_the_committed_sav_files(regenerated, root, survey, wave):
    name = f"data_raw/{survey}_{wave}.sav"
    new, new_meta = pyreadstat.read_sav(regenerated / name, user_missing=True)
    old, old_meta = pyreadstat.read_sav(root / name, user_missing=True)
    pd.testing.assert_frame_equal(new, old)
    for attribute in (
        "column_names_to_labels",
        "variable_value_labels",
        "missing_ranges",
        "file_label",
        "notes",
    ):
        assert getattr(new_meta, attribute) == getattr(old_meta, attribute), attribute


@pytest.mark.parametrize(
    "name",
    [f"data_raw/margins/{s}_{w}.csv" for s, w in SURVEY_WAVES] + ["tests/data/synthetic_truth.csv"],
)
def test_same_seed_gives_the_committed_csv_files(regenerated, root, name):
    assert (regenerated / name).read_text(encoding="utf-8") == (root / name).read_text(
        encoding="utf-8"
    )


def test_another_seed_gives_other_data(tmp_path, root):
    generate(tmp_path, root / "data_raw", seed=7)
    new, _ = pyreadstat.read_sav(tmp_path / "data_raw" / "kommune_2019.sav")
    old, _ = pyreadstat.read_sav(root / "data_raw" / "kommune_2019.sav")
    assert not new.equals(old)


def test_office_counts_near_the_real_ones(populations):
    assert len(populations[2011].offices) == 457
    assert len(populations[2019].offices) == 385
    for population in populations.values():
        offices = population.offices
        assert (offices["municipalities"] > 1).any(), "some small municipalities share an office"
        assert (offices.groupby("kommunenummer").size() > 5).any(), "big cities have districts"


def test_response_rates_and_respondent_counts(populations):
    staff19, leaders19 = populations[2019].staff, populations[2019].leaders
    assert staff19["responds"].mean() == pytest.approx(0.37, abs=0.015)
    assert staff19["responds"].sum() == pytest.approx(4687, rel=0.04)
    assert len(leaders19) == 2 * 422
    assert leaders19["responds"].mean() == pytest.approx(0.31, abs=0.04)


def test_population_values_sit_near_the_published_figures(truth):
    assert share(truth, "team_blandet", "veileder", 2019) == pytest.approx(0.80, abs=0.02)
    assert share(truth, "statlig_dominans", "radmann", 2019) == pytest.approx(0.61, abs=0.03)
    assert (
        share(truth, "statlig_dominans", "radmann", 2011)
        > share(truth, "statlig_dominans", "radmann", 2019) + 0.05
    )
    for wave in (2011, 2019):
        municipal = share(truth, "andre_parts_oppgaver", "veileder", wave, "employer", "kommune")
        state = share(truth, "andre_parts_oppgaver", "veileder", wave, "employer", "stat")
        assert municipal > state + 0.1
        assert share(truth, "likeverdig", "kontorleder", wave) > share(
            truth, "likeverdig", "radmann", wave
        )
        assert share(truth, "adm_merarbeid", "kontorleder", wave) > 0.6
    gap = {
        w: share(truth, "andre_parts_oppgaver", "veileder", w, "employer", "kommune")
        - share(truth, "andre_parts_oppgaver", "veileder", w, "employer", "stat")
        for w in (2011, 2019)
    }
    assert gap[2019] < gap[2011], "the tendency weakens over time"
    for role in ("veileder", "kontorleder", "radmann", "ordforer"):
        assert share(truth, "samarbeid_kommunale_tjenester", role, 2019) > share(
            truth, "samarbeid_kommunale_tjenester", role, 2011
        )


def test_teammal_klare_was_asked_only_in_2019_and_only_in_mixed_teams(truth, populations):
    assert set(truth.loc[truth["item"] == "teammal_klare", "wave"]) == {2019}
    staff = populations[2019].staff
    asked = staff["teammal_klare"] >= 0
    assert (staff.loc[asked, "team_blandet"] == 1).all()


def test_attitudes_vary_by_structure_not_only_by_group(truth):
    """Breakdowns differ within a calibration group: the model has structure."""
    by_leadership = truth.query(
        "item == 'team_blandet' and wave == 2019 and breakdown == 'leadership'"
    )
    spread = by_leadership["share_positive"].max() - by_leadership["share_positive"].min()
    assert spread > 0.05


def test_nonresponse_biases_unweighted_estimates(populations):
    """Respondents differ from the population on items and on the weighting variables."""
    staff = populations[2019].staff
    advisers = staff[staff["role"] == "veileder"]
    respondents = advisers[advisers["responds"]]
    assert (
        abs(
            (respondents["employer"] == "kommune").mean()
            - (advisers["employer"] == "kommune").mean()
        )
        > 0.02
    )
    assert (
        abs(
            (staff.loc[staff["responds"], "role"] == "kontorleder").mean()
            - (staff["role"] == "kontorleder").mean()
        )
        > 0.01
    )
    team = advisers["team_blandet"].isin([0, 1])
    population_share = (advisers.loc[team, "team_blandet"] == 1).mean()
    respondent_share = (respondents.loc[team, "team_blandet"] == 1).mean()
    assert abs(respondent_share - population_share) > 0.01


def test_every_synthetic_file_says_it_is_synthetic(root):
    for survey, wave in SURVEY_WAVES:
        _, meta = pyreadstat.read_sav(root / f"data_raw/{survey}_{wave}.sav", metadataonly=True)
        assert "SYNTETISKE DATA" in meta.file_label
        assert any("SYNTHETIC" in note for note in meta.notes)
        first = (root / f"data_raw/margins/{survey}_{wave}.csv").read_text(encoding="utf-8")
        assert first.startswith("# SYNTETISKE DATA / SYNTHETIC DATA")
    assert "synthetic" in (root / "data_raw" / "README.md").read_text(encoding="utf-8").lower()


def test_norwegian_letters_survive_in_labels(root):
    _, meta = pyreadstat.read_sav(root / "data_raw/kommune_2019.sav", metadataonly=True)
    assert meta.variable_value_labels["rolle"][2] == "Ordfører"
    assert "stønad" in meta.column_names_to_labels["flere_i_arbeid"]


def test_committed_files_are_small(root):
    files = [*(root / "data_raw").rglob("*"), root / "tests/data/synthetic_truth.csv"]
    assert sum(f.stat().st_size for f in files if f.is_file()) < 5 * 2**20


def test_margins_add_up_to_the_population(populations, root):
    margins = pd.read_csv(root / "data_raw/margins/kontor_2019.csv", comment="#")
    assert margins["count"].sum() == len(populations[2019].staff)


def test_size_classes_agree_with_config(config):
    geography = config["geography"]
    assert geography["municipality_size"] == {"lower_bounds": SIZE_BOUNDS, "labels": SIZE_LABELS}
    assert geography["office_size"] == {
        "lower_bounds": OFFICE_SIZE_BOUNDS,
        "labels": OFFICE_SIZE_LABELS,
    }


def test_vendor_waves_differ_as_real_waves_do(root):
    _, meta11 = pyreadstat.read_sav(root / "data_raw/kontor_2011.sav", user_missing=True)
    _, meta19 = pyreadstat.read_sav(root / "data_raw/kontor_2019.sav", user_missing=True)
    assert meta11.variable_value_labels["sp9_1"][1] == "Helt enig"  # reversed agreement scale
    assert meta19.variable_value_labels["likeverdig"][1] == "Helt uenig"
    assert 8 in np.ravel([r["lo"] for r in meta11.missing_ranges["sp9_1"]])
    assert 6 in np.ravel([r["lo"] for r in meta19.missing_ranges["likeverdig"]])
    assert "teammaal" in meta19.column_names and "teammaal" not in meta11.column_names
