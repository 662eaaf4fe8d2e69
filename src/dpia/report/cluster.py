"""`dpia batch --scheduler`: reports made on a Dask cluster.

A task carries the audit folder's files as bytes and returns the report's files as bytes; the worker lays
the folder out in a temporary directory of its own, runs the report there with a warm kernel kept per worker
thread, and removes the directory. The client writes the files, so workers need dpia installed but no file
system shared with the client. The worker's temporary paths are put back to the client's in what the client
keeps (the executed notebook's parameters, an error message), so a report made on a cluster reads as one made
here.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .. import engine
from ..errors import DpiaError
from ..files import read_bytes, write_atomic
from .run import FORMATS, Result, Runner, _remove_stale, tables_dir

FILE_LIMIT = 200 * 1024 * 1024  # the largest file an audit may hold (a CSV); audit.yaml and the notice have lower limits
_local = threading.local()
_runners: list[Runner] = []


def pack(folder: Path) -> dict[str, bytes | tuple[str]]:
    """The files of an audit folder by relative name; a symbolic link as ``(target,)``, recreated as it is on the
    worker, where the audit loader refuses one that leads outside the folder exactly as it does here."""
    files: dict[str, bytes | tuple[str]] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))]
        for name in names:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                files[rel] = (os.readlink(path),)
            elif path.is_file():
                files[rel] = read_bytes(path, FILE_LIMIT, "audit file")
    return files


def unpack(files: dict, folder: Path) -> None:
    for rel, data in files.items():
        target = folder / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            continue  # a name the client's walk never gives
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, tuple):
            os.symlink(data[0], target)
        else:
            target.write_bytes(data)


def _runner(timeout: float | None) -> Runner:
    runner = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = Runner(timeout)
        _runners.append(runner)
        if len(_runners) == 1:
            atexit.register(_close_all)
    runner.timeout = timeout or runner.timeout
    return runner


def _close_all() -> None:
    for runner in _runners:
        try:
            runner.close()
        except Exception:  # noqa: BLE001 - leaving the process: a kernel already gone is fine
            pass


def report_task(job: dict, timeout: float | None = None) -> dict:
    """On a worker: one report from the audit's files; its outputs as bytes, with the paths they were made at."""
    runner = _runner(timeout)
    work = Path(tempfile.mkdtemp(prefix="dpia-task-"))
    try:
        audit = work / "audit" / job["folder_name"]
        out = work / "out"
        audit.mkdir(parents=True)
        out.mkdir()
        unpack(job["files"], audit)
        result = runner.run(audit, out, job["slug"], job["formats"], job["audit_date"], job["risk_method"])
        files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
                 and not p.name.startswith(".")}
        return {"result": result, "files": files, "audit": str(audit), "out": str(out.resolve())}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _local_paths(text: str, done: dict, audit: str, out: str) -> str:
    for theirs, ours in ((done["audit"], audit), (done["out"], out)):
        text = text.replace(theirs, ours)
        text = text.replace(json.dumps(theirs)[1:-1], json.dumps(ours)[1:-1])
    return text


def run_reports(jobs: list[tuple], results: dict[int, Result], scheduler: str | None, progress, timeout: float | None,
                workers: int | None = None) -> None:
    """The batch's jobs (folder, out, slug, formats, audit_date, risk_method) on a cluster; results[i] as each ends."""
    from .batch import _progress

    bar = _progress(len(jobs), progress)

    def work():
        for i, (folder, out, slug, formats, audit_date, risk_method) in enumerate(jobs):
            folder = Path(folder).resolve()
            try:
                files = pack(folder)
            except DpiaError as exc:
                results[i] = Result(str(folder), slug, provider=folder.name, error=str(exc))
                _remove_stale(Path(out), slug, FORMATS)
                bar.update(1)
                continue
            yield {"i": i, "folder_name": folder.name, "files": files, "slug": slug, "formats": tuple(formats),
                   "audit_date": audit_date, "risk_method": risk_method}

    def done(job: dict, value, error: BaseException | None) -> None:
        i = job["i"]
        folder, out, slug = Path(jobs[i][0]).resolve(), Path(jobs[i][1]), jobs[i][2]
        if error is not None:
            results[i] = Result(str(folder), slug, provider=_provider(folder), error=f"the report could not be made on the "
                                f"cluster: {engine.explain(error)}")
            _remove_stale(out, slug, FORMATS)
        else:
            results[i] = _write(value, folder, out, slug)
        bar.update(1)

    try:
        with engine.client(scheduler, workers) as c:
            engine.run(c, report_task, work(), done, in_flight=2 * max(1, sum((c.nthreads() or {}).values())), timeout=timeout)
    finally:
        bar.close()


def _write(done: dict, folder: Path, out: Path, slug: str) -> Result:
    """The client's side of a finished task: its files written here, its paths made ours."""
    result: Result = done["result"]
    ours_audit, ours_out = str(folder), str(out.resolve())
    result.audit = ours_audit
    if result.error:
        result.error = _local_paths(result.error, done, ours_audit, ours_out)
    shutil.rmtree(tables_dir(out, slug), ignore_errors=True)
    for rel, data in done["files"].items():
        target = out / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            continue
        if rel.endswith(".ipynb"):
            data = _local_paths(data.decode("utf-8"), done, ours_audit, ours_out).encode("utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
    if result.error:
        _remove_stale(out, slug, FORMATS)
    return result


def _provider(folder: Path) -> str:
    from .run import _provider as provider

    try:
        return provider(folder)
    except Exception:  # noqa: BLE001 - only a label
        return folder.name
