"""Detectors: each reads a Document and returns what the notice says on one subject.

The patterns live in vocab/notice_elements.yaml and vocab/notice_rules.yaml; the code here
only decides how matches combine (which sentence, which section, what takes precedence).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import rules
from .document import Document, Evidence

RIGHTS = ("right_access", "right_rectification", "right_erasure", "right_restriction", "right_portability",
          "right_object")


@dataclass
class Element:
    present: bool
    evidence: list[Evidence] = field(default_factory=list)


_DESCRIBED = rules.Rx(re.compile(
    r"\b(?:include|includes|including|such as|namely|which are|for example|e\.g\.|to enable|in order to|so that|"
    r"for the purposes? of|to (?:provide|improve|protect|manage|run|market|promote|prevent|ensure|develop|send|keep|"
    r"secure|support|help|deliver|carry out|understand|detect|establish|operate|administer|process))\b", rules.FLAGS), scan=False)
_MARKETING = rules.Rx(re.compile(r"\b(?:direct )?marketing\b", rules.FLAGS), scan=False)
_NOT_MARKETING = rules.Rx(re.compile(r"\b(?:not|non)[- ](?:for |used for )?(?:direct )?marketing\b", rules.FLAGS), scan=False)
_TRANSFERISH = rules.Rx(re.compile(r"\b(?:transfer\w*|outside|overseas|abroad|countr\w*|international)\b", rules.FLAGS),
                        scan=False)
_HOW_LONG = rules.Rx(re.compile(r"\b(?:how long|retention|retain|keep|kept|hold)\b", rules.FLAGS), scan=False)


# ---- elements ------------------------------------------------------------------------------


def element(doc: Document, rule: rules.ElementRule) -> Element:
    hits = doc.hits(rule.patterns, exclude=rule.exclude)
    if rule.contextual is not None:
        hits += doc.hits(rule.contextual, exclude=rule.exclude, context=rule.context)
    hits = sorted(set(hits))
    return Element(bool(hits), doc.evidence(hits))


# ---- lawful bases --------------------------------------------------------------------------


@dataclass
class LawfulBases:
    art6: dict[str, list[int]] = field(default_factory=dict)  # letter -> segments
    art9: dict[str, list[int]] = field(default_factory=dict)
    schedule1: list[int] = field(default_factory=list)
    mismatches: list[tuple[str, str, str, Evidence]] = field(default_factory=list)  # cited, named, label, where


def lawful_bases(doc: Document) -> LawfulBases:
    found = LawfulBases()
    lb = rules.raw()["lawful_bases"]
    art6, art9 = rules.any_of(lb["art6_citation"]), rules.any_of(lb["art9_citation"])
    cited: set[int] = set()
    citations = sorted([(m, "6") for m in doc.scan(art6)] + [(m, "9") for m in doc.scan(art9)],
                       key=lambda c: c[0].start())
    names = rules.all_basis_names()
    for i, (match, article) in enumerate(citations):
        index = doc.segs.at(match.start() + len(match.group()) - len(match.group().lstrip()))
        cited.add(index)
        letter = next(g for g in match.groups() if g).lower()
        target = found.art6 if article == "6" else found.art9
        target.setdefault(letter, []).append(index)
        if article == "6":
            named = _citation_label(doc, citations, i, index, names)
            if named and named[0] != letter:
                found.mismatches.append((letter, named[0], named[1], named[2]))
    framing = rules.compiled("lawful_bases.heading_context")
    stated = rules.compiled("lawful_bases.sentence_context")
    not_a_statement = rules.compiled("lawful_bases.not_a_statement")
    for letter, (strong, weak) in rules.basis_names().items():
        for index in doc.hits(strong, exclude=not_a_statement):
            if index not in cited:
                found.art6.setdefault(letter, []).append(index)
        for index in doc.hits(weak, exclude=not_a_statement):
            if index not in cited and (doc.says(stated, index) or doc.framed(framing, index)):
                found.art6.setdefault(letter, []).append(index)
    for letter, pattern in rules.block("lawful_bases.art9_names").items():
        for index in doc.hits(pattern):
            found.art9.setdefault(letter, []).append(index)
    found.schedule1 = doc.hits(rules.compiled("lawful_bases.schedule1"))
    return found


_GAP_AFTER = re.compile(r"^[\s\W]{0,6}(?:[^\W\d_]+[\s\W]{1,4}){0,5}$")
_JOIN = re.compile(r"\b(?:and|or|but|also|plus)\b|[;,]\s*$|\)\s*[,;]", re.IGNORECASE)


def _citation_label(doc: Document, citations, i: int, index: int, names: re.Pattern):
    """The basis name a citation is labelled with: written just before it ('contract (Art 6(1)(b))')
    or just after it ('6(1)(e) Contract', 'Article 6(1)(b) - necessary for the performance of a contract').
    Returns (letter, label, evidence) or None."""
    match = citations[i][0]
    seg = doc.segs.items[index]
    prev_end = max(seg.start, citations[i - 1][0].end() if i > 0 else seg.start, match.start() - 60)
    before = doc.text[prev_end:match.start()]
    last = None
    for m in names.finditer(before):
        last = m
    if last is not None and re.fullmatch(r"[\s(\[:–—-]*(?:article|art\.?|under)?[\s(\[]*", before[last.end():], re.IGNORECASE):
        return last.lastgroup, last.group(), doc.span_evidence(prev_end + last.start(), match.end())
    stop = min(seg.end, match.end() + 200, citations[i + 1][0].start() if i + 1 < len(citations) else seg.end)
    label = names.search(doc.text, match.end(), max(stop, match.end()))
    if label is None or not label.lastgroup:
        return None
    gap = doc.text[match.end():label.start()]
    if len(gap) > 60 or _JOIN.search(gap) or not _GAP_AFTER.match(gap):
        return None
    return label.lastgroup, label.group(), doc.span_evidence(match.start(), label.end())


def legitimate_interests(doc: Document, segments: list[int]) -> Element:
    """Where 6(1)(f) is relied on: are the interests themselves described?"""
    hits = []
    for index in segments:
        window = [index] + [j for j in range(index + 1, min(index + 3, len(doc.segs)))
                            if doc.segs.items[j].kind != "heading"]
        if any(doc.says(_DESCRIBED, j) for j in window):
            hits.append(index)
    return Element(bool(hits), doc.evidence(hits))


def marketing_on_legitimate_interests(doc: Document, segments: list[int]) -> list[int]:
    """Segments where a legitimate-interests basis covers marketing: the statement and the list under it."""
    found = []
    for index in segments:
        heading = doc.segs.items[index].heading
        window = [index]
        for j in range(index + 1, min(index + 8, len(doc.segs))):
            seg = doc.segs.items[j]
            under = seg.heading == index or seg.lead == index  # the list the statement introduces
            if not under and (seg.kind == "heading" or seg.heading != heading):
                break
            window.append(j)
            if seg.kind != "bullet" and j > index + 1:
                break
        for j in window:
            if doc.says(_MARKETING, j) and not doc.says(_NOT_MARKETING, j):
                found.append(j)
                break
    return found


# ---- who the notice is about, and who receives data ---------------------------------------


def groups(doc: Document, block: str, within: list[int] | None = None) -> dict[str, list[int]]:
    """Codes of a notice_rules.yaml block (data_subjects, recipients) -> the segments naming them."""
    allowed = None if within is None else set(within)
    out = {}
    for code, pattern in rules.block(block).items():
        hits = [i for i in doc.hits(pattern) if allowed is None or i in allowed]
        if hits:
            out[code] = hits
    return out


# ---- special categories --------------------------------------------------------------------


def special_categories(doc: Document) -> dict[str, list[int]]:
    negation = rules.compiled("special_categories.negation")
    out = {}
    for code, pattern in rules.block("special_categories").items():
        hits = doc.hits(pattern, exclude=negation, masked=True)
        if hits:
            out[code] = hits
    return out


# ---- transfers -----------------------------------------------------------------------------


@dataclass
class Transfers:
    status: str
    mechanisms: dict[str, list[int]]
    countries: dict[str, list[int]]
    outside: list[int]
    uk_only: list[int]
    absolute_uk_only: list[int]

    @property
    def evidence_segments(self) -> list[int]:
        return sorted(set(self.outside + self.uk_only + [i for v in self.mechanisms.values() for i in v]))


def transfers(doc: Document) -> Transfers:
    verbs = rules.compiled("transfers.transfer_verbs")
    uk_only_pattern = rules.compiled("transfers.uk_only")
    uk_only = doc.hits(uk_only_pattern, masked=True)
    outside = [i for i in doc.hits(rules.compiled("transfers.outside"), masked=True)
               if doc.says(verbs, i) and i not in uk_only]
    absolute = rules.compiled("transfers.absolute")
    absolute_uk = [i for i in uk_only if doc.says(absolute, i)]
    mechanisms: dict[str, list[int]] = {}
    for code, pattern in rules.block("transfers.mechanisms").items():
        hits = [i for i in doc.hits(pattern, masked=True)
                if i in outside or doc.in_context(_TRANSFERISH, i)]
        if hits:
            mechanisms[code] = hits
    if mechanisms and not outside:
        outside = [i for v in mechanisms.values() for i in v if doc.says(verbs, i)
                   and i not in uk_only and "adequacy" not in mechanisms]
    pattern, names = rules.country_pattern()
    country_context = rules.compiled("transfers.country_context")
    negation = rules.compiled("transfers.negation")
    for index, _ in doc.matches(pattern, doc.hits(country_context, masked=True)):
        if index not in outside and index not in uk_only and not doc.says(negation, index):
            outside.append(index)
    outside = sorted(set(outside))
    near = set(outside) | {i + d for i in outside for d in (-1, 1) if 0 <= i + d < len(doc.segs)
                           and doc.segs.items[i + d].line == doc.segs.items[i].line}
    countries: dict[str, list[int]] = {}
    for index, match in doc.matches(pattern, sorted(near | {i for v in mechanisms.values() for i in v})):
        countries.setdefault(names[match.group()], []).append(index)
    status = "outside_uk_eea" if outside else ("uk_eea_only" if uk_only else "not_stated")
    return Transfers(status, mechanisms, countries, outside, uk_only, absolute_uk)


# ---- retention -----------------------------------------------------------------------------


MAX_DURATIONS = 500  # durations read before giving up: real notices state a few dozen at most
MAX_PERIODS = 50


@dataclass
class Retention:
    status: str
    periods: list[str]
    segments: list[int]


def retention(doc: Document) -> Retention:
    spec = rules.raw()["retention"]
    context = rules.compiled("retention.context")
    duration = rules.any_of(spec["duration"])
    deadline = rules.compiled("retention.not_retention")
    lead = re.compile(r"for\s+(?:a period of\s+|a minimum of\s+|a maximum of\s+|the\s+)?"
                      r"((?:(?:length|duration|period|life|end|lifetime|course) of [^.;,\n]{1,40}?\s+plus\s+)?)$", rules.FLAGS)
    tail = re.compile(spec["period_tail"], rules.FLAGS)
    periods: dict[str, None] = {}
    specific: list[int] = []
    about: dict[int, bool] = {}
    for count, match in enumerate(doc.scan(duration)):
        if count >= MAX_DURATIONS or len(periods) >= MAX_PERIODS:
            break
        index = doc.segs.at(match.start())
        seg = doc.segs.items[index]
        if index not in about:
            about[index] = doc.says(context, index) or (seg.heading >= 0 and doc.says(_HOW_LONG, seg.heading))
        if not about[index]:
            continue
        window = max(seg.start, match.start() - 60)
        if doc.found(deadline, window, match.start()):
            continue
        start = match.start()
        led = lead.search(doc.text[window:start])
        if led and led.group(1):
            start = match.start() - len(led.group(1))
        end = match.end()
        more = tail.match(doc.text, end, seg.end)
        if more:
            end = more.end()
        periods[doc.text[start:end].strip(" ,;:")] = None
        specific.append(index)
    vague = [i for i in doc.hits(rules.compiled("retention.vague"))
             if doc.in_context(context, i) or doc.in_context(_HOW_LONG, i)]
    status = "specific" if periods else ("vague" if vague else "none")
    return Retention(status, list(periods), sorted(set(specific + vague)))


# ---- automated decisions -------------------------------------------------------------------


def automated_decisions(doc: Document) -> tuple[str, list[int]]:
    none = doc.hits(rules.compiled("automated_decisions.none"))
    rights_only = rules.compiled("automated_decisions.rights_only")
    described = [i for i in doc.hits(rules.compiled("automated_decisions.described"))
                 if i not in none and not doc.says(rights_only, i)]
    if described:
        return "described", described
    if none:
        return "states_none", none
    return "not_mentioned", []


# ---- law, regulator, dates, organisation ---------------------------------------------------


def outdated_law(doc: Document) -> tuple[str | None, list[int]]:
    """Which outdated law the notice relies on, if it cites neither the UK GDPR nor the DPA 2018."""
    if doc.hits(rules.compiled("law.uk_law"), masked=True):
        return None, []
    dpa1998 = doc.hits(rules.compiled("law.dpa1998"), masked=True)
    gdpr = doc.hits(rules.compiled("law.eu_gdpr"), masked=True)
    eu = doc.hits(rules.compiled("law.eu_signals"), masked=True)
    laws = []
    if dpa1998:
        laws.append("the Data Protection Act 1998")
    if gdpr and eu:
        laws.append("the EU GDPR as the law in force in the UK")
    return (" and ".join(laws) or None), sorted(set(dpa1998 + (gdpr[:1] + eu if gdpr and eu else [])))


def regulator_links(doc: Document) -> list[tuple[str, int]]:
    spec = rules.raw()["law"]
    pattern = rules.any_of(spec["ico_url"])
    found = [(next(g for g in m.groups() if g).lower(), doc.segs.at(m.start())) for m in doc.scan(pattern)]
    return sorted((url, i) for url, i in found if url != spec["ico_valid"])


MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH = (r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATES = [
    re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})\b", re.IGNORECASE),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b", re.IGNORECASE),
    re.compile(_MONTH + r",?\s+(?P<y>\d{4})\b", re.IGNORECASE),
]


def _parse_date(text: str) -> tuple[dt.date | None, int]:
    best = None
    for pattern in _DATES:
        m = pattern.match(text)
        if not m:
            continue
        parts = m.groupdict()
        try:
            year = int(parts["y"])
            year += 2000 if year < 100 else 0
            month = int(parts["m"]) if parts.get("m") else MONTHS[parts["month"].lower().rstrip(".")]
            day = int(parts["d"]) if parts.get("d") else 1
            best = dt.date(year, month, day)
        except (ValueError, KeyError):
            continue
        return best, m.end()
    return None, 0


MAX_DATE_KEYWORDS = 200  # a notice states its date a handful of times; more is noise, not evidence


def last_updated(doc: Document) -> tuple[dt.date | None, Evidence | None]:
    keywords = rules.any_of(rules.raw()["dates"]["keywords"])
    found: list[tuple[dt.date, Evidence]] = []
    for count, match in enumerate(doc.scan(keywords)):
        if count >= MAX_DATE_KEYWORDS:
            break
        window = doc.text[match.end():match.end() + 40]
        skip = len(window) - len(window.lstrip(" :,-–—"))
        date, length = _parse_date(window[skip:])
        if date:
            found.append((date, doc.span_evidence(match.start(), match.end() + skip + length)))
    if not found:
        return None, None
    return max(found, key=lambda f: f[0])


_ORG = r"(?P<org>[A-Z0-9][\w&'’.-]*(?:[ ](?:[A-Z0-9&][\w&'’.-]*|of|and|for|the|in|on|&)){0,7})"
_NOT_ORG = re.compile(r"^(?:We|This|Our|The|Your|Privacy|If|In|As|When|It|Personal|Data|Information|Policy|Notice|"
                      r"Last|Updated|Home|Menu|Contents|Introduction|Who|What|How|Why|About|Contact|Welcome)\b")
_ORG_PATTERNS = [rules.Rx(re.compile(p, re.MULTILINE)) for p in (
    r"\bWe are " + _ORG,
    r"^" + _ORG + r"[ ]+(?:Privacy|Data Protection|Fair Processing|GDPR)\b[^\n]{0,40}$",
    r"(?:^|[.!?]\s)" + _ORG + r"(?: \([^)]{1,40}\))? (?:is|are) (?:a |an |the |committed|responsible|both|registered)",
    r"(?:^|[.!?]\s)" + _ORG + r"(?: \([^)]{1,40}\))? (?:respects|values|takes|recognises|recognizes)\b",
    r"\bhow " + _ORG + r"(?: \([^)]{1,30}\))? (?:uses|collects|processes|handles|looks after|protects)",
)]


def organisation(doc: Document) -> tuple[str | None, list[int]]:
    for pattern in _ORG_PATTERNS:
        for match in doc.scan(pattern):
            name = re.sub(r"(?:[ ](?:of|and|for|the|in|on|&))+$", "", match.group("org")).strip(" .'’")
            distinctive = " " in name or name.isupper() or any(c.isdigit() for c in name)
            if len(name) >= 3 and distinctive and not _NOT_ORG.match(name):
                return name, [doc.segs.at(match.start("org"))]
    return None, []
