"""The default pipeline's wall time, cold and as a no-op rerun, and where the time goes: per
rule from the `benchmark:` files the rules write (benchmarks/<rule>/...) and the jobs' logs.

    python tests/benchmarks/pipeline.py [--cores 2] [--runs 1]

Runs the README's first command (`snakemake --report results/report.html --report-after-run`)
on a fresh copy of the committed files (git ls-files), so no earlier results count; then the
workflow again with nothing to do (the no-op rerun, `snakemake`); then, on another fresh copy,
the cold run with NAVPARTNER_WARM_START=0 (every job loads its own libraries), for comparison.
CPU seconds are those of every process of the run (user + system); on a shared machine they
show what wall time hides. A job run in a process forked from the run's warm server
(navpartner/warm.py) is measured in that process: its log's last line gives its CPU seconds
and peak memory, which Snakemake's benchmark (the job's own, waiting, process) does not see.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from compare import machine

ROOT = Path(__file__).resolve().parents[2]
REPORT = ["--report", "results/report.html", "--report-after-run"]
WARM_LINE = re.compile(r"warm start: ran in process .*?([\d.]+) s CPU, peak ([\d.]+) MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="each on a new copy")
    args = parser.parse_args()
    print(machine(), "\n")
    workflow = [sys.executable, "-m", "snakemake", "--cores", str(args.cores)]
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="navpartner-pipeline-") as work:
            work = Path(work)
            copy_committed(work)
            cold = timed([*workflow, *REPORT], work)
            noop = timed(workflow, work)
            jobs = per_rule(work)
        with tempfile.TemporaryDirectory(prefix="navpartner-pipeline-") as work:
            work = Path(work)
            copy_committed(work)
            alone = timed([*workflow, *REPORT], work, {"NAVPARTNER_WARM_START": "0"})
        print(
            f"run {run + 1}: cold {cold[0]:.1f} s wall ({cold[1]:.1f} s CPU, "
            f"{int(jobs['jobs'].sum())} jobs, report included); no-op rerun {noop[0]:.2f} s "
            f"wall ({noop[1]:.2f} s CPU); cold with each job in its own process "
            f"{alone[0]:.1f} s wall ({alone[1]:.1f} s CPU)"
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


def timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and all it started)."""
    # Snakemake's log goes to a file: a pipe would fill and stall the run while we wait.
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            sys.exit(f"snakemake failed in {cwd}:\n{log.read().decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def per_rule(work: Path) -> pd.DataFrame:
    rows = [job(work, path) for path in sorted((work / "benchmarks").rglob("*.tsv"))]
    if not rows:
        return pd.DataFrame({"jobs": []})
    table = (
        pd.DataFrame(rows)
        .groupby("rule")
        .agg(jobs=("s", "size"), wall_s=("s", "sum"), cpu_s=("cpu", "sum"), peak_mib=("mib", "max"))
    )
    return table.sort_values("wall_s", ascending=False)


def job(work: Path, benchmark: Path) -> dict:
    """One job's wall time (its benchmark), CPU and peak memory (its log's warm-start line,
    else its benchmark)."""
    measured = pd.read_csv(benchmark, sep="\t").iloc[0]
    relative = benchmark.relative_to(work / "benchmarks")
    log = (work / "logs" / relative).with_suffix(".log")
    warm = WARM_LINE.search(log.read_text(errors="replace")) if log.exists() else None
    cpu, mib = (
        (float(warm[1]), float(warm[2])) if warm else (measured["cpu_time"], measured["max_rss"])
    )
    return {"rule": relative.parts[0], "s": measured["s"], "cpu": cpu, "mib": mib}


if __name__ == "__main__":
    main()
