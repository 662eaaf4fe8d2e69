"""A validation problem, located by file, row and column, worded for an auditor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int  # the line in the file; 0 when the problem concerns the whole file
    column: str
    message: str
    severity: str = "error"  # "error" fails validation; "warning" is reported only
    rule: str = ""

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.row}:{self.column}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"
