"""The whole-job memory peak of every SLURM job of a run, beside the memory it asked for.

A job's memory is that of every process in it: the Snakemake that the executor plugin starts in
the job's batch step, the Snakemake that one starts with srun to run the rule (or the group of
rules), the rules' shells and `navpartner` commands. SLURM reports that as MaxRSS per job step
(`sacct`) only where it has an accounting database; the one-node cluster of the check has none,
so this script measures it on the node instead (the check's node is this machine):

    python tests/cluster/job_memory.py sample SAMPLES      # until SIGINT/SIGTERM
    python tests/cluster/job_memory.py table SAMPLES CLUSTER_LOG BENCHMARKS

`sample` looks at every process every 0.2 s; a process belongs to the job named by its
SLURM_JOB_ID (inherited from the job's environment), whose request is SLURM_MEM_PER_NODE. A
job's peak is the largest sum, over one look, of its processes' own peaks so far (VmHWM): each
process's peak is counted even if it falls between two looks, and peaks at different times are
added, so the figure errs high, as sizing should. The Snakemake processes' part is kept apart.

`table` names each job's rule or group from Snakemake's log and prints, for each, the peak of
its fullest job (the highest peak over request) beside that job's request; then, for each
rule, its own peak (its benchmark file's max_rss) plus the largest Snakemake part of a job,
which is what it would hold as a job of its own, beside its mem_mb. It fails where either
exceeds its request.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import signal
import sys
import time
from pathlib import Path

INTERVAL = 0.2
FIELDS = ("job_id", "request_mb", "peak_mb", "snakemake_mb", "processes")
# "Job 12 has been submitted with SLURM jobid 345 (log: .../slurm_logs/rule_x/wildcards/%j.log)."
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (.+)\)")
# A job in Snakemake's log: "rule x:" (indented within a group), then "resources: ..., mem_mb=N"
RULE_MEMORY = re.compile(
    r"^\s*rule (\w+):\n(?:\s+\w+: .*\n)*?\s+resources: .*?\bmem_mb=(\d+)", re.M
)


def job_of(pid: str) -> tuple[str, int] | None:
    """(SLURM job id, requested MB) of a process in a SLURM job, else None."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    variables = dict(item.split(b"=", 1) for item in environ if b"=" in item)
    if b"SLURM_JOB_ID" not in variables:
        return None
    return variables[b"SLURM_JOB_ID"].decode(), int(variables.get(b"SLURM_MEM_PER_NODE", 0))


def own_peak_mb(pid: str) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 once it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def is_snakemake(pid: str) -> bool:
    """Whether the process is Snakemake (`python -m snakemake ...`, `.venv/bin/snakemake`)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:3]
    except OSError:
        return False
    return any(Path(arg.decode(errors="replace")).name == "snakemake" for arg in argv)


def sample(output: Path) -> None:
    jobs: dict[str, dict] = {}
    # pid -> its job, read once per process in a job; a process outside one is read again at
    # each look (a process forked by slurmstepd gets the job's environment when it execs)
    known: dict[str, tuple[str, int]] = {}
    stop = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.append(True))
    while not stop:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
        known = {pid: known.get(pid) or job_of(pid) for pid in pids}
        known = {pid: job for pid, job in known.items() if job is not None}
        totals: dict[str, dict] = {}
        for pid, (job_id, request) in known.items():
            total = totals.setdefault(job_id, {"request_mb": request, "peak_mb": 0.0})
            peak = own_peak_mb(pid)
            total["peak_mb"] += peak
            # read at each look: a process Snakemake forks is Snakemake until it execs
            total["snakemake_mb"] = total.get("snakemake_mb", 0.0) + peak * is_snakemake(pid)
            total["processes"] = total.get("processes", 0) + 1
        for job_id, total in totals.items():
            row = jobs.setdefault(job_id, {"job_id": job_id, "request_mb": total["request_mb"]})
            for field in ("peak_mb", "snakemake_mb", "processes"):
                row[field] = max(row.get(field, 0), round(total[field], 1))
        time.sleep(INTERVAL)
    with open(output, "w", newline="") as file:
        writer = csv.DictWriter(file, FIELDS, delimiter="\t")
        writer.writeheader()
        writer.writerows(jobs.values())


def jobs_of_the_run(log: str) -> dict[str, tuple[str, str]]:
    """SLURM job id -> rule (or group_<group>_<its rules>) and wildcards, from Snakemake's log.

    The plugin logs to .snakemake/slurm_logs/rule_<rule>/<wildcards>/%j.log, a group job to
    .snakemake/slurm_logs/group_<group>_<its rules>//%j.log."""
    named = {}
    for job_id, path in SUBMITTED.findall(log):
        parts = Path(path).parts
        where = parts.index("slurm_logs")
        wildcards = parts[where + 2] if len(parts) > where + 3 else ""
        named[job_id] = (parts[where + 1].removeprefix("rule_"), wildcards)
    return named


def requests_of_the_rules(log: str) -> dict[str, int]:
    """Each rule's mem_mb at its first attempt, as Snakemake's log shows its jobs."""
    requests = {}
    for rule, memory in RULE_MEMORY.findall(log):
        requests.setdefault(rule, int(memory))
    return requests


def own_peaks(benchmarks: Path) -> dict[str, float]:
    """Each rule's own peak (max_rss, MB, the largest over its jobs) from its benchmark files:
    benchmarks/<rule>/..., sampled by Snakemake every second."""
    peaks: dict[str, float] = {}
    for path in benchmarks.rglob("*.tsv"):
        with open(path, newline="") as file:
            values = [row["max_rss"] for row in csv.DictReader(file, delimiter="\t")]
        rule = path.relative_to(benchmarks).parts[0]
        measured = [float(value) for value in values if value not in ("NA", "-", "")]
        peaks[rule] = max([peaks.get(rule, 0.0), *measured])
    return peaks


def table(samples: Path, log_path: Path, benchmarks: Path) -> int:
    with open(samples, newline="") as file:
        measured = {row["job_id"]: row for row in csv.DictReader(file, delimiter="\t")}
    log = log_path.read_text(encoding="utf-8")
    named = jobs_of_the_run(log)
    over = []

    print("Each SLURM job (of each rule or group, the fullest): whole-job peak beside its request")
    by_name: dict[str, dict] = {}
    for job_id, (name, wildcards) in named.items():
        if job_id in measured:
            peak, request = float(measured[job_id]["peak_mb"]), int(measured[job_id]["request_mb"])
            fullest = by_name.setdefault(name, {"jobs": 0, "ratio": -1.0})
            fullest["jobs"] += 1
            if peak / request > fullest["ratio"]:
                job = f"{job_id} {wildcards}".strip()
                fullest.update(peak=peak, request=request, ratio=peak / request, job=job)
    print(
        f"{'peak MB':>8} {'request MB':>10} {'peak/request':>12} {'jobs':>4}  rule or group (job)"
    )
    for name, job in sorted(by_name.items(), key=lambda item: -item[1]["peak"]):
        print(
            f"{job['peak']:>8.0f} {job['request']:>10} {job['ratio']:>12.2f} {job['jobs']:>4}"
            f"  {name} ({job['job']})"
        )
        over += [name] if job["ratio"] > 1 else []
    unmeasured = sorted(set(named) - set(measured), key=int)
    if unmeasured:
        print(f"jobs seen by no sample (ended within {INTERVAL} s): {', '.join(unmeasured)}")
    if not by_name:
        print(f"no SLURM job of {log_path} was measured", file=sys.stderr)
        return 1

    # A rule run in a group shares its job: as a job of its own (another profile, a retry of
    # a group's part), it would hold the rule and the job's Snakemake processes.
    snakemake_mb = max(
        float(measured[job_id]["snakemake_mb"]) for job_id in named if job_id in measured
    )
    print(
        f"Each rule as a job of its own: its own peak (benchmark max_rss) plus the Snakemake"
        f" processes of a job ({snakemake_mb:.0f} MB, the largest measured) beside its mem_mb"
    )
    print(f"{'peak MB':>8} {'mem_mb':>10} {'peak/mem_mb':>12} {'own MB':>6}  rule")
    requests = requests_of_the_rules(log)
    peaks = own_peaks(benchmarks)
    rows = [(peaks[rule] + snakemake_mb, rule) for rule in requests if rule in peaks]
    for peak, rule in sorted(rows, reverse=True):
        ratio = peak / requests[rule]
        print(f"{peak:>8.0f} {requests[rule]:>10} {ratio:>12.2f} {peaks[rule]:>6.0f}  {rule}")
        over += [rule] if ratio > 1 else []
    if over:
        print(f"whole-job peak above the request: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sample").add_argument("samples", type=Path)
    reading = commands.add_parser("table")
    reading.add_argument("samples", type=Path)
    reading.add_argument("log", type=Path)
    reading.add_argument("benchmarks", type=Path)
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.samples)
        return 0
    return table(args.samples, args.log, args.benchmarks)


if __name__ == "__main__":
    sys.exit(main())
