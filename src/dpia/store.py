"""Writing an audit folder all-or-nothing, under a lock, touching only what changed.

A save takes the folder's lock, writes each changed file to a temporary name beside it, records the
renames to make in a journal (written to a temporary name and renamed into place: that rename is the
commit point), makes the renames and deletes the journal. A process killed before the journal exists
leaves only temporaries, which the next load deletes, so the old audit stands whole; killed after, it
leaves a journal, which the next load completes, so the new audit stands whole. No file is ever torn
and no audit is left a mix of old and new files.

Readers take the same lock shared, so they never see a save half done. The lock is ``flock`` on the
folder itself (no lock file to leave behind), re-entrant within a thread.

The texts a save writes keep everything it did not change: a CSV keeps the bytes of every row it did
not touch, and audit.yaml keeps its comments, key order and formatting (ruamel.yaml round trip,
spliced so that untouched keys keep their original lines).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .files import MAX_TABLE_BYTES, inside, read_bytes, temp_beside

JOURNAL = ".dpia-save.journal"
_held = threading.local()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashes(folder: Path, names: tuple[str, ...] | list[str]) -> dict[str, str | None]:
    """The content hash of each named file in the folder (None where it is missing, not a regular file inside
    the folder, or too large to read: reading it reports why)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = digest(read_bytes(inside(folder, name), MAX_TABLE_BYTES))
        except (InputError, OSError):
            out[name] = None
    return out


@contextmanager
def locked(folder: Path, exclusive: bool = True) -> Iterator[None]:
    """Hold the folder's lock (exclusive to write, shared to read); nested use in one thread is free."""
    key = os.path.realpath(folder)
    held: dict[str, bool] = _held.__dict__.setdefault("folders", {})
    if key in held:
        yield
        return
    try:
        fd = os.open(key, os.O_RDONLY)
    except OSError:
        if exclusive:
            raise
        yield  # a folder that cannot be opened to lock: reading it reports what is wrong
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        held[key] = exclusive
        yield
    finally:
        held.pop(key, None)
        os.close(fd)


def _temporaries(folder: Path, names: tuple[str, ...]) -> list[Path]:
    prefixes = tuple(f".{n}." for n in (*names, JOURNAL))
    try:
        return [p for p in folder.iterdir() if p.name.startswith(prefixes) and p.name.endswith(".tmp")]
    except OSError:
        return []


def pending(folder: Path, names: tuple[str, ...]) -> bool:
    """Whether an interrupted save left a journal or temporaries behind."""
    return (folder / JOURNAL).exists() or bool(_temporaries(folder, names))


def recover(folder: Path, names: tuple[str, ...]) -> str:
    """Finish or undo an interrupted save (call with the lock held). Says what it did, or ''."""
    journal = folder / JOURNAL
    done = ""
    if journal.exists():
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
        except (OSError, ValueError, KeyError, TypeError):
            renames = None  # cannot happen through commit(), which renames a whole journal into place
        if renames is not None:
            for tmp, final in renames:
                if (folder / tmp).exists() and "/" not in tmp + final and final in names:
                    os.replace(folder / tmp, folder / final)
            _sync_dir(folder)
            done = "completed an interrupted save"
        journal.unlink(missing_ok=True)
    stale = _temporaries(folder, names)
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    if stale and not done:
        done = "removed what an interrupted save left behind; the audit is as it was before it"
    if done:
        _sync_dir(folder)
    return done


@contextmanager
def reading(folder: Path, names: tuple[str, ...]) -> Iterator[dict[str, str | None]]:
    """Read under the shared lock, after finishing any interrupted save; yields the files' hashes,
    taken before they are read (so a change made meanwhile by another program shows as a conflict)."""
    if pending(folder, names):
        try:
            with locked(folder, exclusive=True):
                recover(folder, names)
        except OSError:
            pass  # a read-only folder: read what is there
    with locked(folder, exclusive=False):
        yield hashes(folder, names)


def commit(folder: Path, files: dict[str, bytes]) -> None:
    """Replace the named files all-or-nothing (call with the exclusive lock held)."""
    if not files:
        return
    temps: list[tuple[Path, str]] = []
    try:
        for name, data in files.items():
            tmp = temp_beside(folder / name)
            temps.append((tmp, name))
            _write(tmp, data)
        record = json.dumps({"renames": [[tmp.name, name] for tmp, name in temps]}).encode()
        tmp = temp_beside(folder / JOURNAL)
        temps.append((tmp, JOURNAL))
        _write(tmp, record)
        os.replace(tmp, folder / JOURNAL)
        _sync_dir(folder)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, name in temps[:-1]:
        os.replace(tmp, folder / name)
    _sync_dir(folder)
    (folder / JOURNAL).unlink()
    _sync_dir(folder)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- CSV: rewrite only the rows that changed ----------------------------------------------


def splice_csv(text: str, key: str, rows: dict[str, dict[str, str] | None], columns: list[str]) -> str:
    """``text`` with the rows whose ``key`` is in ``rows`` replaced (None: removed), new ones appended.

    Every other line keeps its bytes: quoting, line endings, blank lines. Where a row needs a column the
    header lacks, the whole table is rendered again with the new column.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    newline = "\r\n" if "\r\n" in body else "\n"
    lines = body.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(body, newline=""))
    header: list[str] | None = None
    spans: list[tuple[int, int, list[str]]] = []  # first line, end line (exclusive), cells
    start = 0
    for record in reader:
        first, start = start, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [h.strip() for h in record]
            continue
        spans.append((first, start, [c.strip() for c in record]))
    if header is None or any(c not in header for row in rows.values() if row for c in row if row[c]):
        return _render(header or [], spans, key, rows, columns, newline, bom)
    todo = dict(rows)
    out: list[str] = []
    cursor = 0
    position = header.index(key) if key in header else -1
    for first, end, cells in spans:
        row_id = cells[position] if 0 <= position < len(cells) else None
        if row_id not in todo:
            continue
        out += lines[cursor:first]
        replacement = todo.pop(row_id)
        if replacement is not None:
            out.append(_line(header, replacement, newline))
        cursor = end
    out += lines[cursor:]
    if todo and out and not out[-1].endswith(("\n", "\r")):
        out[-1] += newline
    out += [_line(header, row, newline) for row in todo.values() if row is not None]
    return bom + "".join(out)


def _line(header: list[str], row: dict[str, str], newline: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerow([row.get(c, "") for c in header])
    return buf.getvalue()


def _render(header, spans, key, rows, columns, newline, bom) -> str:
    existing = [dict(zip(header, cells)) for _, _, cells in spans]
    todo = dict(rows)
    table = []
    for row in existing:
        if row.get(key) in todo:
            replacement = todo.pop(row[key])
            if replacement is not None:
                table.append(replacement)
        else:
            table.append(row)
    table += [row for row in todo.values() if row is not None]
    seen = header + [c for row in table for c in row if c not in header]
    names = [c for c in columns if c in seen] + [c for c in dict.fromkeys(seen) if c not in columns]
    return bom + "".join(_line(names, row, newline) for row in [dict(zip(names, names)), *table])


# ---- audit.yaml: a round trip that keeps what did not change -------------------------------


def yaml_text(old_text: str | None, new: dict[str, Any]) -> str:
    """audit.yaml holding ``new``: the old text with only the changed keys rewritten, comments kept."""
    if old_text and old_text.strip():
        try:
            old = yaml.safe_load(old_text)
        except yaml.YAMLError:
            old = None
        if isinstance(old, dict):
            for text in (_spliced(old_text, old, new), _round_trip(old_text, new)):
                if text is not None and _same(text, new):
                    return text
    return yaml.safe_dump(new, sort_keys=False, allow_unicode=True, width=100)


def _same(text: str, new: dict[str, Any]) -> bool:
    try:
        return yaml.safe_load(text) == new
    except yaml.YAMLError:
        return False


def _rt():
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 100
    rt.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return rt


def _update(target, new: dict[str, Any]) -> None:
    """Change a ruamel mapping in place to hold ``new``, so its comments and order stay."""
    for k in [k for k in target if k not in new]:
        del target[k]
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            _update(target[k], v)
        elif k not in target or target[k] != v or isinstance(target[k], bool) != isinstance(v, bool):
            target[k] = v


def _round_trip(old_text: str, new: dict[str, Any]) -> str | None:
    rt = _rt()
    try:
        doc = rt.load(old_text)
    except Exception:  # noqa: BLE001 - ruamel's errors have no common root; fall back to a plain dump
        return None
    if not isinstance(doc, dict):
        return None
    _update(doc, new)
    buf = io.StringIO()
    rt.dump(doc, buf)
    return buf.getvalue()


def _spliced(old_text: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    new_text = _round_trip(old_text, new)
    if new_text is None:
        return None
    try:
        old_node, new_node = yaml.compose(old_text), yaml.compose(new_text)
    except yaml.YAMLError:
        return new_text
    if not isinstance(old_node, yaml.MappingNode) or not isinstance(new_node, yaml.MappingNode):
        return new_text
    old_lines, new_lines = old_text.splitlines(keepends=True), new_text.splitlines(keepends=True)
    if old_lines and not old_lines[-1].endswith("\n"):
        old_lines[-1] += "\n"
    head = old_lines[: _first_line(old_node)] if old_node.value else old_lines
    return "".join(head + _splice_map(old_lines, old_node, len(old_lines), old,
                                      new_lines, new_node, len(new_lines), new))


def _first_line(node: yaml.MappingNode) -> int:
    return node.value[0][0].start_mark.line if node.value else node.start_mark.line


def _blocks(node: yaml.MappingNode, end: int) -> dict[Any, tuple[int, int, yaml.Node]]:
    """Each key of a block mapping -> (first line, end line, value node)."""
    starts = [k.start_mark.line for k, _ in node.value] + [end]
    return {yaml.safe_load(yaml.serialize(k)): (starts[i], starts[i + 1], v) for i, (k, v) in enumerate(node.value)}


def _splice_map(old_lines, old_node, old_end, old, new_lines, new_node, new_end, new) -> list[str]:
    olds, news = _blocks(old_node, old_end), _blocks(new_node, new_end)
    out: list[str] = []
    for key, (start, end, value) in news.items():
        if key in olds and key in old and old[key] == new.get(key):
            o_start, o_end, _ = olds[key]
            out += old_lines[o_start:o_end]
            continue
        o_value = olds[key][2] if key in olds else None
        nested = (isinstance(value, yaml.MappingNode) and isinstance(o_value, yaml.MappingNode) and value.value
                  and o_value.value and not value.flow_style and not o_value.flow_style
                  and isinstance(old.get(key), dict) and isinstance(new.get(key), dict))
        listed = (isinstance(value, yaml.SequenceNode) and isinstance(o_value, yaml.SequenceNode) and value.value
                  and o_value.value and not value.flow_style and not o_value.flow_style
                  and isinstance(old.get(key), list) and isinstance(new.get(key), list))
        if nested:
            o_start, o_end, _ = olds[key]
            out += old_lines[o_start:_first_line(o_value)]
            out += _splice_map(old_lines, o_value, o_end, old[key], new_lines, value, end, new[key])
        elif listed:
            o_start, o_end, _ = olds[key]
            out += old_lines[o_start:o_value.value[0].start_mark.line]
            out += _splice_seq(old_lines, o_value, o_end, old[key], new_lines, value, end, new[key])
        else:
            out += new_lines[start:end]
    return out


def _splice_seq(old_lines, old_node, old_end, old, new_lines, new_node, new_end, new) -> list[str]:
    """A block list item by item: an item equal to the old one at its place keeps its old lines (an entry added to a
    change log leaves the others as they were written)."""
    olds = [v.start_mark.line for v in old_node.value] + [old_end]
    news = [v.start_mark.line for v in new_node.value] + [new_end]
    out: list[str] = []
    for i, item in enumerate(new):
        if i < len(old) and old[i] == item:
            out += old_lines[olds[i]:olds[i + 1]]
        else:
            out += new_lines[news[i]:news[i + 1]]
    return out
