"""The effective config: overlays and --config values over config.yaml, as Snakemake merges
them; an entry set to null removed."""

from __future__ import annotations

import copy

from navpartner.config.schema import _read_schema
from navpartner.errors import ConfigError
from navpartner.yamlfile import read_yaml


def merged_config(base: dict, overrides: dict) -> dict:
    """`overrides` (the overlays and --config values) merged over config.yaml (`base`) key by
    key, as Snakemake's `configfile:` directive merges them; `base` is left as it was."""
    merged = copy.deepcopy(base)
    _merge_into(merged, _typed(overrides, _read_schema()))
    return merged


# Snakemake reads a --config value given as a mapping (`publication={strict_prose: true}`) with
# YAML's base loader, which leaves every value inside it as text: a boolean or integer the
# schema asks for is read back from its text (any other text is left to the schema to refuse).
SCALARS = {
    "boolean": {"true": True, "false": False}.get,
    "integer": lambda text: int(text) if text.lstrip("-").isdigit() else None,
}


def _typed(value, schema: dict):
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: _typed(item, properties.get(key, {})) for key, item in value.items()}
    read = SCALARS.get(schema.get("type"))
    if isinstance(value, str) and read is not None:
        typed = read(value)
        return value if typed is None else typed
    return value


def _merge_into(target: dict, overrides: dict) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def follow_order(config: dict, base: dict) -> None:
    """Put, in place, every mapping's keys in the order of the base config file (keys it lacks
    after them), for a config that replaces the base instead of being merged over it
    (merged_config keeps that order itself): order is meaning here (themes, groups, claims),
    and an unchanged config must give unchanged parts."""
    for key, value in base.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            follow_order(config[key], value)
    ordered = [key for key in base if key in config] + [key for key in config if key not in base]
    items = [(key, config.pop(key)) for key in ordered]
    config.update(items)


def remove_nulls(config: dict) -> None:
    """Drop, in place, every entry set to null: how an overlay removes a wave, an indicator,
    a model or a figure of the base config."""
    for key in [key for key, value in config.items() if value is None]:
        del config[key]
    for value in config.values():
        if isinstance(value, dict):
            remove_nulls(value)


def effective_config(
    base_file: str, overlay_files: list, overrides: dict, replace: bool = False
) -> tuple[dict, dict]:
    """(config.yaml as read, the effective config): `overrides` (what Snakemake loaded from the
    overlays and --config) merged over config.yaml, or replacing it
    (--replace-workflow-config), then entries set to null removed. Every file is read strictly
    first."""
    check_config_files(overlay_files)
    base = read_yaml(base_file)
    if not isinstance(base, dict):
        raise ConfigError(f"{base_file}: expected a mapping of keys, found {base!r:.40}")
    if replace:
        config = copy.deepcopy(overrides)
        follow_order(config, base)
    else:
        config = merged_config(base, overrides)  # in config.yaml's order already
    remove_nulls(config)
    return base, config


def check_config_files(paths) -> None:
    """Re-read config files strictly: a key defined twice or an alias stops with its lines.

    Snakemake's own loader lets the later of two equal keys win silently.
    """
    for path in paths:
        read_yaml(path)
