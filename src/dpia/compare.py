"""Providers side by side: provider x practice matrices built from notice profiles and, where an
audit exists, its inventory and risks. Providers are the columns; past WIDE providers the tables
are turned so providers are rows, and the heatmap is split into readable pages.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import applicability, risk, vocab
from .durations import days as duration_days
from .errors import DpiaError
from .html.parts import Image, Items, Links, Section, Table, Text
from .notice import NoticeProfile, analyse, read_notice
from .notice.rules import elements as element_rules
from .report import palette
from .tables import defused
from .vocab import split_codes
from .words import joined
from .workers import quiet_worker, stop

WIDE = 30  # providers beyond which tables turn and charts split
NO_AUDIT = "no audit"
YES, NO, NA = "✓", "✗", "n/a"
PARALLEL_FROM = 40  # providers from which reading them is worth a process pool


@dataclass
class Provider:
    name: str
    source: str
    kind: str  # audit | notice
    profile: NoticeProfile | None = None
    audit: dict | None = None  # screening verdict and risk levels, for audits
    error: str | None = None
    narrower: str | None = None  # why its audit's scope is narrower than the others' (set by compare)
    facts: applicability.Facts | None = None  # what the audit records that decides which Art 13/14 elements apply
    _applies: dict | None = field(default=None, repr=False)

    @property
    def applies(self) -> dict[str, applicability.Applicability]:
        """Which Art 13/14 elements apply to this provider on its audit date: the DPIA report's answer too."""
        if self._applies is None:
            self._applies = applicability.elements(self.profile, self.facts)
        return self._applies


def read_provider(path: str | Path, audit_date: str | None = None) -> Provider:
    """A provider from an audit folder (profile of its notice, plus screening and risks) or a notice file."""
    from .audit import load
    from .screening import screen

    path = Path(path)
    try:
        if path.is_dir():
            audit = load(path)
            provider = Provider(audit.provider, str(path), "audit")
            if not audit.valid:
                provider.error = f"invalid audit ({len(audit.errors)} errors; run `dpia validate {path}`)"
                return provider
            date = audit_date or str(audit.meta.get("audit_date") or "") or None
            notice = read_notice(audit.notice_path())
            provider.profile = analyse(notice, source=notice.source, audit_date=date)
            provider.facts = applicability.facts(audit)
            summary = risk.summary(risk.register(audit.risks, audit.risk_method))
            provider.audit = {"dpia_required": screen(audit).required, "highest_inherent": summary["highest_inherent"],
                              "highest_residual": summary["highest_residual"], "risks": summary["risks"],
                              "inherent": summary["inherent"], "residual": summary["residual"],
                              "activities": len(audit.activities), "flows": len(audit.flows), **audit_facts(audit)}
            return provider
        if not path.exists() and not path.is_symlink():
            return Provider(path.name, str(path), "notice", error="no such audit folder or notice file")
        notice = read_notice(path)  # refuses, by name, a pipe, device or folder where a notice file belongs
        profile = analyse(notice, source=notice.source, audit_date=audit_date)
        return Provider(profile.organisation or path.stem, str(path), "notice", profile=profile)
    except DpiaError as exc:
        return Provider(path.name, str(path), "audit" if path.is_dir() else "notice", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one unreadable provider must not stop a comparison of forty
        return Provider(path.name, str(path), "audit" if path.is_dir() else "notice",
                        error=f"could not be read ({type(exc).__name__}: {exc})")


def audit_facts(audit) -> dict:
    """What an audit records that the comparison sets beside the notice: the lawful bases its record of processing
    gives, the people it covers, its scope, and whether the DPIA is signed off."""
    from .report.questions import sign_off_entries

    acts = audit.activities

    def codes(column: str) -> list[str]:
        return sorted({c for cell in acts.get(column, []) for c in split_codes(cell) if c.lower() != vocab.NOT_STATED})

    art6, art9 = codes("art6_basis"), codes("art9_condition")
    from .transfers import assess

    checks = [assess(str(f.get("country") or ""), str(f.get("mechanism") or ""), recipient_type=str(f.get("recipient_type") or ""),
                     on=audit.law_date) for f in audit.flows.to_dict("records")]
    return {"art6": art6, "art9": art9, "schedule1": codes("schedule1_condition"), "subjects": codes("data_subjects"),
            "abroad": list(dict.fromkeys(c.country_label for c in checks if c.restricted)),
            "location_unknown": sum(c.restricted is None for c in checks),
            "special_categories": bool(codes("special_categories")),
            "scope": " ".join(str(audit.meta.get("scope") or "").split()),
            "desk_review": bool(audit.meta.get("desk_review")),
            "signed_off": bool(sign_off_entries(audit.meta, "residual_risks"))}


def _read(args) -> Provider:
    return read_provider(*args)


def read_providers(paths, audit_date: str | None = None, workers: int | None = None) -> list[Provider]:
    jobs = [(p, audit_date) for p in paths]
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_FROM or workers == 1:
        return [_read(job) for job in jobs]
    out: list[Provider | None] = [None] * len(jobs)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=quiet_worker)
    try:
        chunks = _chunks(list(range(len(jobs))), max(1, len(jobs) // (workers * 4)))
        futures = {pool.submit(_read_many, [jobs[i] for i in chunk]): chunk for chunk in chunks}
        for future in as_completed(futures):
            chunk = futures[future]
            try:
                for i, provider in zip(chunk, future.result()):
                    out[i] = provider
            except Exception as exc:  # noqa: BLE001 - a reading process died (out of memory): its providers fail
                for i in chunk:
                    path = Path(jobs[i][0])
                    out[i] = Provider(path.name, str(path), "audit" if path.is_dir() else "notice",
                                      error=f"the process reading it died ({type(exc).__name__})")
    except BaseException:
        stop(pool)
        raise
    pool.shutdown()
    return [p for p in out if p is not None]


def _read_many(jobs) -> list[Provider]:
    return [_read(job) for job in jobs]


@dataclass
class Comparison:
    providers: list[Provider]
    matrices: dict[str, pd.DataFrame] = field(default_factory=dict)  # rows: practices; columns: providers
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    _sections: list[Section] | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.matrices["elements"].columns) if "elements" in self.matrices else []

    @property
    def ranked(self) -> pd.DataFrame:
        """The scores of the providers ranked: those of comparable scope."""
        return self.scores[self.scores.Rank.notna()]

    @property
    def wide(self) -> bool:
        return len(self.providers) > WIDE

    @property
    def summarised(self) -> bool:
        from .report.large import PROVIDERS

        return len(self.providers) > PROVIDERS

    def section(self, key: str) -> Section:
        """A section of the comparison by its key ('summary', 'providers', 'transparency', 'elements', ...), so a
        notebook never depends on the sections' order."""
        if self._sections is None:
            self._sections = sections(self)
        for section in self._sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; the sections are {[s.key for s in self._sections]}")

    def tidy(self) -> dict[str, pd.DataFrame]:
        """Each matrix in long form, one row per provider and practice, words for marks: what the CSV files hold."""
        words = {YES: "yes", NO: "no", NA: "does not apply"}
        out = {}
        for name, frame in self.matrices.items():
            # What melt gives (provider by provider, each practice in order), built at once: melt takes a pass per
            # provider, which is most of the time of writing a survey of thousands.
            practices, providers = frame.shape
            out[name] = pd.DataFrame({
                "provider": np.repeat(np.asarray(frame.columns, dtype=object), practices),
                "practice": np.tile(np.asarray(frame.index, dtype=object), providers),
                "value": [words.get(v, v) for v in frame.to_numpy(dtype=object).T.ravel()]}, dtype=object)
        out["scores"] = self.scores.rename(columns=str.lower)
        return out

    def write_csv(self, folder: str | Path, stem: str = "comparison") -> list[Path]:
        """Tidy CSV files, UTF-8 with a byte-order mark (Excel then reads £ and accents), every cell that a spreadsheet
        would run as a formula neutralised."""
        from .files import write_atomic

        written = []
        for name, frame in self.tidy().items():
            path = Path(folder) / f"{stem}-{name}.csv"
            write_atomic(path, "\ufeff" + defused(frame).to_csv(index=False, lineterminator="\r\n"))
            written.append(path)
        return written


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def compare(paths, *, audit_date: str | None = None, workers: int | None = None) -> Comparison:
    """Read every provider and build the matrices. Unreadable providers are kept, with their error."""
    paths = list(paths)
    if not paths:
        raise DpiaError("nothing to compare: give audit folders or notice files")
    stored = [p for p in paths if str(p).lower().endswith(".parquet")]
    providers = read_providers([p for p in paths if p not in stored], audit_date, workers)
    if stored:  # a survey's profiles (survey.py): compared as they were analysed, not read again
        from .survey import read_profiles

        providers += [p for path in stored for p in read_profiles(Path(path))]
    return build(providers)


def build(providers: list[Provider]) -> Comparison:
    """The matrices and scores of providers already read."""
    names = _unique([p.name for p in providers])
    for provider, name in zip(providers, names):
        provider.name = name
    comparison = Comparison(providers)
    ok = [p for p in providers if p.profile is not None]
    usual = _usual(ok)
    for p in ok:
        p.narrower = narrower_because(p, usual)
    comparison.matrices = {
        "elements": _elements(ok), "lawful_bases": _bases(ok), "special_categories": _special(ok),
        "transfers": _transfers(ok), "retention": _retention(ok), "automated_decisions": _adm(ok),
        "findings": _findings(ok), "audits": _audits(ok),
    }
    comparison.scores = _scores(ok)
    return comparison


def _frame(rows: dict[str, dict[str, str]], providers: list[Provider]) -> pd.DataFrame:
    # One block of Python strings rather than a string column per provider: with thousands of providers
    # (a survey) building, turning and writing the matrix would otherwise take minutes.
    names = [p.name for p in providers]
    cells = np.empty((len(rows), len(names)), dtype=object)
    for i, values in enumerate(rows.values()):
        cells[i, :] = [values.get(name, "") for name in names]
    return pd.DataFrame(cells, index=list(rows), columns=names, dtype=object)


def term(field: str, value: str) -> str:
    """A notice profile's code as a client reads it (one function for the report, the comparison and `dpia analyse`)."""
    from .notice.render import term as label

    return label(field, value)


def not_applicable_because(p: Provider, key: str) -> str | None:
    """Why an Art 13/14 element is not expected of this provider on its audit date, or None if it is
    (dpia.applicability: from the audit where there is one, else from the notice)."""
    return p.applies[key].because


def applicable(p: Provider) -> list[str]:
    return [k for k, a in p.applies.items() if a.applies]


def _elements(providers: list[Provider]) -> pd.DataFrame:
    rules = element_rules()
    rows: dict[str, dict[str, str]] = {}
    for key, rule in rules.items():
        rows[rule.label] = {p.name: (YES if p.profile.elements[key].present else NO) if not_applicable_because(p, key) is None
                            else NA for p in providers}
    rows["Elements present"] = {p.name: str(sum(p.profile.elements[k].present for k in applicable(p))) for p in providers}
    return _frame(rows, providers)


AUDIT_AND_NOTICE, AUDIT_ONLY, NOTICE_ONLY, NOTICE = "audit and notice", "audit only", "notice only", "notice"


def _claim(p: Provider, in_audit: bool, in_notice: bool) -> str:
    """Where a lawful basis comes from: the audit's record of processing, the notice's own claim, or both."""
    if p.audit is None or "art6" not in p.audit:
        return NOTICE if in_notice else ""
    return {(True, True): AUDIT_AND_NOTICE, (True, False): AUDIT_ONLY, (False, True): NOTICE_ONLY}.get((in_audit, in_notice), "")


def _bases(providers: list[Provider]) -> pd.DataFrame:
    rows: dict[str, dict[str, str]] = {}
    for name, claimed, recorded in (("art6", "art6", "art6"), ("art9", "art9", "art9")):
        for t in vocab.get(name):
            rows[vocab.cited(t)] = {p.name: _claim(p, t.code in ((p.audit or {}).get(recorded) or []),
                                                   t["letter"] in getattr(p.profile, claimed)) for p in providers}
    rows["A DPA 2018 Schedule 1 condition"] = {p.name: _claim(p, bool((p.audit or {}).get("schedule1")), p.profile.dpa2018_schedule1)
                                               for p in providers}
    return _frame(rows, providers)


def _special(providers: list[Provider]) -> pd.DataFrame:
    rows = {term_.label: {p.name: YES if term_.code in p.profile.special_categories else "" for p in providers}
            for term_ in vocab.get("special_categories")}
    return _frame(rows, providers)


# Under UK GDPR the EEA is outside the UK: storage there is a transfer to an approved destination (LAW-2026 item 14)
NOTICE_TRANSFERS = {"not_stated": "not stated", "uk_eea_only": "in the UK or the EEA (the EEA is outside the UK)",
                    "outside_uk_eea": "outside the UK, beyond the EEA"}
ABROAD = NOTICE_TRANSFERS["outside_uk_eea"]


def flows_abroad(p: Provider) -> str:
    """What the audit's flows send outside the UK: the destinations, and how many flows go somewhere not stated."""
    if p.audit is None or "abroad" not in p.audit:
        return NO_AUDIT
    unknown = p.audit["location_unknown"]
    parts = ["; ".join(p.audit["abroad"])] if p.audit["abroad"] else []
    if unknown:
        parts.append(f"{unknown} flow{'s' if unknown > 1 else ''} to a location not stated")
    return "; ".join(parts) or "none"


def _transfers(providers: list[Provider]) -> pd.DataFrame:
    return _frame({
        "What the notice says": {p.name: NOTICE_TRANSFERS.get(p.profile.transfer_status, p.profile.transfer_status) for p in providers},
        "Flows outside the UK (audit)": {p.name: flows_abroad(p) for p in providers},
        "Countries named": {p.name: vocab.labels("countries", "; ".join(p.profile.transfer_countries)) for p in providers},
        "Transfer routes named": {p.name: "; ".join(term("mechanism", m) for m in p.profile.transfer_mechanisms)
                                  for p in providers},
    }, providers)


def _retention(providers: list[Provider]) -> pd.DataFrame:
    shortest, longest = {}, {}
    for p in providers:
        timed = [(d, period) for period in p.profile.retention_periods if (d := duration_days(period)) is not None]
        shortest[p.name] = min(timed)[1] if timed else ""
        longest[p.name] = max(timed)[1] if timed else ""
    return _frame({"What the notice says": {p.name: term("retention", p.profile.retention_status) for p in providers},
                   "Shortest period stated": shortest, "Longest period stated": longest,
                   "Periods stated": {p.name: str(len(p.profile.retention_periods)) for p in providers}}, providers)


def _adm(providers: list[Provider]) -> pd.DataFrame:
    return _frame({"Automated decision-making": {p.name: term("adm", p.profile.automated_decision_making)
                                                 for p in providers}}, providers)


FOUND = "found"


def _findings(providers: list[Provider]) -> pd.DataFrame:
    rows: dict[str, dict[str, str]] = {}
    for severity in SEVERITIES:
        rows[f"{severity.capitalize()} findings"] = {
            p.name: str(sum(f.severity == severity for f in p.profile.findings)) for p in providers}
    order = {s: i for i, s in enumerate(SEVERITIES)}
    found = sorted({(order[f.severity], f.code) for p in providers for f in p.profile.findings})
    for _, code in found:
        rows[term("finding", code)] = {p.name: FOUND if any(f.code == code for f in p.profile.findings) else "" for p in providers}
    return _frame(rows, providers)


def _audits(providers: list[Provider]) -> pd.DataFrame:
    def value(p: Provider, key: str) -> str:
        if p.audit is None:
            return NO_AUDIT
        v = p.audit.get(key)
        if key == "dpia_required":
            return "required" if v else "not required"
        if key == "signed_off":
            return status(p)
        return str(v) if v is not None else "none"

    keys = {"DPIA screening": "dpia_required", "Highest inherent risk": "highest_inherent",
            "Highest residual risk": "highest_residual", "Risks assessed": "risks", "DPIA status": "signed_off"}
    rows = {row: {p.name: value(p, key) for p in providers} for row, key in keys.items()}
    rows["Scope compared"] = {p.name: scope_note(p) for p in providers}
    return _frame(rows, providers)


DESK_REVIEW = "desk review of the notice, with the auditor's inventory"
KIND_WORDS = ((DESK_REVIEW, f"a {DESK_REVIEW}", f"desk reviews{DESK_REVIEW[len('desk review'):]}"),
              ("audit", "an audit", "audits"), ("notice only", "the privacy notice alone", "the privacy notices alone"))


def assessed_from(p: Provider) -> str:
    """What a provider's figures rest on: an audit, a desk review (the published notice read by an auditor who recorded
    its inventory, nobody at the provider asked), or the notice alone."""
    if p.kind == "notice":
        return "notice only"
    return DESK_REVIEW if (p.audit or {}).get("desk_review") else "audit"


def status(p: Provider) -> str:
    """Signed off or draft: what a DPIA is, not whether its page was rendered."""
    if p.audit is None:
        return "notice only"
    if p.audit.get("signed_off") and not p.audit.get("desk_review"):
        return "signed off"
    return "draft (desk review)" if p.audit.get("desk_review") else "draft"


SPECIAL = "special category data"


def _covers(p: Provider) -> set[str]:
    a = p.audit or {}
    return set(a.get("subjects") or []) | ({SPECIAL} if a.get("special_categories") else set())


CORE = ("service_user", SPECIAL)  # the care itself: the people cared for, and their health data
LEAVES_OUT = re.compile(r"\b(?:not (?:reviewed|covered|included|assessed|audited|in scope)|out of scope|outside (?:the|this) "
                        r"(?:scope|review|audit)|exclud\w*|separate polic\w*)\b", re.IGNORECASE)


def _usual(providers: list[Provider]) -> set[str]:
    """What most audits cover: groups of people, and special category data."""
    audited = [q for q in providers if q.audit is not None and "subjects" in q.audit]
    counts: dict[str, int] = {}
    for q in audited:
        for c in _covers(q):
            counts[c] = counts.get(c, 0) + 1
    return {c for c, n in counts.items() if n * 2 > len(audited)} if len(audited) > 1 else set()


def scope_leaves_out(p: Provider) -> str | None:
    """The sentence of the audit's scope that says processing is left out of it, if any."""
    scope = (p.audit or {}).get("scope") or ""
    return next((s.strip().rstrip(".") for s in re.split(r"(?<=[.;])\s+", scope) if LEAVES_OUT.search(s)), None)


def narrower_because(p: Provider, usual: set[str]) -> str | None:
    """Why this provider's audit is narrower than the others', or None. Conservative: narrower only when its scope
    says it leaves processing out, or when it covers neither the people cared for nor their special category data
    though most audits do; an audit that merely records fewer groups of people (no enquirers) stays comparable."""
    if p.audit is None or "subjects" not in p.audit:
        return None
    missing = sorted(usual - _covers(p), key=lambda c: (c == SPECIAL, c))
    named = [c if c == SPECIAL else vocab.labels("data_subjects", c).lower() for c in missing]
    left_out = scope_leaves_out(p)
    if left_out:
        return f"its scope says: '{left_out}'" + (f"; it covers no {joined(named, 'or')}" if named else "")
    if set(missing) & set(CORE):
        return f"it covers no {joined(named, 'or')}"
    return None


def scope_note(p: Provider) -> str:
    if p.audit is None:
        return NO_AUDIT
    return f"narrower: {p.narrower}" if p.narrower else "comparable"


SEVERITIES = ("high", "medium", "low")
WEIGHTS = {"high": 1.0, "medium": 0.5, "low": 0.25}  # elements' worth of transparency a finding takes away
FORMULA = ("Score = (elements present − 1 × high findings − ½ × medium findings − ¼ × low findings) ÷ elements that "
           "apply, at least 0")


def counted_findings(p: Provider) -> list:
    """The findings the score weighs: all but those that only restate an element already counted as absent, or
    elements none of which apply to this provider."""
    terms = vocab.get("profile_terms")
    applies = set(applicable(p))
    absent = {k for k in applies if not p.profile.elements[k].present}

    def counted(f) -> bool:
        restates = set(terms.get(f"finding.{f.code}").get("restates") or [])
        return not (absent & restates) and not (restates and not restates & applies)
    return [f for f in p.profile.findings if counted(f)]


def _scores(providers: list[Provider]) -> pd.DataFrame:
    """Per provider: coverage (elements present of those that apply, as its DPIA report gives it) and the score
    (coverage less its findings weighed by severity). Only providers of comparable scope are ranked; the others
    follow, unranked."""
    rows = []
    for p in providers:
        keys = applicable(p)
        present = sum(p.profile.elements[k].present for k in keys)
        found = counted_findings(p)
        counts = {s: sum(f.severity == s for f in found) for s in SEVERITIES}
        penalty = sum(WEIGHTS[s] * n for s, n in counts.items())
        rows.append({"Provider": p.name, "Present": present, "Applicable": len(keys),
                     "Coverage": round(present / len(keys), 3) if keys else 0.0,
                     **{s.capitalize(): counts[s] for s in SEVERITIES}, "Penalty": penalty,
                     "Score": round(max(0.0, present - penalty) / len(keys), 3) if keys else 0.0,
                     "Scope": scope_note(p), "Ranked": not p.narrower})
    columns = ["Provider", "Present", "Applicable", "Coverage", "High", "Medium", "Low", "Penalty", "Score", "Scope"]
    frame = pd.DataFrame(rows, columns=[*columns, "Ranked"])
    frame["Rank"] = frame.Score.where(frame.Ranked).rank(method="min", ascending=False).astype("Int64")
    frame = frame.sort_values(["Ranked", "Rank", "Score", "Provider"], ascending=[False, True, False, True])
    return frame.drop(columns="Ranked").reset_index(drop=True)


# ---- the comparison as sections, charts and a page -----------------------------------------

CHUNK = 50  # providers per heatmap or bar chart once there are many
SEVERITY_COLOURS = dict(palette.LEVELS)  # a finding's severity takes the colour of the risk level of that name
LEVEL_COLOURS = palette.LEVELS
TITLES = {"elements": "Article 13/14 elements", "lawful_bases": "Lawful bases", "special_categories": "Special categories",
          "transfers": "International transfers", "retention": "Retention", "automated_decisions": "Automated decisions",
          "findings": "Notice findings", "audits": "From the audits"}
MARKS = {YES: "ok", NO: "gap", NO_AUDIT: "na", NA: "na", ABROAD: "medium", "not stated": "gap",
         "high": "high", "medium": "medium", "low": "low", "required": "medium", FOUND: "gap", AUDIT_ONLY: "gap",
         NOTICE_ONLY: "medium", "draft": "medium", "draft (desk review)": "medium", "signed off": "ok"}


FIRST_COLUMN = {"elements": "Article 13/14 element", "lawful_bases": "Lawful basis or condition",
                "special_categories": "Special category", "findings": "Finding", "audits": "From the audit"}


def _table(comparison: Comparison, name: str, drop_empty: bool = True) -> Table:
    """A matrix as a table; rows no provider has anything in are left out (``drop_empty``)."""
    frame = comparison.matrices[name]
    if drop_empty:
        frame = frame[(frame != "").any(axis=1)]
    if comparison.wide:
        frame = frame.T
        frame.index.name = "Provider"
    else:
        frame.index.name = FIRST_COLUMN.get(name, "Practice")
    frame = frame.reset_index()
    first = 26 if not comparison.wide else 24
    rest = (100 - first) / max(1, len(frame.columns) - 1)
    return Table(frame, widths=[first] + [int(rest)] * (len(frame.columns) - 1), marks=MARKS, scroll=True, name="matrix")


def _chunks(items: list, size: int = CHUNK) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _pct(score: float) -> str:
    return f"{score:.0%}"


def reports_beside(folder: str | Path | None) -> tuple[str | None, dict[str, str]]:
    """The index and each audit's DPIA report in ``folder`` (written by `dpia batch`), as links relative to it."""
    if folder is None:
        return None, {}
    from .report.batch import reports_in

    folder = Path(folder)
    index = "index.html" if (folder / "index.html").is_file() else None
    return index, reports_in(folder)


def summary(comparison: Comparison) -> list:
    """The executive summary: who is most and least transparent, the serious findings, where the audits and the
    notices disagree on lawful bases, transfers, retention, residual risk, and whose scope differs."""
    c = comparison
    ok = [p for p in c.providers if p.profile is not None]
    failed = [p for p in c.providers if p.profile is None]
    audited = [p for p in ok if p.audit is not None]
    signed = [p for p in audited if status(p) == "signed off"]
    groups = [f"{n} from {one if n == 1 else many}" for kind, one, many in KIND_WORDS
              if (n := sum(assessed_from(p) == kind for p in ok))]
    drafts = len(audited) - len(signed)
    decided = (f" Of the {len(audited)} DPIA{'s' if len(audited) > 1 else ''}, {len(signed)} "
               f"{'is' if len(signed) == 1 else 'are'} signed off and {drafts} {'is a draft' if drafts == 1 else 'are drafts'}."
               if audited else "")
    out: list = [Text(f"{len(c.providers)} providers compared: " + "; ".join(groups)
                      + (f"; {len(failed)} could not be read" if failed else "") + "." + decided, name="count")]
    if not ok:
        return out
    ranked = c.ranked
    points = []
    if len(ranked) > 1:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        points.append(f"Most transparent of the {len(ranked)} providers of comparable scope: {top.Provider} (score "
                      f"{_pct(top.Score)}, coverage {_pct(top.Coverage)}); least: {bottom.Provider} (score {_pct(bottom.Score)}, "
                      f"coverage {_pct(bottom.Coverage)}). Coverage counts the elements present of those that apply, as each "
                      "DPIA report does; the score also deducts the notice's findings by severity (section 2).")
    for p in ok:
        if p.narrower:
            points.append(f"{p.name} is not ranked: it was audited on a narrower scope ({p.narrower}), so its figures are "
                          "not comparable with the others'.")
    high = [(p, [f for f in p.profile.findings if f.severity == "high"]) for p in ok]
    for p, found in high:
        if found:
            points.append(f"{p.name}: {len(found)} high-severity finding{'s' if len(found) > 1 else ''} in its notice ("
                          + "; ".join(dict.fromkeys(vocab.lower_first(term("finding", f.code)) for f in found)) + ").")
    bases = c.matrices["lawful_bases"]
    for p in audited:
        only_audit = [row for row, v in bases[p.name].items() if v == AUDIT_ONLY]
        only_notice = [row for row, v in bases[p.name].items() if v == NOTICE_ONLY]
        if only_audit:
            points.append(f"{p.name}: its audit records {joined(only_audit)}, which the notice does not claim.")
        if only_notice:
            points.append(f"{p.name}: the notice claims {joined(only_notice)}, which the audit does not record.")
    sent = [f"{p.name} ({'; '.join(vocab.lower_first(x) for x in p.audit['abroad'])})" for p in audited if p.audit.get("abroad")]
    said = [p.name for p in ok if p.audit is None and p.profile.transfer_status == "outside_uk_eea"]
    points.append("Transfers outside the UK (the EEA included): " + "; ".join(x for x in (
        f"the audits record flows from {joined(sent)}" if sent else ("no audit records a flow outside the UK" if audited else ""),
        f"the notices of {joined(said)} say data goes outside the UK and the EEA" if said else "") if x) + ".")
    silent = [p.name for p in ok if p.profile.retention_status == "none"]
    vague = [p.name for p in ok if p.profile.retention_status == "vague"]
    if silent or vague:
        points.append("Retention: " + "; ".join(x for x in (f"not stated by {joined(silent)}" if silent else "",
                                                            f"only in general terms by {joined(vague)}" if vague else "") if x) + ".")
    high_after = [p.name for p in audited if p.audit.get("highest_residual") == "high"]
    if audited:
        points.append(f"High risk after measures: {joined(high_after)}." if high_after
                      else "No audited provider has a risk that stays high after its measures.")
    out.append(Items(points, name="points"))
    drafts = [p.name for p in audited if status(p) != "signed off"]
    if drafts:
        out.append(Text(f"Not yet decided: the DPIAs of {joined(drafts)} are drafts; no one has approved their residual "
                        "risks, so their measures and conclusions may still change.", "medium", name="open"))
    return out


def sections(comparison: Comparison, attachments: str | None = None, folder: str | Path | None = None) -> list[Section]:
    """The comparison's sections, each with a key (``Comparison.section(key)``) and named parts; past large.PROVIDERS
    providers, counts per practice (the matrices go to CSV). ``folder``: where the page is written, to link the
    index and each provider's DPIA report when `dpia batch` wrote them there."""
    from .report import figures, large

    if len(comparison.providers) > large.PROVIDERS:
        return large.comparison_sections(comparison, attachments)
    c = comparison
    ok = [p for p in c.providers if p.profile is not None]
    failed = [p for p in c.providers if p.profile is None]
    index, reports = reports_beside(folder)
    out = [Section(0, "summary", "Executive summary", summary(c))]
    intro: list = [Text(f"{len(c.providers)} providers. An audit, or a desk review of the published notice with the auditor's "
                        f"inventory, gives lawful bases, screening, risks and scope from the auditor's record of processing; "
                        f"a desk review asked nobody at the provider, so its DPIA stays a draft. A notice alone gives only what "
                        f"the notice says. Rows that need an audit say '{NO_AUDIT}' for providers without one.", name="intro"),
                   Table(pd.DataFrame({"Provider": [p.name for p in c.providers],
                                       "Assessed from": [assessed_from(p) for p in c.providers],
                                       "Scope": [(p.audit or {}).get("scope") or ("" if p.error else "the notice as published")
                                                 for p in c.providers],
                                       "Scope compared": [scope_note(p) if p.profile is not None else "" for p in c.providers],
                                       "DPIA status": [f"could not be read: {p.error}" if p.error else status(p) for p in c.providers]}),
                         widths=[17, 16, 37, 18, 12], marks={**MARKS, "comparable": "ok"}, scroll=True, name="providers")]
    links = [(p.name, reports[str(Path(p.source).resolve())]) for p in c.providers if str(Path(p.source).resolve()) in reports]
    if links:
        intro.append(Links(links, "Each provider's DPIA report:", name="reports"))
    if failed:
        intro.insert(0, Text(f"{len(failed)} provider(s) could not be read and are left out of the matrices: "
                             + "; ".join(f"{p.name}: {p.error}" for p in failed), "alert", name="failed"))
    out.append(Section(1, "providers", "Providers compared", intro))
    pct = {"Coverage": c.scores.Coverage.map(_pct), "Score": c.scores.Score.map(_pct),
           "Penalty": c.scores.Penalty.map(lambda x: f"{x:g}")}
    shown = c.scores.assign(**pct)
    columns = {"Rank": "Rank", "Provider": "Provider", "Coverage": "Coverage", "Score": "Score", "Present": "Elements present",
               "Applicable": "Elements that apply", "High": "High findings", "Medium": "Medium findings",
               "Low": "Low findings", "Penalty": "Deducted"}
    ranked = shown[shown.Rank.notna()][list(columns)].rename(columns=columns)
    apart = shown[shown.Rank.isna()]
    score = [Text("Two measures. Coverage, as each provider's DPIA report gives it: the Art 13/14 elements the notice "
                  "contains, of those that apply. Score: coverage less the notice's findings weighed by severity. "
                  + FORMULA + ". A finding that only says an element is missing is not deducted again.", "note",
                  name="formula"),
             Text("Which elements apply is decided once for the report and this page, from the audit where there is one, "
                  "else from the notice: withdrawal of consent only where consent is relied on; legitimate interests only "
                  "where they are relied on; the source of data (Art 14) only where data comes from others; transfers only "
                  "where data goes outside the UK or somewhere not stated; automated decision-making only where there is a "
                  "solely automated significant decision; complaints to the provider from 19 June 2026. Cookies fall under "
                  "PECR, not Art 13/14, and never count.", name="scope"),
             Text("Providers of comparable scope, ranked by score, highest first." if len(apart) else
                  "Providers ranked by score, highest first.", name="ranked"),
             Table(ranked, widths=[6, 24, 8, 7, 9, 9, 9, 9, 9, 10], scroll=True, name="ranking")]
    if len(apart):
        score += [Text("Not ranked: audited on a narrower scope, so their figures are not comparable with the others'.",
                       name="unranked_key"),
                  Table(apart.assign(Scope=apart.Provider.map({p.name: p.narrower for p in ok}))[["Provider", "Coverage", "Score", "Scope"]]
                        .rename(columns={"Scope": "Why not ranked"}),
                        widths=[24, 9, 8, 59], scroll=True, name="unranked")]
    out.append(Section(2, "transparency", "Transparency: coverage, score and ranking", score))
    names = [p.name for p in ok]
    # the table's coloured marks are the heatmap while providers are its columns; once it turns, the image gives the overview
    heatmaps = [] if not c.wide else [Image(figures.svg(figures.elements_heatmap(c.matrices["elements"].iloc[:-1][chunk], c.wide)),
                      f"Elements × providers{f' ({i + 1} of {len(_chunks(names))})' if len(names) > CHUNK else ''}: "
                      "blue present, brown absent, grey does not apply.", "Heatmap of elements by provider", name="heatmap")
                for i, chunk in enumerate(_chunks(names))]
    out.append(Section(3, "elements", TITLES["elements"], [*heatmaps, _table(c, "elements", drop_empty=False)]))
    out.append(Section(4, "lawful-bases", TITLES["lawful_bases"], [
        Text("Each cell says where the basis comes from. 'Audit' is the auditor's record of processing, activity by "
             "activity: what the provider relies on. 'Notice' is what the provider's privacy notice claims. 'Audit only' is "
             "a basis people are not told about; 'notice only' is a claim the processing does not bear out. For a provider "
             "assessed from its notice alone the cell can only say 'notice'.", "note", name="key"),
        _table(c, "lawful_bases")]))
    number = 5
    for name in ("special_categories", "transfers", "retention", "automated_decisions"):
        parts: list = [_table(c, name)]
        if name == "special_categories":
            parts.insert(0, Text("What each notice says it processes (✓).", name="key"))
        out.append(Section(number, name.replace("_", "-"), TITLES[name], parts))
        number += 1
    counts = c.matrices["findings"].iloc[:3].T.astype(int)
    counts.columns = list(SEVERITIES)
    bars = [Image(figures.svg(figures.stacked_bars(counts.loc[chunk], SEVERITY_COLOURS, "findings")),
                  "Notice findings by severity.", "Findings by severity per provider", name="bars") for chunk in _chunks(names)]
    out.append(Section(number, "findings", TITLES["findings"], [*bars, _table(c, "findings")]))
    number += 1
    audited = [p for p in ok if p.audit is not None]
    parts = [_table(c, "audits")]
    if audited:
        levels = pd.DataFrame([{**{f"{lv} before": p.audit["inherent"][lv] for lv in ("high", "medium", "low")},
                                **{f"{lv} after": p.audit["residual"][lv] for lv in ("high", "medium", "low")}}
                               for p in audited], index=[p.name for p in audited])
        for when in ("before", "after"):
            frame = levels[[f"{lv} {when}" for lv in ("high", "medium", "low")]]
            frame.columns = ["high", "medium", "low"]
            for chunk in _chunks(list(frame.index)):
                parts.append(Image(figures.svg(figures.stacked_bars(frame.loc[chunk], LEVEL_COLOURS, "risks")),
                                   f"Risk levels {when} measures, per audited provider.", f"Risk levels {when} measures",
                                   name=f"risks_{when}"))
    else:
        parts.insert(0, Text("None of these providers has an audit: screening and risk rows say 'no audit'.", "note",
                             name="none"))
    out.append(Section(number, "audits", TITLES["audits"], parts))
    if index:
        for section in out[:1]:
            section.parts.insert(0, Links([("Index of the DPIA reports", index)], name="index"))
    return out


def to_html(comparison: Comparison, attachments: str | None = None, folder: str | Path | None = None) -> str:
    """The comparison page; ``attachments`` is the stem of its CSV files (reports/comparison), named in a summarised
    page; ``folder`` is where the page goes, to link the DPIA reports and their index written there."""
    from .html.page import page

    body = ('<header><p class="kicker">Comparison of providers</p>'
            f"<h1>{len(comparison.providers):,} providers side by side</h1></header>"
            + "\n".join(s.html() for s in sections(comparison, attachments, folder)))
    if comparison.summarised:  # too many providers for a column each: a searchable list of them instead
        from .report.search import provider_list

        body += provider_list(comparison, attachments)
    return page("Comparison of providers", body, landscape=True)
