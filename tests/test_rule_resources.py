"""Every rule sizes itself for a cluster, and the SLURM profile fits the workflow."""

from pathlib import Path

import pytest
import yaml
from rule_declarations import declared_resources, rules_saying

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"


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


def test_the_steps_of_a_survey_wave_run_as_one_cluster_job(declared):
    wave_steps = [
        "survey_harmonise",
        "survey_weight",
        "weights_replicate",
        "weights_replicates_combine",
        "indicators_estimate",
    ]
    groups = declared["group"]
    assert groups[wave_steps].nunique() == 1 and groups[wave_steps].notna().all(), groups
    # The group also holds nothing that joins the waves (which would join them into one job).
    assert set(groups[groups == groups[wave_steps[0]]].index) == set(wave_steps)


def test_every_other_cluster_step_runs_in_the_one_publication_job(declared):
    # Each job pays for its scheduling and two Snakemake starts, more than these steps take.
    cluster = declared[~declared["local"].astype(bool)]
    others = cluster[cluster["group"] != cluster.loc["survey_harmonise", "group"]]
    assert {"model_fit", "tables_suppress", "report_document"} <= set(others.index)
    assert others["group"].nunique() == 1 and others["group"].notna().all(), others["group"]


def test_tiny_steps_run_on_the_submit_host(declared):
    local = declared[declared["local"]]
    assert {"weights_diagnostics", "indicators_combine"} <= set(local.index)
    # Local steps run beside Snakemake itself: they must stay small.
    assert (local["mem_mb"] <= 1000).all() and (local["threads"] == 1).all()
