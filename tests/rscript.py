"""R's survey package, the field's reference implementation, run from the tests."""

import shutil
import subprocess
from pathlib import Path

import pytest

RSCRIPT = shutil.which("Rscript")
SCRIPTS = Path(__file__).resolve().parent / "r"
needs_r = pytest.mark.skipif(
    RSCRIPT is None,
    reason="R (Rscript with the survey package) is not installed; .ci/run installs "
    "r-base-core, r-cran-survey and r-cran-mass",
)


def run_r(script: str, *args) -> None:
    """Run tests/r/<script> with the given arguments; fails the test on an R error."""
    subprocess.run(
        [RSCRIPT, str(SCRIPTS / script), *map(str, args)], check=True, capture_output=True
    )
