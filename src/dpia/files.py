"""Reading and writing files safely.

Reading: only regular files are opened (a folder, FIFO, socket or device where a file is expected is
refused without blocking), never more than a limit plus one byte is read, and paths an audit names
must stay inside its folder. Writing: through a temporary file and a rename, so readers never see
half a file; an unwritable target is a message, not a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, OutputError

MB = 1024 * 1024
MAX_TABLE_BYTES = 200 * MB  # a CSV table of an audit: 100,000 activities are about 50 MB
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def read_bytes(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else raises InputError naming the file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # O_NONBLOCK: opening a FIFO must not wait
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket cannot be opened as a file
            raise InputError(f"{path}: this is a socket, not a {what}; give a regular file") from None
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: this is {_kind(info.st_mode)}, not a {what}; give a regular file")
        if info.st_size > limit:
            raise InputError(_too_large(path, info.st_size, limit, what))
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return read_stream(stream, limit, what, str(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int, what: str = "input", name: str = "-") -> bytes:
    """At most ``limit`` bytes of a stream: one more byte than that means it is too large, and reading stops."""
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(min(MB, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise InputError(_too_large(name, None, limit, what))
    return b"".join(chunks)


def _too_large(name, size: int | None, limit: int, what: str) -> str:
    stated = f"{_size(size)} is" if size is not None else "it is"
    return f"{name}: {stated} too large for a {what} (limit {_size(limit)}); give a smaller file"


def inside(folder: Path, name: str | Path, what: str = "file") -> Path:
    """``folder / name`` with every symlink resolved; InputError if that leaves the folder (``..``, an absolute path, a link)."""
    base = folder.resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise InputError(f"{folder / name}: the {what} must be inside the audit folder {folder}, "
                         f"but it leads to {target}; copy the file into the folder and name it there")
    return target


def ensure_dir(path: Path) -> Path:
    """Create a folder for outputs (and its parents), or say why it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot write into {path}: it is a file, not a folder; choose a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot write into {path}: {exc.strerror}") from None
    return path


_TEMP = re.compile(r"\..+\.(\d+)-[a-z0-9_]{8}\.tmp(?:\.[a-z]+)?")  # what temp_beside makes: .NAME.PID-RANDOM.tmp


def temp_beside(path: Path, suffix: str = "") -> Path:
    """An empty temporary file in the target's folder, to write and then os.replace onto the target.

    Its name holds this process's id, so a later run can tell the leftovers of a killed one from a live write.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp" + suffix)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc, path)}") from None
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs and audit files are meant to be shared
    return Path(tmp)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files of writers that were killed outright (their process is gone)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not pid_alive(int(match.group(1))):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


_STOPPED: list[BaseException] = []  # a Ctrl-C or SIGTERM already received, which Python may have swallowed


def stop(exc: BaseException) -> None:
    """Record a stop signal's exception before raising it: raised while a weakref callback or __del__ runs (in a PDF
    renderer's garbage collection, say), Python prints it and carries on, and the run would finish as if not stopped."""
    _STOPPED.append(exc)
    raise exc


def stopped() -> BaseException | None:
    return _STOPPED[0] if _STOPPED else None


def resume() -> None:
    _STOPPED.clear()


def commit(tmp: Path, path: Path, *, when_stopped: bool = False) -> None:
    """Move a finished temporary file onto its target, unless the run was stopped: then its stop is raised here, so a
    stopped run never leaves an output it was told not to finish. ``when_stopped``: a record of what did finish (a
    batch's index), written on the way out."""
    if _STOPPED and not when_stopped:
        raise _STOPPED[0]
    os.replace(tmp, path)


def write_atomic(path: Path, data: str | bytes, *, when_stopped: bool = False) -> None:
    """Write through a temporary file in the same folder and rename, so readers never see half a file."""
    tmp = temp_beside(path)
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8", newline="")
        commit(tmp, path, when_stopped=when_stopped)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc, path)}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _reason(exc: OSError, path: Path) -> str:
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return "it is a folder; give a file name"
    if isinstance(exc, NotADirectoryError | FileNotFoundError) and not path.parent.is_dir():
        return f"{path.parent} is not a folder" if path.parent.exists() else f"the folder {path.parent} does not exist"
    return exc.strerror or str(exc)
