"""Row accounting: what came in, what went out, what was dropped or recoded and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from navpartner.io import sha256_of, write_json


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
