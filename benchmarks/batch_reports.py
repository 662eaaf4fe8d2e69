"""Benchmark `dpia batch` against the loop a user would otherwise write.

Copies the sample audits until there are N (default 20), then times, in the same run:
  - `dpia batch` on all of them (default workers: the number of cores);
  - with --cluster, `dpia batch --scheduler local` too: the same on a Dask LocalCluster of one worker per core
    (the cluster's start included), to see whether the process pool is still the faster for one machine;
  - the naive loop, per provider: the `papermill` command, `jupyter nbconvert --to html --no-input`
    and the `weasyprint` command, each started afresh.

    .venv/bin/python benchmarks/batch_reports.py [--count 20] [--workers N] [--naive-count N]

The naive loop can be timed on fewer audits (--naive-count) and scaled, since each provider costs the same.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "dpia_report.ipynb"


def make_audits(where: Path, count: int) -> list[Path]:
    samples = sorted(p for p in (ROOT / "data" / "samples").iterdir() if p.is_dir())
    audits = []
    for i in range(count):
        target = where / f"{samples[i % len(samples)].name}-{i:03d}"
        shutil.copytree(samples[i % len(samples)], target)
        audits.append(target)
    return audits


def _cpu() -> float:
    """CPU seconds of every finished child process and their children (kernels, workers): a shared machine slows the
    clock, much less this."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def naive(audits: list[Path], out: Path) -> float:
    out.mkdir()
    start = time.perf_counter()
    for audit in audits:
        nb, html, pdf = out / f"{audit.name}.ipynb", out / f"{audit.name}.html", out / f"{audit.name}.pdf"
        subprocess.run([BIN / "papermill", NOTEBOOK, nb, "-p", "audit_path", str(audit), "--no-progress-bar"],
                       check=True, capture_output=True, cwd=NOTEBOOK.parent)
        subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb, "--output", html.name],
                       check=True, capture_output=True)
        subprocess.run([BIN / "weasyprint", html, pdf], check=True, capture_output=True)
    return time.perf_counter() - start


def batch(audits: list[Path], out: Path, workers: int | None, scheduler: str | None = None) -> float:
    cmd = [BIN / "dpia", "batch", *map(str, audits), "--out", str(out), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--naive-count", type=int, default=None, help="time the naive loop on this many and scale up")
    ap.add_argument("--cluster", action="store_true", help="also time the batch on a Dask LocalCluster")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        audits = make_audits(tmp / "audits", args.count)
        load = os.getloadavg()[0]
        cpu = _cpu()
        t_batch = batch(audits, tmp / "batch", args.workers)
        cpu_batch, cpu = _cpu() - cpu, _cpu()
        t_cluster = batch(audits, tmp / "cluster", args.workers, "local") if args.cluster else None
        cpu_cluster, cpu = _cpu() - cpu, _cpu()
        n_naive = min(args.naive_count or args.count, args.count)
        t_naive = naive(audits[:n_naive], tmp / "naive") * args.count / n_naive
        cpu_naive = (_cpu() - cpu) * args.count / n_naive
        pdfs = len(list((tmp / "batch").glob("*.pdf")))
    cores = os.cpu_count()
    print(f"{args.count} audits, {cores} cores, workers {args.workers or cores}: {pdfs} PDFs; load average "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after (the machine is shared)")
    n = args.count
    print(f"dpia batch : {t_batch:6.1f} s  ({t_batch / n:.2f} s per report); CPU {cpu_batch / n:.2f} s per report")
    if t_cluster is not None:
        print(f"on Dask    : {t_cluster:6.1f} s  ({t_cluster / n:.2f} s per report; LocalCluster, its start included); "
              f"CPU {cpu_cluster / n:.2f} s per report")
    scaled = f" (measured on {n_naive}, scaled)" if n_naive < args.count else ""
    print(f"naive loop : {t_naive:6.1f} s  ({t_naive / n:.2f} s per report){scaled}; CPU {cpu_naive / n:.2f} s per report")
    print(f"speed-up   : {t_naive / t_batch:.1f}x by the clock, {cpu_naive / cpu_batch:.1f}x in CPU; on {cores} idle cores the "
          f"batch's CPU would take {cpu_batch / n / cores:.2f} s per report")


if __name__ == "__main__":
    main()
