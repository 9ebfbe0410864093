"""Where the configured inputs lead: every one inside the project or the data directory."""

from __future__ import annotations

from pathlib import Path

from navpartner.errors import ConfigError


def configured_inputs(config: dict) -> list[tuple[str, str]]:
    """(key, path) of every input file the config names, in a stable order."""
    regions = config.get("geography", {}).get("regions")  # a config part may lack geography
    inputs = [("geography.regions", regions)] if regions else []
    for survey, survey_spec in config["surveys"].items():
        for wave, wave_spec in survey_spec["waves"].items():
            for key in ("file", "codebook", "margins", "municipalities"):
                if key in wave_spec:
                    inputs.append((f"surveys.{survey}.waves.{wave}.{key}", wave_spec[key]))
    return inputs


def data_roots(config: dict, root: str | Path = ".", source: str = "config") -> list[Path]:
    """The folders inputs may come from: the project, and the declared data directory."""
    roots = [Path(root).resolve()]
    if "data_dir" in config:
        roots.append(resolved_path(root, config["data_dir"], "data_dir", source))
    return roots


def resolved_path(root: str | Path, path: str, key: str, source: str = "config") -> Path:
    """The configured path after `..` and symbolic links; a loop of links is named, not a
    traceback."""
    try:
        return (Path(root) / path).resolve()
    except (RuntimeError, OSError) as err:  # RuntimeError: Python's "Symlink loop"
        raise ConfigError(
            f"{source}: {key}: '{path}' cannot be resolved ({err}): a loop of symbolic links?"
        ) from None


def check_paths(config: dict, root: str | Path = ".", source: str = "config") -> None:
    """Every configured input resolves (after `..` and symbolic links) inside the project
    or the declared data directory."""
    roots = data_roots(config, root, source)
    problems = []
    for key, path in configured_inputs(config):
        resolved = resolved_path(root, path, key, source)
        if not any(resolved.is_relative_to(folder) for folder in roots):
            allowed = " or ".join(str(folder) for folder in roots)
            problems.append(
                f"{key}: '{path}' resolves to {resolved}, outside {allowed} (declare the folder "
                "that holds real data as data_dir)"
            )
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def protected_paths(config: dict, config_file: str | Path, root: str | Path = ".") -> list[Path]:
    """What no step may write to: data_raw/, the data directory, every input, the config."""
    return [
        Path(root) / "data_raw",
        *data_roots(config, root)[1:],
        *(Path(root) / path for _, path in configured_inputs(config)),
        Path(config_file),
    ]
