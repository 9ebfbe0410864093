"""The default pipeline's wall time, cold and as a no-op rerun, and whether any job waits on
anything but its own work.

    python tests/benchmarks/pipeline.py [--cores 2] [--runs 1]

Runs the README's first command (`snakemake --report results/report.html --report-after-run`)
on a fresh copy of the committed files (git ls-files), so no earlier results count; then the
workflow again with nothing to do (the no-op rerun, `snakemake`). CPU seconds of a run are
those of every process it started (user + system); on a shared machine they show what wall
time hides.

Then, per job of the last cold run, where its time went:
- queued: from its last input being written (the run's first job start for jobs on committed
  inputs only) to Snakemake starting it (`.snakemake/metadata`), and of that the time with a
  core free, i.e. waiting on Snakemake rather than on another job's work;
- run: its process's wall time (its `benchmark:` file), beside the CPU seconds and peak memory
  the step logs last (`done: ... s CPU`), so run minus CPU is time the step spent not computing.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
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
USAGE_LINE = re.compile(r"done: ([\d.]+) s CPU, peak ([\d.]+) MiB")


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
            jobs = job_times(work, args.cores)
        print(
            f"run {run + 1}: cold {cold[0]:.1f} s wall ({cold[1]:.1f} s CPU, {len(jobs)} jobs, "
            f"report included); no-op rerun {noop[0]:.2f} s wall ({noop[1]:.2f} s CPU); "
            f"a core free while a job waited {jobs.attrs['idle_s']:.2f} s in all; "
            f"jobs' run minus CPU {(jobs['run_s'] - jobs['cpu_s']).sum():.1f} s in all"
        )
    print(
        "\nper job (last run), in the order they started: seconds queued after its inputs "
        "were written, of them with a core free; its run (wall) and CPU seconds, peak MiB"
    )
    print(jobs.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    print("\nper rule (last run): jobs, run s summed over its jobs, CPU s, peak MiB of a job")
    rules = jobs.groupby("rule").agg(
        jobs=("job", "size"),
        run_s=("run_s", "sum"),
        cpu_s=("cpu_s", "sum"),
        peak_mib=("mib", "max"),
    )
    print(rules.sort_values("run_s", ascending=False).to_string(float_format=lambda x: f"{x:.2f}"))


def copy_committed(work: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)  # with its time: committed inputs predate the run


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


def job_times(work: Path, cores: int) -> pd.DataFrame:
    """One row per job of the run: when it could start (its inputs' jobs had ended), when it
    started, how long it queued (with a core free), ran and computed."""
    jobs = pd.DataFrame(_recorded_jobs(work))
    for column in ("run_s", "cpu_s", "mib"):
        jobs[column] = [_measured(work, log)[column] for log in jobs["log"]]
    # A job ends when its process does (its outputs are written a little before).
    jobs["finish"] = (jobs["start"] + jobs["run_s"].fillna(0)).combine(jobs["end"], max)
    made_by = {
        name: finish
        for names, finish in zip(jobs["output"], jobs["finish"], strict=True)
        for name in names
    }
    first = jobs["start"].min()
    jobs["ready"] = [max([first, *(made_by.get(name, first) for name in i)]) for i in jobs["input"]]
    jobs["ready"] = jobs["ready"].clip(upper=jobs["start"])  # run times end a little late
    jobs["queued_s"] = jobs["start"] - jobs["ready"]
    busy = list(zip(jobs["start"], jobs["finish"], strict=True))
    waiting = list(zip(jobs["ready"], jobs["start"], strict=True))
    jobs["core_free_s"] = [_time_with_a_core_free([span], busy, cores) for span in waiting]
    jobs.attrs["idle_s"] = _time_with_a_core_free(waiting, busy, cores)
    jobs["start_s"] = jobs["start"] - first
    columns = ["start_s", "rule", "job", "queued_s", "core_free_s", "run_s", "cpu_s", "mib"]
    return jobs.sort_values("start")[columns]


def _recorded_jobs(work: Path) -> list[dict]:
    """Snakemake's record of each job (one per output file, merged by job): rule, inputs,
    outputs, log, start, and end (its last output's time)."""
    jobs: dict[tuple, dict] = {}
    for path in (work / ".snakemake" / "metadata").iterdir():
        record = json.loads(path.read_text())
        key = (record["rule"], record["job_hash"], tuple(record["log"]))
        job = jobs.setdefault(
            key,
            {
                "rule": record["rule"],
                "job": Path(record["log"][0]).stem if record["log"] else "",
                "input": record["input"],
                "output": [],
                "log": record["log"][0] if record["log"] else None,
                "start": record["starttime"],
                "end": record["endtime"],
            },
        )
        job["output"].append(base64.b64decode(path.name).decode())  # the file's name
        job["start"] = min(job["start"], record["starttime"])  # marked output by output
        job["end"] = max(job["end"], record["endtime"])
    return list(jobs.values())


def _time_with_a_core_free(waiting: list, busy: list, cores: int) -> float:
    """Seconds during which a job was waiting (in one of the `waiting` spans) while fewer than
    `cores` jobs were running (`busy` spans)."""
    edges = sorted({t for span in waiting + busy for t in span})
    free = 0.0
    for left, right in itertools.pairwise(edges):
        middle = (left + right) / 2
        if any(begin <= middle < end for begin, end in waiting) and (
            sum(begin <= middle < end for begin, end in busy) < cores
        ):
            free += right - left
    return free


def _measured(work: Path, log: str | None) -> dict:
    """A job's run time (its benchmark file beside its log's name) and the CPU seconds and
    peak memory its step logged; NaN where a rule keeps no benchmark or log."""
    measured = {"run_s": float("nan"), "cpu_s": float("nan"), "mib": float("nan")}
    if log is None:
        return measured
    relative = Path(log).relative_to("logs")
    benchmark = (work / "benchmarks" / relative).with_suffix(".tsv")
    if benchmark.exists():
        measured["run_s"] = pd.read_csv(benchmark, sep="\t")["s"].iloc[0]
    usage = USAGE_LINE.search((work / log).read_text(errors="replace"))
    if usage:
        measured["cpu_s"], measured["mib"] = float(usage[1]), float(usage[2])
    return measured


if __name__ == "__main__":
    main()
