"""The writers of `dpia compare --format`: HTML and PDF pages, CSV matrices, the Excel record of processing."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .compare import Comparison


@dataclass
class Job:
    comparison: Comparison
    out: Path  # the --out file; other formats go beside it with their own suffix
    formats: tuple[str, ...]

    @functools.cached_property
    def page(self) -> str:
        from .compare import to_html

        return to_html(self.comparison, self.out.stem if "csv" in self.formats else None, folder=self.out.parent)


def html(job: Job) -> list[Path]:
    from .files import write_atomic
    from .report.batch import add_comparison

    write_atomic(job.out, job.page)  # --out names the page itself
    add_comparison(job.out)  # the index of DPIA reports in the same folder links to it
    return [job.out]


def pdf(job: Job) -> list[Path]:
    from .report.run import Runner, _quiet_imports

    _quiet_imports()
    target = job.out.with_suffix(".pdf")
    Runner.write_pdf(job.page, target)
    return [target]


def csv(job: Job) -> list[Path]:
    return job.comparison.write_csv(job.out.parent, job.out.stem)


def xlsx(job: Job) -> list[Path]:
    from . import ropa

    target = job.out.with_suffix(".xlsx")
    audits = [p.source for p in job.comparison.providers if p.kind == "audit" and not p.error]
    ropa.write(audits, target)
    return [target]
