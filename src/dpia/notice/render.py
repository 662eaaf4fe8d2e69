"""A notice profile as a terminal checklist or a standalone HTML page (everything escaped)."""

from __future__ import annotations

import html

from . import rules
from .profile import NoticeProfile

SEVERITIES = ("high", "medium", "low")


def _quote(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(element_id: str) -> str:
    rule = rules.elements()[element_id]
    return f"{rule.label} ({rule.article})"


def _retention(profile: NoticeProfile) -> str:
    periods = f" ({'; '.join(profile.retention_periods)})" if profile.retention_periods else ""
    return profile.retention_status + periods


def to_text(profile: NoticeProfile, *, colour: bool = False) -> str:
    tick, cross, dash = ("\033[32m✓\033[0m", "\033[31m✗\033[0m", "–") if colour else ("✓", "✗", "–")
    lines = [f"{profile.organisation or profile.source} — notice profile ({profile.source}, read as {profile.encoding})",
             f"last updated: {profile.last_updated or 'no date'}; audit date: {profile.audit_date}; "
             f"transparency {profile.transparency_score:.0%}", "", "Article 13/14 elements"]
    for key, element in profile.elements.items():
        if not profile.applicable(key):
            lines.append(f"  {dash} {_label(key)}: not applicable (legitimate interests not relied on)")
            continue
        mark = tick if element.present else cross
        quote = f'  "{_quote(element.evidence[0].text)}"' if element.present and element.evidence else ""
        lines.append(f"  {mark} {_label(key)}{quote}")
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


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e3e3;padding:.35rem .5rem;vertical-align:top;text-align:left}
.yes{color:#17702e;font-weight:bold}.no{color:#b3261e;font-weight:bold}.na{color:#777}
blockquote{margin:.2rem 0;color:#444;font-size:.9rem;border-left:3px solid #ddd;padding-left:.5rem}
.sev-high{color:#b3261e}.sev-medium{color:#9a5b00}.sev-low{color:#555}.meta{color:#555}
"""


def to_html(profile: NoticeProfile) -> str:
    e = html.escape
    title = e(profile.organisation or profile.source)
    rows = []
    for key, element in profile.elements.items():
        if not profile.applicable(key):
            mark, quote = '<span class="na">–</span>', "not applicable"
        else:
            mark = '<span class="yes">✓</span>' if element.present else '<span class="no">✗</span>'
            quote = "".join(f"<blockquote>{e(_quote(ev.text, 300))}</blockquote>" for ev in element.evidence[:2])
        rows.append(f"<tr><td>{mark}</td><td>{e(_label(key))}</td><td>{quote}</td></tr>")
    findings = []
    for f in profile.findings:
        quote = "".join(f"<blockquote>{e(_quote(ev.text, 300))}</blockquote>" for ev in f.evidence[:2])
        findings.append(f'<tr><td class="sev-{e(f.severity)}">{e(f.severity)}</td><td><code>{e(f.code)}</code></td>'
                        f"<td>{e(f.message)}{quote}</td></tr>")
    facts = [
        ("Lawful bases", f"Art 6(1): {', '.join(profile.art6) or 'none'}; Art 9(2): {', '.join(profile.art9) or 'none'}; "
                         f"DPA 2018 Schedule 1: {'cited' if profile.dpa2018_schedule1 else 'not cited'}"),
        ("Special categories", ", ".join(profile.special_categories) or "none"),
        ("Transfers", f"{profile.transfer_status}; mechanisms: {', '.join(profile.transfer_mechanisms) or 'none'}; "
                      f"countries: {', '.join(profile.transfer_countries) or 'none'}"),
        ("Retention", _retention(profile)),
        ("Automated decisions", profile.automated_decision_making),
    ]
    fact_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Notice profile: {title}</title><style>{CSS}</style></head>
<body><h1>Notice profile: {title}</h1>
<p class="meta">Source {e(profile.source)} (read as {e(profile.encoding)}) · last updated {e(profile.last_updated or 'no date')} ·
audited as of {e(profile.audit_date)} · transparency {profile.transparency_score:.0%} of applicable elements</p>
<h2>Article 13/14 elements</h2><table>{''.join(rows)}</table>
<h2>What the notice says</h2><table>{fact_rows}</table>
<h2>Findings ({len(profile.findings)})</h2><table>{''.join(findings) or '<tr><td>none</td></tr>'}</table>
</body></html>
"""
