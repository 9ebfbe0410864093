"""The toolkit on a finished run of the workflow: every published estimate it can ask for again
comes back the same, the worked notebook runs, and the README's toolkit examples run as
written."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from navpartner.api import open_run
from numpy.testing import assert_allclose
from workflow_run import snakemake

pytestmark = pytest.mark.slow

VALUES = ["estimate", "se", "ci_low", "ci_high", "df"]


@pytest.fixture(scope="module")
def finished(root, project, full_run, tmp_path_factory):
    """A copy of the finished run, brought up to date (other tests edit the shared project)."""
    copy = shutil.copytree(project, tmp_path_factory.mktemp("toolkit") / "run", symlinks=True)
    if (copy / "config.yaml").read_bytes() != (root / "config.yaml").read_bytes():
        shutil.copy(root / "config.yaml", copy / "config.yaml")
    result = snakemake(copy)
    assert result.returncode == 0, result.stderr[-3000:]
    return copy


@pytest.fixture(scope="module")
def run(finished):
    return open_run(finished / "results")


def _published(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"group": str, "suppressed": str})
    return table.fillna({"suppressed": ""})


def _question(run, name: str, wave: int, breakdown: str):
    indicator = run.config["indicators"][name]
    by = () if breakdown == "total" else breakdown
    where = indicator["respondents"]
    return run.wave(indicator["survey"], wave), indicator, by, where


def test_every_published_indicator_row_is_recomputed(finished, run):
    published = _published(finished / "results/tables/indicators.csv")
    estimates = pd.read_parquet(finished / "results/estimates/indicators.parquet")
    estimates = estimates[estimates["method"] == run.config["estimation"]["interval"]]
    estimates = estimates.set_index(["indicator", "wave", "breakdown", "group"])
    compared = 0
    for (name, wave, breakdown), rows in published.groupby(["indicator", "wave", "breakdown"]):
        survey_wave, indicator, by, where = _question(run, name, wave, breakdown)
        mine = survey_wave.shares(
            indicator["item"], by, where, indicator["positive"], indicator["dont_know"]
        ).set_index("group")
        rows = rows.set_index("group")
        assert sorted(mine.index) == sorted(rows.index), (name, wave, breakdown)
        mine = mine.loc[rows.index]
        assert (mine["suppressed"] == rows["suppressed"]).all(), (name, wave, breakdown)
        shown = rows.index[rows["suppressed"] == ""]
        expected = estimates.loc[[(name, wave, breakdown, g) for g in shown]]
        for column in [*VALUES, "deff"]:
            assert_allclose(
                mine.loc[shown, column].astype(float),
                expected[column].to_numpy(float),
                rtol=0,
                atol=1e-12,
                err_msg=f"{name} {wave} {breakdown} {column}",
            )
        assert (mine.loc[shown, "n"].to_numpy() == expected["n"].to_numpy()).all()
        assert (mine.loc[shown, "flagged"].to_numpy() == expected["flagged"].to_numpy()).all()
        assert_allclose(
            (100 * mine.loc[shown, "estimate"].astype(float)).round(1), rows.loc[shown, "percent"]
        )
        hidden = rows.index[rows["suppressed"] != ""]
        assert mine.loc[hidden, VALUES].isna().all().all()
        compared += len(rows)
    assert compared == len(published) > 200


def test_every_published_distribution_is_recomputed(finished, run):
    published = _published(finished / "results/tables/distributions.csv")
    estimates = pd.read_parquet(finished / "results/estimates/distributions.parquet")
    estimates = estimates.set_index(["indicator", "wave", "breakdown", "group", "category"])
    compared = 0
    for (name, wave, breakdown), rows in published.groupby(["indicator", "wave", "breakdown"]):
        survey_wave, indicator, by, where = _question(run, name, wave, breakdown)
        mine = survey_wave.distribution(indicator["item"], by, where, dont_know="include")
        mine = mine.set_index(["group", "category"])
        rows = rows.set_index(["group", "category"])
        mine = mine.loc[rows.index]
        assert (mine["suppressed"].to_numpy() == rows["suppressed"].to_numpy()).all(), (
            name,
            wave,
            breakdown,
        )
        shown = rows.index[rows["suppressed"] == ""]
        expected = estimates.loc[[(name, wave, breakdown, *key) for key in shown]]
        for column in VALUES:
            assert_allclose(
                mine.loc[shown, column].astype(float),
                expected[column].to_numpy(float),
                rtol=0,
                atol=1e-12,
                err_msg=f"{name} {wave} {breakdown} {column}",
            )
        compared += len(rows)
    assert compared == len(published) > 1000


def test_every_published_group_contrast_is_recomputed(finished, run):
    contrasts = pd.read_parquet(finished / "results/estimates/contrasts.parquet")
    contrasts = contrasts[contrasts["kind"] == "group"]
    published = _published(finished / "results/tables/contrasts.csv")
    published = published[published["kind"] == "group"].set_index(
        ["indicator", "wave", "breakdown", "group"]
    )
    columns = ["estimate", "estimate_reference", "difference", "se", "ci_low", "ci_high", "df"]
    compared = 0
    for (name, wave, breakdown), rows in contrasts.groupby(["indicator", "wave", "breakdown"]):
        survey_wave, indicator, by, where = _question(run, name, wave, breakdown)
        mine = survey_wave.contrasts(
            indicator["item"], by, where, indicator["positive"], indicator["dont_know"]
        ).set_index("group")
        rows = rows.set_index("group")
        assert (mine.loc[rows.index, "reference"] == rows["reference"]).all()
        marks = published.loc[[(name, wave, breakdown, g) for g in rows.index], "suppressed"]
        assert (mine.loc[rows.index, "suppressed"].to_numpy() == marks.to_numpy()).all()
        shown = rows.index[marks.to_numpy() == ""]
        for column in [*columns, "p_value"]:
            assert_allclose(
                mine.loc[shown, column].astype(float),
                rows.loc[shown, column].to_numpy(float),
                rtol=1e-12 if column == "p_value" else 0,
                atol=0 if column == "p_value" else 1e-12,
                err_msg=f"{name} {wave} {breakdown} {column}",
            )
        compared += len(rows)
    assert compared > 100


def test_a_configured_model_is_refitted(finished, run):
    spec = run.config["models"]["likeverdig_kontorledere"]
    indicator = run.config["indicators"][spec["indicators"][0]]
    mine = run.model(
        indicator["survey"],
        indicator["item"],
        spec["terms"],
        where=indicator["respondents"],
        positive=indicator["positive"],
        dont_know=indicator["dont_know"],
        reference=spec["reference"],
    )
    published = pd.read_csv(finished / "results/models/likeverdig_kontorledere.csv")
    assert mine["term"].tolist() == published["term"].tolist()
    for column in ["estimate", "std_error", "conf_low", "conf_high", "df"]:
        assert_allclose(mine[column], published[column], rtol=0, atol=1e-12, err_msg=column)


def test_the_worked_notebook_runs_and_is_committed_without_outputs(root, finished):
    from nbclient import NotebookClient

    committed = nbformat.read(root / "docs/toolkit.ipynb", as_version=4)
    code = [cell for cell in committed.cells if cell.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    (finished / "docs").mkdir(exist_ok=True)
    client = NotebookClient(
        committed,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(finished / "docs")}},
    )
    client.execute()  # a failing cell raises CellExecutionError, naming it
    printed = "".join(
        str(output.get("data", {}).get("text/plain", output.get("text", "")))
        for cell in committed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "oslo_og_viken" in printed and "odds_ratio" in printed


def _readme_section(root) -> str:
    text = (root / "README.md").read_text("utf-8")
    return text.split("## The analyst's toolkit")[1].split("\n## ")[0]


def test_the_readme_examples_run_as_written(root, finished):
    section = _readme_section(root)
    commands = re.findall(r"^navpartner crosstab .*$", section, flags=re.MULTILINE)
    assert len(commands) >= 3
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command], cwd=finished, capture_output=True, text=True, env=env
        )
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result)
    shown = re.search(r"```\n(kontor 2019: .*?)```", section, flags=re.DOTALL).group(1)
    first = subprocess.run(
        ["bash", "-c", commands[0]], cwd=finished, capture_output=True, text=True, env=env
    )
    assert [line.rstrip() for line in first.stdout.splitlines()] == shown.splitlines()
    python = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)
    result = subprocess.run(
        [sys.executable, "-c", python], cwd=finished, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "oslo_og_viken" in result.stdout and "leadership[todelt]" in result.stdout
