"""The prefilter may report more sentences than match, never fewer; and every rule goes through it."""

import os
import platform
import random
import re
import time
from pathlib import Path

import pytest

from dpia.notice import analyse, prefilter, rules
from dpia.notice.document import Document
from dpia.notice.superset import OTHER, Unsupported, rewrite
from dpia.vocab import read_yaml


@pytest.mark.parametrize("pattern, flags, expected", [
    (r"\bwe are [A-Z]\w+(?: \w+){0,6}", re.I | re.A, r"\bwe\x{20}are\x{20}[A-Z](?:[\w])"),
    (r"(?<![\d.])share\b[^.\n]{0,80}\bwith\b", re.I | re.A, r"share\b(?:[^\x{2e}\x{a}]){0,}\bwith"),
    (r"^(?:a|bc?)$", re.M | re.A, r"(?:a|b)"),
    (r"\d{2,4}", re.A, r"(?:[\d])(?:[\d])"),
    (r"caf\w", 0, r"caf[\w\x3f]"),
    # "?" stands for every character beyond ASCII, so a negated class never excludes it
    (r"[\u2018\u2019'][^\u2019a][^\u00e9?]\u00e9[a-\u00ff]", re.A, r"[\x3f\x3f\x{27}][^a][\x00-\xff]\x3f[a-\x{7f}\x{3f}]"),
    (r"\s[^\x00-\x7f][^?]", 0, r"[\s\x1c-\x1f\x3f][^\x{0}-\x{3e}\x{40}-\x{7f}][\x00-\xff]"),
    (r"\bx[^\w]", 0, r"x[^\w]"),
    # a short, common word before a gap is dropped when what follows is long enough to look for
    (r"\b(?:we|our)\b[^.\n]{0,40}\b(?:use|make)\b[^.\n]{0,40}\bprofiling\b", re.I | re.A, r"\bprofiling"),
    (r"\b(?:we\b[^.\n]{0,40}\bshares|no\b[^.\n]{0,9}\bsale)", re.I | re.A, r"(?:\bshares|no\b(?:[^\x{2e}\x{a}]){0,}\bsale)"),
    # a long anchor is kept, and so is a short ending
    (r"\bopt out\b[^.\n]{0,40}\bmarketing", re.I | re.A, r"\bopt\x{20}out\b(?:[^\x{2e}\x{a}]){0,}\bmarketing"),
    (r"\bwe\b[^.\n]{0,40}\bto us", re.I | re.A, r"\bwe\b(?:[^\x{2e}\x{a}]){0,}\bto\x{20}us"),
])
def test_rewrite_loosens(pattern, flags, expected):
    assert rewrite(re.compile(pattern, flags)) == expected


@pytest.mark.parametrize("pattern, flags", [(r"(a)\1", 0), (r"x?", 0), (r"caf\u00e9", re.I), (r"(?i:a)b", 0)])
def test_rewrite_refuses_what_it_cannot_loosen(pattern, flags):
    with pytest.raises(Unsupported):
        rewrite(re.compile(pattern, flags))


def test_every_rule_is_prefiltered():
    rs = rules.ruleset()
    assert rs.scanned and not rs.prefilter.refused
    doc = Document("We share your data with the NHS. " * 3)
    assert all(found is not None for found in rs.prefilter.candidates(doc.text, doc.segs.starts))


def test_every_pattern_the_analyser_searches_is_in_the_automaton(monkeypatch):
    seen = []
    original = Document.candidates

    def spy(self, pattern, masked=False):
        seen.append(pattern)
        return original(self, pattern, masked)

    monkeypatch.setattr(Document, "candidates", spy)
    analyse("We are Acme Care Ltd. We keep records for 8 years. We share data with the NHS in the USA. "
            "Visit https://example.com/privacy for more.")
    scanned = len(rules.ruleset().scanned)
    assert seen and all(0 <= p.id < scanned or p.parts and all(0 <= q.id < scanned for q in p.parts) for p in seen)


def test_the_rule_set_is_built_once_and_an_ad_hoc_pattern_does_not_rebuild_it():
    rs = rules.ruleset()
    extra = rules.any_of([r"\bsomething new\b"])
    assert extra.id == -1 and rules.ruleset() is rs
    assert Document("Something new here.").hits(extra) == [0]


def test_the_scanned_bytes_are_one_per_character():
    text = "ab \u201ccd\u201d \u00e9 x? \U0001f600 y \ud800"
    encoded = prefilter.encode(text)
    assert len(encoded) == len(text)
    assert all((b == OTHER) == (not c.isascii() or c == "?") for b, c in zip(encoded, text))


def test_a_flood_of_reports_still_finds_every_match():
    text = "We keep records for 8 years.\n" + "3 years " * 30_000 + "\nYou have the right to object."
    doc = Document(text)
    found = rules.ruleset().prefilter.candidates(doc.text, doc.segs.starts)
    assert any(f is None for f in found)  # the flood fell back to searching what matches at all
    profile = analyse(text)
    assert "8 years" in profile.retention_periods and profile.elements["right_object"].present


def test_blanking_a_url_is_searched_again():
    data = read_yaml("notice_rules")
    data["transfers"]["outside"] = [r"in the\s+EEA"]
    rs = rules.RuleSet(read_yaml("notice_elements"), data, read_yaml("notice_findings"))
    doc = Document("We store data in the www.example.com EEA.", rs)
    pattern = rs.rx("transfers.outside")
    assert pattern.id >= 0
    assert doc.hits(pattern) == []
    assert doc.hits(pattern, masked=True) == [0]


# ---- the property: the prefilter never drops a real match -----------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
NOTICES = Path(__file__).parent / "notices"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "notices"


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*/notice.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(NOTICES.glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))] if CORPUS.is_dir() else []
    rng = random.Random(13)
    words = " ".join(texts).split()
    noise = ["\u2019", "\u00e9", "?", "\n", "\n\n- ", ". ", "(", ")", ":", "@", "6(1)(", "\u00a0", "'"]
    for _ in range(40):  # shuffled words and punctuation: sentences no notice has
        texts.append(" ".join(rng.choice(words) if rng.random() < 0.85 else rng.choice(noise) for _ in range(400)))
    return texts


def test_the_prefilter_never_drops_a_real_match():
    rs = rules.ruleset()
    missed = []
    for text in _texts():
        doc = Document(text)
        found = rs.prefilter.candidates(doc.text, doc.segs.starts)
        for pattern_id, regex in enumerate(rs.scanned):
            candidates = found[rs.prefilter.slot[pattern_id]]
            if candidates is None:
                continue
            allowed = set(candidates)
            for index, seg in enumerate(doc.segs.items):
                # searched in place (Document.hits) and in the sentence on its own (Document.says)
                if index not in allowed and (regex.search(doc.text, seg.start, seg.end)
                                             or regex.search(doc.text[seg.start:seg.end])):
                    missed.append((regex.pattern[:60], doc.text[seg.start:seg.end][:60]))
    assert not missed, missed[:5]


# ---- the cache ------------------------------------------------------------------------------


def test_the_cache_key_names_the_library_and_the_cpu():
    environment = prefilter.environment()
    assert prefilter.hyperscan.__version__ in environment
    assert platform.machine() in environment


def test_a_compiled_rule_set_is_cached_and_old_files_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setenv("DPIA_CACHE_DIR", str(tmp_path))
    old = tmp_path / f"{prefilter.CACHE_PREFIX}0123.hsdb"
    old.write_bytes(b"stale")
    os.utime(old, (time.time() - prefilter.CACHE_MAX_AGE - 60,) * 2)
    prefilter.Prefilter([re.compile(r"\bcached pattern\b", rules.FLAGS)])
    files = list(tmp_path.glob("*.hsdb"))
    assert len(files) == 1 and not old.exists()
    again = prefilter.Prefilter([re.compile(r"\bcached pattern\b", rules.FLAGS)])  # read back from the cache
    assert again.candidates("A cached pattern. Nothing.", [0, 18]) == [[0]]
