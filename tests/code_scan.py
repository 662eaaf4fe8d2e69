"""What a client must never read: finding codes, vocabulary codes, file names and paths. Used by the tests
that scan every report, the comparison and `dpia analyse --format html`."""

import html
import re

from dpia import vocab

PATTERNS = {
    "finding or other upper-case code": re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),
    "snake_case code": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "dotted code": re.compile(r"\b(?:sch1|s\d)\.[\w.]+\b"),
    "file name": re.compile(r"\b[\w-]+\.(?:csv|ya?ml|txt|ipynb|json|parquet|py)\b", re.I),
    "path": re.compile(r"(?<![\w/.])(?:\.{1,2}/|/)[A-Za-z_][\w.-]*|\b[A-Za-z_][\w.-]*/[\w.-]+/[\w./-]*"),
    "jargon": re.compile(r"\b\w+\(s\)|\bStatus: (?:read|ok)\b"),
}
# Codes that are also plain words or common abbreviations (consent, EEA, US), and so may appear as words.
PLAIN = re.compile(r"^(?:[a-z]+|[A-Z]{2,3})$")


def text_of(page: str) -> str:
    """The text a reader sees: tags, styles and embedded images dropped, entities decoded, break hints removed."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page).replace("\u200b", "").replace("\u00ad", "")


def vocabulary_codes() -> set[str]:
    return {code for v in vocab.load_all().values() for code in v.codes() if not PLAIN.match(code) and not code[0].isdigit()}


def codes_in(page: str, quoted: str = "") -> list[str]:
    """Every code-shaped token in a page's text that is not the notice's own words (``quoted``: the notice text)."""
    text = text_of(page)
    found = []
    for kind, pattern in PATTERNS.items():
        found += [f"{kind}: {m}" for m in pattern.findall(text) if m not in quoted]
    found += [f"vocabulary code: {c}" for c in vocabulary_codes() if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", text)
              and c not in quoted]
    return sorted(set(found))
