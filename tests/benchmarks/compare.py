"""Raking plus ten proportions with raking-aware SEs, side by side in one run: navpartner's
core, R's survey package and the Python package svy, on the standard data set (seeded; see
standard.py).

    python tests/benchmarks/compare.py                      # 10^6 respondents, every tool
    python tests/benchmarks/compare.py --respondents 10000000 --tools navpartner --repeats 1

Each tool runs in a process of its own and reads the same files (Parquet; CSV for R), so its
peak memory (the process's maximum resident set) is its own. Stages: load (reading the files;
not compared), design, rake, estimate; "analysis" is design + rake + estimate, and the ratios
compare it with navpartner's. Each tool runs --repeats times, the tools in turn, and its
median run is shown: on a shared machine one run's figures vary by half. R and svy are
optional: where one is missing the table says "not installed" and the run goes on. Agreement
is with R's estimates and SEs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from standard import MARGIN_LEVELS, OUTCOMES, build  # noqa: E402

TOOLS = ("navpartner", "svy", "r")
STAGES = ("load", "design", "rake", "estimate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10**6)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated: " + ", ".join(TOOLS)
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each tool, interleaved; the median run is shown (default 3)",
    )
    parser.add_argument("--run", choices=("navpartner", "svy"), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:  # a child process: one tool on the files in --work
        RUNNERS[args.run](Path(args.work))
        return
    tools = args.tools.split(",")
    print(machine())
    with tempfile.TemporaryDirectory(prefix="navpartner-bench-") as work:
        work = Path(work)
        started = time.perf_counter()
        write_data(work, args.respondents, args.seed, csv="r" in tools)
        print(
            f"standard data: {args.respondents:,} respondents, {args.respondents // 10:,} PSUs "
            f"in {args.respondents // 1000:,} strata, margins of "
            f"{', '.join(map(str, MARGIN_LEVELS.values()))} levels, {len(OUTCOMES)} binary "
            f"outcomes (seed {args.seed}; written in {time.perf_counter() - started:.1f} s)\n"
        )
        runs = {tool: [] for tool in tools}
        for _ in range(args.repeats):  # interleaved: a slow spell of the machine hits every tool
            for tool in tools:
                if None not in runs[tool]:
                    runs[tool].append(run_tool(tool, work))
    print(
        f"each tool run {args.repeats} times, interleaved: the run with the median analysis "
        "time is shown, with the largest peak memory of its runs\n"
    )
    print(table({tool: median_run(tool_runs) for tool, tool_runs in runs.items()}))


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {cpu}, {os.cpu_count()} cores, load average {load} (1, 5, 15 min)\n"
        f"python {platform.python_version()}, numpy {np.__version__}, {r_version()}, "
        f"{svy_version()}"
    )


def write_data(work: Path, respondents: int, seed: int, csv: bool) -> None:
    data = build(respondents, respondents // 10, respondents // 1000, seed)
    frame = pd.DataFrame(data.columns)
    frame.to_parquet(work / "data.parquet", index=False)
    if csv:
        frame.to_csv(work / "data.csv", index=False)
    margins = pd.DataFrame(
        [
            {"variable": name, "level": level, "count": count}
            for name, counts in data.targets.items()
            for level, count in enumerate(counts)
        ]
    )
    margins.to_csv(work / "margins.csv", index=False, float_format="%.17g")


def run_tool(tool: str, work: Path) -> dict | None:
    """Stage times, estimates and SEs, and the peak memory of one tool's own process."""
    out = work / f"{tool}.csv"
    if tool == "r":
        if shutil.which("Rscript") is None or r_version() == "R survey not installed":
            return None
        command = [
            "Rscript",
            str(HERE / "survey.R"),
            str(work / "data.csv"),
            str(work / "margins.csv"),
            str(out),
        ]
    elif tool == "svy" and importlib.util.find_spec("svy") is None:
        return None
    else:
        command = [sys.executable, __file__, "--run", tool, "--work", str(work)]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{tool} failed (exit {os.waitstatus_to_exitcode(status)}): {' '.join(command)}")
    result = pd.read_csv(out)
    stages = result[result["kind"] == "stage"].set_index("name")["estimate"]
    outcomes = result[result["kind"] == "outcome"].set_index("name")
    return {
        "stages": {stage: float(stages.get(stage, 0.0)) for stage in STAGES},
        "estimate": outcomes["estimate"].to_numpy(float),
        "se": outcomes["se"].to_numpy(float),
        "peak_mib": usage.ru_maxrss / 1024,  # Linux: kilobytes
    }


def median_run(runs: list[dict | None]) -> dict | None:
    """The run of median analysis time (the lower of the middle two), with the runs' peak."""
    if None in runs:
        return None  # not installed
    median = sorted(runs, key=analysis_of)[(len(runs) - 1) // 2]
    return median | {"peak_mib": max(run["peak_mib"] for run in runs)}


def table(results: dict[str, dict | None]) -> str:
    reference = results.get("r")
    ours = results.get("navpartner")
    header = (
        f"{'tool':<11}{'load s':>8}{'design s':>10}{'rake s':>8}{'estimate s':>12}"
        f"{'analysis s':>12}{'peak MiB':>10}{'× navpartner':>14}{'max |Δ est|':>13}"
        f"{'max |Δ SE|/SE':>15}"
    )
    lines = [header, "-" * len(header)]
    for tool, result in results.items():
        name = {"r": "R survey"}.get(tool, tool)
        if result is None:
            lines.append(f"{name:<11}not installed")
            continue
        stages = result["stages"]
        analysis = stages["design"] + stages["rake"] + stages["estimate"]
        ratio = "" if ours is None else f"{analysis / analysis_of(ours):.1f}"
        agreement = ["", ""]
        if reference is not None:
            agreement = [
                f"{np.abs(result['estimate'] - reference['estimate']).max():.1e}",
                f"{(np.abs(result['se'] - reference['se']) / reference['se']).max():.1e}",
            ]
        lines.append(
            f"{name:<11}{stages['load']:>8.2f}{stages['design']:>10.3f}{stages['rake']:>8.3f}"
            f"{stages['estimate']:>12.3f}{analysis:>12.3f}{result['peak_mib']:>10.0f}"
            f"{ratio:>14}{agreement[0]:>13}{agreement[1]:>15}"
        )
    return "\n".join(lines)


def analysis_of(result: dict) -> float:
    return sum(result["stages"][stage] for stage in ("design", "rake", "estimate"))


def r_version() -> str:
    if shutil.which("Rscript") is None:
        return "R not installed"
    found = subprocess.run(
        [
            "Rscript",
            "-e",
            'cat(R.version$major, R.version$minor, format(packageVersion("survey")))',
        ],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        return "R survey not installed"
    major, minor, survey = found.stdout.split()
    return f"R {major}.{minor} survey {survey}"


def svy_version() -> str:
    if importlib.util.find_spec("svy") is None:
        return "svy not installed"
    from importlib.metadata import version

    return f"svy {version('svy')}"


def run_navpartner(work: Path) -> None:
    from navpartner.estimate import domain_proportions, make_design
    from navpartner.raking import Margin, rake
    from pyarrow import parquet

    clock = Clock()
    table_ = parquet.read_table(work / "data.parquet")
    columns = {name: table_.column(name).to_numpy() for name in table_.column_names}
    del table_
    margins = pd.read_csv(work / "margins.csv")
    outcomes = np.column_stack([columns.pop(name) for name in OUTCOMES])
    clock.stage("load")
    raking_margins = [
        Margin(
            name,
            columns[name],
            tuple(map(str, range(levels))),
            margins.loc[margins["variable"] == name, "count"].to_numpy(float),
        )
        for name, levels in MARGIN_LEVELS.items()
    ]
    weights = rake(columns["w"], raking_margins, tolerance=1e-10).weights
    clock.stage("rake")
    design = make_design(
        weights,
        psu=columns["psu"],
        strata=columns["stratum"],
        margins=[columns[name] for name in MARGIN_LEVELS],
        base_weights=columns["w"],
    )
    clock.stage("design")
    everyone = np.zeros(len(weights), dtype=np.intp)
    est = domain_proportions(design, outcomes, everyone, 1)
    clock.stage("estimate")
    clock.write(work / "navpartner.csv", est.estimate[:, 0], est.se[:, 0])


def run_svy(work: Path) -> None:
    import svy

    clock = Clock()
    data = svy.read_parquet(work / "data.parquet")
    margins = pd.read_csv(work / "margins.csv")
    clock.stage("load")
    sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    clock.stage("design")
    controls = {
        name: {int(row.level): float(row.count) for row in rows.itertuples()}
        for name, rows in margins.groupby("variable")
    }
    sample = sample.weighting.rake(controls=controls, tol=1e-10, max_iter=1000)
    clock.stage("rake")
    # One call per outcome: svy 0.35's list form (mean(OUTCOMES)) silently treats the raked
    # weights as fixed (its SEs equal the fixed-weight ones); the single form credits raking.
    means = [sample.estimation.mean(outcome).to_polars() for outcome in OUTCOMES]
    clock.stage("estimate")
    estimate = np.array([m["est"][0] for m in means])
    clock.write(work / "svy.csv", estimate, np.array([m["se"][0] for m in means]))


class Clock:
    """Stage times of a child process, written with its results in survey.R's layout."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.last = time.perf_counter()

    def stage(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = now - self.last
        self.last = now

    def write(self, path: Path, estimate: np.ndarray, se: np.ndarray) -> None:
        stages = pd.DataFrame(
            {"kind": "stage", "name": list(self.times), "estimate": list(self.times.values())}
        )
        outcomes = pd.DataFrame(
            {"kind": "outcome", "name": OUTCOMES, "estimate": estimate, "se": se}
        )
        pd.concat([stages, outcomes]).to_csv(path, index=False, float_format="%.17g")


RUNNERS = {"navpartner": run_navpartner, "svy": run_svy}

if __name__ == "__main__":
    main()
