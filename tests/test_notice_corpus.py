"""The analyser on the development corpus (../shared/corpus), scored by ../shared/tools/score_profiles.py.

The corpus is split by a rule on file names (tests/notices/HOLDOUT.md): the rules were written on
the developed-on part, and the held-back part measures how they generalise. Nothing of the corpus
is copied here; the tests skip when ../shared is not beside the checkout."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED

CORPUS = SHARED / "corpus"
SCORER = SHARED / "tools" / "score_profiles.py"
HOLDOUT = Path(__file__).parent / "notices" / "HOLDOUT.md"
# The targets, on the developed-on part.
TARGETS = {"elements": 0.97, "findings": 0.95, "art6": 0.95, "special_categories": 0.95}
ACCURACY = {"evidence": 0.95, "last_updated": 0.95, "transfer_status": 0.95, "retention_status": 0.95}
# On the held-back part: floors a little under the scores measured when the rules were finished and
# before any held-back miss was read (0.914 and 0.912, HOLDOUT.md); it has been read since.
HELD_BACK = {"elements": 0.90, "findings": 0.90, "art6": 0.75}

pytestmark = pytest.mark.skipif(not (CORPUS / "labels").is_dir() or not SCORER.exists(),
                                reason="../shared/corpus is not beside this checkout")


def held_back() -> list[str]:
    return [line.strip() for line in HOLDOUT.read_text().splitlines() if line[:1].isdigit()]


def test_the_held_back_part_is_the_one_the_rule_chooses():
    names = sorted(p.stem for p in (CORPUS / "notices").glob("*.txt"))
    pool = [n for n in names if n[:1].isdigit()]
    ranked = sorted(pool, key=lambda n: hashlib.sha256(("dpia-holdout-2026:" + n).encode()).hexdigest())
    assert held_back() == ranked[:5]
    assert len(held_back()) * 4 >= len(names)


def score(tmp_path: Path, names: list[str]) -> dict:
    for part in ("labels", "notices"):
        (tmp_path / part).mkdir()
    for name in names:
        (tmp_path / "labels" / f"{name}.json").symlink_to(CORPUS / "labels" / f"{name}.json")
        (tmp_path / "notices" / f"{name}.txt").symlink_to(CORPUS / "notices" / f"{name}.txt")
    out = tmp_path / "score.json"
    dpia = Path(sys.executable).parent / "dpia"
    subprocess.run([sys.executable, str(SCORER), str(tmp_path / "labels"), str(tmp_path / "notices"),
                    "--cmd", f"{dpia} analyse", "--json", str(out)], check=True, capture_output=True)
    return json.loads(out.read_text())


def test_the_developed_on_part_meets_the_targets(tmp_path):
    names = sorted(p.stem for p in (CORPUS / "labels").glob("*.json") if p.stem not in held_back())
    result = score(tmp_path, names)
    assert result["errors"] == 0
    for key, target in TARGETS.items():
        assert result[key]["f1"] >= target, (key, result[key])
    for key, target in ACCURACY.items():
        assert result[key]["accuracy"] >= target, (key, result[key])


def test_the_held_back_part_stays_above_its_floor(tmp_path):
    result = score(tmp_path, held_back())
    assert result["errors"] == 0
    for key, floor in HELD_BACK.items():
        assert result[key]["f1"] >= floor, (key, result[key])
