"""The output formats of `dpia report`, `dpia batch` and `dpia compare`: one registry for both.

Each format has a name, the suffix of the file it writes and its writer. A writer is named as
"module:function" and imported only when that format is asked for, so parsing ``--format`` stays
light (no python-docx, openpyxl or WeasyPrint for a run that writes HTML). A new format is one
entry here and one writer module, not an edit to every part class.

Report writers take a ``DpiaReport`` and return the file's bytes; the notebook formats (HTML, PDF)
come from the executed report notebook instead (report/run.py). Comparison writers take a
comparison job (compare_writers.Job: the comparison, the output path, the formats asked for) and
return the paths they wrote.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass

from .errors import DpiaError

NOTEBOOK = "notebook"  # made by running the report notebook and exporting it (report/run.py)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    description: str
    writer: str  # "module:function", or NOTEBOOK

    @property
    def from_notebook(self) -> bool:
        return self.writer == NOTEBOOK

    def load(self):
        """The writer function, imported now."""
        module, _, function = self.writer.partition(":")
        return getattr(importlib.import_module(module), function)


class Registry:
    def __init__(self, command: str, formats: list[Format], default: str) -> None:
        self.command = command
        self.formats = {f.name: f for f in formats}
        self.default = default

    def __getitem__(self, name: str) -> Format:
        return self.formats[name]

    def __iter__(self):
        return iter(self.formats.values())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.formats)

    def parse(self, text: str | None, option: str = "--format") -> tuple[str, ...]:
        """'html, PDF,docx' -> ('html', 'pdf', 'docx'); an unknown name fails with the closest known one."""
        names = tuple(dict.fromkeys(f.strip().lower() for f in (text or "").split(",") if f.strip()))
        if not names:
            raise DpiaError(f"{option} is empty; give one or more of {self.listing()}, e.g. {self.default}")
        for name in names:
            if name not in self.formats:
                close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.5)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise DpiaError(f"{option}: unknown format {name!r}: {hint}{self.command} writes {self.listing()}")
        return names

    def listing(self) -> str:
        return ", ".join(self.names)

    def help(self) -> str:
        return "; ".join(f"{f.name}: {f.description}" for f in self) + f" (a comma-separated list; default {self.default})"


REPORT = Registry("dpia report", [
    Format("html", ".html", "the report page", NOTEBOOK),
    Format("pdf", ".pdf", "the report for print", NOTEBOOK),
    Format("docx", ".docx", "an editable Word document in the ICO template's seven steps", "dpia.report.word:render"),
    Format("pia", ".pia.json", "a file for CNIL's PIA tool", "dpia.pia:render"),
], default="html,pdf")

COMPARE = Registry("dpia compare", [
    Format("html", ".html", "the comparison page", "dpia.compare_writers:html"),
    Format("pdf", ".pdf", "the comparison for print", "dpia.compare_writers:pdf"),
    Format("csv", ".csv", "each provider x practice matrix as CSV", "dpia.compare_writers:csv"),
    Format("xlsx", ".xlsx", "the record of processing of every audited provider, as an Excel workbook", "dpia.compare_writers:xlsx"),
], default="html")
