"""Saving an audit folder: all or nothing under kill -9, only what changed, comments and untouched rows kept."""

import datetime as dt
import os
import random
import signal
import time
from pathlib import Path

import pytest
import yaml

from dpia import store
from dpia.audit import FILES, load, save


def test_a_save_interrupted_after_its_journal_is_completed_by_the_next_load(sample_copy):
    folder = sample_copy()
    new = (folder / "flows.csv").read_bytes().replace(b"F1,", b"F1x,", 1)
    tmp = folder / ".flows.csv.abc123.tmp"
    tmp.write_bytes(new)
    (folder / store.JOURNAL).write_text('{"renames": [[".flows.csv.abc123.tmp", "flows.csv"]]}')
    audit = load(folder)
    assert (folder / "flows.csv").read_bytes() == new and "F1x" in set(audit.flows.flow_id)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "notice.txt"])


def test_a_save_interrupted_before_its_journal_leaves_the_old_audit_and_no_temporaries(sample_copy):
    folder = sample_copy()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for name in ("audit.yaml", "risks.csv", store.JOURNAL):
        (folder / f".{name}.x1y2.tmp").write_bytes(b"half of something")
    load(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_only_changed_files_are_written(sample_copy):
    folder = sample_copy()
    audit = load(folder)
    stamps = {n: (folder / n).stat().st_mtime_ns for n in FILES}
    time.sleep(0.01)
    audit.meta["assessor"] = "J. Smith"
    save(audit)
    changed = {n for n in FILES if (folder / n).stat().st_mtime_ns != stamps[n]}
    assert changed == {"audit.yaml"}


def test_audit_yaml_keeps_its_comments_order_and_formatting():
    old = ("# The provider we audit\nprovider: Acme   # as the notice names it\nkind: home_care\n"
           "scope: 'long text that was\n  wrapped by hand'\nscreening:\n  # scale comes from the annual report\n"
           "  wp248_large_scale:\n    answer: true\n    reason: 40,000 people\n  ico_tracking: false\n"
           "dpo_advice: null\n")
    new = {"provider": "Acme", "kind": "home_care", "scope": "long text that was wrapped by hand",
           "screening": {"wp248_large_scale": {"answer": True, "reason": "40,000 people"}, "ico_tracking": True,
                         "ico_biometric": False}, "dpo_advice": None}
    text = store.yaml_text(old, new)
    assert text == old.replace("ico_tracking: false", "ico_tracking: true\n  ico_biometric: false")


def test_a_list_saved_whole_keeps_the_lines_of_the_items_it_did_not_change():
    long = "re-judged under the law in force on the audit date (Data (Use and Access) Act 2025) and set out as the template"
    old = ("document:\n  version: '0.2'\n  change_log:\n  # the first draft\n  - version: '0.1'\n    date: 2026-11-23\n"
           f"    change: {long}\n  - version: '0.2'\n    date: '2026-12-02'\n    change: old second\n"
           "consultation: []  # none yet\n")
    first = {"version": "0.1", "date": dt.date(2026, 11, 23), "change": long}
    new = {"document": {"version": "0.3", "change_log": [first, {"version": "0.2", "date": "2026-12-02", "change": "second"},
                                                          {"version": "0.3", "date": "2026-12-04", "change": "third"}]},
           "consultation": []}
    text = store.yaml_text(old, new)
    assert yaml.safe_load(text) == new
    assert text == (old.replace("'0.2'\n  change_log", "'0.3'\n  change_log").replace("old second", "second")
                    .replace("consultation:", "  - version: '0.3'\n    date: '2026-12-04'\n    change: third\nconsultation:"))


def test_a_csv_save_keeps_the_bytes_of_rows_it_did_not_touch():
    text = 'id,name,notes\r\nA1,"Care, records",x\r\n\r\nA2,Rota,\r\nA3,Old,\r\n'
    out = store.splice_csv(text, "id", {"A2": {"id": "A2", "name": "Staff rota", "notes": ""}, "A3": None,
                                        "A4": {"id": "A4", "name": "New"}}, ["id", "name", "notes"])
    assert out == 'id,name,notes\r\nA1,"Care, records",x\r\n\r\nA2,Staff rota,\r\nA4,New,\r\n'


def test_a_csv_save_adds_a_column_the_header_lacks():
    out = store.splice_csv("id,name\nA1,Care\n", "id", {"A1": {"id": "A1", "name": "Care", "notes": "check"}},
                           ["id", "name", "notes"])
    assert out == "id,name,notes\nA1,Care,check\n"


# ---- the kill harness ----------------------------------------------------------------------


def _versions(folder: Path):
    """Two states of the audit that differ in every file, and the bytes each file has in each."""
    states = []
    for tag in ("one", "two"):
        audit = load(folder)
        audit.meta["scope"] = f"{audit.meta['scope']} (version {tag})"
        for table in ("activities.csv", "flows.csv", "risks.csv"):
            frame = audit.tables[table].copy()
            frame["notes"] = f"version {tag}"
            audit.tables[table] = frame
        states.append(audit)
    expected: dict[str, dict[bytes, str]] = {n: {} for n in FILES}
    for audit in states * 2:  # twice round: a version's bytes must not depend on the one before
        save(audit)
        for name in FILES:
            expected[name].setdefault((folder / name).read_bytes(), audit.meta["scope"][-4:-1])
    assert all(len(v) == 2 for v in expected.values()), "each version must give one set of bytes"
    return states, expected


STEPS = 13  # points in one save of four files where a kill can land: 5 writes, 5 renames, 3 folder syncs


def _hook(kill_at: int | None) -> None:
    """In the child: stop dead after the kill_at-th step of the writing (a deterministic kill -9 there),
    or, with None, pause briefly after each step so that a kill sent at a random moment lands inside the
    writing about as often as in the validation that takes most of a save."""
    steps = [0]

    def step(fn):
        def wrapped(*args):
            result = fn(*args)
            steps[0] += 1
            if steps[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            if kill_at is None:
                time.sleep(0.003)
            return result
        return wrapped

    store._write, store._sync_dir = step(store._write), step(store._sync_dir)
    store.os.replace = step(os.replace)


def _kill_mid_save(folder: Path, kill_points: list[int | None]) -> dict[str, int]:
    """Save two versions in turn in a child process and kill -9 it mid-save, once per kill point (a step
    number, or None for a random moment); after each kill, load and check every file."""
    states, expected = _versions(folder)
    rng = random.Random(20261202)
    seen = {"kills": 0, "journal": 0, "temporaries": 0, "clean": 0, "torn": 0, "mixed": 0, "orphans": 0}
    start = time.perf_counter()
    for audit in states:
        save(audit)
    cycle = (time.perf_counter() - start) / 2 + 0.03
    for point in kill_points:
        ready, tell = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready)
                _hook(point)
                save(states[0])
                os.write(tell, b"1")
                while True:
                    for audit in states[::-1]:
                        save(audit)
            finally:
                os._exit(1)
        os.close(tell)
        if point is None:
            os.read(ready, 1)
            time.sleep(rng.uniform(0, 2 * cycle))
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(ready)
        seen["kills"] += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        names = {p.name for p in folder.iterdir()}
        if store.JOURNAL in names:
            seen["journal"] += 1
        elif any(n.endswith(".tmp") for n in names):
            seen["temporaries"] += 1
        else:
            seen["clean"] += 1
        load(folder)
        versions = set()
        for name in FILES:
            data = (folder / name).read_bytes()
            if data not in expected[name]:
                seen["torn"] += 1
            else:
                versions.add(expected[name][data])
        seen["mixed"] += len(versions) > 1
        seen["orphans"] += len({p.name for p in folder.iterdir()} - {*FILES, "notice.txt"})
    return seen


def _check(seen: dict[str, int], kills: int) -> None:
    print(f"kill -9 mid-save: {seen}")
    assert seen["kills"] == kills
    assert seen["torn"] == seen["mixed"] == seen["orphans"] == 0, seen
    assert seen["journal"] > 0 and seen["temporaries"] > 0, f"too few kills landed inside the writing: {seen}"


def test_a_kill_9_at_every_step_of_a_save_never_tears_or_mixes_the_audit(sample_copy):
    points = list(range(1, STEPS + 1))
    _check(_kill_mid_save(sample_copy(), points), len(points))


@pytest.mark.slow
def test_240_kills_mid_save_leave_no_torn_file_no_mixed_audit_and_no_orphan(sample_copy):
    points = [*range(1, STEPS + 1), *[None] * 227]
    _check(_kill_mid_save(sample_copy(), points), 240)
