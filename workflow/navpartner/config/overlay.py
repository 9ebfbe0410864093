"""The effective config: overlays and --config values over config.yaml, as Snakemake merges
them; an entry set to null removed."""

from __future__ import annotations

import copy
import math
import re

from navpartner.config.schema import _read_schema
from navpartner.errors import ConfigError
from navpartner.yamlfile import read_yaml


def merged_config(base: dict, overrides: dict) -> dict:
    """`overrides` (the overlays and --config values) merged over config.yaml (`base`) key by
    key, as Snakemake's `configfile:` directive merges them; `base` is left as it was."""
    merged = copy.deepcopy(base)
    _merge_into(merged, typed(overrides, _read_schema()))
    return merged


# Snakemake reads a --config value given as a mapping (`publication={strict_prose: true}`,
# `estimation={confidence_level: 0.9}`) with YAML's base loader, which leaves every value inside
# it as text: where the schema asks for a boolean or a number and not for text, the value is
# read back from its text. Text that is no such literal (`.nan`, `1e400`, `ja`) is left as it is,
# for the schema to refuse naming the key.
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def typed(value, schema: dict, root: dict | None = None):
    """`value` with each text the schema wants as a boolean, integer or number read as one."""
    root = schema if root is None else root
    alternatives = _alternatives(schema, root)
    if isinstance(value, dict):
        return {
            key: typed(item, _property_schema(alternatives, str(key)), root)
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = next((alt["items"] for alt in alternatives if "items" in alt), {})
        return [typed(item, items, root) for item in value]
    if isinstance(value, str):
        return _read_literal(value, _types(alternatives))
    return value


def _alternatives(schema: dict, root: dict) -> list[dict]:
    """The schema and every schema it refers to or offers instead (anyOf, oneOf, allOf)."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    found = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            found += _alternatives(alternative, root)
    return found


def _property_schema(alternatives: list[dict], key: str) -> dict:
    for schema in alternatives:
        if key in schema.get("properties", {}):
            return schema["properties"][key]
    for schema in alternatives:
        for pattern, sub in schema.get("patternProperties", {}).items():
            if re.search(pattern, key):
                return sub
    for schema in alternatives:
        if isinstance(schema.get("additionalProperties"), dict):
            return schema["additionalProperties"]
    return {}


def _types(alternatives: list[dict]) -> set[str]:
    """The JSON types the alternatives accept (of their `type`, `const` and `enum`)."""
    types = set()
    for schema in alternatives:
        named = schema.get("type", [])
        types |= {named} if isinstance(named, str) else set(named)
        values = schema.get("enum", []) + ([schema["const"]] if "const" in schema else [])
        types |= {"string" if isinstance(v, str) else "number" for v in values}
    return types


def _read_literal(text: str, types: set[str]):
    if not types or "string" in types:
        return text
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "integer" in types and re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if "number" in types and NUMBER.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def _merge_into(target: dict, overrides: dict) -> None:
    # --config gives every key as text: `waves: {2019: ...}` names the base's wave 2019
    named = {str(key): key for key in target}
    for key, value in overrides.items():
        key = named.get(str(key), key)
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
        config = typed(copy.deepcopy(overrides), _read_schema())
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
