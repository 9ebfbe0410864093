"""Every check of a whole config, in order: the schema, the cross-key rules, where the paths
lead; a stamp skips the first two for a config that passed them before."""

from __future__ import annotations

import hashlib
from pathlib import Path

from navpartner.config.consistency import check_consistency, check_survey_sources
from navpartner.config.parts import read_line
from navpartner.config.paths import check_paths
from navpartner.config.schema import SCHEMA, check_schema
from navpartner.files import write_text


def check_config(config: dict, source: str = "config") -> None:
    """Validate against the JSON schema, then the rules that span several keys."""
    check_schema(config, source)
    check_consistency(config, source)


def check_effective_config(
    config: dict, base: dict, stamp: str, source: str = "config"
) -> str | None:
    """Every check of the workflow's effective config: check_config, the survey sources against
    config.yaml (`base`), and where the input paths lead. `stamp` keeps the digest of the config,
    the schema and the checks' code that last passed, so an unchanged config skips the schema
    (and the import of jsonschema: a sixth of a second of a rerun with nothing to do); any edit
    to the config, the schema or the checks checks again. Writes nothing: returns the digest to
    record with record_check once the run is known not to be a dry run (None: recorded)."""
    checked = repr(config).encode() + SCHEMA.read_bytes() + _checks_code()
    digest = hashlib.sha256(checked).hexdigest()
    passed_before = read_line(stamp, 1) == digest
    if not passed_before:
        check_config(config, source)
    check_survey_sources(config, base, source)
    check_paths(config, source=source)
    return None if passed_before else digest


def record_check(digest: str, stamp: str) -> None:
    """Record that the config of this digest passed (see check_effective_config)."""
    write_text(digest, stamp)


def _checks_code() -> bytes:
    """The code of the config's checks (this package's modules)."""
    return b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))
