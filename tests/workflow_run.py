"""Run the workflow in a temporary copy of the project, as a user would from its root."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_FILES = ["Snakefile", "config.yaml", "workflow", "data_raw", "profiles", "report"]


def copy_project(root: Path, copy: Path) -> Path:
    for name in PROJECT_FILES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    return copy


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, env=env, check=False
    )


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
