"""The whole workflow on the default data, in a temporary copy of the project."""

import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from workflow_run import copy_project, digests, snakemake

pytestmark = pytest.mark.slow


def test_workflow_builds_every_harmonised_file(project, full_run, config):
    for survey, spec in config["surveys"].items():
        for wave in spec["waves"]:
            data = pd.read_parquet(project / f"results/harmonised/{survey}_{wave}.parquet")
            for column in [
                "wave",
                "survey",
                "respondent_id",
                "role",
                "kommunenummer",
                "fylkesnummer",
                "region",
                "size_class",
                *spec["items"],
            ]:
                assert column in data, (survey, wave, column)
            if survey == "kontor":
                assert {"employer", "office_id", "office_size", "leadership"} <= set(data)
            assert data["respondent_id"].is_unique
            assert (project / f"results/harmonised/{survey}_{wave}.audit.json").is_file()
            assert (project / f"logs/survey_harmonise/{survey}_{wave}.log").is_file()


def test_workflow_weights_every_respondent(project, full_run, config):
    diagnostics = pd.read_csv(project / "results/weights/diagnostics.csv")
    for survey, spec in config["surveys"].items():
        for wave in spec["waves"]:
            data = pd.read_parquet(project / f"results/harmonised/{survey}_{wave}.parquet")
            weights = pd.read_parquet(project / f"results/weights/{survey}_{wave}.parquet")
            assert list(weights["respondent_id"]) == list(data["respondent_id"])
            assert (weights["weight"] > 0).all()
            stats = diagnostics.query("survey == @survey and wave == @wave")
            stats = stats.set_index("statistic")["value"]
            assert stats["sum_weights"] == pytest.approx(stats["frame_total"], rel=1e-9)


def test_workflow_estimates_every_indicator_and_fits_the_models(project, full_run, config):
    estimates = pd.read_parquet(project / "results/estimates/indicators.parquet")
    assert set(estimates["indicator"]) == set(config["indicators"])
    columns = ["indicator", "wave", "breakdown", "group", "n", "estimate", "se", "ci_low"]
    columns += ["ci_high", "deff", "df", "method"]
    assert set(columns) <= set(estimates)
    assert estimates[["estimate", "se", "ci_low", "ci_high"]].notna().all().all()
    differences = pd.read_csv(project / "results/estimates/wave_differences.csv")
    assert {"difference", "se", "p_value"} <= set(differences)
    for model in config["models"]:
        table = pd.read_csv(project / f"results/models/{model}.csv")
        assert table["term"].iloc[0] == "intercept" and table["std_error"].gt(0).all()


def test_published_intervals_obey_the_nchs_rule(project, full_run):
    """No published Korn-Graubard interval is narrower than the exact (Clopper-Pearson)
    interval of its share among its own respondents, df-adjusted as the standard says: the
    effective size never exceeds the respondents. R's uncapped 'beta' is narrower somewhere
    on the default data, which is why the rule matters."""
    estimates = pd.read_parquet(project / "results/estimates/indicators.parquet")
    estimates = estimates[(estimates["estimate"] > 0) & (estimates["estimate"] < 1)]
    kg = estimates[estimates["method"] == "korn_graubard"].reset_index(drop=True)
    beta = estimates[estimates["method"] == "beta"].reset_index(drop=True)
    n, p = kg["n"].to_numpy(float), kg["estimate"].to_numpy()
    ratio = (stats.t.ppf(0.975, n - 1) / stats.t.ppf(0.975, kg["df"])) ** 2
    size = n * np.minimum(1.0, ratio)
    low = stats.beta.ppf(0.025, size * p, size * (1 - p) + 1)
    high = stats.beta.ppf(0.975, size * p + 1, size * (1 - p))
    assert (kg["ci_low"] <= low + 1e-9).all() and (kg["ci_high"] >= high - 1e-9).all()
    narrower = (beta["ci_high"] - beta["ci_low"]) < (kg["ci_high"] - kg["ci_low"]) - 1e-9
    assert narrower.any()
    published = pd.read_csv(project / "results/tables/indicators.csv")
    assert set(published["interval"]) == {"korn_graubard"}


def test_workflow_never_writes_to_data_raw(project, full_run):
    assert digests(project / "data_raw") == full_run


def test_one_target_builds_alone(project, full_run):
    target = project / "results/harmonised/kommune_2019.parquet"
    target.unlink()
    result = snakemake(project, "results/harmonised/kommune_2019.parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert target.is_file()
    assert "survey_harmonise" in result.stderr and "kontor" not in result.stdout + result.stderr


@pytest.mark.bad_input
def test_bad_vendor_file_stops_the_run_and_leaves_no_output(project, full_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(project, broken, ignore=shutil.ignore_patterns("results", ".snakemake", "logs"))
    (broken / "data_raw/kommune_2011.sav").write_bytes(b"not an SPSS file")
    result = snakemake(broken, "results/harmonised/kommune_2011.parquet")
    assert result.returncode != 0
    log = (broken / "logs/survey_harmonise/kommune_2011.log").read_text(encoding="utf-8")
    assert "data_raw/kommune_2011.sav" in log and "cannot be read" in log
    assert not (broken / "results/harmonised/kommune_2011.parquet").exists()


def test_lint_is_clean(project):
    result = snakemake(project, "--lint")
    assert result.returncode == 0, result.stdout[-3000:]


def test_bootstrap_with_the_default_500_replicates_runs_the_whole_pipeline(root, tmp_path):
    """A replicate that leaves a model term without respondents (2 of the default 500 do on
    the default data) is dropped and counted, not a stop."""
    project = copy_project(root, tmp_path)
    run = snakemake(project, "--config", "estimation={variance: bootstrap}")
    assert run.returncode == 0, run.stderr[-3000:]
    models = pd.read_csv(project / "results/models/likeverdig_kontorledere.csv")
    assert (models["replicates_dropped"] > 0).all()
    page = (project / "results/report/models/likeverdig_kontorledere.html").read_text()
    assert "500 bootstrap-replikater" in page
