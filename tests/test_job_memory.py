"""The SLURM check's memory table (tests/cluster/job_memory.py) reads Snakemake's log right and
fails where a job's peak exceeds its request."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "cluster"))

import job_memory

# As Snakemake 9 and snakemake-executor-plugin-slurm 2.8 write it (shortened).
LOG = """\
[Sat Dec  5 00:55:44 2026] Group job publication (jobs in lexicogr. order):

    [Sat Dec  5 00:55:44 2026]
    rule claims_evaluate:
        output: results/tables/claims.csv
        jobid: 39
        resources: tmpdir=<TBD>, disk_mb=1000, mem_mb=800, mem=800 MB, mem_mib=763, runtime=5
Job 22b8 has been submitted with SLURM jobid 217 (log: /p/.snakemake/slurm_logs/\
group_publication_claims_evaluate_model_fit/217.log).
[Sat Dec  5 00:55:43 2026]
localrule indicators_combine:
    jobid: 22
    resources: tmpdir=/tmp, mem_mb=500, mem_mib=477, runtime=5
[Sat Dec  5 00:55:45 2026]
rule model_fit:
    output: results/models/m.csv
    wildcards: model=m
    resources: tmpdir=<TBD>, mem_mb=900, mem_mib=859, runtime=5
Job 7 has been submitted with SLURM jobid 218 (log: /p/.snakemake/slurm_logs/rule_model_fit/\
m/%j.log).
"""


def test_the_jobs_are_named_by_rule_or_group_and_wildcards():
    assert job_memory.jobs_of_the_run(LOG) == {
        "217": ("group_publication_claims_evaluate_model_fit", ""),
        "218": ("model_fit", "m"),
    }


def test_each_cluster_rule_has_its_first_request_and_local_rules_none():
    assert job_memory.requests_of_the_rules(LOG) == {"claims_evaluate": 800, "model_fit": 900}


def write_run(folder: Path, model_fit_peak: float, model_fit_own: float):
    (folder / "log").write_text(LOG)
    (folder / "samples.tsv").write_text(
        "job_id\trequest_mb\tpeak_mb\tsnakemake_mb\tprocesses\n"
        "217\t800\t700.0\t330.0\t8\n"
        f"218\t900\t{model_fit_peak}\t320.0\t8\n"
    )
    for rule, own in (("claims_evaluate", 150), ("model_fit", model_fit_own)):
        (folder / "benchmarks" / rule).mkdir(parents=True)
        (folder / "benchmarks" / rule / "x.tsv").write_text(f"s\tmax_rss\n1.0\t{own}\n")
    return folder / "samples.tsv", folder / "log", folder / "benchmarks"


def test_the_table_passes_peaks_within_their_requests(tmp_path, capsys):
    assert job_memory.table(*write_run(tmp_path, 850.0, 500)) == 0
    shown = capsys.readouterr().out
    assert "850" in shown and "model_fit (218 m)" in shown
    assert "830" in shown  # model_fit as a job of its own: 500 MB + 330 MB of Snakemake


def test_the_table_fails_a_job_over_its_request(tmp_path, capsys):
    assert job_memory.table(*write_run(tmp_path, 901.0, 500)) == 1
    assert "above the request: model_fit" in capsys.readouterr().err


def test_the_table_fails_a_rule_too_big_for_a_job_of_its_own(tmp_path, capsys):
    # 600 MB of its own and 330 MB of Snakemake: over its 900 MB although its job was not.
    assert job_memory.table(*write_run(tmp_path, 850.0, 600)) == 1
    assert "above the request: model_fit" in capsys.readouterr().err
