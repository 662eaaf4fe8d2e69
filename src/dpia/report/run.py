"""Run the report notebook headless and export it: one audit, or a batch in parallel.

Speed comes from doing once what a naive loop does per provider. Each worker process starts
one Jupyter kernel and reuses it for every notebook it runs (papermill passes ``km`` through to
nbclient, which then leaves the kernel running), so pandas, pandera and matplotlib are imported
once per worker rather than once per report. HTML export and PDF rendering happen in the same
process through nbconvert's and WeasyPrint's APIs, never by starting their command-line tools.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DpiaError
from ..files import temp_beside, write_atomic
from .page import page

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "dpia_report.ipynb"
TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf")
KERNEL = "python3"


def _quiet_imports() -> None:
    # jsonschema builds a grammar for the optional rfc3987_syntax URI checker when nbformat imports
    # it: 2.2 s of a 3.5 s `import papermill`, for a format check nbformat never uses.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("papermill").setLevel(logging.WARNING)


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise DpiaError(f"unknown format {', '.join(unknown) or '(none)'}; use html, pdf or html,pdf")
    return formats


@dataclass
class Result:
    audit: str
    slug: str
    provider: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # time spent executing, exporting, printing

    @property
    def ok(self) -> bool:
        return self.error is None


class Runner:
    """Runs reports one after another in one warm kernel."""

    def __init__(self) -> None:
        _quiet_imports()
        self.km = None

    def kernel(self):
        if self.km is None or not self.km.is_alive():
            from jupyter_client.manager import KernelManager

            # IPC sockets at an absolute path: no TCP port, and papermill's change of directory cannot lose them.
            self._sockets = tempfile.mkdtemp(prefix="dpia-kernel-")
            self.km = KernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(self._sockets, "k"))
            self.km.start_kernel()
        return self.km

    def warm(self) -> None:
        """Start the kernel importing the report library while this process imports its own tools."""
        client = self.kernel().client()
        client.start_channels()
        client.execute("import dpia.report.content", silent=True, store_history=False)
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401
        import weasyprint  # noqa: F401
        client.stop_channels()

    def close(self) -> None:
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - shutting down a kernel that already died
                pass
            self.km = None
            shutil.rmtree(self._sockets, ignore_errors=True)

    def run(self, audit_dir: str | Path, out_dir: str | Path, slug: str, formats=FORMATS,
            audit_date: str | None = None, risk_method: str | None = None) -> Result:
        audit_dir, out_dir = Path(audit_dir).resolve(), Path(out_dir)
        result = Result(str(audit_dir), slug, provider=_provider(audit_dir))
        try:
            if not audit_dir.is_dir():
                raise DpiaError(f"{audit_dir}: not an audit folder")
            out_dir.mkdir(parents=True, exist_ok=True)
            # The notebook loads and validates the audit; an invalid one fails its first cell with every problem listed.
            clock = time.perf_counter()
            nb = self._execute(audit_dir, out_dir / f"{slug}.ipynb", audit_date, risk_method, formats)
            result.summary = _summary(nb)
            result.seconds["execute"], clock = time.perf_counter() - clock, time.perf_counter()
            html = self.export_html(nb, result.provider)
            if "html" in formats:
                write_atomic(out_dir / f"{slug}.html", html)
                result.outputs["html"] = f"{slug}.html"
            result.seconds["html"], clock = time.perf_counter() - clock, time.perf_counter()
            if "pdf" in formats:
                self.write_pdf(html, out_dir / f"{slug}.pdf")
                result.outputs["pdf"] = f"{slug}.pdf"
            result.seconds["pdf"] = time.perf_counter() - clock
        except DpiaError as exc:
            result.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one provider's failure must not stop a batch
            result.error = _explain(exc)
        return result

    def _execute(self, audit_dir: Path, target: Path, audit_date, risk_method, formats):
        import papermill

        if not NOTEBOOK.exists():
            raise DpiaError(f"the report notebook {NOTEBOOK} is missing; reinstall dpia from its repository")
        parameters = {"audit_path": str(audit_dir), "audit_date": audit_date, "risk_method": risk_method,
                      "formats": ",".join(formats)}
        tmp = target.with_name(f".{target.stem}.tmp.ipynb")
        try:
            nb = papermill.execute_notebook(
                str(NOTEBOOK), str(tmp), parameters=parameters, kernel_name=KERNEL, km=self.kernel(),
                progress_bar=False, log_output=False, request_save_on_cell_execute=False, cwd=str(NOTEBOOK.parent))
            os.replace(tmp, target)
        except BaseException:
            if tmp.exists():
                os.replace(tmp, target)  # papermill saved the failed notebook with its error: keep it to read
            raise
        return nb

    @staticmethod
    def export_html(nb, provider: str) -> str:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="dpia", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True)
        exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove"}), enabled=True)
        body, _ = exporter.from_notebook_node(nb)
        return page(f"DPIA: {provider}", body)

    @staticmethod
    def write_pdf(html: str, target: Path) -> None:
        import weasyprint

        tmp = temp_beside(target)
        try:
            weasyprint.HTML(string=html, base_url=str(target.parent)).write_pdf(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def _provider(audit_dir: Path) -> str:
    """The provider's name from audit.yaml, cheaply, for labelling a result even when the audit is broken."""
    import yaml

    try:
        meta = yaml.safe_load((audit_dir / "audit.yaml").read_text(encoding="utf-8"))
        return str(meta.get("provider") or audit_dir.name)
    except Exception:  # noqa: BLE001 - any unreadable audit.yaml: fall back to the folder name
        return audit_dir.name


def _summary(nb) -> dict:
    for cell in nb.cells:
        if "summary" in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                if output.get("name") == "stdout":
                    return json.loads(output["text"].strip().splitlines()[-1])
    return {}


def _explain(exc: Exception) -> str:
    """A one-line reason: for a failed notebook cell, the error the cell raised."""
    evalue = getattr(exc, "evalue", None)
    if evalue is not None:
        return f"{getattr(exc, 'ename', 'Error')}: {evalue}".strip()
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip()
