"""Writing files so that readers never see half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """An empty temporary file in the target's folder, to write and then os.replace onto the target."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs and audit files are meant to be shared
    return Path(tmp)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write through a temporary file in the same folder and rename, so readers never see half a file."""
    tmp = temp_beside(path)
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
