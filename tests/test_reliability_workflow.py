"""Bad inputs given to the workflow itself: nothing runs that the config did not mean, and the
error reaches the terminal, not only the rule's log."""

import json

import pytest
from workflow_run import copy_project, digests, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture
def project(root, tmp_path):
    (tmp_path / "project").mkdir()
    return copy_project(root, tmp_path / "project")


def edit_config(project, old: str, new: str) -> None:
    path = project / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_path_with_shell_syntax_runs_nothing(project):
    odd = "data_raw/kommune 2011;$(touch PWNED)`touch PWNED`'\".sav"
    (project / "data_raw/kommune_2011.sav").rename(project / odd)
    edit_config(project, "file: data_raw/kommune_2011.sav", f"file: {json.dumps(odd)}")
    result = snakemake(project, "results/harmonised/kommune_2011.parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (project / "results/harmonised/kommune_2011.parquet").is_file()
    assert not list(project.rglob("PWNED"))


@pytest.mark.bad_input
def test_a_step_error_reaches_the_terminal(project):
    margins = project / "data_raw/margins/kommune_2011.csv"
    lines = margins.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].rsplit(",", 1)[0] + ",tolv"
    margins.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = digests(project / "data_raw")
    result = snakemake(project, "results/weights/kommune_2011.parquet")
    assert result.returncode != 0
    terminal = result.stdout + result.stderr
    expected = "data_raw/margins/kommune_2011.csv: variable 'count' line 5 - not a count"
    assert expected in terminal, terminal[-3000:]
    assert "Traceback" not in terminal
    assert not (project / "results/weights/kommune_2011.parquet").exists()
    assert digests(project / "data_raw") == before


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
def test_the_workflow_refuses_a_bad_config_before_any_job(project, old, new, words):
    edit_config(project, old, new)
    result = snakemake(project, "-n")
    assert result.returncode != 0
    terminal = result.stdout + result.stderr
    for word in words:
        assert word in terminal, terminal[-3000:]
    assert "Traceback" not in terminal
    assert not (project / "results").exists()
