"""Large inputs stay usable: reports of 10,000 and 100,000 activities, a comparison of 2,000 providers as PDF and a
100,000-character word. Slow (they run when CI=true); each measures wall time and the peak memory of every
process of the run (dpia, its workers and the report kernel) together."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from generate import big_audit
from harness import DPIA, SAMPLES, Run, audit_copy, check, kernels_of, replace_line, tagged_env

pytestmark = pytest.mark.slow
MB = 1024 * 1024


def measured(args: list, timeout: float) -> tuple[Run, float]:
    """Run dpia and sample the resident memory of all its processes together; returns the run and the peak in MB."""
    tag = uuid.uuid4().hex
    start = time.perf_counter()
    process = subprocess.Popen([str(DPIA), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=tagged_env(tag))
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            total = 0
            for pid in kernels_of(tag):
                try:
                    fields = Path(f"/proc/{pid}/statm").read_text().split()
                    total += int(fields[1]) * 4096
                except OSError:
                    continue
            peak[0] = max(peak[0], total)
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"dpia {args[0]} did not finish in {timeout} s")
    watcher.join()
    return Run([str(a) for a in args], process.returncode, out, err, time.perf_counter() - start), peak[0] / MB


@pytest.mark.parametrize("activities,seconds", [(10_000, 60), (100_000, 60)])
def test_a_large_audit_gets_a_summarised_report_in_time(tmp_path, activities, seconds):
    audit = big_audit(tmp_path / f"big{activities}", activities)
    out = tmp_path / "out"
    result, peak = measured(["report", audit, "--out", out, "-q"], timeout=600)
    print(f"{activities} activities: {result.seconds:.1f} s, peak {peak:.0f} MB")
    check(result, code=0, says=r"\.pdf", seconds=seconds, kind="output")
    assert peak < 1024, f"peak memory {peak:.0f} MB"
    stem = f"big{activities}"
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert f"{activities:,} rows" in html and f"{stem}.tables/2-activities.csv" in html
    assert (out / f"{stem}.html").stat().st_size < 2 * MB and (out / f"{stem}.ipynb").stat().st_size < 5 * MB
    table = out / f"{stem}.tables" / "2-activities.csv"
    assert sum(1 for _ in table.open(encoding="utf-8")) > activities  # every row attached (quoted cells may span lines)


def test_a_comparison_of_two_thousand_providers_prints_in_time(tmp_path):
    text = (SAMPLES / "best2care" / "notice.txt").read_text(encoding="utf-8").split("\n\n")
    paths = []
    for i in range(2000):
        if i < 50:
            paths.append(audit_copy(tmp_path, sorted(p.name for p in SAMPLES.iterdir())[i % 5], f"audit-{i:04d}"))
            continue
        path = tmp_path / f"provider-{i:04d}.txt"
        path.write_text(f"Provider {i:04d} Ltd Privacy Notice\n\n" + "\n\n".join(text[: 5 + i % (len(text) - 5)]),
                        encoding="utf-8")
        paths.append(path)
    result, peak = measured(["compare", *paths, "--out", tmp_path / "c.html", "--format", "pdf",
                             "--audit-date", "2026-11-23"], timeout=600)
    print(f"2,000 providers: {result.seconds:.1f} s, peak {peak:.0f} MB")
    check(result, code=0, says=(r"compared 2000 of 2000", r"c\.pdf", r"c-elements\.csv"), seconds=60, kind="output")
    assert peak < 1024, f"peak memory {peak:.0f} MB"


def test_a_hundred_thousand_character_word_in_a_cell_prints(tmp_path):
    folder = audit_copy(tmp_path, name="word")
    replace_line(folder / "audit.yaml", "scope", "scope: " + "w" * 100_000)
    result, _ = measured(["report", folder, "--out", tmp_path / "out", "-q"], timeout=300)
    check(result, code=0, says=r"word\.pdf", seconds=60, kind="output")
