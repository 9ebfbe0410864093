"""The analyst's toolkit (navpartner/api.py, `navpartner crosstab`): its answers against closed
forms and against the published estimates, its privacy, and every bad question it refuses."""

import json
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from navpartner import cli
from navpartner.api import QuestionError, open_run
from navpartner.files import sha256_of
from numpy.testing import assert_allclose

ITEM, POSITIVE = "likeverdig", [4, 5]
LEADERS = {"role": "kontorleder"}


def _results_folder(root, prepared, folder):
    """A finished run's inputs to the toolkit: harmonised data, weights, effective config and
    the manifest that records them (made by the session's harmonise and weight steps)."""
    outputs = {}
    for (survey, wave), (harmonised, weights) in prepared.items():
        for kind, source in (("harmonised", harmonised), ("weights", weights)):
            target = folder / kind / f"{survey}_{wave}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
            outputs[f"results/{kind}/{target.name}"] = sha256_of(target)
    effective = folder / "config" / "effective.yaml"
    effective.parent.mkdir()
    shutil.copy(root / "config.yaml", effective)
    manifest = {
        "fingerprint": "0" * 64,
        "config": {"results/config/effective.yaml": sha256_of(effective)},
        "inputs": {},
        "outputs": outputs,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def results(root, prepared, tmp_path_factory):
    return _results_folder(root, prepared, tmp_path_factory.mktemp("run") / "results")


@pytest.fixture
def own_results(root, prepared, tmp_path):
    """A copy a test may break."""
    return _results_folder(root, prepared, tmp_path / "results")


@pytest.fixture(scope="module")
def kontor(results):
    return open_run(results).wave("kontor", 2019)


def _crosstab(results, *arguments):
    where = ["--results", str(results), "--survey", "kontor", "--wave", "2019"]
    return cli.main(["crosstab", *where, *arguments])


# --- The numbers ---------------------------------------------------------------------------------


def _respondents(prepared, survey, wave):
    harmonised, weights = prepared[survey, wave]
    return pd.read_parquet(harmonised).merge(pd.read_parquet(weights), on="respondent_id")


@pytest.mark.parametrize("dont_know", ["exclude", "include"])
def test_shares_of_crossed_groups_are_their_weighted_shares(kontor, prepared, dont_know):
    """Closed form: sum of weights answering 4 or 5 over the sum of weights counted."""
    data = _respondents(prepared, "kontor", 2019)
    data = data[(data["role"] == "kontorleder") & data[ITEM].notna()]
    if dont_know == "exclude":
        data = data[data[ITEM] != 9]
    data = data.assign(positive=data[ITEM].isin(POSITIVE) * data["weight"])
    groups = data.groupby(["employer", "region"])
    sums, counts = groups[["positive", "weight"]].sum(), groups.size()
    names = [" / ".join(key) for key in sums.index]
    expected = (sums["positive"] / sums["weight"]).set_axis(names)
    counts = counts.set_axis(names)
    table = kontor.shares(ITEM, ["employer", "region"], LEADERS, POSITIVE, dont_know)
    shown = table[table["suppressed"] == ""].set_index("group")
    assert len(shown) >= 10
    assert_allclose(shown["estimate"].astype(float), expected[shown.index], rtol=1e-12)
    assert (shown["n"] == counts[shown.index]).all()
    assert (shown["ci_low"] < shown["estimate"]).all() and (shown["se"] > 0).all()


def test_a_distribution_is_every_answer_per_group(kontor, prepared):
    data = _respondents(prepared, "kontor", 2019)
    data = data[(data["role"] == "kontorleder") & data[ITEM].notna()]
    table = kontor.distribution(ITEM, "employer", LEADERS, dont_know="include")
    assert set(table["category"]) == {1, 2, 3, 4, 5, 9}
    for group, rows in table.groupby("group"):
        assert rows["estimate"].sum() == pytest.approx(1, abs=1e-12)
        mine = data[data["employer"] == group]
        share = mine.loc[mine[ITEM] == 9, "weight"].sum() / mine["weight"].sum()
        assert rows.set_index("category").loc[9, "estimate"] == pytest.approx(share, rel=1e-12)
    without = kontor.distribution(ITEM, "employer", LEADERS)
    assert 9 not in set(without["category"])
    assert without.groupby("group")["estimate"].sum().to_numpy() == pytest.approx(1, abs=1e-12)


def test_a_contrast_is_the_difference_of_the_group_and_the_rest(kontor):
    shares = kontor.shares(ITEM, "region", LEADERS, POSITIVE).set_index("group")
    contrasts = kontor.contrasts(ITEM, "region", LEADERS, POSITIVE).set_index("group")
    assert (contrasts["reference"] == "rest").all()
    assert_allclose(contrasts["estimate"].astype(float), shares["estimate"].astype(float))
    total = kontor.shares(ITEM, (), LEADERS, POSITIVE)
    others = contrasts["estimate_reference"].astype(float)
    # the rest's share lies between the group's and the total's
    low = np.minimum(contrasts["estimate"].astype(float), total["estimate"].iat[0])
    high = np.maximum(contrasts["estimate"].astype(float), total["estimate"].iat[0])
    assert ((others <= high + 1e-12) | (others >= low - 1e-12)).all()
    assert_allclose(contrasts["difference"].astype(float), contrasts["estimate"] - others)


# --- Privacy -------------------------------------------------------------------------------------


def test_a_small_cell_shows_no_number_and_takes_a_second_with_it(kontor):
    table = kontor.shares(ITEM, ["employer", "region", "size_class"], LEADERS, POSITIVE)
    hidden = table[table["suppressed"] != ""]
    shown = table[table["suppressed"] == ""]
    assert (hidden["suppressed"] == "primary").any()
    assert hidden.drop(columns=["group", "suppressed"]).isna().all().all()
    assert (shown["n"] >= 5).all()
    # One small group alone would be found by subtraction from the total: a second one goes.
    one = kontor.shares(ITEM, "size_class", {"role": "kontorleder", "employer": "kommune"}, [5])
    if (one["suppressed"] == "primary").sum() == 1:
        assert (one["suppressed"] == "secondary").sum() == 1


def test_the_command_prints_aggregates_only(results, prepared, capsys):
    data = pd.concat(_respondents(prepared, "kontor", w) for w in (2011, 2019))
    ids = set(data["respondent_id"]) | set(data["office_id"])
    # Identifiers that no count or share can print as (ids with letters, numbers with a
    # leading zero).
    secrets = {i for i in ids if not i.isdigit()} | {
        number for number in data["kommunenummer"] if number.startswith("0")
    }
    assert len(secrets) > 1000
    for form in ("text", "csv"):
        for question in (["--by", "region", "size_class"], ["--by", "employer", "--contrasts"]):
            share = ["--item", ITEM, "--positive", "4,5", "--format", form]
            assert _crosstab(results, *share, *question) == 0
            printed = capsys.readouterr().out
            tokens = set(printed.replace(",", " ").replace("/", " ").split())
            assert tokens & secrets == set()
            assert len(printed.splitlines()) < 40


def test_an_xlsx_answer_is_a_file(results, tmp_path):
    target = tmp_path / "answer.xlsx"
    arguments = ["--item", ITEM, "--by", "employer", "--format", "xlsx", "--output", str(target)]
    assert _crosstab(results, *arguments) == 0
    sheet = openpyxl.load_workbook(target).active
    assert "kontor 2019" in sheet["A1"].value
    assert [cell.value for cell in sheet[3]][:3] == ["group", "category", "n"]


def test_a_model_with_a_level_of_few_respondents_is_refused(results):
    with pytest.raises(QuestionError, match=r"level .* fewer than publication\.min_cell_size"):
        open_run(results).model("kontor", ITEM, ["office_staff"], where=LEADERS,
                                positive=POSITIVE, waves=[2019])  # fmt: skip


# --- Bad questions: one line each, naming what is wrong ------------------------------------------

BAD_QUESTIONS = [
    (["--survey", "kontr"], ["survey 'kontr'", "kontor"]),
    (["--wave", "2020"], ["wave 2020", "[2011, 2019]"]),
    (["--item", "likeverdg"], ["item 'likeverdg'", "likeverdig"]),
    (["--wave", "2011", "--item", "teammal_klare"], ["'teammal_klare' was not asked", "2011"]),
    (["--by", "employr"], ["column 'employr'", "employer"]),
    (["--where", "rolle=kontorleder"], ["column 'rolle'"]),
    (["--where", "role=kontorlder"], ["role=kontorlder selects no respondent", "kontorleder"]),
    (["--where", "role=kontorleder", "--where", "office_staff=1"], ["selects no respondent"]),
    (["--where", "office_staff=many"], ["office_staff=many", "whole numbers"]),
    (["--where", "role"], ["--where role", "COLUMN=VALUE"]),
    (["--positive", "4,6"], ["positive code 6", "[1, 2, 3, 4, 5]"]),
    (["--positive", "4,x"], ["--positive 4,x", "whole-number codes"]),
    (["--by", "respondent_id"], ["'respondent_id' identifies", "refused"]),
    (["--by", "office_id"], ["'office_id' identifies", "refused"]),
    (["--by", "region", "kommunenummer"], ["'kommunenummer' identifies", "refused"]),
    (["--where", "office_id=1"], ["'office_id' identifies", "refused as a filter"]),
    (["--contrasts"], ["--contrasts", "--positive"]),
    (["--format", "xlsx"], ["xlsx", "--output"]),
    (["--output", "{results}/weights/kontor_2019.parquet"], ["refused", "input"]),
]


def _arguments(change: list[str], results) -> list[str]:
    given = {"--survey": "kontor", "--wave": "2019", "--item": ITEM}
    rest = []
    for flag, value in zip(change[::2], change[1::2], strict=False):
        if flag in given:
            given[flag] = value
        else:
            rest += [flag, value.format(results=results)]
    if len(change) % 2:
        rest.append(change[-1])
    pairs = [part for item in given.items() for part in item]
    return ["crosstab", "--results", str(results), *pairs, *rest]


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "words"), BAD_QUESTIONS)
def test_a_bad_question_is_named_in_one_line(results, capsys, caplog, change, words):
    before = {p: sha256_of(p) for p in results.rglob("*") if p.is_file()}
    assert cli.main(_arguments(change, results)) == 2
    message = caplog.text.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    for word in words:
        assert word in message, message
    assert capsys.readouterr().out == ""  # no partial answer
    assert {p: sha256_of(p) for p in results.rglob("*") if p.is_file()} == before


def _edit_config(results):
    path = results / "config/effective.yaml"
    path.write_text(path.read_text("utf-8").replace("min_cell_size: 5", "min_cell_size: 3"))


def _edit_weights(results):
    path = results / "weights/kontor_2019.parquet"
    table = pd.read_parquet(path)
    table.assign(weight=table["weight"] * 1.01).to_parquet(path)


BAD_RUNS = [
    (lambda results: (results / "manifest.json").unlink(), ["manifest.json: missing"]),
    (
        lambda results: (results / "manifest.json").write_text("[1, 2", encoding="utf-8"),
        ["manifest.json: not a manifest", "'outputs'"],
    ),
    (_edit_config, ["effective.yaml: not the file of the run", "rerun snakemake"]),
    (_edit_weights, ["kontor_2019.parquet: not the file of the run", "rerun snakemake"]),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("damage", "words"), BAD_RUNS, ids=["no_manifest", "bad_manifest", "config", "weights"]
)
def test_a_results_folder_of_another_run_is_refused(own_results, caplog, damage, words):
    damage(own_results)
    assert _crosstab(own_results, "--item", ITEM, "--by", "employer") == 2
    message = caplog.text.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    for word in words:
        assert word in message, message


def test_a_bootstrap_run_uses_its_replicate_weights(root, config, prepared, own_results):
    """Closed form: the replicates' shares per group, their variance around their mean."""
    from test_bootstrap import bootstrap_config, make_replicates

    effective = own_results / "config/effective.yaml"
    text = effective.read_text("utf-8").replace("variance: calibrated", "variance: bootstrap")
    effective.write_text(text.replace("replicates: 500", "replicates: 30"), encoding="utf-8")
    boot = bootstrap_config(config, replicates=30, chunks=4)
    boot["estimation"]["bootstrap"]["seed"] = config["estimation"]["bootstrap"]["seed"]
    made = make_replicates(boot, root, prepared, "kontor", 2019, own_results.parent)
    target = own_results / "weights/kontor_2019.replicates.parquet"
    shutil.move(made, target)
    manifest = json.loads((own_results / "manifest.json").read_text("utf-8"))
    manifest["config"] = {"results/config/effective.yaml": sha256_of(effective)}
    manifest["outputs"]["results/weights/kontor_2019.replicates.parquet"] = sha256_of(target)
    (own_results / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    table = open_run(own_results).wave("kontor", 2019).shares(ITEM, "employer", LEADERS, POSITIVE)
    data = _respondents(prepared, "kontor", 2019)
    replicates = pd.read_parquet(target).drop(columns="respondent_id").to_numpy()
    counted = ((data["role"] == "kontorleder") & data[ITEM].notna() & (data[ITEM] != 9)).to_numpy()
    positive = data[ITEM].isin(POSITIVE).to_numpy(float)
    for group, row in table.set_index("group").iterrows():
        member = counted & (data["employer"] == group).to_numpy()
        shares = (replicates[member] * positive[member, None]).sum(0) / replicates[member].sum(0)
        assert row["se"] == pytest.approx(np.std(shares, ddof=1), rel=1e-10)
        weights = data["weight"].to_numpy()[member]
        assert row["estimate"] == pytest.approx((weights * positive[member]).sum() / weights.sum())


def test_a_finite_population_correction_reads_its_frames_from_anywhere(
    root, config, prepared, own_results, kontor, tmp_path, monkeypatch
):
    """With estimation.fpc: frame the estimation reads the municipality frames; a notebook's
    working folder is not the project's. The stage, run from the project root, agrees."""
    from navpartner.indicators import estimate_survey_wave

    effective = own_results / "config/effective.yaml"
    effective.write_text(effective.read_text("utf-8").replace("fpc: none", "fpc: frame"))
    manifest = json.loads((own_results / "manifest.json").read_text("utf-8"))
    manifest["config"] = {"results/config/effective.yaml": sha256_of(effective)}
    (own_results / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.copytree(root / "data_raw/frames", own_results.parent / "data_raw/frames")
    elsewhere = own_results.parent / "docs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    kontor_elsewhere = open_run("../results").wave("kontor", 2019)
    corrected = kontor_elsewhere.shares(ITEM, "employer", LEADERS, POSITIVE)
    monkeypatch.chdir(root)
    fpc = {**config, "estimation": {**config["estimation"], "fpc": "frame"}}
    files = [str(tmp_path / name) for name in ("e.parquet", "e.json")]
    stage = estimate_survey_wave(fpc, "kontor", 2019, *prepared["kontor", 2019], *files)
    stage = stage[
        (stage["indicator"] == "likeverdig_kontorledere")
        & (stage["breakdown"] == "employer")
        & (stage["method"] == config["estimation"]["interval"])
    ]
    assert_allclose(corrected["se"].astype(float), stage["se"], rtol=1e-12)
    uncorrected = kontor.shares(ITEM, "employer", LEADERS, POSITIVE)
    assert (corrected["se"] < uncorrected["se"]).all()
