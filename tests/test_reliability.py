"""Bad inputs, as a careless or a hostile user would give them: each stops with a named error
(file, key or variable, line or row, expected, found) and writes nothing.

Every case of a `bad_input` test is one bad input; `pytest -m bad_input --collect-only -q`
counts them and the README states the count (checked in test_readme_counts_the_bad_inputs).
"""

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from navpartner import cli
from navpartner.config import read_config
from navpartner.config.overlay import check_config_files
from navpartner.errors import ConfigError, InputError, OutputError
from navpartner.harmonise import harmonise_survey_wave
from navpartner.io import protect, write_text
from navpartner.weighting import weight_survey_wave
from test_harmonise import SMALL, run, small_config, write_sav
from workflow_run import digests

CONFIG_TEXT = (Path(__file__).resolve().parents[1] / "config.yaml").read_text(encoding="utf-8")


@pytest.fixture
def project(root, tmp_path, monkeypatch):
    """A copy of the project's config and data_raw/, as the current directory."""
    copy = tmp_path / "project"
    shutil.copytree(root / "data_raw", copy / "data_raw")
    shutil.copy(root / "config.yaml", copy / "config.yaml")
    monkeypatch.chdir(copy)
    return copy


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def written_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


# --- Config that cannot be misread -------------------------------------------------------------


def edit(old: str, new: str):
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return change


DONT_KNOW_LINE = line_of(CONFIG_TEXT, "dont_know_code:")
CONFIG_CASES = [
    # (change to config.yaml's text, words the message must hold)
    (
        lambda t: t + "dont_know_code: 8\n",
        ["dont_know_code", "defined twice", f"lines {DONT_KNOW_LINE} and"],
    ),
    (
        edit("    waves:\n      2011:\n", '    waves:\n      "2019": {}\n      2011:\n'),
        ["'2019' is defined twice", "line"],
    ),
    (lambda t: t + "bomb: &a [1, 2]\nmore: [*a, *a]\n", ["alias '*a'", "not allowed", "line"]),
    (lambda t: t + "broken: [1, 2\n", ["not valid YAML", "line"]),
    (lambda t: "- just\n- a list\n", ["expected a mapping"]),
    (edit("dont_know_code: 9", "dont_know_code: 5"), ["dont_know_code: 5", "scales.agree.5"]),
    (
        edit("        dont_know: [8]\n", "        dont_know: [5]\n"),
        ["surveys.kontor.waves.2011.dont_know: raw code 5", "scales.agree", "likeverdig"],
    ),
    (
        edit(
            "team_blandet: {source: sp3, codes: {1: 1, 2: 0}}",
            "team_blandet: {source: sp3, codes: {1: 1, 2: 0}, missing: [2]}",
        ),
        ["kontor.waves.2011.items.team_blandet.missing: raw code 2", "team_blandet.codes"],
    ),
    (
        edit("        missing: [9]\n", "        missing: [9, 8]\n"),
        ["kontor.waves.2011.dont_know and", "raw code 8", "both don't-know and missing"],
    ),
    (
        edit("file: data_raw/kommune_2011.sav", "file: data_raw/../../kommune_2011.sav"),
        ["surveys.kommune.waves.2011.file", "outside", "data_dir"],
    ),
    (
        edit("regions: data_raw/frames/regions.csv", "regions: /etc/passwd"),
        ["geography.regions", "outside"],
    ),
    # A number that is not finite passes JSON schema's `number` and every bound it is compared
    # with: all intervals 0-100 at confidence_level .nan, no flag at max_interval_width .nan.
    (
        edit("confidence_level: 0.95", "confidence_level: .nan"),
        ["'estimation.confidence_level'", "nan is not a finite number"],
    ),
    (
        edit("max_interval_width: 0.30", "max_interval_width: .nan"),
        ["'estimation.reliability.max_interval_width'", "not a finite number"],
    ),
    (
        edit("tolerance: 1.0e-10", "tolerance: .NaN"),
        ["'weighting.tolerance'", "not a finite number"],
    ),
    (edit("upper: 3.0", "upper: .inf"), ["'weighting.trim.upper'", "inf is not a finite"]),
    # An indicator (here one a claim names) of an unknown survey: once a KeyError traceback.
    (
        edit(
            "    theme: merarbeid\n    survey: kontor\n",
            "    theme: merarbeid\n    survey: kontr\n",
        ),
        ["indicators.adm_merarbeid.survey: unknown survey 'kontr'"],
    ),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "words"), CONFIG_CASES)
def test_config_mistake_is_named(project, change, words):
    (project / "config.yaml").write_text(change(CONFIG_TEXT), encoding="utf-8")
    with pytest.raises((ConfigError, InputError)) as error:
        read_config(project / "config.yaml", root=project)
    message = str(error.value)
    assert "config.yaml" in message
    for word in words:
        assert word in message, message


@pytest.mark.bad_input
def test_billion_laughs_is_refused_before_it_expands(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")  # 10**10 strings expanded
    with pytest.raises(InputError, match=r"bomb\.yaml: line 2 - YAML alias '\*a0' is not allowed"):
        read_config(bomb)
    with pytest.raises(InputError, match="alias"):  # the workflow's own check of its config
        check_config_files([bomb])


@pytest.mark.bad_input
def test_a_symbolic_link_out_of_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(project / "data_raw/kommune_2011.sav", outside / "kommune_2011.sav")
    (project / "data_raw/kommune_2011.sav").unlink()
    (project / "data_raw/kommune_2011.sav").symlink_to(outside / "kommune_2011.sav")
    with pytest.raises(ConfigError, match=r"surveys\.kommune\.waves\.2011\.file: .* outside"):
        read_config(project / "config.yaml", root=project)
    # Declared as the data directory, the same folder is allowed.
    declared = CONFIG_TEXT.replace("geography:\n", f"data_dir: {outside}\ngeography:\n", 1)
    (project / "config.yaml").write_text(declared, encoding="utf-8")
    assert read_config(project / "config.yaml", root=project)["data_dir"] == str(outside)


@pytest.mark.bad_input
def test_a_loop_of_symbolic_links_is_named(project):
    """Once a RuntimeError traceback (Python's "Symlink loop")."""
    vendor = project / "data_raw/kommune_2011.sav"
    vendor.unlink()
    vendor.symlink_to(project / "data_raw/loop.sav")
    (project / "data_raw/loop.sav").symlink_to(vendor)
    with pytest.raises(ConfigError) as error:
        read_config(project / "config.yaml", root=project)
    message = str(error.value)
    assert "config.yaml: surveys.kommune.waves.2011.file: 'data_raw/kommune_2011.sav'" in message
    assert "a loop of symbolic links?" in message, message


def test_odd_characters_in_a_path_are_a_plain_path(project):
    """A path with shell syntax is just a file name (the rules quote it; see test_workflow)."""
    odd = "data_raw/kommune 2011;$(touch PWNED)`id`'\".sav"
    shutil.copy(project / "data_raw/kommune_2011.sav", project / odd)
    text = CONFIG_TEXT.replace("file: data_raw/kommune_2011.sav", f"file: {json.dumps(odd)}")
    (project / "config.yaml").write_text(text, encoding="utf-8")
    config = read_config(project / "config.yaml", root=project)
    harmonise_survey_wave(config, "kommune", 2011, "h.parquet", "h.json", root=project)
    assert pd.read_parquet("h.parquet").shape[0] > 0
    assert not (project / "PWNED").exists()


# --- Nothing is written where inputs live --------------------------------------------------------

HARMONISE = ["harmonise", "--config", "config.yaml", "--survey", "kommune", "--wave", "2011"]
PROTECTED_WRITES = [
    # (command line, the path it must not write)
    ([*HARMONISE, "--output", "data_raw/new.parquet", "--audit", "a.json"], "data_raw/new.parquet"),
    (
        [*HARMONISE, "--output", "data_raw/margins/kommune_2011.csv", "--audit", "a.json"],
        "data_raw/margins/kommune_2011.csv",
    ),
    ([*HARMONISE, "--output", "config.yaml", "--audit", "a.json"], "config.yaml"),
    (
        [
            "weights-diagnostics",
            "data_raw/margins/kommune_2011.csv",
            "--output",
            "data_raw/x.csv",
            "--response-rates",
            "r.csv",
        ],
        "x",
    ),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("argv", "target"), PROTECTED_WRITES)
def test_no_command_writes_over_inputs(project, caplog, argv, target):
    before = digests(project)
    assert cli.main(argv) == 2
    message = caplog.text
    assert "refused" in message and "Traceback" not in message, message
    assert digests(project) == before  # nothing written or changed anywhere


@pytest.mark.bad_input
def test_nothing_is_written_under_the_declared_data_directory(project, tmp_path, caplog):
    data_dir = tmp_path / "protected"
    data_dir.mkdir()
    declared = CONFIG_TEXT.replace("geography:\n", f"data_dir: {data_dir}\ngeography:\n", 1)
    (project / "config.yaml").write_text(declared, encoding="utf-8")
    argv = [*HARMONISE, "--output", str(data_dir / "h.parquet"), "--audit", "a.json"]
    assert cli.main(argv) == 2
    assert "refused" in caplog.text
    assert list(data_dir.iterdir()) == []


@pytest.mark.bad_input
def test_a_full_disk_is_named_and_leaves_nothing(project, caplog, monkeypatch):
    import pyarrow.parquet

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pyarrow.parquet, "write_table", full_disk)
    before = written_files(project)
    assert cli.main([*HARMONISE, "--output", "out/h.parquet", "--audit", "out/h.json"]) == 2
    message = caplog.text
    assert "out/h.parquet: - cannot be written (No space left on device)" in message
    assert "Traceback" not in message
    assert written_files(project) == before


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_follow_the_users_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        write_text("x", tmp_path / "out.txt")
    finally:
        os.umask(previous)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_refused_write_is_an_output_error(tmp_path):
    protect([tmp_path / "inputs"])
    try:
        with pytest.raises(OutputError, match=r"inputs/x\.txt.*refused"):
            write_text("x", tmp_path / "inputs/x.txt")
        write_text("x", tmp_path / "outputs/x.txt")  # elsewhere is fine
    finally:
        protect([])
    assert not (tmp_path / "inputs").exists()


# --- Margins and frames, validated on read -------------------------------------------------------

MARGINS = "data_raw/margins/kommune_2011.csv"


def replace_line(path: str, number: int, new: str | None):
    """Change one line of a text file (None: remove it); number counts data rows after the
    header, as a reader of the table would."""

    def change(project: Path) -> int:
        lines = (project / path).read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
        index = header + number
        old = lines[index].rstrip("\n")
        if new is None:
            lines.pop(index)
        else:
            lines[index] = new(old) + "\n"
        (project / path).write_text("".join(lines), encoding="utf-8")
        return index + 1  # the file line

    return change


def set_field(column: int, value: str):
    return lambda line: ",".join(value if i == column else f for i, f in enumerate(line.split(",")))


MARGIN_CASES = [
    # (change, words; "{line}" stands for the changed file line)
    (replace_line(MARGINS, 0, lambda h: h.replace(",count", ",n")), ["missing column", "count"]),
    (replace_line(MARGINS, 0, lambda h: h.replace("size_class,", "")), ["size_class"]),
    (replace_line(MARGINS, 3, set_field(3, "abc")), ["'count' line {line}", "'abc'"]),
    (replace_line(MARGINS, 3, set_field(3, "inf")), ["'count' line {line}", "whole", "'inf'"]),
    (replace_line(MARGINS, 3, set_field(3, "-4")), ["'count' line {line}", ">= 0", "'-4'"]),
    (replace_line(MARGINS, 3, set_field(3, "1e300")), ["'count' line {line}", "<= 100,000,000"]),
    (replace_line(MARGINS, 3, set_field(3, "")), ["'count' line {line}", "found ''"]),
    (replace_line(MARGINS, 5, lambda line: line + "\n" + line), ["occurs twice", "line"]),
    (
        replace_line(MARGINS, 2, set_field(1, "svalbard")),
        ["'region' line {line}", "unknown level", "'svalbard'", "nord_norge"],
    ),
    (replace_line(MARGINS, 2, set_field(1, "")), ["'region' line {line}", "unknown level"]),
    (replace_line(MARGINS, 2, set_field(0, "ordfører")), ["'role' line {line}", "'ordfører'"]),
]


@pytest.fixture(scope="module")
def kommune_2011(root, config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kommune_2011")
    harmonise_survey_wave(
        config, "kommune", 2011, str(folder / "h.parquet"), str(folder / "h.json"), root=root
    )
    return folder / "h.parquet"


def weigh(config, harmonised, project):
    outputs = project / "weights"
    weight_survey_wave(
        config,
        "kommune",
        2011,
        str(harmonised),
        MARGINS,
        str(outputs / "w.parquet"),
        str(outputs / "d.csv"),
        str(outputs / "a.json"),
        root=project,
    )
    return outputs


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "words"), MARGIN_CASES)
def test_bad_margins_are_named_and_nothing_is_written(config, kommune_2011, project, change, words):
    line = change(project)
    with pytest.raises(InputError) as error:
        weigh(config, kommune_2011, project)
    message = str(error.value)
    assert message.startswith(MARGINS), message
    for word in words:
        assert word.format(line=line) in message, message
    assert not (project / "weights").exists()


@pytest.mark.bad_input
def test_margins_without_population_are_named(config, kommune_2011, project):
    text = (project / MARGINS).read_text(encoding="utf-8")
    (project / MARGINS).write_text(re.sub(r",\d+\n", ",0\n", text), encoding="utf-8")
    with pytest.raises(InputError, match=r"kommune_2011\.csv: variable 'count' - no population"):
        weigh(config, kommune_2011, project)
    assert not (project / "weights").exists()


@pytest.mark.bad_input
def test_margins_of_another_wave_stop_naming_the_line(config, kommune_2011, project):
    """The 2019 margins copied for the 2011 wave: the frame of 2011 gives other counts by
    region and size class (one rådmann and one mayor per municipality)."""
    shutil.copy(project / "data_raw/margins/kommune_2019.csv", project / MARGINS)
    with pytest.raises(InputError) as error:
        weigh(config, kommune_2011, project)
    message = str(error.value)
    assert message.startswith(f"{MARGINS}: variable 'count' line 4 - role ordforer"), message
    assert "has 8 municipalities there" in message and "found 7)" in message
    assert "the wave's frame (data_raw/frames/municipalities_2011.csv) has" in message
    assert "navpartner frame-margins" in message
    assert not (project / "weights").exists()


@pytest.mark.bad_input
def test_office_margins_below_their_respondents_stop_before_anything_is_written(
    config, root, project
):
    """The office survey's margins are not checked against a frame: a cell that counts fewer
    staff than answered in it stops the weighting naming its line, and nothing is written (the
    weights once were, before the R-indicator's check failed)."""
    margins = "data_raw/margins/kontor_2019.csv"
    text = (project / margins).read_text(encoding="utf-8")
    line = line_of(text, "kontorleder,kommune,agder_og_sor_ostlandet,10_24,")
    lines = text.splitlines(keepends=True)
    lines[line - 1] = "kontorleder,kommune,agder_og_sor_ostlandet,10_24,0\n"
    (project / margins).write_text("".join(lines), encoding="utf-8")
    outputs = project / "weights"
    harmonise_survey_wave(
        config, "kontor", 2019, str(outputs / "h.parquet"), str(outputs / "h.json"), root=root
    )
    written = sorted(outputs.iterdir())
    with pytest.raises(InputError) as error:
        weight_survey_wave(
            *(config, "kontor", 2019, str(outputs / "h.parquet"), margins),
            *(str(outputs / name) for name in ("w.parquet", "d.csv", "a.json")),
            root=project,
            representativity=str(outputs / "r.csv"),
        )
    message = str(error.value)
    assert message.startswith(f"{margins}: kontor 2019: variable 'count' line {line} -"), message
    assert "more respondents than the frame counts" in message and "'10_24'" in message
    assert sorted(outputs.iterdir()) == written


@pytest.mark.bad_input
def test_margins_without_a_region_of_the_frame_stop(config, kommune_2011, project):
    text = (project / MARGINS).read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True) if ",nord_norge," not in line]
    (project / MARGINS).write_text("".join(kept), encoding="utf-8")
    with pytest.raises(InputError, match=r"has municipalities in region 'nord_norge', but the "):
        weigh(config, kommune_2011, project)


@pytest.mark.bad_input
def test_an_unfilled_margins_template_stops_at_its_first_line(config, root, project):
    """The office survey's margins are not in the frame: frame-margins writes a template, and
    a count left blank stops the weighting naming its line."""
    result = navpartner(
        *["frame-margins", "--survey", "kontor", "--wave", "2019", "--output", "t.csv"],
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    harmonised = project / "h.parquet"
    harmonise_survey_wave(config, "kontor", 2019, str(harmonised), "h.json", root=project)
    with pytest.raises(InputError, match=r"t\.csv: variable 'count' line 3 - not a count"):
        weight_survey_wave(
            config,
            "kontor",
            2019,
            str(harmonised),
            "t.csv",
            "w.parquet",
            "d.csv",
            "a.json",
            root=project,
        )
    assert not (project / "w.parquet").exists()


def test_frame_margins_of_the_municipal_survey_are_the_populations(root, project):
    """Written from the 2019 frame, they equal the synthetic margins, which `navpartner synth`
    counted from its population of rådmenn and mayors (an independent reckoning)."""
    result = navpartner(
        *["frame-margins", "--survey", "kommune", "--wave", "2019", "--output", "m.csv"],
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    made = pd.read_csv(project / "m.csv", comment="#")
    shipped = pd.read_csv(root / "data_raw/margins/kommune_2019.csv", comment="#")
    pd.testing.assert_frame_equal(made, shipped)
    template = pd.read_csv(project / "data_raw/margins/kontor_2019.csv", comment="#")
    assert len(template) > 0  # the office survey's stay hand-made (see the template test)


def navpartner(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """The command as a user runs it, in its own process."""
    command = [str(Path(sys.executable).parent / "navpartner"), *argv]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.bad_input
def test_non_numeric_margins_through_the_command_are_one_line(project, kommune_2011):
    replace_line(MARGINS, 3, set_field(3, "12,5"))(project)
    result = navpartner(
        *["weight", "--config", "config.yaml", "--survey", "kommune", "--wave", "2011"],
        *["--harmonised", str(kommune_2011), "--margins", MARGINS],
        *["--output", "w/w.parquet", "--diagnostics", "w/d.csv", "--audit", "w/a.json"],
        cwd=project,
    )
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert MARGINS in errors[0] and "line" in errors[0], errors
    assert not (project / "w").exists()


def test_a_step_that_succeeds_ends_its_log_with_its_cpu_time_and_peak_memory(project, kommune_2011):
    """Read by tests/benchmarks/pipeline.py: Snakemake's benchmark samples a job's CPU time
    twice a second, too coarsely for steps this short."""
    result = navpartner(
        *["weight", "--config", "config.yaml", "--survey", "kommune", "--wave", "2011"],
        *["--harmonised", str(kommune_2011), "--margins", MARGINS],
        *["--output", "w/w.parquet", "--diagnostics", "w/d.csv", "--audit", "w/a.json"],
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    usage = re.search(r"INFO done: (\d+\.\d\d) s CPU, peak (\d+) MiB$", last)
    assert usage and float(usage[1]) > 0 and int(usage[2]) > 50, last  # python and pandas


FRAME = "data_raw/frames/municipalities_2011.csv"
REGIONS = "data_raw/frames/regions.csv"
FRAME_CASES = [
    (replace_line(FRAME, 3, set_field(4, "many")), FRAME, ["'population' line {line}", "'many'"]),
    (replace_line(FRAME, 3, set_field(4, "0")), FRAME, ["'population' line {line}", "> 0"]),
    (replace_line(FRAME, 3, set_field(4, "-12")), FRAME, ["'population' line {line}", "'-12'"]),
    (replace_line(FRAME, 3, set_field(4, "nan")), FRAME, ["'population' line {line}", "'nan'"]),
    (replace_line(FRAME, 3, set_field(0, "01x4")), FRAME, ["'kommunenummer' line {line}", "4"]),
    (replace_line(FRAME, 2, set_field(0, "0101")), FRAME, ["'kommunenummer' line {line}", "twice"]),
    (replace_line(FRAME, 0, lambda h: h.replace("population", "folketall")), FRAME, ["missing"]),
    (replace_line(REGIONS, 2, set_field(0, "01")), REGIONS, ["'fylkesnummer' line {line}"]),
    (replace_line(REGIONS, 2, set_field(2, "")), REGIONS, ["'region' line {line}", "no region"]),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "path", "words"), FRAME_CASES)
def test_bad_frames_are_named_and_nothing_is_written(config, project, change, path, words):
    line = change(project)
    with pytest.raises(InputError) as error:
        harmonise_survey_wave(config, "kommune", 2011, "h.parquet", "h.json", root=project)
    message = str(error.value)
    assert message.startswith(str(project / path)), message
    for word in words:
        assert word.format(line=line) in message, message
    assert not list(project.glob("h.*"))


# --- Zero rows, codebooks, encodings --------------------------------------------------------------


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("rows", "words"),
    [
        (SMALL.iloc[:0], ["no respondents", "found 0"]),
        (SMALL.assign(fullfort=0.0), ["exclusions leave no respondent", "fullfort"]),
    ],
)
def test_no_respondent_stops_at_harmonise(config, tmp_path, root, rows, words):
    write_sav(rows, tmp_path / "small.sav")
    with pytest.raises(InputError) as error:
        run(small_config(config, tmp_path), tmp_path, root)
    assert str(error.value).startswith(str(tmp_path / "small.sav"))
    for word in words:
        assert word in str(error.value)
    assert not list(tmp_path.glob("out*"))


CODEBOOK_CASES = [
    ("variables: [k4\n", ["not valid YAML", "line 2"]),
    ("- k4\n- k5\n", ["not a codebook", "found 'list'"]),
    ("variables:\n  k4: 5\n", ["variable 'k4'", "not a variable's description"]),
    ("variables:\n  k4: {values: {one: Helt enig}}\n", ["variable 'k4'", "not a number", "one"]),
    ("variables:\n  k4: {lable: Samarbeid}\n", ["variable 'k4'", "unexpected entry 'lable'"]),
    (
        "variables:\n  k4: {label: a}\n  k4: {label: b}\n",
        ["'k4' is defined twice", "lines 2 and 3"],
    ),
    ("variables:\n  k4: {label: 'Sam\xe6rbeid'}\n".encode("cp1252"), ["not valid utf-8", "line 2"]),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(("codebook", "words"), CODEBOOK_CASES)
def test_bad_codebook_is_named(config, tmp_path, root, codebook, words):
    SMALL.to_csv(tmp_path / "small.csv", index=False)
    path = tmp_path / "small.yaml"
    path.write_bytes(codebook if isinstance(codebook, bytes) else codebook.encode())
    changed = small_config(config, tmp_path, "small.csv", "csv", codebook=str(path))
    with pytest.raises(InputError) as error:
        run(changed, tmp_path, root)
    assert str(error.value).startswith(str(path)), str(error.value)
    for word in words:
        assert word in str(error.value), str(error.value)
    assert not list(tmp_path.glob("out*"))


def legacy_sav(path: Path) -> None:
    """An SPSS file that declares UTF-8 but holds a label in Windows-1252 (æ as one byte)."""
    labels = {"k5": {2.0: "Særlig uenig"}, "k4": {1.0: "Helt enig"}}
    pyreadstat.write_sav(SMALL, str(path), variable_value_labels=labels)
    raw = path.read_bytes()
    assert raw.count("æ".encode()) == 1
    path.write_bytes(raw.replace("æ".encode(), "æ ".encode("cp1252")))  # same length


@pytest.mark.bad_input
def test_a_label_in_another_code_page_names_its_variable(config, tmp_path, root):
    legacy_sav(tmp_path / "small.sav")
    with pytest.raises(InputError) as error:
        run(small_config(config, tmp_path), tmp_path, root)
    message = str(error.value)
    for word in ["small.sav", "variable 'k5'", "label of value 2", "utf-8", "encoding"]:
        assert word in message, message
    # With the wave's encoding declared, the file reads and its label is right (the label
    # audit then compares it: this vendor's wording of "Litt uenig" is declared).
    declared = small_config(config, tmp_path, encoding="cp1252")
    declared["label_audit"]["synonyms"]["Litt uenig"] = ["Sæ rlig uenig"]
    out, _ = run(declared, tmp_path, root)
    assert len(out) == 4
    _, meta = pyreadstat.read_sav(str(tmp_path / "small.sav"), encoding="cp1252")
    assert meta.variable_value_labels["k5"][2.0] == "Sæ rlig uenig"


@pytest.mark.bad_input
def test_a_csv_in_another_code_page_names_its_line(config, tmp_path, root):
    SMALL.assign(navn=["a", "b", "Bodø", "d", "e"]).to_csv(
        tmp_path / "small.csv", index=False, encoding="cp1252"
    )
    codebook = {"variables": {"navn": {"type": "string"}}}
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(codebook), encoding="utf-8")
    changed = small_config(
        config, tmp_path, "small.csv", "csv", codebook=str(tmp_path / "small.yaml")
    )
    with pytest.raises(InputError, match=r"small\.csv: line 4 - not valid utf-8"):
        run(changed, tmp_path, root)
    changed["surveys"]["kommune"]["waves"][2011]["encoding"] = "cp1252"
    out, _ = run(changed, tmp_path, root)
    assert len(out) == 4


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ["not a readable CSV file", "No columns"]),
        (b"lopenr,knr\n1,301\n2,301,7,8\n", ["not a readable CSV file", "line 3"]),
    ],
)
def test_an_unreadable_csv_is_named(config, tmp_path, root, content, words):
    (tmp_path / "small.csv").write_bytes(content)
    (tmp_path / "small.yaml").write_text("variables: {}\n", encoding="utf-8")
    changed = small_config(
        config, tmp_path, "small.csv", "csv", codebook=str(tmp_path / "small.yaml")
    )
    with pytest.raises(InputError) as error:
        run(changed, tmp_path, root)
    for word in words:
        assert word in str(error.value), str(error.value)
    assert not list(tmp_path.glob("out*"))


# --- The count the README states ----------------------------------------------------------------


def test_readme_counts_the_bad_inputs(root):
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "bad_input", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    count = int(re.search(r"(\d+)/\d+ tests collected", collected).group(1))
    stated = re.search(r"tries (\d+) bad inputs", (root / "README.md").read_text("utf-8"))
    assert stated, "README: state 'the suite tries N bad inputs' in the Reliability section"
    assert int(stated.group(1)) == count, f"README says {stated.group(1)}, the suite has {count}"


# --- No report from stale outputs ----------------------------------------------------------------


def test_the_manifest_names_what_changed_since_the_run(tmp_path):
    from navpartner.audit import manifest_problems, write_manifest

    files = {name: tmp_path / name for name in ("config.yaml", "raw.sav", "table.csv")}
    for path in files.values():
        path.write_text(path.name, encoding="utf-8")
    config, raw, table = map(str, files.values())
    manifest = tmp_path / "manifest.json"
    assert manifest_problems(manifest, config, [raw], [table]) == [
        f"{manifest} is missing: no complete run of the workflow has recorded its outputs"
    ]
    recorded = write_manifest(config, [raw], [table], manifest)
    assert manifest_problems(manifest, config, [raw], [table]) == []
    assert len(recorded["fingerprint"]) == 64

    for path, words in [
        (files["config.yaml"], f"{config} has changed since the outputs were made"),
        (files["raw.sav"], f"{raw} has changed since the outputs were made"),
        (files["table.csv"], f"{table} is not the file the recorded run made"),
    ]:
        original = path.read_text(encoding="utf-8")
        path.write_text(original + " edited", encoding="utf-8")
        assert manifest_problems(manifest, config, [raw], [table]) == [words]
        path.write_text(original, encoding="utf-8")
    new_output = str(tmp_path / "new.csv")
    assert manifest_problems(manifest, config, [raw], [table, new_output]) == [
        f"{new_output} was not made by the run {manifest} records"
    ]
