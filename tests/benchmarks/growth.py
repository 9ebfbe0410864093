"""How navpartner's core grows with the respondents: raking plus ten proportions with
raking-aware SEs on the standard data set at 10^6, 3 x 10^6 and 10^7 respondents (PSUs and
strata grow with them: 10 respondents a PSU, 100 PSUs a stratum). Each size runs in a process
of its own; the table gives its stage times, the time per million respondents and its peak
memory (the target: linear time, under 8 GiB at 10^7).

    python tests/benchmarks/growth.py [--sizes 1000000,3000000,10000000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from compare import machine, run_tool, write_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000,10000000")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(machine(), "\n")
    header = (
        f"{'respondents':>12}{'load s':>8}{'rake s':>8}{'design s':>10}{'estimate s':>12}"
        f"{'analysis s':>12}{'s per 10^6':>12}{'peak MiB':>10}"
    )
    print(header, "-" * len(header), sep="\n", flush=True)
    for size in map(int, args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="navpartner-growth-") as work:
            write_data(Path(work), size, args.seed, csv=False)
            result = run_tool("navpartner", Path(work))
        stages = result["stages"]
        analysis = stages["rake"] + stages["design"] + stages["estimate"]
        print(
            f"{size:>12,}{stages['load']:>8.2f}{stages['rake']:>8.3f}{stages['design']:>10.3f}"
            f"{stages['estimate']:>12.3f}{analysis:>12.3f}{analysis / size * 1e6:>12.3f}"
            f"{result['peak_mib']:>10.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
