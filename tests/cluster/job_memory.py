"""The whole-job memory peak of every SLURM job of a run, beside the memory it asked for.

A job's memory is that of every process in it: the Snakemake that the executor plugin starts in
the job's batch step, the Snakemake that one starts with srun to run the rule, the rule's shell
and its `navpartner` command. SLURM reports that as MaxRSS per job step (`sacct`) only where it
has an accounting database; the one-node cluster of the check has none, so this script measures
it on the node instead (the check's node is this machine):

    python tests/cluster/job_memory.py sample SAMPLES      # until SIGINT/SIGTERM
    python tests/cluster/job_memory.py table SAMPLES CLUSTER_LOG

`sample` looks at every process every 0.2 s; a process belongs to the job named by its
SLURM_JOB_ID (inherited from the job's environment), whose request is SLURM_MEM_PER_NODE. A
job's peak is the largest sum, over one look, of its processes' own peaks so far (VmHWM): each
process's peak is counted even if it falls between two looks, and peaks at different times are
added, so the figure errs high, as sizing should. `table` names each job's rule (or group) from
Snakemake's log, prints the largest peak of each beside its request and fails where a job's
peak exceeded its request.
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
FIELDS = ("job_id", "request_mb", "peak_mb", "processes")
# "Job 12 has been submitted with SLURM jobid 345 (log: .../slurm_logs/rule_x/wildcards/%j.log)."
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (.+)\)")


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
        totals: dict[str, list] = {}
        for pid, (job_id, request) in known.items():
            total = totals.setdefault(job_id, [request, 0.0, 0])
            total[1] += own_peak_mb(pid)
            total[2] += 1
        for job_id, (request, peak, processes) in totals.items():
            row = jobs.setdefault(job_id, {"job_id": job_id, "request_mb": request})
            row["peak_mb"] = max(row.get("peak_mb", 0.0), round(peak, 1))
            row["processes"] = max(row.get("processes", 0), processes)
        time.sleep(INTERVAL)
    with open(output, "w", newline="") as file:
        writer = csv.DictWriter(file, FIELDS, delimiter="\t")
        writer.writeheader()
        writer.writerows(jobs.values())


def jobs_of_the_run(log: Path) -> dict[str, str]:
    """SLURM job id -> rule (or group_<group>_<its rules>) and wildcards, from Snakemake's log.

    The plugin logs to .snakemake/slurm_logs/rule_<rule>/<wildcards>/%j.log, a group job to
    .snakemake/slurm_logs/group_<group>_<its rules>//%j.log."""
    named = {}
    for job_id, path in SUBMITTED.findall(log.read_text(encoding="utf-8")):
        parts = Path(path).parts
        where = parts.index("slurm_logs")
        wildcards = parts[where + 2] if len(parts) > where + 3 else ""
        named[job_id] = (parts[where + 1].removeprefix("rule_"), wildcards)
    return named


def table(samples: Path, log: Path) -> int:
    with open(samples, newline="") as file:
        measured = {row["job_id"]: row for row in csv.DictReader(file, delimiter="\t")}
    named = jobs_of_the_run(log)
    unmeasured = sorted(set(named) - set(measured), key=int)
    by_rule: dict[str, dict] = {}
    for job_id, (rule, wildcards) in named.items():
        if job_id not in measured:
            continue
        row = measured[job_id]
        request, peak = int(row["request_mb"]), float(row["peak_mb"])
        best = by_rule.setdefault(rule, {"jobs": 0, "peak": -1.0})
        best["jobs"] += 1
        if peak > best["peak"]:
            best.update(peak=peak, request=request, job=f"{job_id} {wildcards}".strip())
    print(f"{'peak MB':>8} {'request MB':>10} {'peak/request':>12} {'jobs':>4}  rule (largest job)")
    over = []
    for rule, best in sorted(by_rule.items(), key=lambda item: -item[1]["peak"]):
        ratio = best["peak"] / best["request"]
        print(
            f"{best['peak']:>8.0f} {best['request']:>10} {ratio:>12.2f} {best['jobs']:>4}"
            f"  {rule} ({best['job']})"
        )
        over += [rule] if ratio > 1 else []
    if unmeasured:
        print(f"jobs seen by no sample (ended within {INTERVAL} s): {', '.join(unmeasured)}")
    if not by_rule:
        print(f"no SLURM job of {log} was measured", file=sys.stderr)
        return 1
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
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.samples)
        return 0
    return table(args.samples, args.log)


if __name__ == "__main__":
    sys.exit(main())
