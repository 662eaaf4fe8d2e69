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
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DpiaError, OutputError
from ..files import commit, ensure_dir, pid_alive, temp_beside
from ..formats import REPORT
from ..html.page import page

NOTEBOOK = "dpia_report.ipynb"  # package data beside this module (notebooks/ links to it for the auditor)
TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf")  # the default: the notebook's formats (formats.REPORT lists them all)
KERNEL = "python3"
TIMEOUT = 600.0  # seconds a report's notebook may run before it is stopped and marked failed
KERNEL_DIR = "dpia-kernel-"  # + the pid of the process that owns the kernel: a later run removes folders of dead owners
KERNEL_DIED = "the report kernel died"


def _quiet_imports() -> None:
    # jsonschema builds a grammar for the optional rfc3987_syntax URI checker when nbformat imports
    # it: 2.2 s of a 3.5 s `import papermill`, for a format check nbformat never uses.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.CRITICAL)  # nbclient's "Kernel died ...": the result says so


def parse_formats(text: str) -> tuple[str, ...]:
    return REPORT.parse(text)


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
    """Runs reports one after another in one warm kernel; a kernel that dies or overruns is replaced."""

    def __init__(self, timeout: float | None = None) -> None:
        _quiet_imports()
        self.km = None
        self.timeout = timeout or TIMEOUT
        self._sockets: str | None = None
        self._expired = False
        self.temps: set[Path] = set()  # temporary files being written, removed however the run ends

    def kernel(self):
        if self.km is not None and not _sync(self.km.is_alive)():
            self.close()  # died (killed, out of memory): the next report gets a fresh one
        if self.km is None:
            from jupyter_client.manager import AsyncKernelManager

            # An async manager, so nbclient notices a kernel that dies instead of waiting on it forever.
            # IPC sockets at an absolute path: no TCP port, and papermill's change of directory cannot lose them.
            remove_stale_kernel_dirs()
            self._sockets = tempfile.mkdtemp(prefix=f"{KERNEL_DIR}{os.getpid()}-")
            self.km = AsyncKernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(self._sockets, "k"))
            _sync(self.km.start_kernel)()
        return self.km

    def warm(self) -> None:
        """Start the kernel importing the report library while this process imports its own tools."""
        client = self.kernel().blocking_client()
        client.start_channels()
        client.execute("import dpia.report.content", silent=True, store_history=False)
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401
        import weasyprint  # noqa: F401
        client.stop_channels()

    def close(self) -> None:
        km, self.km = self.km, None
        if km is not None:
            try:
                _sync(km.shutdown_kernel)(now=True)
            except BaseException:  # noqa: BLE001 - a kernel that already died, or a loop left broken by an interrupt
                _kill(km)
            try:
                km.cleanup_connection_file()
            except Exception:  # noqa: BLE001 - already gone
                pass
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None

    def abandon(self) -> None:
        """Clean up at once, from a signal handler: kill the kernel, remove its folder and every temporary file."""
        if self.km is not None:
            _kill(self.km)
            try:
                self.km.cleanup_connection_file()
            except Exception:  # noqa: BLE001 - already gone
                pass
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)
        for tmp in list(self.temps):
            tmp.unlink(missing_ok=True)

    def run(self, audit_dir: str | Path, out_dir: str | Path, slug: str, formats=FORMATS,
            audit_date: str | None = None, risk_method: str | None = None) -> Result:
        audit_dir, out_dir = Path(audit_dir).resolve(), Path(out_dir)
        result = Result(str(audit_dir), slug, provider=_provider(audit_dir))
        try:
            if not audit_dir.is_dir():
                raise DpiaError(f"{audit_dir}: not an audit folder")
            ensure_dir(out_dir)
            shutil.rmtree(tables_dir(out_dir, slug), ignore_errors=True)  # a large audit's tables are written afresh
            notebook = [f for f in formats if REPORT[f].from_notebook]
            if notebook:
                self._notebook(audit_dir, out_dir, slug, notebook, audit_date, risk_method, result)
            content = [f for f in formats if not REPORT[f].from_notebook]
            if content:
                self._content(audit_dir, out_dir, slug, content, audit_date, risk_method, result)
        except DpiaError as exc:
            result.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one provider's failure must not stop a batch
            result.error = self._explain(exc)
        if result.error:
            _remove_stale(out_dir, slug, formats)
        return result

    def _notebook(self, audit_dir: Path, out_dir: Path, slug: str, formats, audit_date, risk_method, result: Result) -> None:
        # The notebook loads and validates the audit; an invalid one fails its first cell with every problem listed.
        clock = time.perf_counter()
        nb = self._execute(audit_dir, out_dir / f"{slug}.ipynb", audit_date, risk_method, formats)
        result.summary = _summary(nb)
        result.seconds["execute"], clock = time.perf_counter() - clock, time.perf_counter()
        html = self.export_html(nb, result.provider)
        if "html" in formats:
            self._write(out_dir / f"{slug}.html", html)
            result.outputs["html"] = f"{slug}.html"
        result.seconds["html"], clock = time.perf_counter() - clock, time.perf_counter()
        if "pdf" in formats:
            self.write_pdf(html, out_dir / f"{slug}.pdf", self.temps)
            result.outputs["pdf"] = f"{slug}.pdf"
        result.seconds["pdf"] = time.perf_counter() - clock

    def _content(self, audit_dir: Path, out_dir: Path, slug: str, formats, audit_date, risk_method, result: Result) -> None:
        """Formats written from the report's content in this process (Word, PIA): the same build_report the notebook runs."""
        from .content import build_report

        clock = time.perf_counter()
        report = build_report(audit_dir, audit_date=audit_date, risk_method=risk_method,
                              attachments=tables_dir(out_dir, slug).resolve())
        result.summary = result.summary or report.summary()
        for name in formats:
            fmt = REPORT[name]
            self._write(out_dir / f"{slug}{fmt.suffix}", fmt.load()(report))
            result.outputs[name] = f"{slug}{fmt.suffix}"
            result.seconds[name], clock = time.perf_counter() - clock, time.perf_counter()

    def _explain(self, exc: Exception) -> str:
        if type(exc).__name__ == "DeadKernelError" or (self.km is not None and not _sync(self.km.is_alive)()):
            if self._expired:
                return f"{KERNEL_DIED}: stopped after the time limit of {self.timeout:g} s (--timeout); the audit may be too large"
            return f"{KERNEL_DIED} (out of memory, or killed); the next report starts a fresh one"
        return _explain(exc)

    def _write(self, path: Path, data: str | bytes) -> None:
        tmp = temp_beside(path)
        self.temps.add(tmp)
        try:
            tmp.write_bytes(data) if isinstance(data, bytes) else tmp.write_text(data, encoding="utf-8", newline="")
            commit(tmp, path)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
            self.temps.discard(tmp)

    def _execute(self, audit_dir: Path, target: Path, audit_date, risk_method, formats):
        import papermill

        notebook = notebook_path()
        parameters = {"audit_path": str(audit_dir), "audit_date": audit_date, "risk_method": risk_method,
                      "formats": ",".join(formats), "attachments": str(tables_dir(target.parent, target.stem).resolve())}
        km = self.kernel()
        tmp = temp_beside(target, ".ipynb")  # a unique name: two runs into one folder never share it
        self.temps.add(tmp)
        self._expired = False
        watchdog = threading.Timer(self.timeout, self._expire, (km,))
        watchdog.daemon = True
        watchdog.start()
        try:
            nb = papermill.execute_notebook(
                str(notebook), str(tmp), parameters=parameters, kernel_name=KERNEL, km=km,
                progress_bar=False, log_output=False, request_save_on_cell_execute=False, cwd=str(target.parent.resolve()))
            commit(tmp, target)
        except Exception:
            if tmp.exists() and tmp.stat().st_size:
                os.replace(tmp, target)  # papermill saved the failed notebook with its error: keep it to read
            raise
        finally:
            watchdog.cancel()
            tmp.unlink(missing_ok=True)
            self.temps.discard(tmp)
        return nb

    def _expire(self, km) -> None:
        self._expired = True
        _kill(km)

    @staticmethod
    def export_html(nb, provider: str) -> str:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="dpia", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True)
        exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove"}), enabled=True)
        body, _ = exporter.from_notebook_node(nb)
        return page(f"DPIA: {provider}", body)

    @staticmethod
    def write_pdf(html: str, target: Path, temps: set[Path] | None = None) -> None:
        import weasyprint

        from .pdf_text import install

        install()

        tmp = temp_beside(target)
        if temps is not None:
            temps.add(tmp)
        try:
            weasyprint.HTML(string=html, base_url=str(target.parent)).write_pdf(tmp)
            commit(tmp, target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
            if temps is not None:
                temps.discard(tmp)


def notebook_path() -> Path:
    """The report notebook shipped inside the package, so an installed wheel runs `dpia report` too."""
    from importlib.resources import files

    resource = files(__package__).joinpath(NOTEBOOK)
    if not resource.is_file():
        raise DpiaError(f"the report notebook {NOTEBOOK} is missing from the installed dpia package; reinstall dpia")
    return Path(str(resource))


def _sync(coroutine_function):
    from jupyter_core.utils import run_sync

    return run_sync(coroutine_function)


def _kill(km) -> None:
    """Kill a kernel's process outright (it may be stuck, or its owner interrupted)."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    pid = getattr(process, "pid", None)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


def remove_stale_kernel_dirs() -> None:
    """Remove kernel socket folders left by runs that were killed outright (their owner process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{KERNEL_DIR}*"):
        pid = folder.name.removeprefix(KERNEL_DIR).split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def tables_dir(out_dir: Path, slug: str) -> Path:
    """Where a large audit's report puts its full tables as CSV (report/large.py)."""
    return out_dir / f"{slug}.tables"


def _remove_stale(out_dir: Path, slug: str, formats) -> None:
    """A report that now fails must not leave last run's HTML, PDF and tables beside it, looking current."""
    for fmt in REPORT:
        (out_dir / f"{slug}{fmt.suffix}").unlink(missing_ok=True)
    shutil.rmtree(tables_dir(out_dir, slug), ignore_errors=True)


def _provider(audit_dir: Path) -> str:
    """The provider's name from audit.yaml, cheaply and safely, for labelling a result even when the audit is broken."""
    from ..audit import read_meta

    return str(read_meta(audit_dir).get("provider") or audit_dir.name)


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
