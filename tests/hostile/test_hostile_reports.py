"""Hostile report runs through `dpia batch` and `dpia report`: names that would collide, a folder named index, two
batches into one folder, an audit that breaks between runs, a kernel that dies, a report that overruns, and runs
interrupted by Ctrl-C, SIGTERM or SIGKILL. No hang, no traceback, no temporary file or kernel folder left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from harness import (
    DPIA,
    SAMPLES,
    audit_copy,
    check,
    kernel_dirs,
    kernels_of,
    leftovers,
    orphaned_kernel_dirs,
    replace_line,
    run,
    tagged_env,
)

EVIL = "care\x1b]0;pwned\x07"


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Three runs into one folder: six audits (three named x, one index, one broken, one with an escape sequence in its
    name); then one more audit; then the first batch's x-2 again after its audit.yaml broke."""
    root = tmp_path_factory.mktemp("batches")
    out = root / "out"
    folders = {"a/x": "best2care", "b/x": "harmony-community-care", "c/x-2": "optimise-healthcare",
               "d/index": "community-living-well", "e/broken": "best2care", f"f/{EVIL}": "case-management-cymru"}
    paths = {}
    for name, sample in folders.items():
        parent = root / Path(name).parent
        parent.mkdir(exist_ok=True)
        paths[name] = audit_copy(parent, sample, Path(name).name)
    flows = paths["e/broken"] / "flows.csv"
    flows.write_text(flows.read_text(encoding="utf-8").replace("F1,A4,", "F1,A404,", 1), encoding="utf-8")
    first = run(["batch", *paths.values(), "--out", out, "--format", "html", "--workers", "2", "-q"], timeout=300)
    index_after_first = (out / "index.html").read_text(encoding="utf-8")
    extra = audit_copy(root, "harmony-community-care", "extra")
    second = run(["batch", extra, "--out", out, "--format", "html", "-q"], timeout=300)
    index_after_second = (out / "index.html").read_text(encoding="utf-8")
    replace_line(paths["c/x-2"] / "audit.yaml", "audit_date", "audit_date: 2026-02-30")
    third = run(["report", paths["c/x-2"], "--out", out, "--format", "html", "-q"], timeout=300)
    return {"out": out, "paths": paths, "runs": (first, second, third), "index": (index_after_first, index_after_second)}


def test_reports_named_alike_never_overwrite_each_other(batches):
    out, (first, _, _) = batches["out"], batches["runs"]
    check(first, code=1, says=r"5 of 6 reports", seconds=240, kind="output")
    providers = {name: (out / name).read_text(encoding="utf-8") for name in ("x.html", "x-3.html")}
    assert "BEST2CARE" in providers["x.html"] and "Harmony Community Care" in providers["x-3.html"]
    assert "Optimise Healthcare" in batches["index"][0]  # c/x-2 was reported as x-2 before it broke
    html = sorted(p.name for p in out.glob("*.html"))
    # x, x-3, index-2, the escaped name, extra (the second batch) and the index; x-2 went when its audit broke
    assert html == sorted(["x.html", "x-3.html", "index-2.html", "care_]0;pwned_.html", "extra.html", "index.html"])


def test_an_audit_folder_named_index_does_not_overwrite_the_index(batches):
    out = batches["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>DPIA reports</h1>" in index and 'href="index-2.html"' in index
    assert "Community Living Well" in (out / "index-2.html").read_text(encoding="utf-8")


def test_a_broken_audit_fails_alone(batches):
    first = batches["runs"][0]
    check(first, code=1, says=(r"BEST2CARE: FAILED: (?s:.*)A404", r"Harmony Community Care Services: "), names="flows.csv",
          seconds=240)


def test_an_escape_sequence_in_a_folder_name_is_neither_obeyed_nor_injected(batches):
    first, out = batches["runs"][0], batches["out"]
    check(first, code=1, says=r"Case Management Cymru Ltd: .*care_\]0;pwned_\.html", seconds=240, kind="output")
    assert (out / "care_]0;pwned_.html").is_file()
    assert "\x1b" not in (out / "index.html").read_text(encoding="utf-8")


def test_two_batches_into_one_folder_leave_an_index_of_everything(batches):
    second = batches["runs"][1]
    check(second, code=0, says=r"\(1 of 1 reports\)", seconds=200, kind="output")
    index = batches["index"][1]
    for provider in ("BEST2CARE", "Harmony Community Care", "Optimise Healthcare", "Community Living Well",
                     "Case Management Cymru", 'href="extra.html"'):
        assert provider in index, provider
    assert "1 of 7 reports failed" in index


def test_a_report_whose_audit_now_fails_leaves_no_stale_html(batches):
    out, third = batches["out"], batches["runs"][2]
    check(third, code=1, says=r"FAILED: (?s:.*)2026-02-30", names="audit.yaml", seconds=200)
    assert not (out / "x-2.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2 of 7 reports failed" in index and "2026-02-30" in index
    assert not leftovers(out)


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _start(args: list, tag: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(DPIA), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=tagged_env(tag), start_new_session=True, **kwargs)


def _kernels(tag: str) -> list[int]:
    return [pid for pid in kernels_of(tag) if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _finish(process: subprocess.Popen, timeout: float = 120):
    from harness import Run

    start = time.perf_counter()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"dpia did not stop within {timeout} s")
    return Run([str(a) for a in process.args[1:]], process.returncode, out, err, time.perf_counter() - start)


def test_a_kernel_that_dies_fails_its_report_and_the_next_gets_a_fresh_one(tmp_path):
    tag, out = uuid.uuid4().hex, tmp_path / "out"
    before = kernel_dirs()
    process = _start(["batch", SAMPLES / "best2care", SAMPLES / "harmony-community-care", "--out", out, "--format", "html",
                      "--workers", "1", "-q"], tag)
    started = _wait_for(lambda: out.is_dir() and any(p.name.endswith(".tmp.ipynb") for p in out.iterdir()) and _kernels(tag), 90)
    assert started, "the first report never started"
    for pid in _kernels(tag):
        os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
    result = _finish(process, 180)
    check(result, code=1, says=(r"BEST2CARE: FAILED: the report kernel died", r"Harmony Community Care Services: .*\.html",
                                r"1 of 2 reports"), seconds=180)
    assert "the report kernel died" in (out / "index.html").read_text(encoding="utf-8")
    assert not leftovers(out) and orphaned_kernel_dirs(before) == set() and not _kernels(tag)


def test_a_report_past_its_time_limit_fails_instead_of_hanging(tmp_path):
    from generate import big_audit

    audit = big_audit(tmp_path / "big", 20_000)
    result = run(["report", audit, "--out", tmp_path / "out", "--format", "html", "--timeout", "3", "-q"], timeout=120)
    check(result, code=1, says=r"FAILED: the report kernel died: stopped after the time limit of 3 s", seconds=90)
    assert not (tmp_path / "out" / "big.html").exists() and not leftovers(tmp_path / "out")


@pytest.mark.parametrize("how,code", [("SIGINT", 130), pytest.param("SIGTERM", 143, marks=pytest.mark.slow)])
def test_an_interrupted_batch_leaves_no_temporary_file_kernel_or_traceback(tmp_path, how, code):
    tag, out = uuid.uuid4().hex, tmp_path / "out"
    before = kernel_dirs()
    audits = [SAMPLES / s for s in sorted(os.listdir(SAMPLES))]
    process = _start(["batch", *audits, "--out", out, "--workers", "2", "-q"], tag)
    assert _wait_for(lambda: out.is_dir() and leftovers(out), 90), "no report started"
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals every process of the group
    else:
        process.send_signal(signal.SIGTERM)
    result = _finish(process, 60)
    check(result, code=code, says=r"dpia: (interrupted|terminated)", seconds=30)
    assert not leftovers(out), leftovers(out)
    assert orphaned_kernel_dirs(before) == set()
    assert _wait_for(lambda: not _kernels(tag), 10), "a report kernel outlived the batch"
    assert "<h1>DPIA reports</h1>" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_batch_killed_outright_is_cleaned_up_by_the_next(tmp_path):
    tag, out = uuid.uuid4().hex, tmp_path / "out"
    process = _start(["batch", SAMPLES / "best2care", "--out", out, "--format", "html,pdf", "--workers", "1", "-q"], tag)
    assert _wait_for(lambda: out.is_dir() and leftovers(out), 90)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    for pid in _kernels(tag):  # a kernel of a killed batch is orphaned: stop the ones this test started
        os.kill(pid, signal.SIGKILL)
    stale = {p for p in kernel_dirs() if p.startswith(f"dpia-kernel-{process.pid}-")}
    assert leftovers(out) or stale
    again = run(["batch", SAMPLES / "harmony-community-care", "--out", out, "--format", "html", "-q"], timeout=200)
    check(again, code=0, says=r"1 of 1 reports", seconds=180, kind="output")
    assert not leftovers(out) and not {p for p in kernel_dirs() if p.startswith(f"dpia-kernel-{process.pid}-")}


@pytest.mark.slow
def test_an_interrupted_compare_leaves_no_temporary_file(tmp_path):
    notices = tmp_path / "notices"
    notices.mkdir()
    text = (SAMPLES / "best2care" / "notice.txt").read_text(encoding="utf-8")
    for i in range(150):  # not summarised: a long PDF, long enough to be stopped while it prints
        (notices / f"p{i:03d}.txt").write_text(f"Provider {i} Ltd\n\n{text}", encoding="utf-8")
    tag = uuid.uuid4().hex
    process = _start(["compare", *sorted(notices.iterdir()), "--out", tmp_path / "c.html", "--format", "pdf"], tag)
    assert _wait_for(lambda: any(p.name.startswith(".c.pdf.") for p in tmp_path.iterdir()), 120), "the PDF never started"
    process.send_signal(signal.SIGTERM)
    result = _finish(process, 60)
    check(result, code=143, says="dpia: terminated", seconds=30)
    assert not leftovers(tmp_path) and not (tmp_path / "c.pdf").exists()


@pytest.mark.slow
def test_a_twenty_thousand_character_word_prints_in_normal_time(tmp_path):
    folder = audit_copy(tmp_path, name="long")
    replace_line(folder / "audit.yaml", "scope", "scope: " + "x" * 20_000)
    path = folder / "risks.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Role-based access", "y" * 20_000 + " Role-based access", 1),
                    encoding="utf-8")
    result = run(["report", folder, "--out", tmp_path / "out", "-q"], timeout=200)
    check(result, code=0, says=r"long\.pdf", seconds=90, kind="output")
