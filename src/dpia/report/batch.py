"""Reports for many audits at once: a process pool, one warm kernel per worker, an index page.

A provider that fails does not stop the others; its error is in the index and the run's result.
"""

from __future__ import annotations

import html
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import util
from pathlib import Path

from ..files import write_atomic
from .page import page
from .run import FORMATS, Result, Runner

_RUNNER: Runner | None = None


def _worker_init() -> None:
    global _RUNNER
    _RUNNER = Runner()
    # ProcessPoolExecutor workers leave through os._exit, which skips atexit: Finalize still runs.
    util.Finalize(_RUNNER, _RUNNER.close, exitpriority=10)
    _RUNNER.warm()


def _worker_run(args) -> Result:
    assert _RUNNER is not None
    return _RUNNER.run(*args)


def slugs(paths: list[Path]) -> list[str]:
    """Output names from folder names, made unique when two audits share a name."""
    seen: dict[str, int] = {}
    out = []
    for path in paths:
        base = path.resolve().name or "audit"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def run_batch(paths: list[str | Path], out_dir: str | Path, *, formats=FORMATS, workers: int | None = None,
              audit_date: str | None = None, risk_method: str | None = None, progress: bool = True) -> list[Result]:
    """Report on every audit; returns one Result each, in the order given, and writes index.html."""
    folders = [Path(p) for p in paths]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(folder, out, slug, formats, audit_date, risk_method) for folder, slug in zip(folders, slugs(folders))]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[int, Result] = {}
    bar = _progress(len(jobs), progress)
    if workers == 1:
        runner = Runner()
        try:
            for i, job in enumerate(jobs):
                results[i] = runner.run(*job)
                bar.update(1)
        finally:
            runner.close()
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
            futures = {pool.submit(_worker_run, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died: report it, keep going
                    results[i] = Result(str(jobs[i][0]), jobs[i][2], error=f"worker failed: {exc}")
                bar.update(1)
    bar.close()
    ordered = [results[i] for i in range(len(jobs))]
    write_atomic(out / "index.html", index_page(ordered))
    return ordered


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="DPIA reports", unit="report", disable=not enabled, file=sys.stderr,
                bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}")


def index_page(results: list[Result]) -> str:
    e = html.escape
    rows = []
    for r in sorted(results, key=lambda r: (r.provider or r.slug).lower()):
        s = r.summary
        name = e(r.provider or r.slug)
        links = " · ".join(f'<a href="{e(path)}">{e(kind.upper())}</a>' for kind, path in sorted(r.outputs.items()))
        if r.ok:
            verdict = "DPIA required" if s.get("dpia_required") else "not required"
            residual = s.get("highest_residual") or "none"
            rows.append(f'<tr><td><a href="{e(r.outputs.get("html", r.outputs.get("pdf", "")))}">{name}</a></td>'
                        f"<td>{links}</td><td>{e(verdict)}</td><td class=\"{e(residual)}\">{e(residual)}</td>"
                        f"<td>{s.get('findings', '')} ({s.get('high_findings', 0)} high)</td><td class=\"ok\">ok</td></tr>")
        else:
            rows.append(f"<tr><td>{name}<br><small>{e(r.audit)}</small></td><td>{links or 'none'}</td><td></td><td></td>"
                        f'<td></td><td class="gap">failed: {e(r.error or "")}</td></tr>')
    failed = sum(not r.ok for r in results)
    status = (f'<p class="callout alert">{failed} of {len(results)} reports failed; see the last column.</p>' if failed
              else f'<p class="callout ok">{len(results)} reports produced.</p>')
    body = (f'<header><p class="kicker">Data protection impact assessments</p><h1>DPIA reports</h1></header>{status}'
            '<table class="index"><colgroup><col style="width:26%"><col style="width:12%"><col style="width:14%">'
            '<col style="width:13%"><col style="width:13%"><col style="width:22%"></colgroup>'
            "<thead><tr><th>Provider</th><th>Report</th><th>Screening</th><th>Highest residual risk</th>"
            f"<th>Notice findings</th><th>Status</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return page("DPIA reports", body)
