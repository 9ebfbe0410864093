"""Every rule sizes itself for a cluster, and the SLURM profile fits the workflow."""

import re
from pathlib import Path

import pytest
import yaml
from rule_declarations import declared_resources, rules_saying
from workflow_run import copy_project, snakemake

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
# Jobs and their dependencies in the DOT text of `snakemake --dag`.
DAG_NODE = re.compile(r'^\s*(\d+)\[label = "([^"]*)"', re.MULTILINE)
DAG_EDGE = re.compile(r"^\s*(\d+) -> (\d+)", re.MULTILINE)


@pytest.fixture(scope="module")
def declared():
    return declared_resources(ROOT)


@pytest.fixture(scope="module")
def profile() -> dict:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))


def test_every_rule_declares_threads_memory_and_runtime(declared):
    """A rule without them gets the profile's catch-all and its job may be killed or wait
    long on a cluster: size it with tests/benchmarks/rule_resources.py."""
    for rule, row in declared.iterrows():
        for what in ("threads", "mem_mb", "runtime"):
            value = row[what]
            assert value is not None and value == value, (
                f"rule '{rule}' declares no {what}: add `threads:` and `resources: mem_mb=..., "
                "runtime=...` sized from python tests/benchmarks/rule_resources.py"
            )
            assert isinstance(value, int) and value > 0, f"rule '{rule}': {what} = {value!r}"


def test_every_rule_has_a_benchmark_to_size_it_from():
    names = set(declared_resources(ROOT).index)
    missing = sorted(names - rules_saying(ROOT, "benchmark", names))
    assert not missing, f"rules without a benchmark: file: {missing}"


def test_the_profile_asks_squeue_for_job_status(profile):
    # sacct without an accounting database hangs the run (see the profile's comment).
    assert profile["slurm-status-command"] == "squeue"
    assert profile["slurm-init-seconds-before-status-checks"] <= 10
    assert profile["executor"] == "slurm"


def test_the_profile_leaves_partition_and_account_to_the_user(profile):
    text = PROFILE.read_text(encoding="utf-8")
    resources = profile["default-resources"]
    assert resources["slurm_partition"] == "EDIT_PARTITION" and "sinfo" in text
    assert resources["slurm_account"] == "EDIT_ACCOUNT" and "sacctmgr" in text


def test_the_profile_repeats_the_default_profile_except_cores(profile):
    default = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    for key, value in default.items():
        if key != "cores":
            assert profile[key] == value, key


def test_the_profile_caps_threads_and_every_job_fits_its_memory(profile, declared):
    # `cores` caps each job's threads; every job, retried too, must fit the memory the profile
    # allows the run.
    caps = dict(entry.split("=") for entry in profile["resources"])
    assert isinstance(profile["cores"], int) and profile["cores"] >= 1
    assert declared["mem_mb_retry"].max() <= int(caps["mem_mb"])


def test_a_failed_cluster_job_is_retried_once_with_twice_the_memory(profile, declared):
    # A job killed for its memory would fail again with the same request.
    assert profile["retries"] == 1
    for rule, row in declared.iterrows():
        assert row["mem_mb_retry"] == 2 * row["mem_mb"], (
            f"rule '{rule}': mem_mb {row['mem_mb']} at the first attempt, "
            f"{row['mem_mb_retry']} at the second: declare mem_mb=memory_mb(...)"
        )


def test_the_cluster_run_is_two_jobs_estimates_then_publication(declared):
    # Each job pays for its scheduling, two Snakemake starts and the wait for a status check,
    # more than most steps take: every step but the manifest runs in one of two groups.
    local = declared["local"].astype(bool)
    assert set(declared.index[local]) == {"results_manifest"}
    groups = declared.loc[~local, "group"]
    assert set(groups) == {"estimates", "publication"}, groups
    estimates = set(groups[groups == "estimates"].index)
    assert {"survey_harmonise", "weights_replicate", "indicators_combine", "model_fit"} <= estimates
    publication = set(groups[groups == "publication"].index)
    assert {"publish_theme_team", "report_document"} <= publication
    # The manifest runs beside Snakemake itself: it must stay small.
    assert (declared.loc[local, "mem_mb"] <= 1000).all()
    assert (declared.loc[local, "threads"] == 1).all()


@pytest.mark.parametrize("variance", ["calibrated", "bootstrap"])
def test_each_cluster_job_is_one_piece_of_the_workflow(declared, tmp_path, variance):
    """The executor's job step runs the unconnected pieces of one job one after another, each
    by its own Snakemake with all the job's cores: the waves are joined (by their combination)
    so that they run side by side."""
    workdir = copy_project(ROOT, tmp_path)
    override = f"estimation={{variance: {variance}}}"
    result = snakemake(workdir, "--dag", "--forceall", "--config", override)
    assert result.returncode == 0, result.stderr[-3000:]
    rule_of = {job: label.split("\\n")[0] for job, label in DAG_NODE.findall(result.stdout)}
    group_of = {job: declared["group"].get(rule) for job, rule in rule_of.items()}
    pieces = {job: job for job in rule_of}

    def piece(job):
        while pieces[job] != job:
            job = pieces[job]
        return job

    for before, after in DAG_EDGE.findall(result.stdout):
        if group_of[before] is not None and group_of[before] == group_of[after]:
            pieces[piece(before)] = piece(after)
    for group in ("estimates", "publication"):
        roots = {piece(job) for job in rule_of if group_of[job] == group}
        assert len(roots) == 1, f"group {group}: {len(roots)} unconnected pieces"
    assert ("weights_replicate" in rule_of.values()) == (variance == "bootstrap")
