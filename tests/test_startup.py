"""Every pipeline step is its own process, so what a command imports is paid once per job:
each step imports only the libraries its work needs (speed is measured by the benchmarks in
tests/benchmarks/, never timed here; these tests check which modules get loaded)."""

import subprocess
import sys

import pytest

HEAVY = ["pandas", "scipy.sparse", "scipy.stats", "matplotlib", "seaborn", "statsmodels", "typst"]

# module -> the heavy libraries it may load (everything else in HEAVY must stay out)
ALLOWED = {
    "navpartner.cli": [],  # every subcommand imports its own step when it runs
    "navpartner.publish.steps": ["pandas"],  # tables, cards; figures load matplotlib when drawn
    "navpartner.harmonise": ["pandas"],
    "navpartner.weighting": ["pandas", "scipy.sparse"],
    "navpartner.indicators": ["pandas", "scipy.sparse"],
    "navpartner.findings": ["pandas", "scipy.sparse"],
    "navpartner.claims": ["pandas", "scipy.sparse"],
    "navpartner.document.report": ["pandas", "typst"],
    # seaborn draws the figures; importing it loads scipy.stats and statsmodels as well
    "navpartner.publish.figures": [
        "pandas",
        "matplotlib",
        "seaborn",
        "scipy.sparse",
        "scipy.stats",
        "statsmodels",
    ],
}


def loaded(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_a_step_loads_only_what_its_work_needs(module):
    unwanted = set(HEAVY) - set(ALLOWED[module])
    assert loaded(module) & unwanted == set()


def test_the_figure_steps_do_load_the_plotting_libraries():
    """The check above can fail: the figures module does load what the others must not."""
    assert {"matplotlib", "seaborn"} <= loaded("navpartner.publish.figures")
