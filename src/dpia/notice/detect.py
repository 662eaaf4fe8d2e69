"""Detectors: each reads a Document and returns what the notice says on one subject.

The patterns live in vocab/notice_elements.yaml and vocab/notice_rules.yaml; the code here
only decides how matches combine (which sentence, which section, what takes precedence).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .document import Document, Evidence
from .rules import ElementRule

RIGHTS = ("right_access", "right_rectification", "right_erasure", "right_restriction", "right_portability",
          "right_object")


@dataclass
class Element:
    present: bool
    evidence: list[Evidence] = field(default_factory=list)


# ---- elements ------------------------------------------------------------------------------


CONTACT_DATA = 3  # the first patterns of controller_contact are contact data: an email, a phone number, a postcode
ADDRESS_LINES = 10  # lines under a heading or sentence read for the address it introduces
ADDRESS_LINE = 80  # characters: a longer line is prose, not a line of an address


class Reach(dict):
    """Segment -> the spans of real contact data in it, for every segment that holds any; the
    spans are found when first asked for (ranking needs only which segments hold some)."""

    def __init__(self, doc: Document, rule: ElementRule, hidden: list[tuple[int, int]], indices):
        super().__init__((i, None) for i in indices)
        self.doc, self.rule, self.hidden = doc, rule, hidden

    def __getitem__(self, index: int) -> list[tuple[int, int]]:
        spans = super().__getitem__(index)
        if spans is None:
            doc, seg = self.doc, self.doc.segs.items[index]
            spans = sorted(span for pattern in self.rule.patterns[:CONTACT_DATA]
                           for span in _reaches(doc, pattern, seg, self.hidden, self.rule.exclude, every=True))
            self[index] = spans
        return spans

    def get(self, index: int, default=None):
        return self[index] if index in self else default


@dataclass
class Contact:
    """The controller's contact details: the element, the hidden emails ((segment, as shown): no
    contact, finding CONTACT_OBFUSCATED), and where real contact data is (``Reach``)."""

    element: Element
    hidden: list[tuple[int, str]]
    reach: Reach


def contact(doc: Document, rule: ElementRule) -> Contact:
    """Contact details of the controller: each address, email or number counts unless the words
    just before it give it to someone else (the ICO), or it is a hidden email ("[email protected]",
    "name [at] domain"), which is returned apart so that the notice can be told it is no contact.
    A passage with real contact data ranks before one that also shows a hidden email; the first
    evidence item holds the data (the address under "write to us at:") and not a hidden email at
    either end of it."""
    hidden, spans = [], []
    for m in doc.scan(doc.rules.rx("web.obfuscated")):
        hidden.append((doc.segs.at(m.start()), m.group()))
        spans.append(m.span())
    tiers: dict[int, int] = {}
    items, exclude = doc.segs.items, rule.exclude
    for index in doc.candidates(rule.any):
        seg = items[index]
        for position, pattern in enumerate(rule.patterns):
            if doc.may_match(pattern, index) and _reaches(doc, pattern, seg, spans, exclude):
                # "write to us at": no contact data of its own, ranks after all that has
                tiers[index] = position if position < CONTACT_DATA else position + 2 * CONTACT_DATA
                break
    reach = Reach(doc, rule, spans, [i for i, t in tiers.items() if t < CONTACT_DATA])
    if hidden:
        shown = {i for i, _ in hidden}
        tiers = {i: t + CONTACT_DATA if i in shown and t < CONTACT_DATA else t for i, t in tiers.items()}
    evidence = doc.evidence(tiers, tiers=tiers, section=rule.section, short=True)
    if evidence:
        index = doc.segs.at(evidence[0].start)
        end = reach_end(doc, index, reach)
        if end is None or end == doc.segs.items[index].end:
            first = doc.sentence_at(index, reach[index][0][0]) if index in reach else evidence[0]
            start, end = first.start, first.end
        else:
            start = evidence[0].start
        evidence[0] = _without_hidden(doc, start, end, reach, spans)
    return Contact(Element(bool(tiers), evidence), hidden, reach)


def _reaches(doc: Document, pattern, seg, spans: list[tuple[int, int]], exclude, every: bool = False) -> list[tuple[int, int]]:
    """The addresses, emails or numbers of the pattern's kind in the segment that are neither hidden
    nor, by the words just before them, someone else's (the first only, unless ``every``)."""
    found = []
    for match in (pattern.fast or pattern.regex).finditer(doc.lowered() if pattern.fast else doc.text, seg.start, seg.end):
        start = match.start()
        if spans and any(a <= start < b for a, b in spans):
            continue
        if exclude is not None and doc.found(exclude, max(seg.start, start - 80), match.end()):
            continue
        found.append(match.span())
        if not every:
            break
    return found


def reach_end(doc: Document, index: int, reach: Reach) -> int | None:
    """Where the passage from segment ``index`` that shows a way to reach someone ends: the segment
    itself where it holds contact data; else the lines under it that do, read on through its
    paragraph, its block of single-spaced lines, the list it introduces or short lines (an address
    under "Data Protection Officer", one line a paragraph), and on while the lines after also hold contact data; else None."""
    items, text = doc.segs.items, doc.text
    if index in reach:
        return items[index].end
    end, in_block = None, True
    for j in range(index + 1, min(index + 1 + ADDRESS_LINES, len(items))):
        item, before = items[j], items[j - 1]
        # the next line of a block of single-spaced lines (an address), while no blank line has broken it
        in_block = in_block and (item.line == before.line or item.line == before.line + 1
                                 and text.count("\n", before.end, item.start) == 1)
        short = text[item.end:item.end + 1] in ("\n", "") and text[item.start - 1:item.start] in ("\n", "") \
            and item.end - item.start <= ADDRESS_LINE
        listed = item.kind == "bullet" and index in (item.lead, item.heading)
        if not (item.line == before.line or in_block or short or listed):
            break
        if j in reach:
            end = item.end
        elif end is not None:
            break
    return end


def reach_start(doc: Document, index: int, reach: Reach) -> int | None:
    """Where the passage that ends with segment ``index`` and shows a way to reach someone starts,
    when the line just above it holds contact data ("please contact us: / 07368 195705 / info@... /
    1 Mill Road / Leeds LS1 4AP / Data Protection Officer: available on request"): read up over
    the short lines of those details (an address line without data among them), to the lead-in
    ending in a colon above them, or else their first line; None where the line above holds none."""
    items, text = doc.segs.items, doc.text
    start, gap = None, 0
    for j in range(index - 1, max(-1, index - 1 - ADDRESS_LINES), -1):
        item = items[j]
        if j in reach:
            start, gap = j, 0
            continue
        if start is None:
            return None
        if text[item.end - 1] == ":":
            return item.start
        gap += 1
        if gap > 1 or item.end - item.start > ADDRESS_LINE or text[item.end:item.end + 1] != "\n":
            break
    return None if start is None else items[start].start


def _without_hidden(doc: Document, start: int, end: int, reach: Reach,
                    spans: list[tuple[int, int]]) -> Evidence:
    """The passage without a hidden email at either end ("01474 632888 [email protected]")."""
    inside = [(a, b) for a, b in spans if start <= a < end]
    if inside:
        real = sorted(span for i in range(doc.segs.at(start), doc.segs.at(end - 1) + 1) for span in reach.get(i, ())
                      if start <= span[0] < end)
        if real:
            if all(a >= real[-1][1] for a, _ in inside) and not _words(doc.text, real[-1][1], end, inside):
                end = real[-1][1]
            if all(b <= real[0][0] for _, b in inside) and not _words(doc.text, start, real[0][0], inside):
                start = real[0][0]
    return doc.span_evidence(start, end)


def _words(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether text[start:end] holds a letter or digit outside the given spans."""
    pos = start
    for a, b in sorted(spans):
        if b <= start or a >= end:
            continue
        if any(c.isalnum() for c in text[pos:max(pos, a)]):
            return True
        pos = max(pos, b)
    return any(c.isalnum() for c in text[pos:end])


def dpo(doc: Document, rule: ElementRule, controller: Contact) -> Element:
    """A data protection officer named (not a Caldicott Guardian, SIRO or IG lead): the first item
    is the passage that names them and shows a way to reach them, the mention with contact data in
    it first, then one with the lines under it that hold it (an address block), which the evidence
    takes in, then one closing a block of contact details, which the evidence starts from. Where no
    mention gives a way to reach them, the controller's contact is the way
    (Art 13(1)(b) is met by reaching the DPO through the controller) and comes first."""
    named = doc.hits(rule.any, exclude=rule.exclude)
    if not named:
        return Element(False)
    items, reach, text = doc.segs.items, controller.reach, doc.text
    named = sorted(set(named), key=lambda i: (items[i].kind == "heading", i))

    def in_words(i: int) -> bool:
        """Named in words beside contact data ("dpo@acme.example" reaches the DPO but shows less)."""
        if i not in reach:
            return False
        where = doc.where(rule.any, i)
        return "@" not in text[where:where + 80].split(None, 1)[0]

    def rest(first: int) -> list:
        return doc.evidence([i for i in named if i != first], limit=2)

    first = next((i for i in named if in_words(i)), None)
    if first is not None:
        return Element(True, doc.evidence([first], limit=1) + rest(first))
    for index in sorted(named):  # the mention over lines that hold its contact (an address block)
        end = reach_end(doc, index, reach)
        if end is not None:
            return Element(True, [doc.span_evidence(items[index].start, end)] + rest(index))
    for index in named:  # the DPO line closing a block of contact details
        start = reach_start(doc, index, reach)
        if start is not None:
            return Element(True, [doc.span_evidence(start, items[index].end)] + rest(index))
    return Element(True, controller.element.evidence[:1] + doc.evidence(named, limit=2))


def contextual(doc: Document, rule: ElementRule) -> list[int]:
    """Segments matching the element's contextual patterns under a heading or lead-in that
    matches its context ("- Arrange your visits" under "How we use your information")."""
    pattern, exclude, items = rule.contextual, rule.exclude, doc.segs.items
    return [i for i in doc.under(rule.context) if items[i].kind != "heading" and doc.says(pattern, i)
            and not (exclude and doc.says(exclude, i))]


def element(doc: Document, rule: ElementRule) -> Element:
    mention = doc.rules.rx("evidence.mention")
    hits = doc.hits(rule.any, exclude=rule.exclude)
    listed: dict[int, int] = {}
    if rule.contextual is not None:
        # a list item under a heading about the element states it as well as a sentence does
        listed = {i: 0 if rule.section is not None else len(rule.patterns) for i in contextual(doc, rule) if i not in hits}
    if not hits and not listed:
        return Element(False)
    found = set(hits)
    after = len(rule.patterns) + 1

    def rank(index: int) -> int:
        if index not in found:
            return listed[index]
        position = doc.which(rule.any, index)
        # a mention of the element, or an aside in brackets in a sentence about something else
        # ("Send you our newsletter ... (you can tell us if you no longer want it)"), ranks after
        # every statement of it
        where = doc.where(rule.any, index)
        mentioned = doc.may_match(mention, index) and doc.found(mention, doc.segs.items[index].start, where)
        return position + after if mentioned or doc.aside(index, where) else position

    evidence = doc.evidence([*hits, *listed], tiers=rank, section=rule.section)
    index = doc.segs.at(evidence[0].start)
    if index in found and evidence[0].end == doc.segs.items[index].end:
        aside = doc.aside(index, doc.where(rule.any, index))
        if aside:  # the aside is what shows the element
            evidence[0] = doc.span_evidence(*aside)
    return Element(True, evidence)


STATEMENTS_OF_IDENTITY = 4  # the first patterns of controller_identity state who the controller is
IDENTITY_NAMED_WITHIN = 2  # sentences after "We are the data controller." in its paragraph that may name who "we" are


_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def identity(doc: Document, rule: ElementRule, organisation: str | None, org_segments: list[int]) -> Element:
    """The controller named: the evidence must name the organisation (its name, legal name or
    company number), so a sentence calling it the controller that names it ranks first, then one
    naming the legal entity ("Pharmacy 2U Limited"), then the sentence where the organisation's
    name was found, then a statement that does not name it ("We are the data controller."), then
    other mentions. A statement whose next sentences in the paragraph name the organisation ranks
    with those that name it, and its evidence runs to that sentence."""
    name = _key(organisation) if organisation else ""
    first_word = organisation.split()[0].lower() if organisation else ""
    registered, low, items = doc.rules.rx("organisation.registered"), doc.lowered(), doc.segs.items

    def names(index: int) -> bool:
        seg = items[index]
        if first_word and first_word in low[seg.start:seg.end] and name in _key(doc.sentence(index)):
            return True
        return doc.says(registered, index)

    ranks, named_after = {}, {}
    for index in doc.hits(rule.any, exclude=rule.exclude):
        position = doc.which(rule.any, index)
        if position < STATEMENTS_OF_IDENTITY:  # naming the controller or its responsibility
            ranks[index] = 0 if names(index) else 3
            if ranks[index] and name:  # "We are the data controller. ... Acme Care staff ...": its paragraph names it
                after = [j for j in range(index + 1, min(index + 1 + IDENTITY_NAMED_WITHIN, len(items)))
                         if items[j].line == items[index].line]
                named_after[index] = next((j for j in after if names(j)), None)
                if named_after[index] is not None:
                    ranks[index] = 0
        else:
            ranks[index] = position + (0 if names(index) else 1)
    if organisation:  # the organisation's own legal name, not a supplier's
        for match in doc.scan(doc.rules.rx("organisation.legal_name")):
            if name in _key(match.group()):
                index = doc.segs.at(match.start())
                ranks[index] = min(ranks.get(index, 1), 1)
    for index in org_segments:
        ranks[index] = min(ranks.get(index, 2), 2)
    evidence = doc.evidence(ranks, tiers=ranks)
    if evidence:
        index = doc.segs.at(evidence[0].start)
        if named_after.get(index) is not None:
            evidence[0] = doc.span_evidence(items[index].start, items[named_after[index]].end)
        elif index in doc.hits(rule.any, exclude=rule.exclude):
            evidence[0] = doc.sentence_at(index, doc.where(rule.any, index))
    return Element(bool(ranks), evidence)


# ---- lawful bases --------------------------------------------------------------------------


@dataclass
class LawfulBases:
    art6: dict[str, list[int]] = field(default_factory=dict)  # letter -> segments
    art9: dict[str, list[int]] = field(default_factory=dict)
    schedule1: list[int] = field(default_factory=list)
    mismatches: list[tuple[str, str, str, Evidence]] = field(default_factory=list)  # cited, named, label, where


def lawful_bases(doc: Document) -> LawfulBases:
    found = LawfulBases()
    rs = doc.rules
    art6, art9 = rs.rx("lawful_bases.art6_citation"), rs.rx("lawful_bases.art9_citation")
    cited: set[int] = set()
    citations = sorted([(m, "6") for m in doc.scan(art6)] + [(m, "9") for m in doc.scan(art9)],
                       key=lambda c: c[0].start())
    names = rs.rx("lawful_bases.any_name")
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
    framing = rs.rx("lawful_bases.heading_context")
    stated = rs.rx("lawful_bases.sentence_context")
    not_a_statement = rs.rx("lawful_bases.not_a_statement")
    for letter in rs.value("lawful_bases.names"):
        strong, weak = rs.rx(f"lawful_bases.names.{letter}.strong"), rs.rx(f"lawful_bases.names.{letter}.weak")
        for index in doc.hits(strong, exclude=not_a_statement):
            if index not in cited:
                found.art6.setdefault(letter, []).append(index)
        for index in doc.hits(weak, exclude=not_a_statement):
            if index not in cited and (doc.says(stated, index) or doc.framed(framing, index)):
                found.art6.setdefault(letter, []).append(index)
    not_a_condition = rs.rx("lawful_bases.art9_not_a_condition")
    refers_back = rs.rx("lawful_bases.refers_back")
    items = doc.segs.items
    for letter, pattern in rs.block("lawful_bases.art9_names").items():
        for index in doc.hits(pattern, exclude=not_a_condition):
            # "We do not share it for marketing. If we did, we would get your explicit consent before doing so."
            if index > 0 and items[index - 1].line == items[index].line and doc.says(refers_back, index) \
                    and doc.says(not_a_condition, index - 1):
                continue
            found.art9.setdefault(letter, []).append(index)
    about_special = rs.rx("lawful_bases.art9_context")
    for letter, pattern in rs.block("lawful_bases.art9_listed").items():
        for index in doc.hits(pattern, exclude=not_a_condition, context=about_special):
            found.art9.setdefault(letter, []).append(index)
    found.schedule1 = doc.hits(rs.rx("lawful_bases.schedule1"))
    return found


def _citation_label(doc: Document, citations, i: int, index: int, names):
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
    rs = doc.rules
    if last is not None and rs.rx("lawful_bases.label.gap_before").regex.fullmatch(before[last.end():]):
        return last.lastgroup, last.group(), doc.span_evidence(prev_end + last.start(), match.end())
    stop = min(seg.end, match.end() + 200, citations[i + 1][0].start() if i + 1 < len(citations) else seg.end)
    label = names.search(doc.text, match.end(), max(stop, match.end()))
    if label is None or not label.lastgroup:
        return None
    gap = doc.text[match.end():label.start()]
    if len(gap) > 60 or rs.rx("lawful_bases.label.join").search(gap) or not rs.rx("lawful_bases.label.gap_after").match(gap):
        return None
    return label.lastgroup, label.group(), doc.span_evidence(match.start(), label.end())


def legitimate_interests(doc: Document, segments: list[int]) -> Element:
    """Where 6(1)(f) is relied on: are the interests themselves described?"""
    hits: dict[int, int] = {}  # the sentence describing the interests -> rank (the basis itself first)
    described, listed = doc.rules.rx("lawful_bases.interests_described"), doc.rules.rx("lawful_bases.interests_listed")
    interests = doc.rules.rx("lawful_bases.names.f.weak")
    for index in segments:
        window = [index] + [j for j in range(index + 1, min(index + 4, len(doc.segs)))
                            if doc.segs.items[j].kind != "heading"]
        for rank, j in enumerate(window):
            if doc.says(described, j):
                # the interests named as legitimate interests and listed first, then named, then listed
                named = j == index or doc.says(interests, j)
                hits.setdefault(j, rank + (0 if named else 20) + (0 if doc.says(listed, j) else 10))
    return Element(bool(hits), doc.evidence(hits, tiers=hits))


def marketing_on_legitimate_interests(doc: Document, segments: list[int]) -> list[int]:
    """Segments where a legitimate-interests basis covers marketing: the statement and the list under it."""
    found = []
    mentions, negation = doc.rules.rx("marketing.mentions"), doc.rules.rx("marketing.negation")
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
            if doc.says(mentions, j) and not doc.says(negation, j):
                found.append(j)
                break
    return found


def marketing_is_unconsented_electronic(doc: Document, segments: list[int]) -> bool:
    """PECR reg 22: email or text marketing to individuals needs consent or the soft opt-in. The
    marketing under legitimate interests is electronic when its own words name an electronic
    channel, or name no channel while the notice's marketing is by email or text elsewhere; it
    is covered when any statement about marketing mentions consent or a soft opt-in."""
    rs = doc.rules
    mentions, electronic, offline, consent = (rs.rx("marketing.mentions"), rs.rx("marketing.electronic"),
                                              rs.rx("marketing.offline"), rs.rx("marketing.consent"))
    about_marketing = doc.in_context_all(mentions)
    if any(doc.says(consent, i) for i in about_marketing):
        return False
    if any(doc.says(electronic, i) for i in segments):
        return True
    if any(doc.says(offline, i) for i in segments):
        return False
    return any(doc.says(electronic, i) for i in about_marketing)


# ---- who the notice is about, and who receives data ---------------------------------------


def groups(doc: Document, block: str, within: list[int] | None = None) -> dict[str, list[int]]:
    """Codes of a notice_rules.yaml block (data_subjects, recipients) -> the segments naming them."""
    allowed = None if within is None else set(within)
    out = {}
    for code, pattern in doc.rules.block(block).items():
        hits = [i for i in doc.hits(pattern) if allowed is None or i in allowed]
        if hits:
            out[code] = hits
    return out


# ---- special categories --------------------------------------------------------------------


def special_categories(doc: Document) -> dict[str, list[int]]:
    rs = doc.rules
    negation = rs.rx("special_category_checks.negation")
    definition, held = rs.rx("special_category_checks.definition"), rs.rx("special_category_checks.held")
    defined: dict[int, bool] = {}

    def a_definition(index: int) -> bool:
        if index not in defined:
            defined[index] = doc.says(definition, index) and not doc.says(held, index)
        return defined[index]

    found = {code: doc.hits(pattern, exclude=negation, masked=True) for code, pattern in rs.block("special_categories").items()}
    seen: dict[int, int] = {}
    for hits in found.values():
        for index in hits:
            seen[index] = seen.get(index, 0) + 1
    out = {}
    for code, hits in found.items():
        # a definition lists several categories: a sentence naming one is no definition
        hits = [i for i in hits if seen[i] < 3 or not a_definition(i)]
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

    def tiers(self) -> dict[int, int]:
        """Evidence order: statements of transfers abroad, then mechanisms, then "stays in the UK"."""
        tiers = {i: 2 for i in self.uk_only}
        tiers.update({i: 1 for v in self.mechanisms.values() for i in v})
        tiers.update({i: 0 for i in self.outside})
        return tiers

    @property
    def evidence_segments(self) -> list[int]:
        return sorted(set(self.outside + self.uk_only + [i for v in self.mechanisms.values() for i in v]))


def transfers(doc: Document) -> Transfers:
    rs = doc.rules
    verbs = rs.rx("transfers.transfer_verbs")
    uk_only_pattern = rs.rx("transfers.uk_only")
    uk_only = doc.hits(uk_only_pattern, masked=True)
    items = doc.segs.items
    outside = [i for i in doc.hits(rs.rx("transfers.outside"), masked=True)
               if items[i].kind != "heading" and doc.says(verbs, i) and i not in uk_only]
    absolute = rs.rx("transfers.absolute")
    absolute_uk = [i for i in uk_only if doc.says(absolute, i)]
    mechanisms: dict[str, list[int]] = {}
    about_transfers = rs.rx("transfers.mechanism_context")
    for code, pattern in rs.block("transfers.mechanisms").items():
        hits = [i for i in doc.hits(pattern, masked=True)
                if i in outside or doc.in_context(about_transfers, i)]
        if hits:
            mechanisms[code] = hits
    if mechanisms and not outside:
        outside = [i for v in mechanisms.values() for i in v if doc.says(verbs, i)
                   and i not in uk_only and "adequacy" not in mechanisms]
    pattern, names = rs.rx("transfers.countries"), rs.country_codes
    country_context = rs.rx("transfers.country_context")
    negation = rs.rx("transfers.negation")
    eea = set(rs.value("transfers.eea"))
    in_eea: list[int] = []  # "servers in Ireland": a transfer to an approved destination, still to be told
    for index, match in doc.matches(pattern, doc.hits(country_context, masked=True)):
        if index in outside or index in uk_only or doc.says(negation, index):
            continue
        (in_eea if names[match.group()] in eea else outside).append(index)
    outside = sorted(set(outside))
    near = set(outside) | {i + d for i in outside for d in (-1, 1) if 0 <= i + d < len(doc.segs)
                           and doc.segs.items[i + d].line == doc.segs.items[i].line}
    countries: dict[str, list[int]] = {}
    for index, match in doc.matches(pattern, sorted(near | set(in_eea) | {i for v in mechanisms.values() for i in v})):
        countries.setdefault(names[match.group()], []).append(index)
    if outside:
        status = "outside_uk_eea"
    else:
        status = "uk_eea_only" if uk_only or in_eea else "not_stated"
    return Transfers(status, mechanisms, countries, outside, sorted(set(uk_only) | set(in_eea)), absolute_uk)


# ---- retention -----------------------------------------------------------------------------


MAX_DURATIONS = 500  # durations read before giving up: real notices state a few dozen at most
MAX_PERIODS = 50


@dataclass
class Retention:
    status: str
    periods: list[str]
    segments: list[int]
    specific: set[int] = field(default_factory=set)


def retention(doc: Document) -> Retention:
    rs = doc.rules
    context = rs.rx("retention.context")
    how_long = rs.rx("retention.heading")
    duration = rs.rx("retention.duration")
    deadline = rs.rx("retention.not_retention")
    lead = rs.rx("retention.period_lead")
    tail = rs.rx("retention.period_tail")
    periods: dict[str, None] = {}
    specific: list[int] = []
    about: dict[int, bool] = {}
    for count, match in enumerate(doc.scan(duration)):
        if count >= MAX_DURATIONS or len(periods) >= MAX_PERIODS:
            break
        index = doc.segs.at(match.start())
        seg = doc.segs.items[index]
        if index not in about:
            about[index] = doc.says(context, index) or (seg.heading >= 0 and doc.says(how_long, seg.heading))
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
    vague = [i for i in doc.hits(rs.rx("retention.vague"))
             if doc.in_context(context, i) or doc.in_context(how_long, i)]
    status = "specific" if periods else ("vague" if vague else "none")
    return Retention(status, list(periods), sorted(set(specific + vague)), set(specific))


def vague_retention(doc: Document, segments: list[int]) -> list[tuple[int, str]]:
    """(segment, the general words it says about keeping data) for the segments that state
    retention in general terms, those that are not headings first ("How long we keep it" says no
    more than that retention is addressed)."""
    vague, items, text = doc.rules.rx("retention.vague"), doc.segs.items, doc.text
    found = []
    for index in segments:
        seg = items[index]
        for match in vague.regex.finditer(text, seg.start, seg.end):
            words = match.group().strip()
            if words.rsplit(" ", 1)[-1].lower() in ("as", "than", "for"):  # "as long as" what: "as long as necessary"
                more = text[match.end():seg.end].split(None, 1)
                words += " " + more[0].rstrip(".,;:)") if more else ""
            if not words.lower().startswith("how long"):  # a question or heading, not a statement
                found.append((index, words))
                break
    return sorted(found, key=lambda f: (items[f[0]].kind == "heading", f[0]))


# ---- automated decisions -------------------------------------------------------------------


def automated_decisions(doc: Document) -> tuple[str, list[int]]:
    rs = doc.rules
    none = doc.hits(rs.rx("automated_decisions.none"))
    rights_only = rs.rx("automated_decisions.rights_only")
    described = [i for i in doc.hits(rs.rx("automated_decisions.described"))
                 if i not in none and not doc.says(rights_only, i)]
    if described:
        return "described", described
    if none:
        return "states_none", none
    return "not_mentioned", []


def significant_automated_decisions(doc: Document, segments: list[int]) -> list[int]:
    """Of the segments describing automated processing, those that describe decisions about people
    (Arts 22A-22D: solely automated significant decisions), where the notice neither says a person
    reviews them nor that no automated decisions are made."""
    rs = doc.rules
    if doc.hits(rs.rx("automated_decisions.none")) or doc.hits(rs.rx("automated_decisions.human_review")):
        return []
    decision = rs.rx("automated_decisions.decision")
    return [i for i in segments if doc.says(decision, i)]


# ---- law, regulator, dates, organisation ---------------------------------------------------


def outdated_law(doc: Document) -> tuple[str | None, list[int]]:
    """Which outdated law the notice relies on, if it cites neither the UK GDPR nor the DPA 2018."""
    rs = doc.rules
    if doc.hits(rs.rx("law.uk_law"), masked=True):
        return None, []
    dpa1998 = doc.hits(rs.rx("law.dpa1998"), masked=True)
    gdpr = doc.hits(rs.rx("law.eu_gdpr"), masked=True)
    laws = []
    if dpa1998:
        laws.append("the Data Protection Act 1998")
    if gdpr:  # the GDPR without "UK": the EU Regulation presented as the law in force here
        laws.append("the EU GDPR as the law in force in the UK")
    return (" and ".join(laws) or None), sorted(set(dpa1998 + gdpr[:1]))


def regulator_links(doc: Document) -> list[tuple[str, int]]:
    valid = doc.rules.value("law.ico_valid")
    found = [(next(g for g in m.groups() if g).lower(), doc.segs.at(m.start())) for m in doc.scan(doc.rules.rx("law.ico_url"))]
    return sorted((url, i) for url, i in found if url != valid)


def _parse_date(doc: Document, text: str) -> tuple[dt.date | None, int]:
    for pattern in doc.rules.date_formats:
        m = pattern.match(text)
        if not m:
            continue
        parts = m.groupdict()
        try:
            year = int(parts["y"])
            year += 2000 if year < 100 else 0
            month = int(parts["m"]) if parts.get("m") else doc.rules.months[parts["month"].lower().rstrip(".")]
            day = int(parts["d"]) if parts.get("d") else 1
            return dt.date(year, month, day), m.end()
        except (ValueError, KeyError):
            continue
    return None, 0


MAX_DATE_KEYWORDS = 200  # a notice states its date a handful of times; more is noise, not evidence


def last_updated(doc: Document) -> tuple[dt.date | None, Evidence | None]:
    keywords = doc.rules.rx("dates.keywords")
    found: list[tuple[dt.date, Evidence]] = []
    for count, match in enumerate(doc.scan(keywords)):
        if count >= MAX_DATE_KEYWORDS:
            break
        window = doc.text[match.end():match.end() + 40]
        skip = len(window) - len(window.lstrip(" :,-–—"))
        date, length = _parse_date(doc, window[skip:])
        if date:
            found.append((date, doc.span_evidence(match.start(), match.end() + skip + length)))
    if not found:
        return None, None
    return max(found, key=lambda f: f[0])


def organisation(doc: Document) -> tuple[str | None, list[int]]:
    rs = doc.rules
    not_names, trailing = rs.rx("organisation.not_names").regex, rs.rx("organisation.trailing").regex
    for pattern in rs.organisation_patterns:
        for match in doc.scan(pattern):
            name = trailing.sub("", match.group("org")).strip(" .'’")
            distinctive = " " in name or name.isupper() or any(c.isdigit() for c in name)
            if len(name) >= 3 and distinctive and not not_names.match(name):
                return name, [doc.segs.at(match.start("org"))]
    return None, []
