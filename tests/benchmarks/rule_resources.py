"""Measure every rule's peak memory and run time, beside what the rule declares.

Runs the whole workflow on the default data in a temporary copy of the project (every rule has a
`benchmark:` file) and prints, per rule, the largest max_rss and wall time over its jobs, the
declared mem_mb (first attempt) and runtime, and the headroom. Size `runtime` from these figures
(minutes, with a wide margin for a busy cluster). The max_rss here is the rule's own: a cluster
job also holds two Snakemake processes (about 160 MB each), so size mem_mb from the whole-job
peaks the SLURM check prints (tests/cluster/run_slurm.sh; workflow/rules/common.smk: memory_mb).

    python tests/benchmarks/rule_resources.py [--cores 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from rule_declarations import declared_resources  # noqa: E402
from workflow_run import copy_project, snakemake  # noqa: E402


def measured_peaks(project: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((project / "benchmarks").rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
        rows.append(
            {
                "rule": path.relative_to(project / "benchmarks").parts[0],
                "seconds": table["s"].max(),
                "max_rss_mb": table["max_rss"].max(),
            }
        )
    measured = pd.DataFrame(rows).groupby("rule")
    return measured.agg(
        jobs=("seconds", "size"), seconds=("seconds", "max"), max_rss_mb=("max_rss_mb", "max")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", default="2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = copy_project(ROOT, Path(folder))
        result = snakemake(project, "--cores", args.cores, "--benchmark-extended")
        if result.returncode != 0:
            print(result.stderr[-3000:], file=sys.stderr)
            return 1
        table = measured_peaks(project).join(declared_resources(project), how="outer")
    table["memory_headroom"] = table["mem_mb"] / table["max_rss_mb"]
    table["runtime_headroom"] = table["runtime"] * 60 / table["seconds"]
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.precision", 1):
        print(table.sort_values("max_rss_mb", ascending=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
