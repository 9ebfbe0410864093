"""Read vendor survey files with their labels; write outputs atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import yaml

from navpartner.errors import InputError


@dataclass
class SurveyFile:
    """A vendor file as read: raw codes, user-missing codes kept, and its metadata."""

    data: pd.DataFrame
    path: str
    file_label: str = ""
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    user_missing: dict[str, list[float]] = field(default_factory=dict)


def read_survey_file(path: str | Path, file_format: str, codebook: str | Path | None = None):
    """Read an SPSS .sav, Stata .dta or CSV (+ YAML codebook) keeping codes and labels.

    User-missing codes (SPSS missing values, Stata extended missing) come back as their codes,
    not as NaN, so the crosswalk decides what each means.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found", expected="a readable survey file")
    if file_format == "sav":
        return _read_readstat(pyreadstat.read_sav, path)
    if file_format == "dta":
        return _read_readstat(pyreadstat.read_dta, path)
    if file_format == "csv":
        return _read_csv_with_codebook(path, codebook)
    raise InputError(str(path), f"unknown format '{file_format}'", expected="sav, dta or csv")


def _read_readstat(reader: Callable, path: Path) -> SurveyFile:
    try:
        data, meta = reader(str(path), user_missing=True, apply_value_formats=False)
    except Exception as err:  # pyreadstat raises its own types for corrupt or foreign files
        raise InputError(str(path), f"cannot be read ({err})") from err
    user_missing = {
        name: [float(v) for v in values]
        for name, values in (meta.missing_user_values or {}).items()
    }
    for name, ranges in (meta.missing_ranges or {}).items():
        for rng in ranges:
            if rng["lo"] == rng["hi"]:
                user_missing.setdefault(name, []).append(float(rng["lo"]))
    return SurveyFile(
        data=data,
        path=str(path),
        file_label=meta.file_label or "",
        variable_labels={k: v for k, v in meta.column_names_to_labels.items() if v},
        value_labels={
            name: {float(code): label for code, label in labels.items()}
            for name, labels in meta.variable_value_labels.items()
        },
        user_missing={k: sorted(set(v)) for k, v in user_missing.items()},
    )


def _read_csv_with_codebook(path: Path, codebook: str | Path | None) -> SurveyFile:
    """CSV data plus a YAML codebook: {variables: {name: {label, values, missing}}}."""
    if codebook is None or not Path(codebook).is_file():
        raise InputError(
            str(path), "a CSV survey file needs its codebook", expected="codebook path"
        )
    book = yaml.safe_load(Path(codebook).read_text(encoding="utf-8")) or {}
    variables = book.get("variables", {})
    text_columns = [name for name, spec in variables.items() if spec.get("type") == "string"]
    data = pd.read_csv(path, dtype={name: str for name in text_columns}, encoding="utf-8")
    return SurveyFile(
        data=data,
        path=str(path),
        file_label=book.get("file_label", ""),
        variable_labels={n: s["label"] for n, s in variables.items() if "label" in s},
        value_labels={
            n: {float(k): v for k, v in s["values"].items()}
            for n, s in variables.items()
            if "values" in s
        },
        user_missing={
            n: [float(v) for v in s["missing"]] for n, s in variables.items() if "missing" in s
        },
    )


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: str | Path, write: Callable[[str], None]) -> None:
    """Call write(tmp_path) and move the result into place only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_parquet(
    frame: pd.DataFrame, path: str | Path, metadata: dict[str, str] | None = None
) -> None:
    """Write Parquet; `metadata` travels in the file's schema (read it with parquet_metadata)."""

    def write(tmp: str) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if metadata:
            extra = {
                f"navpartner.{key}".encode(): value.encode() for key, value in metadata.items()
            }
            table = table.replace_schema_metadata({**table.schema.metadata, **extra})
        pq.write_table(table, tmp)

    write_atomically(path, write)


def parquet_metadata(path: str | Path) -> dict[str, str]:
    """The metadata write_parquet stored in a file."""
    stored = pq.read_schema(path).metadata or {}
    prefix = b"navpartner."
    return {
        key[len(prefix) :].decode(): value.decode()
        for key, value in stored.items()
        if key.startswith(prefix)
    }


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomically(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_text(text: str, path: str | Path) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

    write_atomically(path, write)


def write_json(obj: object, path: str | Path) -> None:
    def dump(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, ensure_ascii=False, indent=2, sort_keys=False)
            handle.write("\n")

    write_atomically(path, dump)


def file_label(path: str | Path, file_format: str, codebook: str | Path | None = None) -> str:
    """A vendor file's own label, read from its metadata only (fast: no data rows)."""
    try:
        if file_format == "csv":
            book = yaml.safe_load(Path(codebook).read_text(encoding="utf-8")) or {}
            return book.get("file_label", "")
        reader = pyreadstat.read_sav if file_format == "sav" else pyreadstat.read_dta
        _, meta = reader(str(path), metadataonly=True)
    except Exception as err:  # pyreadstat raises its own types for corrupt or foreign files
        raise InputError(str(path), f"cannot be read ({err})") from err
    return meta.file_label or ""
