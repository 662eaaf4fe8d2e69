"""Running `dpia` as a user does (a subprocess) against hostile input, and keeping count.

Every case goes through ``check``: the exit status, the words of the message (and the file it names),
no traceback, no raw control character (an escape sequence reaching the terminal), no byte of a file
outside the audit folder, and a time bound. A command that does not answer within its limit is a hang.
The tally is printed at the end of the run (tests/conftest.py) for the issue's note.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
DPIA = Path(sys.executable).parent / "dpia"
SECRET = "SECRET-7d1f-OUTSIDE-THE-AUDIT"  # in files outside audit folders: must never appear in any output
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b]")  # raw control characters: \t, \n and \r are allowed
TALLY: Counter = Counter()


@dataclass
class Run:
    args: list[str]
    code: int | None  # None: it did not answer in time (a hang)
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        return self.out + self.err


def run(args: list, *, timeout: float = 60, stdin=None, cwd: Path | None = None, env: dict | None = None) -> Run:
    """``dpia ARGS`` in a subprocess; one that does not answer within ``timeout`` seconds is killed and is a hang."""
    start = time.perf_counter()
    try:
        done = subprocess.run([str(DPIA), *map(str, args)], capture_output=True, timeout=timeout, cwd=cwd,
                              stdin=stdin if stdin is not None else subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        return Run(list(map(str, args)), None, "", f"no answer in {timeout} s", time.perf_counter() - start)
    return Run(list(map(str, args)), done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"), time.perf_counter() - start)


def run_all(jobs: dict, timeout: float = 60) -> dict:
    """Run many commands (key -> args) at once, as the machine allows; each result is checked by its own test."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(2, min(4, (os.cpu_count() or 2) * 2))) as pool:
        futures = {key: pool.submit(run, args, timeout=timeout) for key, args in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def check(result: Run, *, code: int, says: tuple[str, ...] | str = (), names: str | None = None, seconds: float = 30,
          kind: str = "error", files: list[Path] = ()) -> Run:
    """Assert what every hostile case must hold, and count it. ``kind`` is error (a clear message) or output (a right result)."""
    says = (says,) if isinstance(says, str) else says
    TALLY["cases"] += 1
    if result.code is None:
        TALLY["hangs"] += 1
        pytest.fail(f"dpia {' '.join(result.args[:8])} hung: {result.err}")
    written = "".join(p.read_text("utf-8", "replace") for p in files if p.is_file())
    problems = {"tracebacks": "Traceback" in result.text, "injections": bool(CONTROL.search(result.text)),
                "outside reads": SECRET in result.text or SECRET in written}
    for name, found in problems.items():
        TALLY[name] += found
    shown = " ".join(result.args[:8]) + (f" ... ({len(result.args)} arguments)" if len(result.args) > 8 else "")
    context = f"dpia {shown} -> {result.code}\n--- stdout\n{result.out[-3000:]}\n--- stderr\n{result.err[-3000:]}"
    assert not problems["tracebacks"], context
    assert not problems["injections"], f"a raw control character reached the terminal\n{context}"
    assert not problems["outside reads"], f"a file outside the audit folder was read\n{context}"
    assert result.code == code, context
    for pattern in says:
        assert re.search(pattern, result.text), f"{pattern!r} not in the output\n{context}"
    if names:
        assert names in result.text, f"the message does not name {names}\n{context}"
    assert result.seconds < seconds, f"took {result.seconds:.1f} s (bound {seconds} s)\n{context}"
    TALLY["clear errors" if kind == "error" else "correct outputs"] += 1
    return result


def audit_copy(where: Path, slug: str = "best2care", name: str | None = None) -> Path:
    dest = where / (name or slug)
    shutil.copytree(SAMPLES / slug, dest)
    return dest


def secret_file(where: Path) -> Path:
    path = where / "secret.txt"
    path.write_text(f"{SECRET}\n\nBest Care Ltd is the data controller. We rely on Article 6(1)(b).\n", encoding="utf-8")
    return path


def replace_line(path: Path, key: str, line: str) -> None:
    """Replace the line of a top-level YAML key (or add the line) in audit.yaml."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hit = [i for i, text in enumerate(lines) if text.startswith(f"{key}:")]
    if hit:
        end = hit[0] + 1
        while end < len(lines) and lines[end].startswith((" ", "-")):  # the old value's own lines
            end += 1
        lines[hit[0]:end] = [line]
    else:
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def kernels_of(tag: str) -> list[int]:
    """Processes (report kernels among them) started with DPIA_TEST_TAG=tag in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"DPIA_TEST_TAG={tag}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def tagged_env(tag: str) -> dict[str, str]:
    return {**os.environ, "DPIA_TEST_TAG": tag}


def leftovers(folder: Path) -> list[str]:
    """Temporary files a run left in a folder (written through files.temp_beside, or papermill's)."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".tmp.ipynb")))


def kernel_dirs() -> set[str]:
    """Report kernels' socket folders, dpia-kernel-<owner pid>-<random> (others' runs of older code name no pid)."""
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("dpia-kernel-*") if re.match(r"dpia-kernel-\d+-", p.name)}


def orphaned_kernel_dirs(before: set[str]) -> set[str]:
    """Kernel folders made since ``before`` whose owner has exited: a run that has ended must leave none. Folders of
    owners still alive belong to other runs on this machine (tests in parallel) and are not counted."""
    return {name for name in kernel_dirs() - before if not Path(f"/proc/{name.split('-')[2]}").exists()}
