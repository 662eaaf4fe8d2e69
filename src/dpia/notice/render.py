"""A notice profile as a terminal checklist or a standalone HTML page (everything escaped)."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from . import rules
from .profile import NoticeProfile

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("high", "medium", "low")


def _quote(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(element_id: str, day: Any) -> str:
    rule = rules.elements()[element_id]
    return f"{rule.label} ({rule.article_on(day)})"


def _retention(profile: NoticeProfile) -> str:
    periods = f" ({'; '.join(profile.retention_periods)})" if profile.retention_periods else ""
    return profile.retention_status + periods


def to_text(profile: NoticeProfile, *, colour: bool = False) -> str:
    tick, cross, dash = ("\033[32m✓\033[0m", "\033[31m✗\033[0m", "–") if colour else ("✓", "✗", "–")
    lines = [f"{profile.organisation or profile.source} — notice profile ({profile.source}, read as {profile.encoding})",
             f"last updated: {profile.last_updated or 'no date'}; audit date: {profile.audit_date}; "
             f"transparency {profile.transparency_score:.0%}", "", "Article 13/14 elements"]
    for key, element in profile.elements.items():
        because = profile.not_applicable_because(key)
        if because and not element.present:
            lines.append(f"  {dash} {_label(key, profile.audit_date)}: not applicable ({because})")
            continue
        mark = (tick if element.present else cross) if not because else dash
        quote = f'  "{_quote(element.evidence[0].text)}"' if element.present and element.evidence else ""
        lines.append(f"  {mark} {_label(key, profile.audit_date)}{quote}")
    lines += ["", f"Lawful bases: Art 6(1) {', '.join(profile.art6) or 'none'}; Art 9(2) {', '.join(profile.art9) or 'none'}; "
              f"DPA 2018 Sch 1 {'cited' if profile.dpa2018_schedule1 else 'not cited'}",
              f"Special categories: {', '.join(profile.special_categories) or 'none'}",
              f"Transfers: {profile.transfer_status}; mechanisms {', '.join(profile.transfer_mechanisms) or 'none'}; "
              f"countries {', '.join(profile.transfer_countries) or 'none'}",
              f"Retention: {_retention(profile)}",
              f"Automated decisions: {profile.automated_decision_making}", "", f"Findings ({len(profile.findings)})"]
    for severity in SEVERITIES:
        group = [f for f in profile.findings if f.severity == severity]
        if group:
            lines.append(f"  {severity.upper()}")
            for finding in group:
                lines.append(f"    {finding.code}: {finding.message}")
                if finding.evidence:
                    lines.append(f'      "{_quote(finding.evidence[0].text, 80)}"')
    return "\n".join(lines) + "\n"


def checklist(profile: NoticeProfile, width: int = 220) -> pd.DataFrame:
    """One row per Art 13/14 element: present or not, and the notice's words that show it."""
    import pandas as pd  # not loaded for the text and JSON formats

    rows = []
    for key, element in profile.elements.items():
        because = profile.not_applicable_because(key)
        if because and not element.present:
            mark, quote = "n/a", f"not applicable: {because}"
        elif because:
            mark, quote = "n/a", f"{element.evidence[0].text if element.evidence else ''} (not counted: {because})"
        else:
            mark = "✓" if element.present else "✗"
            quote = element.evidence[0].text if element.present and element.evidence else ""
        rows.append({"": mark, "Element": _label(key, profile.audit_date), "What the notice says": _quote(quote, width)})
    return pd.DataFrame(rows)


def term(field: str, value: str) -> str:
    """A code of the profile (a finding, a status, a transfer route) as a client reads it (vocab/profile_terms.yaml)."""
    from .. import vocab

    return vocab.labels("profile_terms", f"{field}.{value}")


def findings_table(profile: NoticeProfile, width: int = 220) -> pd.DataFrame:
    """One row per finding, most severe first: its title and what it means in words, never its code."""
    import pandas as pd

    return pd.DataFrame([{"Severity": f.severity, "Finding": term("finding", f.code), "What it means": f.message,
                          "Where": _quote(f.evidence[0].text, width) if f.evidence else ""} for f in profile.findings],
                        columns=["Severity", "Finding", "What it means", "Where"])


def facts(profile: NoticeProfile) -> list[tuple[str, str]]:
    """What the notice says about its lawful bases, special categories, transfers, retention and automated decisions,
    each code by its label and article."""
    from .. import vocab

    def letters(name: str, chosen: list[str]) -> str:
        return "; ".join(vocab.cited(t) for t in vocab.get(name) if t["letter"] in chosen) or "none"

    countries = vocab.labels("countries", "; ".join(profile.transfer_countries), empty="none named")
    routes = ", ".join(term("mechanism", m) for m in profile.transfer_mechanisms) or "none named"
    return [
        ("Lawful bases (Art 6)", letters("art6", profile.art6)),
        ("Conditions for special category data (Art 9)", letters("art9", profile.art9)),
        ("DPA 2018 Schedule 1", "cited" if profile.dpa2018_schedule1 else "not cited"),
        ("Special categories", vocab.labels("special_categories", "; ".join(profile.special_categories), empty="none")),
        ("Transfers", f"{term('transfers', profile.transfer_status)}; routes: {routes}; countries: {countries}"),
        ("Retention", term("retention", profile.retention_status)
         + (f" ({'; '.join(profile.retention_periods)})" if profile.retention_periods else "")),
        ("Automated decisions", term("adm", profile.automated_decision_making)),
    ]


MARKS = {"✗": "gap", "✓": "ok", "high": "high", "medium": "medium", "low": "low"}


def to_html(profile: NoticeProfile) -> str:
    """A standalone page: the report's page shell, tables and escaping (dpia.html, which loads no report machinery)."""
    import pandas as pd

    from ..html.page import page
    from ..html.parts import Heading, Table, Text
    from ..vocab import long_date

    def day(iso: str | None) -> str:
        return long_date(dt.date.fromisoformat(iso)) if iso else "no date"

    title = profile.organisation or "Privacy notice"
    said = pd.DataFrame([{"": "Last updated", "What the notice says": day(profile.last_updated)}]
                        + [{"": k, "What the notice says": v} for k, v in facts(profile)])
    parts = [Text(f"Audited as of {day(profile.audit_date)}: the notice covers {profile.transparency_score:.0%} of the "
                  "applicable Article 13/14 elements.", "note"),
             Heading("Article 13/14 elements"), Table(checklist(profile, 300), widths=[4, 36, 60], marks=MARKS),
             Heading("What the notice says"), Table(said, widths=[26, 74]),
             Heading(f"Findings ({len(profile.findings)})"),
             Table(findings_table(profile, 300), widths=[9, 20, 42, 29], marks=MARKS)]
    body = (f'<header><p class="kicker">Notice profile</p><h1>{html.escape(title)}</h1></header>'
            + "\n".join(p.html() for p in parts))
    return page(f"Notice profile: {title}", body)
