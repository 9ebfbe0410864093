"""Errors that stop a run with a message a reviewer can act on."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: names the file, the variable, the row and what was expected."""

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        variable: str | None = None,
        row: int | str | None = None,
        line: int | None = None,
        expected: str | None = None,
        found: object = None,
    ):
        parts = [f"{file}:"]
        if variable is not None:
            parts.append(f"variable '{variable}'")
        if row is not None:
            parts.append(f"row {row}")
        if line is not None:
            parts.append(f"line {line}")
        parts.append(f"- {problem}")
        # A numpy scalar as the number it is (2.5, not np.float64(2.5)), told by its module:
        # importing numpy here would load it at every start of the workflow.
        if type(found).__module__ == "numpy" and not getattr(found, "shape", None):
            found = found.item()
        if expected is not None:
            parts.append(f"(expected {expected}")
            parts.append(f"found {found!r})" if found is not None else ")")
        super().__init__(" ".join(parts).replace(" )", ")"))
        self.file, self.variable, self.row, self.line = file, variable, row, line


class ConfigError(ValueError):
    """The configuration is inconsistent with itself or with the data it describes."""


class OutputError(InputError):
    """An output cannot be written: full disk, no permission, or a protected location."""


class DesignError(ValueError):
    """The design cannot give a variance as declared (for instance a lonely PSU under 'fail')."""


class WeightingError(ValueError):
    """The weights cannot meet the margins (and bounds) as asked."""
