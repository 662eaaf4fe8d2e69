import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The analyser's compiled automata go to the tests' own cache, never the user's ~/.cache
# (subprocesses started by the tests inherit it).
os.environ["DPIA_CACHE_DIR"] = str(ROOT / ".pytest_cache" / "dpia-cache")
SAMPLES = ROOT / "data" / "samples"
SAMPLE_SLUGS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
SHARED = ROOT.parent / "shared"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long scenario; runs only when CI=true")


TALLY_FROM_WORKERS: dict[str, int] = {}  # with pytest-xdist, each worker's tally of hostile cases, summed here


def _tally() -> dict[str, int]:
    harness = sys.modules.get("harness")  # tests/hostile: the tally of hostile cases, for the note
    own = dict(harness.TALLY) if harness is not None else {}
    return {k: own.get(k, 0) + TALLY_FROM_WORKERS.get(k, 0) for k in {*own, *TALLY_FROM_WORKERS}}


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand the tally to the controller
        session.config.workeroutput["hostile_tally"] = _tally()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for k, v in getattr(node, "workeroutput", {}).get("hostile_tally", {}).items():
        TALLY_FROM_WORKERS[k] = TALLY_FROM_WORKERS.get(k, 0) + v


def pytest_terminal_summary(terminalreporter):
    t = _tally()
    if t.get("cases"):
        terminalreporter.write_line(
            f"hostile inputs: {t.get('cases', 0)} cases tried, {t.get('clear errors', 0)} clear errors, "
            f"{t.get('correct outputs', 0)} correct outputs; {t.get('tracebacks', 0)} tracebacks, {t.get('hangs', 0)} hangs, "
            f"{t.get('outside reads', 0)} outside reads, {t.get('injections', 0)} injections")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CI", "").lower() == "true":
        return
    skip = pytest.mark.skip(reason="slow: runs when CI=true")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def sample_copy(tmp_path):
    """A writable copy of a sample audit folder."""
    def copy(slug: str = "best2care") -> Path:
        dest, n = tmp_path / slug, 1
        while dest.exists():
            n += 1
            dest = tmp_path / f"{slug}-{n}"
        shutil.copytree(SAMPLES / slug, dest)
        return dest
    return copy


def edit_csv(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")

