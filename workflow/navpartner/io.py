"""Read vendor survey files with their labels; write outputs atomically."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from navpartner.errors import InputError
from navpartner.files import (  # noqa: F401 (the writers the steps import from here)
    check_writable,
    protect,
    sha256_of,
    write_atomically,
    write_json,
    write_text,
)
from navpartner.yamlfile import read_yaml


@dataclass
class SurveyFile:
    """A vendor file as read: raw codes, user-missing codes kept, and its metadata."""

    data: pd.DataFrame
    path: str
    file_label: str = ""
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    user_missing: dict[str, list[float]] = field(default_factory=dict)


def read_survey_file(
    path: str | Path,
    file_format: str,
    codebook: str | Path | None = None,
    encoding: str | None = None,
):
    """Read an SPSS .sav, Stata .dta or CSV (+ YAML codebook) keeping codes and labels.

    User-missing codes (SPSS missing values, Stata extended missing) come back as their codes,
    not as NaN, so the crosswalk decides what each means. `encoding` overrides the encoding a
    file declares (legacy code pages); a label that does not decode names its variable.
    """
    import pyreadstat  # only the steps that read vendor files load it

    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found", expected="a readable survey file")
    if file_format == "sav":
        return _read_readstat(pyreadstat.read_sav, path, encoding)
    if file_format == "dta":
        return _read_readstat(pyreadstat.read_dta, path, encoding)
    if file_format == "csv":
        return _read_csv_with_codebook(path, codebook, encoding or "utf-8")
    raise InputError(str(path), f"unknown format '{file_format}'", expected="sav, dta or csv")


def _read_readstat(reader: Callable, path: Path, encoding: str | None) -> SurveyFile:
    try:
        data, meta = reader(
            str(path), user_missing=True, apply_value_formats=False, encoding=encoding
        )
    except Exception as err:  # pyreadstat raises its own types for corrupt or foreign files
        _check_labels_decode(reader, path, encoding or "utf-8")  # names a label if it is that
        raise InputError(str(path), f"cannot be read ({err})") from err
    # readstat may also drop bytes that are invalid in the file's encoding without a word.
    _check_labels_decode(reader, path, encoding or meta.file_encoding or "utf-8")
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
            name: {_plain_code(code, as_float=True): label for code, label in labels.items()}
            for name, labels in meta.variable_value_labels.items()
        },
        user_missing={k: sorted(set(v)) for k, v in user_missing.items()},
    )


def _plain_code(code, as_float: bool = False):
    """A value label's code: a number (as float where asked, else in its shortest form), or
    the text of a string variable's code as it is (the harmonise step names such a variable
    where it needs numbers)."""
    if isinstance(code, str):
        return code
    return float(code) if as_float else f"{code:g}"


def _check_labels_decode(reader: Callable, path: Path, encoding: str) -> None:
    """Fail on the first variable or value label whose bytes are not valid in `encoding`.

    The labels are read byte for byte (as latin-1, which every byte is) and decoded here.
    """
    try:
        "".encode(encoding)
    except LookupError as err:
        raise InputError(str(path), f"unknown encoding '{encoding}'") from err
    try:
        _, raw_meta = reader(str(path), metadataonly=True, encoding="latin1")
    except Exception:  # not a label problem: the caller reports the file as unreadable
        return
    labels = [(name, "its label", label) for name, label in raw_meta.column_names_to_labels.items()]
    labels += [
        (name, f"the label of value {_plain_code(code)}", label)
        for name, values in raw_meta.variable_value_labels.items()
        for code, label in values.items()
    ]
    for name, what, label in labels:
        try:
            (label or "").encode("latin1").decode(encoding)
        except UnicodeDecodeError as err:
            raw = (label or "").encode("latin1")
            raise InputError(
                str(path),
                f"{what} is not valid {encoding} (set `encoding:` for this wave, e.g. cp1252 "
                "for a legacy Windows file)",
                variable=name,
                expected=f"text in {encoding}",
                found=raw[max(err.start - 10, 0) : err.end + 10],
            ) from err


def _read_csv_with_codebook(path: Path, codebook: str | Path | None, encoding: str) -> SurveyFile:
    """CSV data plus a YAML codebook: {variables: {name: {label, values, missing}}}."""
    if codebook is None or not Path(codebook).is_file():
        raise InputError(
            str(path), "a CSV survey file needs its codebook", expected="codebook path"
        )
    book = read_yaml(codebook, encoding=encoding)
    variables = _check_codebook(book, str(codebook))
    text_columns = [name for name, spec in variables.items() if spec.get("type") == "string"]
    try:
        data = pd.read_csv(
            io.StringIO(_decode(path, encoding)), dtype={name: str for name in text_columns}
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        problem = " ".join(str(err).split())  # pandas' message spans lines
        raise InputError(str(path), f"not a readable CSV file ({problem})") from err
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


CODEBOOK_KEYS = {"label": str, "values": dict, "missing": list, "type": str}


def _check_codebook(book, source: str) -> dict:
    """The codebook's variables, after checking its shape; errors name the variable."""
    if not isinstance(book, dict) or not isinstance(book.get("variables"), dict):
        raise InputError(
            source,
            "not a codebook",
            expected="a mapping with 'variables: {name: {label, values, missing, type}}'",
            found=type(book.get("variables") if isinstance(book, dict) else book).__name__,
        )
    for name, spec in book["variables"].items():
        if not isinstance(spec, dict):
            raise InputError(
                source,
                "not a variable's description",
                variable=name,
                expected="a mapping",
                found=spec,
            )
        for key, value in spec.items():
            if key not in CODEBOOK_KEYS or not isinstance(value, CODEBOOK_KEYS[key]):
                raise InputError(
                    source,
                    f"unexpected entry '{key}'",
                    variable=name,
                    expected="label (text), values (code: label), missing (list), type (text)",
                    found=value,
                )
        codes = [*spec.get("values", {}), *spec.get("missing", [])]
        bad = [code for code in codes if not _is_number(code)]
        if bad:
            raise InputError(
                source,
                "a code is not a number",
                variable=name,
                expected="numeric codes",
                found=bad[0],
            )
    return book["variables"]


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _decode(
    path: Path, encoding: str, hint: str = " (set `encoding:` for this wave, e.g. cp1252)"
) -> str:
    """A text file's content; bytes that do not decode name their line."""
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            str(path),
            f"not valid {encoding}{hint}",
            line=raw[: err.start].count(b"\n") + 1,
            found=raw[max(err.start - 10, 0) : err.end + 10],
        ) from err
    except LookupError as err:
        raise InputError(str(path), f"unknown encoding '{encoding}'") from err


@dataclass
class Table:
    """A small CSV input (frame, margins) as text, with the file line of each row."""

    data: pd.DataFrame
    path: str
    lines: list[int]

    def fail(self, index: int, column: str, problem: str, expected: str, found=None):
        raise InputError(
            self.path,
            problem,
            variable=column,
            line=self.lines[index],
            expected=expected,
            found=found,
        )

    def numbers(
        self, column: str, *, positive: bool = False, at_most: float | None = None
    ) -> pd.Series:
        """A column of counts: whole numbers >= 0 (> 0 if `positive`; at most `at_most` where
        given); the first bad cell is named."""
        text = self.data[column]
        values = pd.to_numeric(text, errors="coerce")
        bound = "> 0" if positive else ">= 0"
        if at_most is not None:
            bound += f" and <= {at_most:,.0f}"
        # NaN and inf are no whole numbers either: their remainder is NaN
        bad = (values % 1 != 0) | (values <= 0 if positive else values < 0)
        if at_most is not None:
            bad |= values > at_most
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            self.fail(index, column, "not a count", f"a whole number {bound}", text.iat[index])
        return values.astype(float)


def read_table(path: str | Path, required: list[str]) -> Table:
    """Read a CSV (lines starting with # are comments) as text; required columns checked."""
    text = _decode(Path(path), "utf-8", hint="")
    lines = [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    try:
        data = pd.read_csv(
            io.StringIO(text), comment="#", dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        problem = " ".join(str(err).split())  # pandas' message spans lines
        raise InputError(str(path), f"not a readable CSV table ({problem})") from err
    missing = [column for column in required if column not in data.columns]
    if missing:
        raise InputError(
            str(path),
            f"missing column(s) {missing}",
            line=lines[0] if lines else 1,
            expected=f"the columns {required}",
            found=list(data.columns),
        )
    data = data.apply(lambda column: column.str.strip())
    return Table(data, str(path), lines[1:])


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
