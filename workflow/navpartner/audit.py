"""Row accounting: what came in, what went out, what was dropped or recoded and why."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from navpartner.files import sha256_of, write_json


@dataclass
class RowAccount:
    step: str
    inputs: dict[str, str] = field(default_factory=dict)  # path -> sha256
    rows_in: int = 0
    rows_out: int = 0
    dropped: list[dict] = field(default_factory=list)
    recoded: list[dict] = field(default_factory=list)

    def add_input(self, path: str | Path) -> None:
        self.inputs[str(path)] = sha256_of(path)

    def drop(self, reason: str, rows: int, **details) -> None:
        self.dropped.append({"reason": reason, "rows": int(rows), **details})

    def recode(self, **details) -> None:
        self.recoded.append(details)

    def check_balance(self) -> None:
        """Every row that came in either went out or was dropped for a stated reason."""
        dropped = sum(entry["rows"] for entry in self.dropped)
        if self.rows_in != self.rows_out + dropped:
            raise AssertionError(
                f"{self.step}: {self.rows_in} rows in, {self.rows_out} out and {dropped} dropped"
            )

    def write(self, path: str | Path, **context) -> None:
        self.check_balance()
        write_json({**context, **asdict(self)}, path)


def fingerprint(config_file: str | Path, inputs: list[str | Path]) -> dict:
    """What a run was made from: sha256 of the config file and of every raw input, and one
    fingerprint over all of them."""
    made_from = {
        "config": {str(config_file): sha256_of(config_file)},
        "inputs": {str(path): sha256_of(path) for path in sorted(map(str, inputs))},
    }
    canonical = json.dumps(made_from, sort_keys=True).encode()
    return {"fingerprint": hashlib.sha256(canonical).hexdigest(), **made_from}


def write_manifest(
    config_file: str | Path, inputs: list[str | Path], outputs: list[str | Path], path: str | Path
) -> dict:
    """The fingerprint of a complete run and the sha256 of every output it made."""
    manifest = {
        **fingerprint(config_file, inputs),
        "outputs": {str(output): sha256_of(output) for output in outputs},
    }
    write_json(manifest, path)
    return manifest


def manifest_problems(
    path: str | Path, config_file: str | Path, inputs: list[str | Path], outputs: list[str | Path]
) -> list[str]:
    """Why the outputs on disk are not those of the current config and inputs (empty if they
    are): a changed config or input, an output changed or made after the manifest."""
    if not Path(path).is_file():
        return [f"{path} is missing: no complete run of the workflow has recorded its outputs"]
    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    current = fingerprint(config_file, [p for p in inputs if Path(p).is_file()])
    problems = []
    for kind in ("config", "inputs"):
        for name in sorted(set(recorded[kind]) | set(current[kind])):
            if recorded[kind].get(name) != current[kind].get(name):
                problems.append(f"{name} has changed since the outputs were made")
    for output in map(str, outputs):
        if output not in recorded["outputs"]:
            problems.append(f"{output} was not made by the run {path} records")
        elif not Path(output).is_file() or sha256_of(output) != recorded["outputs"][output]:
            problems.append(f"{output} is not the file the recorded run made")
    return problems


def manifest_table(manifest: dict) -> str:
    """The fingerprint and every checksum as an HTML table (the report's provenance page)."""
    sections = [("fingerprint", {"config + inputs": manifest["fingerprint"]})]
    sections += [(kind, manifest[kind]) for kind in ("config", "inputs", "outputs")]
    left = 'style="text-align: left"'
    rows = "".join(
        f'<tr><th colspan="2" {left}>{kind}</th></tr>\n'
        + "".join(
            f"<tr><td {left}>{html.escape(name)}</td><td><code>{digest}</code></td></tr>\n"
            for name, digest in digests.items()
        )
        for kind, digests in sections
    )
    return f"<table>\n{rows}</table>\n"
