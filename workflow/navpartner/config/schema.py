"""The JSON schema check (workflow/schemas/config.schema.yaml): names the misspelt key and
where."""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path

import yaml

from navpartner.config.parts import WORDING_KEYS
from navpartner.errors import ConfigError

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def check_schema(config: dict, source: str = "config", whole: bool = True) -> None:
    """Validate against the JSON schema; `whole=False` for a part of a config, whose top-level
    keys may be missing, and so may the wording parts leave out. A number that is not finite
    (.nan, .inf) is refused first: JSON schema's `number` admits it, and it would pass every
    comparison with a bound."""
    _check_finite(config, source)
    import jsonschema  # here, not at the top: a step reading its config part needs none

    schema = copy.deepcopy(_read_schema())
    if not whole:
        schema.pop("required")
        _drop_required(schema, WORDING_KEYS)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(with_string_keys(config)), key=lambda e: list(e.path))
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(_describe(error) for error in errors[:5]))


def _check_finite(value, source: str, where: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: at '{where}': {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, source, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, source, f"{where}[{index}]")


def _drop_required(schema, keys) -> None:
    """Take `keys` out of every `required` list of the schema, in place."""
    if isinstance(schema, dict):
        if isinstance(schema.get("required"), list):
            schema["required"] = [key for key in schema["required"] if key not in keys]
        for value in schema.values():
            _drop_required(value, keys)
    elif isinstance(schema, list):
        for value in schema:
            _drop_required(value, keys)


@functools.cache
def _read_schema() -> dict:
    # Our own file, read with libyaml where PyYAML has it (planning a run reads it).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=loader)


def with_string_keys(value):
    """A copy with every mapping key as a string (JSON schema only knows string keys)."""
    if isinstance(value, dict):
        return {str(key): with_string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_string_keys(item) for item in value]
    return value


def _describe(error) -> str:  # a jsonschema.ValidationError
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"at '{where}': {error.message}"
