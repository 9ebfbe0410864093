"""Bad inputs given to the workflow itself: nothing runs that the config did not mean, and the
error reaches the terminal, not only the rule's log."""

import json
import shutil

import pytest
from workflow_run import copy_project, digests, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh(root, tmp_path):
    """A copy of the project without results."""
    (tmp_path / "project").mkdir()
    return copy_project(root, tmp_path / "project")


def edit_config(project, old: str, new: str) -> None:
    path = project / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_path_with_shell_syntax_runs_nothing(fresh):
    odd = "data_raw/kommune 2011;$(touch PWNED)`touch PWNED`'\".sav"
    (fresh / "data_raw/kommune_2011.sav").rename(fresh / odd)
    edit_config(fresh, "file: data_raw/kommune_2011.sav", f"file: {json.dumps(odd)}")
    result = snakemake(fresh, "results/harmonised/kommune_2011.parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (fresh / "results/harmonised/kommune_2011.parquet").is_file()
    assert not list(fresh.rglob("PWNED"))


@pytest.mark.bad_input
def test_a_step_error_reaches_the_terminal(fresh):
    margins = fresh / "data_raw/margins/kommune_2011.csv"
    lines = margins.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].rsplit(",", 1)[0] + ",tolv"
    margins.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = digests(fresh / "data_raw")
    result = snakemake(fresh, "results/weights/kommune_2011.parquet")
    assert result.returncode != 0
    terminal = result.stdout + result.stderr
    expected = "data_raw/margins/kommune_2011.csv: variable 'count' line 5 - not a count"
    assert expected in terminal, terminal[-3000:]
    assert "Traceback" not in terminal
    assert not (fresh / "results/weights/kommune_2011.parquet").exists()
    assert digests(fresh / "data_raw") == before


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "file: data_raw/kontor_2019.sav",
            "file: data_raw/../../kontor_2019.sav",
            ["surveys.kontor.waves.2019.file", "outside"],
        ),
        ("dont_know_code: 9", "dont_know_code: 9\ndont_know_code: 5", ["defined twice"]),
    ],
)
def test_the_workflow_refuses_a_bad_config_before_any_job(fresh, old, new, words):
    edit_config(fresh, old, new)
    result = snakemake(fresh, "-n")
    assert result.returncode != 0
    terminal = result.stdout + result.stderr
    for word in words:
        assert word in terminal, terminal[-3000:]
    assert "Traceback" not in terminal and "in <module>" not in terminal, terminal[-3000:]
    assert not (fresh / "results").exists()


@pytest.mark.bad_input
def test_a_config_that_passed_is_checked_again_once_edited(fresh):
    # A config that passed is not checked again (results/config/checked.sha256), an edit is.
    # A dry run records nothing (it writes nothing under results/); a run does.
    assert snakemake(fresh, "-n").returncode == 0
    assert not (fresh / "results").exists()
    assert snakemake(fresh, "results/harmonised/kommune_2011.parquet").returncode == 0
    assert (fresh / "results/config/checked.sha256").is_file()
    edit_config(fresh, "min_cell_size: 5", "min_cell_size: 0")
    result = snakemake(fresh, "-n")
    assert result.returncode != 0
    assert "publication.min_cell_size" in result.stdout + result.stderr


STALE_CASES = [
    # (what changes after the complete run, the line added to it, the file the refusal names).
    # The config counts by content (the effective config of base and overlays), so its case
    # changes a setting; a comment in it changes nothing published.
    ("config.yaml", "data_dir: data_raw\n", "results/config/effective.yaml"),
    ("data_raw/margins/kontor_2019.csv", "# changed\n", "data_raw/margins/kontor_2019.csv"),
    ("results/tables/indicators.csv", "# changed\n", "results/tables/indicators.csv"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("changed", "line", "named"), STALE_CASES)
def test_no_report_from_outputs_of_other_inputs(project, full_run, tmp_path, changed, line, named):
    """After a complete run something changes (as after a failed run on new inputs): the
    report is refused, naming what changed."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, symlinks=True)
    with open(copy / changed, "a", encoding="utf-8") as handle:
        handle.write(line)
    result = snakemake(copy, "--report", "stale.html")
    terminal = result.stdout + result.stderr
    assert result.returncode != 0
    assert "no report" in terminal and f"{named} " in terminal, terminal[-3000:]
    assert "Traceback" not in terminal, terminal[-3000:]
    assert not (copy / "stale.html").exists()


def test_the_report_carries_the_fingerprint(project, full_run):
    manifest = json.loads((project / "results/manifest.json").read_text(encoding="utf-8"))
    page = (project / "results/report/provenance.html").read_text(encoding="utf-8")
    assert manifest["fingerprint"] in page
    assert "data_raw/kontor_2019.sav" in manifest["inputs"]
    assert "results/tables/indicators.csv" in manifest["outputs"]
    report = (project / "results/report.html").read_text(encoding="utf-8")
    assert "provenance.html" in report
