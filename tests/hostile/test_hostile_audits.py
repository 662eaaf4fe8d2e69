"""Hostile audit folders: every one gets a message naming the file and what to do, never a traceback or a hang,
and nothing outside the folder is read. `dpia validate` reports an invalid audit with exit status 1."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from harness import SECRET, audit_copy, check, replace_line, run, run_all, secret_file

LAUGHS = "\n".join(["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                   + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)])


def yaml_line(key: str, line: str):
    return lambda folder: replace_line(folder / "audit.yaml", key, line)


def append_yaml(text: str):
    def edit(folder: Path) -> None:
        with (folder / "audit.yaml").open("a", encoding="utf-8") as f:
            f.write(text)
    return edit


def write(name: str, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


def replace_with_folder(name: str):
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return edit


def replace_with_fifo(name: str):
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)
    return edit


def replace_with_socket(name: str):
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(folder / name))
        sock.close()
    return edit


def link_outside(name: str, target: str | None = None):
    def edit(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target or secret_file(folder.parent))
    return edit


def sparse(name: str, size: int):
    def edit(folder: Path) -> None:
        with (folder / name).open("r+b") as f:
            f.truncate(size)  # sparse: no disk used, but stat says it is this large
    return edit


def deep_yaml(folder: Path) -> None:
    with (folder / "audit.yaml").open("a", encoding="utf-8") as f:
        f.write("nested: " + "[" * 50_000 + "]" * 50_000 + "\n")


def big_yaml(folder: Path) -> None:
    with (folder / "audit.yaml").open("a", encoding="utf-8") as f:
        f.write("consultation:\n" + "- {with: Residents, date: '2026-10-01', summary: Support CCTV in corridors}\n" * 150_000)


def remove(name: str):
    return lambda folder: (folder / name).unlink()


def notice_name(value: str):
    return yaml_line("notice", f"notice: {value}")


def notice_outside_relative(folder: Path) -> None:
    secret_file(folder.parent)
    replace_line(folder / "audit.yaml", "notice", "notice: ../secret.txt")


def notice_outside_absolute(folder: Path) -> None:
    replace_line(folder / "audit.yaml", "notice", f"notice: {secret_file(folder.parent)}")


def notice_through_linked_folder(folder: Path) -> None:
    outside = folder.parent / "elsewhere"
    outside.mkdir()
    secret_file(outside)
    (folder / "docs").symlink_to(outside)
    replace_line(folder / "audit.yaml", "notice", "notice: docs/secret.txt")


def csv_edit(name: str, old: str, new: str):
    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def bytes_edit(name: str, old: bytes, new: bytes):
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_bytes().replace(old, new, 1))
    return edit


# (edit, file the message names, words it says)
INVALID = {
    "impossible date unquoted": (yaml_line("audit_date", "audit_date: 2026-02-30"), "audit.yaml", r"2026-02-30.*not a date"),
    "date without dashes": (yaml_line("audit_date", "audit_date: 20260105"), "audit.yaml", r"20260105.*YYYY-MM-DD"),
    "week date": (yaml_line("audit_date", "audit_date: 2026-W01"), "audit.yaml", r"2026-W01.*YYYY-MM-DD"),
    "date and time": (yaml_line("audit_date", "audit_date: 2026-01-05 10:30:00"), "audit.yaml", "YYYY-MM-DD"),
    "impossible consultation date": (yaml_line("consultation", "consultation: [{with: Residents, date: 2026-13-01, summary: ok}]"),
                                     "audit.yaml", r"consultation entry 1: date"),
    "week date of DPO advice": (yaml_line("dpo_advice", "dpo_advice: {by: A DPO, date: 2026-W05, advice: proceed}"),
                                "audit.yaml", r"dpo_advice: date '2026-W05'"),
    "unknown principle": (yaml_line("principles", "principles: {storage: {judgement: acceptable}}"), "audit.yaml",
                          r"principles\.storage.*unknown principle 'storage'.*did you mean 'storage_limitation'"),
    "misspelt judgement and a due date in words": (
        yaml_line("principles", "principles: {transfers: {judgement: acceptible, due: next week}}"), "audit.yaml",
        r"'acceptible' is not a judgement.*acceptable, improvable, to_correct|'next week' is not a date"),
    "duplicate key": (append_yaml("provider: Someone Else\n"), "audit.yaml", r"'provider' appears twice"),
    "duplicate nested key": (yaml_line("screening", "screening: {ico_physical_harm: true, ico_physical_harm: false}"),
                             "audit.yaml", r"'ico_physical_harm' appears twice"),
    "billion laughs": (append_yaml("\n" + LAUGHS + "\n"), "audit.yaml", r"aliases .* expand to"),
    "alias that holds itself": (append_yaml("loop: &loop [*loop]\n"), "audit.yaml", r"alias refers to a value that contains it"),
    "deep nesting": (deep_yaml, "audit.yaml", r"not valid YAML|nested too deeply"),
    "oversized audit.yaml": (big_yaml, "audit.yaml", r"too large for a YAML file"),
    "python object tag": (append_yaml("boom: !!python/object/apply:os.system [echo pwned]\n"), "audit.yaml", "not valid YAML"),
    "yaml syntax error": (append_yaml("scope: 'unclosed\n  next: [\n"), "audit.yaml", "not valid YAML"),
    "yaml is a list": (write("audit.yaml", b"- provider: x\n- kind: y\n"), "audit.yaml", "must be a mapping"),
    "audit.yaml binary": (write("audit.yaml", b"provider: x\x00\x01\x02"), "audit.yaml", "binary file"),
    "audit.yaml not utf-8": (write("audit.yaml", b"provider: Caf\xe9 Care\n"), "audit.yaml", "not UTF-8"),
    "audit.yaml empty": (write("audit.yaml", b""), "audit.yaml", "file is empty"),
    "audit.yaml missing": (remove("audit.yaml"), "audit.yaml", "file is missing"),
    "audit.yaml a folder": (replace_with_folder("audit.yaml"), "audit.yaml", "a folder, not a YAML file"),
    "audit.yaml a fifo": (replace_with_fifo("audit.yaml"), "audit.yaml", "named pipe"),
    "audit.yaml a link outside": (link_outside("audit.yaml"), "audit.yaml", "must be inside the audit folder"),
    "activities.csv a folder": (replace_with_folder("activities.csv"), "activities.csv", "a folder, not a CSV table"),
    "risks.csv a fifo": (replace_with_fifo("risks.csv"), "risks.csv", "named pipe"),
    "flows.csv a socket": (replace_with_socket("flows.csv"), "flows.csv", "socket"),
    "flows.csv a link to /etc/passwd": (link_outside("flows.csv", "/etc/passwd"), "flows.csv", "must be inside the audit folder"),
    "activities.csv a link outside": (link_outside("activities.csv"), "activities.csv", "must be inside the audit folder"),
    "risks.csv a link to /dev/zero": (link_outside("risks.csv", "/dev/zero"), "risks.csv", "must be inside the audit folder"),
    "activities.csv of 8 GB (sparse)": (sparse("activities.csv", 8 * 1024**3), "activities.csv", "too large for a CSV table"),
    "risks.csv binary": (write("risks.csv", b"risk_id,title\x00\x00\x01"), "risks.csv", "binary file"),
    "flows.csv not utf-8": (bytes_edit("flows.csv", b"NHS", b"NHS \xe9"), "flows.csv", r"not UTF-8 \(byte 0xe9 on line 2\)"),
    "duplicate column": (csv_edit("risks.csv", "risk_id,title", "risk_id,risk_id"), "risks.csv", "appears more than once"),
    "unbalanced quote": (write("flows.csv", b'flow_id,activity_id\n"F1,A1\n'), "flows.csv", r"missing column|malformed|quote"),
    "extra fields": (csv_edit("risks.csv", "R1,", "R1,extra,"), "risks.csv", r"fields but the header has"),
    "empty csv": (write("activities.csv", b""), "activities.csv", "file is empty"),
    "missing csv": (remove("flows.csv"), "flows.csv", "file is missing"),
    "notice ../secret.txt": (notice_outside_relative, "audit.yaml", r"notice '\.\./secret\.txt' leads outside the audit folder"),
    "notice absolute path": (notice_outside_absolute, "audit.yaml", "leads outside the audit folder"),
    "notice symlinked outside": (link_outside("notice.txt"), "audit.yaml", r"notice 'notice\.txt' leads outside"),
    "notice under a linked folder": (notice_through_linked_folder, "audit.yaml", "leads outside the audit folder"),
    "notice a folder": (replace_with_folder("notice.txt"), "audit.yaml", "not a regular file"),
    "notice a fifo": (replace_with_fifo("notice.txt"), "audit.yaml", "not a regular file"),
    "notice missing": (remove("notice.txt"), "audit.yaml", "not in the audit folder"),
}


# Variants of a kind the default run already tries: they run when CI=true, so `make test` keeps its time budget.
MORE = {"date and time", "impossible consultation date", "duplicate nested key", "python object tag", "yaml syntax error",
        "yaml is a list", "audit.yaml binary", "audit.yaml not utf-8", "audit.yaml empty", "audit.yaml missing",
        "audit.yaml a folder", "flows.csv a socket", "flows.csv a link to /etc/passwd", "risks.csv binary",
        "duplicate column", "unbalanced quote", "extra fields", "empty csv", "missing csv", "notice absolute path",
        "notice a folder", "notice missing", "alias that holds itself"}
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> dict:
    """`dpia validate` on every hostile folder, several at a time (each in its own process and parent folder)."""
    root = tmp_path_factory.mktemp("hostile-audits")
    jobs = {}
    for n, (case, (edit, _, _)) in enumerate(INVALID.items()):
        if case in MORE and not IN_CI:
            continue
        where = root / f"case{n}"
        where.mkdir()
        folder = audit_copy(where, name="care")
        edit(folder)
        jobs[case] = ["validate", "-q", folder]
    return run_all(jobs, timeout=30)


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in MORE else c for c in INVALID])
def test_a_hostile_audit_gets_a_message_naming_the_file(validated, case):
    _, name, words = INVALID[case]
    check(validated[case], code=1, says=(r"INVALID", words), names=f"care/{name}", seconds=25)


@pytest.mark.parametrize("command", ["screen", "compare"])
def test_an_impossible_date_stops_screen_and_compare_with_a_message(tmp_path, command):
    folder = audit_copy(tmp_path, name="care")
    replace_line(folder / "audit.yaml", "audit_date", "audit_date: 2026-02-30")
    args = [command, folder] + (["--out", tmp_path / "c.html"] if command == "compare" else [])
    check(run(args), code=1, says=r"validation errors|invalid audit", names="care", seconds=30)


def test_a_notice_symlinked_inside_the_folder_is_read(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    (folder / "published").mkdir()
    (folder / "notice.txt").rename(folder / "published" / "notice.txt")
    (folder / "notice.txt").symlink_to(Path("published") / "notice.txt")
    check(run(["validate", "-q", folder]), code=0, says=r"care: ok", kind="output")


def test_a_bom_and_crlf_csv_is_read(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    path = folder / "risks.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    check(run(["validate", "-q", folder]), code=0, says=r"care: ok", kind="output")


def test_no_report_quotes_a_notice_outside_the_folder(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    link_outside("notice.txt")(folder)
    out = tmp_path / "out"
    result = run(["report", folder, "--out", out, "--format", "html", "-q"], timeout=180)
    check(result, code=1, says=r"FAILED(?s:.*)leads outside", names="notice.txt", seconds=150, files=list(out.glob("*")))
    assert not (out / "care.html").exists()
    assert SECRET not in (out / "care.ipynb").read_text(encoding="utf-8")
