"""Benchmark `dpia survey` on a Dask LocalCluster: notices per second, peak memory per worker, and how the
time grows with the number of notices (it should grow linearly).

Generates the largest count of 15 KB notices once (shuffled paragraphs of the sample notices, as
analyse_notices.py does), then for each count surveys the first N through a CSV register, each on a
fresh LocalCluster (its start is timed: each run pays it, as `dpia survey` does, and each worker's
peak memory is that run's).

    .venv/bin/python benchmarks/survey_notices.py [--counts 1000,10000] [--workers N] [--size 15360]
    .venv/bin/python benchmarks/survey_notices.py --counts 50,100,300,1000 --in-process   # the cluster against this process
    .venv/bin/python benchmarks/survey_notices.py --counts 1000 --compare 25000   # then `dpia compare` of 25,000 profiles

With --compare N the last survey's profiles are copied to N providers (renamed) in a profiles.parquet, which
`dpia compare` then reads, compares and writes as HTML and CSV: a survey of N providers compared again
without analysing anything.

With --in-process each count is also run in this one process, with no cluster: where the two cross is
where `dpia survey` stops analysing in its own process (survey.worth_a_cluster). On a machine shared
with others, run it when it is quiet, and quote the figures with the load it was under (`uptime`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _corpus():
    spec = importlib.util.spec_from_file_location("analyse_notices", HERE / "analyse_notices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.corpus


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compare_stored(profiles: Path, count: int, out: Path) -> None:
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pq.read_table(profiles).to_pylist()
    many = [{**rows[i % len(rows)], "provider": f"Provider {i:05d}"} for i in range(count)]
    out.mkdir()
    pq.write_table(pa.Table.from_pylist(many, schema=pq.read_schema(profiles)), out / "profiles.parquet")
    t = time.perf_counter()
    result = subprocess.run([Path(sys.executable).parent / "dpia", "compare", out / "profiles.parquet", "--out",
                             out / "comparison.html", "--format", "html,csv"], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    page = (out / "comparison.html").stat().st_size / 1e6 if (out / "comparison.html").exists() else 0
    print(f"dpia compare of {count:,} stored profiles: {seconds:.1f} s (exit {result.returncode}), page {page:.1f} MB, "
          f"CSV {sum(p.stat().st_size for p in out.glob('*.csv')) / 1e6:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counts", default="1000,10000", help="numbers of notices to survey, comma-separated")
    ap.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: cores)")
    ap.add_argument("--size", type=int, default=15 * 1024, help="bytes per notice, at most")
    ap.add_argument("--in-process", action="store_true", help="also time each count in this process, without a cluster")
    ap.add_argument("--compare", type=int, default=0, metavar="N", help="then time `dpia compare` on N stored profiles")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    workers = args.workers or os.cpu_count() or 1

    from distributed import Client, LocalCluster

    from dpia import engine, survey

    engine._quiet()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        notices = tmp / "notices"
        notices.mkdir()
        paths = []
        for i, text in enumerate(_corpus()(max(counts), args.size)):
            path = notices / f"provider-{i:05d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        print(f"generated {len(paths):,} notices of at most {args.size / 1024:.0f} KB in {time.perf_counter() - start:.0f} s; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (the machine is shared)")
        rows = []
        for count in counts:
            register = tmp / f"register-{count}.csv"
            register.write_text("provider,notice\n" + "".join(f"Provider {i:05d},{p}\n" for i, p in enumerate(paths[:count])))
            t, client_cpu = time.perf_counter(), _cpu()
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=50, scheduler_port=0)
            client = Client(cluster, set_as_default=False)
            try:
                result = survey.run_survey([str(register)], tmp / f"out-{count}", scheduler=cluster.scheduler_address,
                                           progress=False, audit_date="2026-11-23")
                seconds, client_cpu = time.perf_counter() - t, _cpu() - client_cpu
                peaks = client.run(_peak_rss_mb)
                worker_cpu = sum(client.run(_cpu).values())
                failed = len(result.failed)
                local = None
                if args.in_process:
                    t = time.perf_counter()
                    survey.run_survey([str(register)], tmp / f"here-{count}", progress=False, audit_date="2026-11-23",
                                      workers=1)
                    local = time.perf_counter() - t
                rows.append((count, seconds, max(peaks.values()), failed, local, os.getloadavg()[0], result.seconds,
                             worker_cpu, client_cpu))
            finally:
                client.close()
                cluster.close()
        if args.compare:
            compare_stored(tmp / f"out-{counts[-1]}" / survey.PROFILES, args.compare, tmp / "compare")
    print(f"{'notices':>8} {'seconds':>8} {'notices/s':>10} {'ms each':>8} {'analyse s':>10} {'write s':>8} "
          f"{'worker CPU ms/notice':>21} {'dpia process CPU ms/notice':>27} {'peak MB/worker':>15} {'failed':>7}"
          + (f" {'in-process s':>13}" if args.in_process else "") + f" {'load':>5}")
    for count, seconds, peak, failed, local, load, phases, worker_cpu, client_cpu in rows:
        print(f"{count:8,} {seconds:8.1f} {count / seconds:10.0f} {1000 * seconds / count:8.2f} {phases['analyse']:10.1f} "
              f"{phases['write']:8.1f} {1000 * worker_cpu / count:21.2f} {1000 * client_cpu / count:27.2f} {peak:15.0f} {failed:7}"
              + (f" {local:13.1f}" if local is not None else "") + f" {load:5.1f}")
    print(f"client peak memory: {_peak_rss_mb():.0f} MB (surveys and comparison pages, all counts)")
    if len(rows) > 1:
        (n0, t0, *_), (n1, t1, *_) = rows[0], rows[-1]
        print(f"time grows {t1 / t0:.1f}x for {n1 / n0:.0f}x the notices "
              f"(per notice: {1000 * t0 / n0:.2f} ms at {n0:,}, {1000 * t1 / n1:.2f} ms at {n1:,})")


if __name__ == "__main__":
    main()
