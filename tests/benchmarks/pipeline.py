"""The default pipeline's wall time, cold and as a no-op rerun, and where the time goes: per
rule from the `benchmark:` files the rules write (benchmarks/<rule>/...).

    python tests/benchmarks/pipeline.py [--cores 2] [--runs 1]

Runs the README's command on a fresh copy of the committed files (git ls-files), so no earlier
results count, in its two parts: the workflow (`snakemake`, cold: empty results/) and then the
report (`snakemake --report results/report.html`); their sum is what the README's command
takes. Then the workflow again, with nothing to do (the no-op rerun; the report is made again
only when asked for). CPU seconds are those of every process of the run (user + system); on a
shared machine they show what wall time hides.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from compare import machine

ROOT = Path(__file__).resolve().parents[2]
REPORT = ["--report", "results/report.html"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="cold + no-op runs, each on a new copy")
    args = parser.parse_args()
    print(machine(), "\n")
    workflow = [sys.executable, "-m", "snakemake", "--cores", str(args.cores)]
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="navpartner-pipeline-") as work:
            work = Path(work)
            copy_committed(work)
            cold = timed(workflow, work)
            report = timed([*workflow, *REPORT], work)
            noop = timed(workflow, work)
            jobs = per_rule(work / "benchmarks")
        print(
            f"run {run + 1}: cold {cold[0] + report[0]:.1f} s wall = workflow {cold[0]:.1f} s "
            f"({cold[1]:.1f} s CPU, {int(jobs['jobs'].sum())} jobs) + report {report[0]:.1f} s "
            f"({report[1]:.1f} s CPU); no-op rerun {noop[0]:.2f} s wall, {noop[1]:.2f} s CPU"
        )
    print("\nper rule (last run): jobs, wall s summed over its jobs, CPU s, peak MiB of a job")
    print(jobs.to_string(float_format=lambda x: f"{x:.2f}"))


def copy_committed(work: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and all it started)."""
    # Snakemake's log goes to a file: a pipe would fill and stall the run while we wait.
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            sys.exit(f"snakemake failed in {cwd}:\n{log.read().decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def per_rule(benchmarks: Path) -> pd.DataFrame:
    rows = [
        pd.read_csv(path, sep="\t").assign(rule=path.relative_to(benchmarks).parts[0])
        for path in sorted(benchmarks.rglob("*.tsv"))
    ]
    if not rows:
        return pd.DataFrame({"jobs": []})
    table = (
        pd.concat(rows)
        .groupby("rule")
        .agg(
            jobs=("s", "size"),
            wall_s=("s", "sum"),
            cpu_s=("cpu_time", "sum"),
            max_rss=("max_rss", "max"),
        )
    )
    return table.sort_values("wall_s", ascending=False)


if __name__ == "__main__":
    main()
