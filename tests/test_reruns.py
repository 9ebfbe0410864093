"""Config overlays and reruns: after a full run, each kind of edit plans only the steps it
concerns; a new wave added by overlay runs end to end without touching the shipped waves."""

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from workflow_run import snakemake

pytestmark = pytest.mark.slow

UPSTREAM = {
    "survey_harmonise",
    "survey_weight",
    "weights_diagnostics",
    "indicators_estimate",
    "indicators_combine",
    "model_fit",
}


def planned_jobs(workdir, *args) -> dict[str, int]:
    """Rule -> number of jobs in a dry run's job stats."""
    result = snakemake(workdir, "--dry-run", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    return {line.split()[0]: int(line.split()[1]) for line in table if line.strip()}


@pytest.fixture
def finished(project, full_run, tmp_path):
    """A copy of the finished run (time stamps and Snakemake's records kept)."""
    return shutil.copytree(project, tmp_path / "run", symlinks=True)


def overlay(workdir, text: str) -> str:
    (workdir / "overlay.yaml").write_text(text, encoding="utf-8")
    return "overlay.yaml"


def test_nothing_to_do_after_a_full_run(finished):
    assert planned_jobs(finished) == {}


def test_report_language_reruns_publication_only(finished):
    jobs = planned_jobs(finished, "--configfile", overlay(finished, "publication: {language: en}"))
    assert jobs and not set(jobs) & UPSTREAM


def test_command_line_override_is_the_same_edit(finished):
    jobs = planned_jobs(finished, "--config", "publication={language: en}")
    assert jobs and not set(jobs) & UPSTREAM


def test_a_label_edit_reruns_publication_only(finished):
    """Labels are publication's: an indicator's or a model's label, an indicator's population
    and a survey's name stay out of the estimation steps' config parts."""
    edit = (
        "indicators: {likeverdig_radmenn: {label: {nb: Ny etikett, en: New label}, "
        "population: {nb: noen, en: some}}}\n"
        "models: {likeverdig_grupper: {label: {nb: Ny modell, en: New model}}}\n"
        "surveys: {kontor: {label: {nb: Kontorene, en: The offices}}}\n"
    )
    jobs = planned_jobs(finished, "--configfile", overlay(finished, edit))
    assert "tables_suppress" in jobs and "publish_models" in jobs
    assert not set(jobs) & UPSTREAM, jobs


def parts_on_disk(workdir) -> dict[str, tuple[str, int]]:
    """Each file under results/config/: its digest and time stamp."""
    folder = workdir / "results/config"
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


def test_a_dry_run_writes_nothing_yet_plans_the_edit(finished):
    """A dry run once rewrote results/config/ with its own overrides, so the real run that
    followed saw no change in the parts of the jobs it should rerun."""
    before = parts_on_disk(finished)
    edit = "indicators:\n  likeverdig_radmenn:\n    positive: [5]\n"
    jobs = planned_jobs(finished, "--configfile", overlay(finished, edit))
    assert jobs["indicators_estimate"] and jobs["indicators_combine"] == 1
    jobs = planned_jobs(finished, "--config", "publication={language: en}")
    assert jobs and not set(jobs) & UPSTREAM
    assert parts_on_disk(finished) == before
    assert not list(Path(tempfile.gettempdir()).glob("navpartner-dry-run-*"))


@pytest.mark.parametrize("command", ["--summary", "--dag", "--rulegraph"])
def test_a_command_that_runs_no_job_writes_nothing(finished, command):
    before = parts_on_disk(finished)
    result = snakemake(finished, command, "--config", "publication={language: en}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert parts_on_disk(finished) == before


def test_indicator_edit_reruns_its_survey_estimates_onward(finished, config):
    edit = "indicators:\n  likeverdig_radmenn:\n    positive: [5]\n"
    jobs = planned_jobs(finished, "--configfile", overlay(finished, edit))
    waves = len(config["surveys"]["kommune"]["waves"])
    assert jobs["indicators_estimate"] == waves  # the kommune waves, not the kontor ones
    on_kommune = [
        model
        for model, spec in config["models"].items()
        if any(config["indicators"][name]["survey"] == "kommune" for name in spec["indicators"])
    ]
    assert jobs["indicators_combine"] == 1 and jobs["model_fit"] == len(on_kommune)
    assert not {"survey_harmonise", "survey_weight"} & set(jobs)


def test_weighting_edit_reruns_weights_onward(finished, config):
    jobs = planned_jobs(
        finished, "--configfile", overlay(finished, "weighting: {trim: {upper: 3.5}}")
    )
    survey_waves = sum(len(spec["waves"]) for spec in config["surveys"].values())
    assert jobs["survey_weight"] == survey_waves and jobs["indicators_estimate"] == survey_waves
    assert "survey_harmonise" not in jobs


def test_one_waves_crosswalk_reruns_that_wave_only(finished):
    edit = "surveys: {kommune: {waves: {2019: {missing: [99, 98]}}}}"
    jobs = planned_jobs(finished, "--configfile", overlay(finished, edit))
    assert jobs["survey_harmonise"] == 1 and jobs["survey_weight"] == 1
    assert jobs["indicators_estimate"] == 1 and jobs["model_fit"] == 1


def test_overlay_removes_an_indicator_with_null(finished, config):
    # one that no figure, claim or model names (those would stop at the config check), nor
    # the evaluator's chapters (a reference to it would stop the report)
    referenced = json.dumps(
        [config["publication"]["figures"], config.get("claims"), config.get("models")]
    )
    prose = " ".join(path.read_text(encoding="utf-8") for path in finished.glob("report/*/*.md"))
    kept = [
        name
        for name in config["indicators"]
        if f'"{name}"' not in referenced and f" {name} " not in prose
    ]
    edit = f"indicators:\n  {kept[0]}: null\n"
    result = snakemake(finished, "--configfile", overlay(finished, edit))
    assert result.returncode == 0, result.stderr[-3000:]
    estimates = pd.read_parquet(finished / "results/estimates/indicators.parquet")
    assert kept[0] not in set(estimates["indicator"])
    assert set(estimates["indicator"]) == set(config["indicators"]) - {kept[0]}


def test_a_command_line_override_is_read_as_the_schema_types_it(finished):
    """--config gives text inside a mapping; a number is read back from it, text that is no
    number is refused naming the key."""
    jobs = planned_jobs(finished, "--config", "weighting={trim: {upper: 3.5}}")
    assert jobs["survey_weight"]
    result = snakemake(finished, "--dry-run", "--config", "weighting={trim: {upper: .nan}}")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "weighting.trim.upper" in message and "'.nan'" in message, message[-2000:]


def test_new_wave_by_draft_and_overlay_as_the_readme_says(finished):
    """README 'Adding a wave', step by step: example vendor file, copy into data_raw, draft,
    run with the draft as overlay; the shipped waves are not harmonised again."""
    navpartner = [str(Path(sys.executable).parent / "navpartner")]

    def run(*args):
        result = subprocess.run(
            [*navpartner, *args], cwd=finished, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    run(
        "example-wave",
        "--survey",
        "kontor",
        "--from-wave",
        "2019",
        "--wave",
        "2023",
        "--output-dir",
        "incoming",
    )
    shutil.copy(finished / "incoming/kontor_2023.sav", finished / "data_raw/kontor_2023.sav")
    shutil.copy(
        finished / "incoming/kontor_2023_margins.csv", finished / "data_raw/margins/kontor_2023.csv"
    )
    draft = run(
        "draft-wave", "--survey", "kontor", "--wave", "2023", "--file", "data_raw/kontor_2023.sav"
    )
    assert "TO SETTLE" not in draft
    (finished / "kontor_2023.yaml").write_text(draft, encoding="utf-8")

    jobs = planned_jobs(finished, "--configfile", "kontor_2023.yaml")
    assert jobs["survey_harmonise"] == 1 and jobs["survey_weight"] == 1
    result = snakemake(finished, "--configfile", "kontor_2023.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    estimates = pd.read_parquet(finished / "results/estimates/indicators.parquet")
    assert {2011, 2019, 2023} <= set(estimates.query("survey == 'kontor'")["wave"])
    assert (finished / "results/harmonised/kontor_2023.crosswalk.csv").is_file()
