"""Hostile notices, arguments and outputs through the dpia CLI: clear errors with exit 2, right results where the
input is fine, nothing obeyed from an escape sequence, no hang on pipes, devices or endless input."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from harness import SAMPLES, audit_copy, check, replace_line, run

# Variants of a kind the default run already tries run when CI=true, so `make test` keeps its time budget.
slow = pytest.mark.slow


def some(values, default: int):
    """The first ``default`` values run every time, the others when CI=true."""
    return [v if i < default else pytest.param(*(v if isinstance(v, tuple) else (v,)), marks=slow) for i, v in enumerate(values)]

NOTICE = (SAMPLES / "best2care" / "notice.txt").read_text(encoding="utf-8")
ESCAPES = {
    "window title": "\x1b]0;pwned\x07",
    "clear screen": "\x1b[2J\x1b[H",
    "clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "C1 CSI": "\x9b31m",
    "bell and backspace": "\x07\x08\x08\x08",
}


def notice_file(where: Path, text: str, name: str = "notice.txt") -> Path:
    path = where / name
    path.write_text(text, encoding="utf-8")
    return path


def unreadable_notice(where: Path, kind: str) -> tuple[Path, str]:
    path = where / "notice.txt"
    if kind == "fifo":
        os.mkfifo(path)
        return path, "named pipe"
    if kind == "folder":
        path.mkdir()
        return path, "a folder, not a notice file"
    if kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
        return path, "socket"
    if kind == "device":
        return Path("/dev/zero"), "a device, not a notice file"
    if kind == "sparse 8 GB":
        with path.open("wb") as f:
            f.truncate(8 * 1024**3)
        return path, "too large for a notice file"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 40)
        return path, "binary file"
    if kind == "empty":
        path.write_bytes(b"")
        return path, "empty"
    if kind == "missing":
        return path, "no such notice file"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", some(["fifo", "device", "sparse 8 GB", "folder", "socket", "binary", "empty", "missing"], 3))
def test_an_unreadable_notice_is_named_with_exit_2(tmp_path, kind):
    path, words = unreadable_notice(tmp_path, kind)
    check(run(["analyse", path], timeout=30), code=2, says=words, names=path.name, seconds=15)


@pytest.mark.parametrize("source", ["/dev/zero", "endless pipe"])
def test_endless_standard_input_stops_at_the_limit(tmp_path, source):
    if source == "/dev/zero":
        with open("/dev/zero", "rb") as stdin:
            result = run(["analyse", "-"], stdin=stdin, timeout=30)
    else:
        yes = subprocess.Popen(["yes", "We keep records for 8 years."], stdout=subprocess.PIPE)
        try:
            result = run(["analyse", "-"], stdin=yes.stdout, timeout=30)
        finally:
            yes.kill()
            yes.wait()
    check(result, code=2, says="too large for a privacy notice", names="standard input", seconds=15)


@pytest.mark.parametrize("what", some(list(ESCAPES), 3))
@pytest.mark.parametrize("form", ["text", "json"])
def test_escape_sequences_in_a_notice_never_reach_the_terminal(tmp_path, what, form):
    path = notice_file(tmp_path, NOTICE.replace(" data ", f" data{ESCAPES[what]} "))  # in every sentence the output quotes
    result = check(run(["analyse", path, "--format", form, "--audit-date", "2026-11-23"]), code=0, kind="output", seconds=15)
    if form == "json":
        assert json.loads(result.out)["schema_version"]


def test_an_escape_sequence_in_a_file_name_is_shown_not_obeyed(tmp_path):
    path = notice_file(tmp_path, NOTICE, "notice\x1b]0;pwned\x07.txt")
    result = check(run(["analyse", path, "--format", "text"]), code=0, kind="output", seconds=15)
    assert "\\x1b]0;pwned\\x07" in result.out


def test_an_escape_sequence_in_an_audit_is_shown_not_obeyed_by_screen_and_validate(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    replace_line(folder / "audit.yaml", "provider", 'provider: "Care\\e]0;pwned\\a\\e[2J"')
    check(run(["screen", folder]), code=0, says=r"Care\\x1b\]0;pwned\\x07", kind="output")
    path = folder / "flows.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",gp_nhs,", ",gp\x1b[2Jnhs,", 1), encoding="utf-8")
    check(run(["validate", "-q", folder]), code=1, says=r"gp\\x1b\[2Jnhs", names="flows.csv")


@pytest.mark.parametrize("hidden", some(["\u2060", "\u200d", "\u200b", "\u200c", "\ufeff", "\u00ad"], 2))
def test_zero_width_characters_do_not_hide_a_retention_period_or_a_basis(tmp_path, hidden):
    text = ("Best Care Ltd is the data controller. We process your data under Article 6(1)(" + hidden + "e) of the UK GDPR "
            f"because we carry out a public task. We keep care records for 8{hidden} years after care ends.")
    result = check(run(["analyse", notice_file(tmp_path, text), "--format", "json", "--audit-date", "2026-11-23"]),
                   code=0, kind="output", seconds=15)
    profile = json.loads(result.out)
    assert "e" in profile["lawful_bases"]["art6"]
    assert any(p.startswith("8 years") for p in profile["retention"]["periods"]), profile["retention"]


@pytest.mark.parametrize("form", some(["json", "text", "html"], 2))
def test_analyse_writes_every_format_to_out(tmp_path, form):
    out = tmp_path / f"profile.{form}"
    result = check(run(["analyse", SAMPLES / "best2care" / "notice.txt", "--format", form, "--out", out]), code=0,
                   says=f"wrote {out}", kind="output", seconds=15)
    assert result.out == "" and out.stat().st_size > 500
    if form == "json":
        assert json.loads(out.read_text(encoding="utf-8"))["organisation"]


@pytest.mark.parametrize("date", some(["20260105", "2026-W01", "2026-02-30", "tomorrow", "2026-1-5"], 2))
def test_odd_dates_on_the_command_line_are_refused(date):
    check(run(["analyse", SAMPLES / "best2care" / "notice.txt", "--audit-date", date]), code=2, says="YYYY-MM-DD",
          names=date, seconds=15)


ATTACKS = {"open brackets": "(" * 100_000, "citation prefixes": "6(1)(" * 40_000, "email-like": "@a." * 50_000,
           "no spaces": "x" * 1_000_000, "durations": "3 years " * 40_000}


@pytest.mark.parametrize("name", some(list(ATTACKS), 2))
def test_a_notice_built_to_backtrack_finishes_quickly(tmp_path, name):
    check(run(["analyse", notice_file(tmp_path, ATTACKS[name]), "--format", "json"]), code=0, kind="output", seconds=10)


def test_markup_in_a_notice_is_escaped_in_the_html(tmp_path):
    evil = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"
    out = tmp_path / "n.html"
    check(run(["analyse", notice_file(tmp_path, f"BEST2CARE {evil} is the data controller.\n\n{NOTICE}"), "--format", "html",
               "--out", out]), code=0, kind="output")
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and "&lt;script&gt;" in page


def test_an_empty_risk_register_where_a_dpia_is_required_is_a_warning(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    path = folder / "risks.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = check(run(["screen", folder]), code=0, says=(r"screening: DPIA required", r"warning: a DPIA is required but the "
                                                          r"risk register is empty"), kind="output")
    assert "None" not in result.out
    check(run(["validate", folder]), code=0, says=r"risks\.csv:0:-: warning: the risk register is empty", kind="output")


@pytest.mark.parametrize("name,works", [("nonexistent", "dpia vocab"), ("art66", "dpia vocab art6")])
def test_an_unknown_vocabulary_suggests_a_command_that_works(name, works):
    result = check(run(["vocab", name]), code=2, says=f"`{works}`", names=name, seconds=15)
    assert result.err.count("`dpia vocab") >= 1
    check(run(works.split()[1:]), code=0, kind="output", seconds=15)


@pytest.mark.parametrize("slug", some(["care\n", "../escape", "Care", "a" * 80, "café", "care/x"], 2))
def test_dpia_new_refuses_a_bad_folder_name(tmp_path, slug):
    check(run(["new", slug, "--notice", SAMPLES / "best2care" / "notice.txt", "--into", tmp_path]), code=2,
          says="not a usable folder name", seconds=15)
    assert list(tmp_path.iterdir()) == []


def test_dpia_new_never_overwrites_an_audit(tmp_path):
    folder = audit_copy(tmp_path, name="care")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    check(run(["new", "care", "--notice", SAMPLES / "harmony-community-care" / "notice.txt", "--into", tmp_path]), code=2,
          says="never overwrites", names="care")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize("kind", some(["fifo", "device"], 1))
def test_dpia_new_from_a_special_file_is_refused(tmp_path, kind):
    path, words = unreadable_notice(tmp_path, kind)
    check(run(["new", "care", "--notice", path, "--into", tmp_path / "audits"], timeout=30), code=2, says=words, seconds=15)
    assert not (tmp_path / "audits" / "care").exists()


def read_only_folder(tmp_path: Path) -> Path:
    """A folder nothing can be written into, even by root (whom file modes do not stop): sysfs."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if not os.path.isdir("/sys/kernel") or os.access("/sys/kernel", os.W_OK) and _writable("/sys/kernel"):
        pytest.skip("no read-only folder to write into here")
    return Path("/sys/kernel")


def _writable(folder: str) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "taken"
    path.write_text("not a folder", encoding="utf-8")
    return path


OUTPUTS = {
    "analyse --out in a missing folder": (lambda t: ["analyse", SAMPLES / "best2care" / "notice.txt", "--format", "html",
                                                     "--out", t / "nope" / "x.html"], "does not exist"),
    "analyse --out a folder": (lambda t: ["analyse", SAMPLES / "best2care" / "notice.txt", "--out", t], "it is a folder"),
    "analyse --out read-only": (lambda t: ["analyse", SAMPLES / "best2care" / "notice.txt", "--out",
                                           read_only_folder(t) / "x.txt"], "cannot write"),
    "compare --out a folder": (lambda t: ["compare", SAMPLES / "best2care", "--out", t], "it is a folder"),
    "compare --out under a file": (lambda t: ["compare", SAMPLES / "best2care", "--out", a_file(t) / "c.html"], "is a file"),
    "compare --out read-only": (lambda t: ["compare", SAMPLES / "best2care", "--out", read_only_folder(t) / "c.html"],
                                "cannot write"),
    "report --out a file": (lambda t: ["report", SAMPLES / "best2care", "--out", a_file(t)], "is a file, not a folder"),
    "report --out read-only": (lambda t: ["report", SAMPLES / "best2care", "--out", read_only_folder(t)], "cannot write"),
    "batch --out a file": (lambda t: ["batch", SAMPLES / "best2care", "--out", a_file(t)], "is a file, not a folder"),
    "new --into a file": (lambda t: ["new", "care", "--notice", SAMPLES / "best2care" / "notice.txt", "--into", a_file(t)],
                          "is a file, not a folder"),
    "new --into read-only": (lambda t: ["new", "care", "--notice", SAMPLES / "best2care" / "notice.txt", "--into",
                                        read_only_folder(t)], "cannot"),
}

OUTPUTS_MORE = {"analyse --out a folder", "compare --out under a file", "report --out read-only", "batch --out a file",
                "new --into read-only", "analyse --out read-only"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=slow) if c in OUTPUTS_MORE else c for c in OUTPUTS])
def test_an_unwritable_output_is_a_message_with_exit_2(tmp_path, case):
    args, words = OUTPUTS[case]
    check(run(args(tmp_path)), code=2, says=("dpia: error: cannot", words), seconds=20)


@pytest.mark.parametrize("command", ["batch", "compare"])
def test_no_command_reads_data_samples_unasked(tmp_path, command):
    (tmp_path / "data" / "samples").mkdir(parents=True)
    result = check(run([command], cwd=tmp_path), code=2, says="the following arguments are required", seconds=15)
    assert "usage: dpia" in result.err


def test_help_documents_the_exit_codes():
    for args in (["--help"], ["batch", "--help"], ["compare", "--help"]):
        check(run(args), code=0, says=("exit status:", r"2 +bad input", "130"), kind="output", seconds=15)


def test_a_bad_audit_in_a_compare_is_listed_while_the_rest_complete(tmp_path):
    bad = audit_copy(tmp_path, name="bad-date")
    replace_line(bad / "audit.yaml", "audit_date", "audit_date: 2026-02-30")
    fifo = tmp_path / "stuck.txt"
    os.mkfifo(fifo)
    out = tmp_path / "c.html"
    paths = [SAMPLES / s for s in ("best2care", "harmony-community-care")] + [bad, fifo]
    result = check(run(["compare", *paths, "--out", out, "--format", "html,csv"], timeout=60), code=1,
                   says=(r"bad-date: FAILED: invalid audit", r"stuck\.txt: FAILED: .*named pipe", r"compared 2 of 4 providers"),
                   seconds=45)
    page = out.read_text(encoding="utf-8")
    assert "could not be read" in page and "Harmony" in page
    assert (tmp_path / "c-scores.csv").is_file() and "wrote" in result.out


def test_compare_csv_cells_are_not_formulas(tmp_path):
    folder = audit_copy(tmp_path, name="formula")
    replace_line(folder / "audit.yaml", "provider", "provider: '=HYPERLINK(\"http://evil.example\",\"click\")'")
    notice = notice_file(tmp_path, "+cmd|' /C calc'!A0 is the data controller.\n\n" + NOTICE, "plus.txt")
    tab = notice_file(tmp_path, "@SUM(1+1) Care is the data controller.\n\n" + NOTICE, "at.txt")
    check(run(["compare", folder, notice, tab, "--out", tmp_path / "c.html", "--format", "csv"]), code=0, kind="output",
          seconds=45)
    cells = [cell for path in tmp_path.glob("c-*.csv") for row in csv.reader(path.open(encoding="utf-8")) for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not c[1:2].isdigit())]
    assert not dangerous, dangerous[:5]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
