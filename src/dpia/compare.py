"""Providers side by side: provider x practice matrices built from notice profiles and, where an
audit exists, its inventory and risks. Providers are the columns; past WIDE providers the tables
are turned so providers are rows, and the heatmap is split into readable pages.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import risk, vocab
from .durations import days as duration_days
from .errors import DpiaError
from .notice import NoticeProfile, analyse, read_notice
from .notice.rules import elements as element_rules
from .report import palette
from .report.parts import Image, Section, Table, Text
from .tables import defused
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
            summary = risk.summary(risk.register(audit.risks, audit.risk_method))
            provider.audit = {"dpia_required": screen(audit).required, "highest_inherent": summary["highest_inherent"],
                              "highest_residual": summary["highest_residual"], "risks": summary["risks"],
                              "inherent": summary["inherent"], "residual": summary["residual"],
                              "activities": len(audit.activities), "flows": len(audit.flows)}
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

    @property
    def names(self) -> list[str]:
        return list(self.matrices["elements"].columns) if "elements" in self.matrices else []

    @property
    def wide(self) -> bool:
        return len(self.providers) > WIDE

    @property
    def summarised(self) -> bool:
        from .report.large import PROVIDERS

        return len(self.providers) > PROVIDERS

    def write_csv(self, folder: str | Path, stem: str = "comparison") -> list[Path]:
        from .files import write_atomic

        written = []
        for name, frame in {**self.matrices, "scores": self.scores.set_index("Provider").T}.items():
            path = Path(folder) / f"{stem}-{name}.csv"
            write_atomic(path, defused(frame).rename_axis("practice").to_csv())
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
    import numpy as np

    names = [p.name for p in providers]
    cells = np.empty((len(rows), len(names)), dtype=object)
    for i, values in enumerate(rows.values()):
        cells[i, :] = [values.get(name, "") for name in names]
    return pd.DataFrame(cells, index=list(rows), columns=names, dtype=object)


def _elements(providers: list[Provider]) -> pd.DataFrame:
    rules = element_rules()
    rows: dict[str, dict[str, str]] = {}
    for key, rule in rules.items():
        rows[rule.label] = {p.name: (YES if p.profile.elements[key].present else NO) if p.profile.applicable(key) else NA
                            for p in providers}
    rows["Elements present"] = {p.name: str(sum(e.present for k, e in p.profile.elements.items() if p.profile.applicable(k)))
                                for p in providers}
    return _frame(rows, providers)


def _bases(providers: list[Provider]) -> pd.DataFrame:
    rows: dict[str, dict[str, str]] = {}
    for term in vocab.get("art6"):
        rows[f"Art {term.code} {term.label}"] = {p.name: YES if term["letter"] in p.profile.art6 else "" for p in providers}
    for term in vocab.get("art9"):
        rows[f"Art {term.code} {term.label}"] = {p.name: YES if term["letter"] in p.profile.art9 else "" for p in providers}
    rows["DPA 2018 Schedule 1 cited"] = {p.name: YES if p.profile.dpa2018_schedule1 else "" for p in providers}
    return _frame(rows, providers)


def _special(providers: list[Provider]) -> pd.DataFrame:
    rows = {term.label: {p.name: YES if term.code in p.profile.special_categories else "" for p in providers}
            for term in vocab.get("special_categories")}
    return _frame(rows, providers)


STATUS_WORDS = {"not_stated": "not stated", "uk_eea_only": "UK/EEA only", "outside_uk_eea": "outside UK/EEA",
                "none": "none", "vague": "vague", "specific": "specific", "not_mentioned": "not mentioned",
                "states_none": "states none", "described": "described"}


def _transfers(providers: list[Provider]) -> pd.DataFrame:
    return _frame({
        "Status": {p.name: STATUS_WORDS[p.profile.transfer_status] for p in providers},
        "Countries named": {p.name: ", ".join(p.profile.transfer_countries) for p in providers},
        "Mechanisms": {p.name: ", ".join(p.profile.transfer_mechanisms) for p in providers},
    }, providers)


def _retention(providers: list[Provider]) -> pd.DataFrame:
    shortest, longest = {}, {}
    for p in providers:
        timed = [(d, period) for period in p.profile.retention_periods if (d := duration_days(period)) is not None]
        shortest[p.name] = min(timed)[1] if timed else ""
        longest[p.name] = max(timed)[1] if timed else ""
    return _frame({"Status": {p.name: STATUS_WORDS[p.profile.retention_status] for p in providers},
                   "Shortest period stated": shortest, "Longest period stated": longest,
                   "Periods stated": {p.name: str(len(p.profile.retention_periods)) for p in providers}}, providers)


def _adm(providers: list[Provider]) -> pd.DataFrame:
    return _frame({"Automated decision-making": {p.name: STATUS_WORDS[p.profile.automated_decision_making]
                                                 for p in providers}}, providers)


def _findings(providers: list[Provider]) -> pd.DataFrame:
    rows: dict[str, dict[str, str]] = {}
    for severity in ("high", "medium", "low"):
        rows[f"{severity.capitalize()} findings"] = {
            p.name: str(sum(f.severity == severity for f in p.profile.findings)) for p in providers}
    codes = sorted({f.code for p in providers for f in p.profile.findings})
    for code in codes:
        rows[code] = {p.name: YES if any(f.code == code for f in p.profile.findings) else "" for p in providers}
    return _frame(rows, providers)


def _audits(providers: list[Provider]) -> pd.DataFrame:
    def value(p: Provider, key: str) -> str:
        if p.audit is None:
            return NO_AUDIT
        v = p.audit[key]
        if key == "dpia_required":
            return "required" if v else "not required"
        return str(v) if v is not None else "none"

    keys = {"DPIA screening": "dpia_required", "Highest inherent risk": "highest_inherent",
            "Highest residual risk": "highest_residual", "Risks assessed": "risks"}
    return _frame({row: {p.name: value(p, key) for p in providers} for row, key in keys.items()}, providers)


def _scores(providers: list[Provider]) -> pd.DataFrame:
    rows = []
    for p in providers:
        applicable = [k for k in p.profile.elements if p.profile.applicable(k)]
        present = sum(p.profile.elements[k].present for k in applicable)
        rows.append({"Provider": p.name, "Present": present, "Applicable": len(applicable),
                     "Score": round(present / len(applicable), 3) if applicable else 0.0})
    frame = pd.DataFrame(rows, columns=["Provider", "Present", "Applicable", "Score"])
    frame["Rank"] = frame.Score.rank(method="min", ascending=False).astype(int)
    return frame.sort_values(["Rank", "Provider"]).reset_index(drop=True)


# ---- the comparison as sections, charts and a page -----------------------------------------

CHUNK = 50  # providers per heatmap or bar chart once there are many
SEVERITY_COLOURS = {"high": "#c0463c", "medium": "#e8a33b", "low": "#9bb7d4"}
LEVEL_COLOURS = palette.LEVELS
TITLES = {"elements": "Article 13/14 elements", "lawful_bases": "Lawful bases", "special_categories": "Special categories",
          "transfers": "International transfers", "retention": "Retention", "automated_decisions": "Automated decisions",
          "findings": "Notice findings", "audits": "From the audits"}


def _table(comparison: Comparison, name: str, drop_empty: bool = False) -> Table:
    frame = comparison.matrices[name]
    if drop_empty:
        frame = frame[(frame != "").any(axis=1)]
    if comparison.wide:
        frame = frame.T
        frame.index.name = "Provider"
    else:
        frame.index.name = "Practice"
    frame = frame.reset_index()
    first = 26 if not comparison.wide else 24
    rest = (100 - first) / max(1, len(frame.columns) - 1)
    marks = {YES: "ok", NO: "gap", NO_AUDIT: "na", "outside UK/EEA": "medium", "none": "gap", "high": "high",
             "medium": "medium", "low": "low", "required": "medium"}
    return Table(frame, widths=[first] + [int(rest)] * (len(frame.columns) - 1), marks=marks, scroll=True)


def _chunks(items: list, size: int = CHUNK) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def sections(comparison: Comparison, attachments: str | None = None) -> list[Section]:
    """The comparison's sections; past large.PROVIDERS providers, counts per practice (the matrices go to CSV)."""
    from .report import figures, large

    if len(comparison.providers) > large.PROVIDERS:
        return large.comparison_sections(comparison, attachments)
    c = comparison
    ok = [p for p in c.providers if p.profile is not None]
    failed = [p for p in c.providers if p.profile is None]
    audits = sum(p.audit is not None for p in ok)
    intro = [Text(f"{len(c.providers)} providers: {audits} with a full audit, {len(ok) - audits} from their privacy notice "
                  f"alone. Rows that need an audit say '{NO_AUDIT}' for providers without one."),
             Table(pd.DataFrame({"Provider": [p.name for p in c.providers], "From": [p.kind for p in c.providers],
                                 "Source": [p.source for p in c.providers],
                                 "Status": [p.error or "read" for p in c.providers]}), widths=[30, 10, 40, 20],
                   marks={"read": "ok"}, scroll=True)]
    if failed:
        intro.insert(0, Text(f"{len(failed)} provider(s) could not be read and are left out of the matrices: "
                             + "; ".join(f"{p.name}: {p.error}" for p in failed), "alert"))
    out = [Section(1, "providers", "Providers compared", intro)]
    score = [Text("Transparency score = the share of applicable Article 13/14 elements the notice contains: elements present "
                  "÷ elements applicable (legitimate interests and withdrawal of consent count only where a provider "
                  "relies on them, complaints to the provider from 19 June 2026, sources of data unless all data comes "
                  "from the person; cookies fall under PECR and are not counted). "
                  "Providers are ranked by it, highest first.", "note"),
             Table(c.scores, widths=[46, 12, 14, 14, 14], scroll=True)]
    out.append(Section(2, "transparency", "Transparency score and ranking", score))
    names = [p.name for p in ok]
    heatmaps = [Image(figures.svg(figures.elements_heatmap(c.matrices["elements"].iloc[:-1][chunk], c.wide)),
                      f"Elements × providers{f' ({i + 1} of {len(_chunks(names))})' if len(names) > CHUNK else ''}: "
                      "green present, red absent, grey not applicable.", "Heatmap of elements by provider")
                for i, chunk in enumerate(_chunks(names))]
    out.append(Section(3, "elements", TITLES["elements"], [*heatmaps, _table(c, "elements")]))
    number = 4
    for name in ("lawful_bases", "special_categories", "transfers", "retention", "automated_decisions"):
        out.append(Section(number, name.replace("_", "-"), TITLES[name], [_table(c, name, drop_empty=name == "lawful_bases")]))
        number += 1
    counts = c.matrices["findings"].iloc[:3].T.astype(int)
    counts.columns = ["high", "medium", "low"]
    bars = [Image(figures.svg(figures.stacked_bars(counts.loc[chunk], SEVERITY_COLOURS, "findings")),
                  "Notice findings by severity.", "Findings by severity per provider") for chunk in _chunks(names)]
    out.append(Section(number, "findings", TITLES["findings"], [*bars, _table(c, "findings")]))
    number += 1
    audited = [p for p in ok if p.audit is not None]
    parts: list = [_table(c, "audits")]
    if audited:
        levels = pd.DataFrame([{**{f"{lv} before": p.audit["inherent"][lv] for lv in ("high", "medium", "low")},
                                **{f"{lv} after": p.audit["residual"][lv] for lv in ("high", "medium", "low")}}
                               for p in audited], index=[p.name for p in audited])
        for when in ("before", "after"):
            frame = levels[[f"{lv} {when}" for lv in ("high", "medium", "low")]]
            frame.columns = ["high", "medium", "low"]
            for chunk in _chunks(list(frame.index)):
                parts.append(Image(figures.svg(figures.stacked_bars(frame.loc[chunk], LEVEL_COLOURS, "risks")),
                                   f"Risk levels {when} measures, per audited provider.", f"Risk levels {when} measures"))
    else:
        parts.insert(0, Text("None of these providers has a full audit: screening and risk rows say 'no audit'.", "note"))
    out.append(Section(number, "audits", TITLES["audits"], parts))
    return out


def to_html(comparison: Comparison, attachments: str | None = None) -> str:
    """The comparison page; ``attachments`` is the stem of its CSV files (reports/comparison), named in a summarised page."""
    from .report.page import page

    body = ('<header><p class="kicker">Comparison of providers</p>'
            f"<h1>{len(comparison.providers):,} providers side by side</h1></header>"
            + "\n".join(s.html() for s in sections(comparison, attachments)))
    if comparison.summarised:  # too many providers for a column each: a searchable list of them instead
        from .report.search import provider_list

        body += provider_list(comparison, attachments)
    return page("Comparison of providers", body, landscape=True)
