"""Reports for many audits at once: a process pool, one warm kernel per worker, an index page.

A provider that fails does not stop the others; its error is in the index and the run's result.

The output folder keeps a small record (``.dpia-reports.json``) of which audit each report name
belongs to, so names never collide: not within a batch (``a/x``, ``b/x`` and ``c/x-2``), not with
``index.html``, and not across batches writing into one folder, whose index lists everything in it.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import json
import os
import re
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import util
from pathlib import Path

from ..errors import OutputError
from ..files import ensure_dir, pid_alive, remove_stale_temps, temp_beside, write_atomic
from ..formats import REPORT
from ..html.page import page
from ..workers import stop
from .run import FORMATS, Result, Runner

RECORD = ".dpia-reports.json"
COMPARISONS = ".dpia-comparisons.json"  # the comparison pages written into a reports folder
LOCK = ".dpia-reports.lock"
RESERVED = ("index", "comparison")  # index.html is the batch's; `make report` writes comparison.html beside the reports
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")  # control characters do not go into output file names
_RUNNER: Runner | None = None


def _worker_init(timeout: float | None = None, notebook: bool = True) -> None:
    global _RUNNER
    # Ctrl-C reaches every process of the terminal's group: the parent alone handles it, so no worker prints a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminate)
    _RUNNER = Runner(timeout)
    # ProcessPoolExecutor workers leave through os._exit, which skips atexit: Finalize still runs.
    util.Finalize(_RUNNER, _RUNNER.close, exitpriority=10)
    if notebook:  # Word or PIA alone need no kernel
        _RUNNER.warm()


def _worker_terminate(signum, frame) -> None:
    if _RUNNER is not None:
        _RUNNER.abandon()
    os._exit(128 + signum)


def _worker_run(args) -> Result:
    assert _RUNNER is not None
    return _RUNNER.run(*args)


def slugs(paths: list[Path], record: dict[str, dict] | None = None) -> list[str]:
    """A report name per audit folder, from the folder's name, never one another audit holds.

    An audit keeps the name the record gives it from an earlier run; other names come from the folder
    name, with -2, -3... added when that is taken (by another audit, or by index/comparison). Names
    are compared without case, for file systems that ignore it.
    """
    record = record or {}
    owner = {name.lower(): entry.get("audit") for name, entry in record.items()}
    resolved = [str(p.resolve()) for p in paths]
    taken = {name for name in RESERVED}
    out: list[str | None] = [None] * len(paths)
    for i, audit in enumerate(resolved):  # an audit reported here before keeps its name
        mine = next((name for name, entry in record.items() if entry.get("audit") == audit), None)
        if mine and mine.lower() not in taken:
            out[i] = mine
            taken.add(mine.lower())
    bases = [_UNSAFE.sub("_", p.resolve().name) or "audit" for p in paths]
    counts: dict[str, int] = {}
    for base in bases:
        counts[base.lower()] = counts.get(base.lower(), 0) + 1
    for i, base in enumerate(bases):  # folder names no other audit here wants claim themselves first (c/x-2 stays x-2)
        key = base.lower()
        if out[i] is None and counts[key] == 1 and key not in taken and owner.get(key, resolved[i]) == resolved[i]:
            out[i] = base
            taken.add(key)
    for i, base in enumerate(bases):
        if out[i] is not None:
            continue
        name, n = base, 1
        while name.lower() in taken or owner.get(name.lower(), resolved[i]) != resolved[i]:
            n += 1
            name = f"{base}-{n}"
        out[i] = name
        taken.add(name.lower())
    return [name for name in out if name is not None]


def run_batch(paths: list[str | Path], out_dir: str | Path, *, formats=FORMATS, workers: int | None = None,
              audit_date: str | None = None, risk_method: str | None = None, progress: bool = True,
              timeout: float | None = None, scheduler: str | None = None) -> list[Result]:
    """Report on every audit; returns one Result each, in the order given, and writes index.html.

    With ``scheduler`` (a Dask scheduler's address, or ``local`` for a LocalCluster here) the reports are made on
    that cluster (report/cluster.py); without it, by this machine's process pool, faster for a batch of this size.
    """
    folders = list({str(Path(p).resolve()): Path(p) for p in paths}.values())  # an audit named twice runs once
    out = ensure_dir(Path(out_dir))
    _check_writable(out)
    remove_stale_temps(out)
    with _locked(out):
        record = _read_record(out)
        names = slugs(folders, record)
        for folder, name in zip(folders, names):  # reserve the names while this batch runs
            record[name] = {**record.get(name, {}), "audit": str(folder.resolve()), "running": os.getpid()}
        _write_record(out, record)
    jobs = [(folder, out, name, formats, audit_date, risk_method) for folder, name in zip(folders, names)]
    results: dict[int, Result] = {}
    try:
        if scheduler:
            from .cluster import run_reports

            run_reports(jobs, results, scheduler, progress, timeout, workers)
        else:
            _run(jobs, results, workers, progress, timeout)
    finally:  # also when interrupted: the reports that finished are published, the others released
        _publish(out, names, results)
    return [results[i] for i in range(len(jobs))]


def _run(jobs: list[tuple], results: dict[int, Result], workers: int | None, progress: bool, timeout: float | None) -> None:
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    bar = _progress(len(jobs), progress)
    try:
        if workers == 1:
            runner = Runner(timeout)
            try:
                for i, job in enumerate(jobs):
                    results[i] = runner.run(*job)
                    bar.update(1)
            except BaseException:
                runner.abandon()  # interrupted mid-report: kill the kernel rather than wait on it
                raise
            runner.close()
            return
        notebook = any(REPORT[f].from_notebook for job in jobs for f in job[3])
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(timeout, notebook))
        try:
            futures = {pool.submit(_worker_run, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died: report it, keep going
                    results[i] = Result(str(Path(jobs[i][0]).resolve()), jobs[i][2], error=f"the report worker died ({type(exc).__name__})")
                bar.update(1)
        except BaseException:
            stop(pool)
            raise
        pool.shutdown()
    finally:
        bar.close()


def _check_writable(out: Path) -> None:
    """Fail before any work if nothing can be written into the output folder (read-only, full)."""
    probe = temp_beside(out / ".dpia-write-check")
    probe.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(out: Path):
    """One batch at a time updates the record and the index of an output folder."""
    try:
        handle = open(out / LOCK, "a")  # noqa: SIM115 - held for the block
    except OSError as exc:
        raise OutputError(f"cannot write into {out}: {exc.strerror}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_record(out: Path) -> dict[str, dict]:
    try:
        data = json.loads((out / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _write_record(out: Path, record: dict[str, dict]) -> None:
    write_atomic(out / RECORD, json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False), when_stopped=True)


def _publish(out: Path, names: list[str], results: dict[int, Result]) -> None:
    """Record this batch's results with every earlier report in the folder, and write the index of them all."""
    with _locked(out):
        record = _read_record(out)
        for i, name in enumerate(names):
            if i in results:
                r = results[i]
                record[name] = {"audit": r.audit, "provider": r.provider, "outputs": r.outputs, "summary": r.summary,
                                "error": r.error}
            elif record.get(name, {}).get("running") == os.getpid():
                _release(record, name)
        for name in [n for n, e in record.items() if e.get("running") and not pid_alive(int(e["running"]))]:
            _release(record, name)  # reserved by a batch that was killed outright
        for name, entry in list(record.items()):  # reports deleted by hand leave the index too
            entry["outputs"] = {k: v for k, v in (entry.get("outputs") or {}).items() if (out / v).is_file()}
            if not entry.get("error") and not entry["outputs"] and not entry.get("running"):
                del record[name]
        _write_record(out, record)
        write_atomic(out / "index.html", index_page([_result(name, entry) for name, entry in record.items()], comparisons(out)),
                     when_stopped=True)


def reports_in(out: Path) -> dict[str, str]:
    """Each audit folder (resolved) whose DPIA report is in ``out``, and the report's HTML file name there."""
    return {str(Path(entry.get("audit", "")).resolve()): entry["outputs"]["html"] for entry in _read_record(out).values()
            if (entry.get("outputs") or {}).get("html") and (out / entry["outputs"]["html"]).is_file()}


def comparisons(out: Path) -> list[str]:
    """The comparison pages `dpia compare` wrote into ``out`` that are still there, for the index to link."""
    try:
        names = json.loads((out / COMPARISONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str) and "/" not in n and (out / n).is_file()] if isinstance(names, list) else []


def add_comparison(page: Path) -> None:
    """Note a comparison page written beside DPIA reports, and rewrite their index so it links to it."""
    out = page.parent
    with _locked(out):
        names = list(dict.fromkeys([*comparisons(out), page.name]))
        write_atomic(out / COMPARISONS, json.dumps(names))
        record = _read_record(out)
        if record:
            write_atomic(out / "index.html", index_page([_result(n, e) for n, e in record.items()], names))


def _release(record: dict[str, dict], name: str) -> None:
    entry = record[name]
    entry.pop("running", None)
    if "provider" not in entry:  # a reservation with no earlier report behind it
        del record[name]


def _result(name: str, entry: dict) -> Result:
    error = entry.get("error")
    if entry.get("running") and "provider" not in entry:
        error = "in progress (another batch is writing this report)"
    return Result(str(entry.get("audit", "")), name, provider=str(entry.get("provider") or name),
                  outputs=dict(entry.get("outputs") or {}), summary=dict(entry.get("summary") or {}), error=error)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="DPIA reports", unit="report", disable=not enabled, file=sys.stderr,
                bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}")


def index_page(results: list[Result], comparisons: list[str] = ()) -> str:
    e = html.escape
    rows = []
    for r in sorted(results, key=lambda r: ((r.provider or r.slug).lower(), r.slug)):
        s = r.summary
        name = e(r.provider or r.slug)
        links = " · ".join(f'<a href="{e(path)}">{e(kind.upper())}</a>' for kind, path in sorted(r.outputs.items()))
        if r.ok:
            verdict = "DPIA required" if s.get("dpia_required") else "not required"
            residual = s.get("highest_residual") or "none"
            signed = bool(s.get("signed_off")) and not s.get("draft")
            state = "signed off" if signed else "draft"
            opened = s.get("open_questions")
            detail = f" ({opened} questions open)" if opened and not signed else ""
            rows.append(f'<tr><td><a href="{e(r.outputs.get("html") or next(iter(r.outputs.values()), ""))}">{name}</a></td>'
                        f"<td>{links}</td><td>{e(verdict)}</td><td class=\"{e(residual)}\">{e(residual)}</td>"
                        f"<td>{s.get('findings', '')} ({s.get('high_findings', 0)} high)</td>"
                        f'<td class="{"ok" if signed else "medium"}">{state}{detail}</td></tr>')
        else:
            rows.append(f"<tr><td>{name}<br><small>{e(r.audit)}</small></td><td>{links or 'none'}</td><td></td><td></td>"
                        f'<td></td><td class="gap">failed: {e(r.error or "")}</td></tr>')
    failed = sum(not r.ok for r in results)
    status = (f'<p class="callout alert">{failed} of {len(results)} reports failed; see the last column.</p>' if failed
              else f'<p class="callout ok">{len(results)} reports produced.</p>')
    compared = ('<nav class="links">Providers side by side: '
                + " · ".join(f'<a href="{e(n)}">{e(n.rsplit(".", 1)[0].replace("-", " ").capitalize())}</a>' for n in comparisons)
                + "</nav>") if comparisons else ""
    body = (f'<header><p class="kicker">Data protection impact assessments</p><h1>DPIA reports</h1></header>{compared}{status}'
            '<table class="index"><colgroup><col style="width:26%"><col style="width:12%"><col style="width:14%">'
            '<col style="width:13%"><col style="width:13%"><col style="width:22%"></colgroup>'
            "<thead><tr><th>Provider</th><th>Report</th><th>Screening</th><th>Highest residual risk</th>"
            f"<th>Notice findings</th><th>Status</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return page("DPIA reports", body)
