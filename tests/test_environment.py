"""The pinned environment: what the tests run with is what constraints.txt and the conda
environment file say."""

from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version
    return found


def constraints() -> dict[str, str]:
    return pins((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines())


def test_installed_packages_are_the_pinned_versions():
    """Install with `-c constraints.txt` (README); a newer library may change the numbers."""
    wrong = {}
    for name, version in constraints().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # an extra not installed here (e.g. slurm)
        if installed != version:
            wrong[name] = f"installed {installed}, pinned {version}"
    assert not wrong, wrong


def test_every_dependency_of_the_package_is_pinned():
    """Runtime dependencies and every extra's (dev, slurm)."""
    required = metadata.requires("navpartner") or []
    names = {canonicalize_name(Requirement(line).name) for line in required}
    assert names - set(constraints()) == set()


def test_the_conda_environment_pins_the_same_versions():
    env = yaml.safe_load((ROOT / "workflow/envs/navpartner.yaml").read_text(encoding="utf-8"))
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    env_pins = pins(pip)
    assert env_pins, "the conda environment pins nothing"
    pinned = constraints()
    assert {name: pinned.get(name) for name in env_pins} == env_pins
    assert canonicalize_name("snakemake") in env_pins and "-e ../.." in pip
