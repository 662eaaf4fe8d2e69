"""The standalone HTML page every report is: inline CSS, embedded images, no scripts, nothing
fetched from a URL. The same page prints to PDF (A4, page numbers) through WeasyPrint.

Light on purpose: `dpia analyse --format html` builds its page here without loading the report's
figures (matplotlib) or the audit model (pandera).
"""

from __future__ import annotations

import html
import re
from string import Template

from ..report.palette import ELEMENTS, LEVEL_TEXT, LEVELS

# Long words break where they would overflow (overflow-wrap: break-word). `anywhere` breaks them the same way but
# also counts every letter as a break point when WeasyPrint sizes boxes to their content, which lays each text
# out twice: a third of the PDF's Pango layouts, for the same pages.
CSS = Template("""
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: string(provider); font-size: 8pt; color: #666; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #666; } }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #1d1d1f; line-height: 1.4;
       overflow-wrap: break-word; }
body { max-width: 64rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 20pt; margin: 0.1rem 0 0.6rem; string-set: provider content(); }
h2 { font-size: 14pt; margin: 1.6rem 0 0.5rem; padding-bottom: 0.2rem; border-bottom: 2px solid #2f4f7f; color: #2f4f7f;
     break-after: avoid; }
h3 { font-size: 11pt; margin: 1rem 0 0.3rem; break-after: avoid; }
h2 + p, h3 + p, h2 + .callout, h3 + .callout, .callout + table, .keep + table { break-before: avoid; }
.keep { break-inside: avoid; }  /* a heading with the short part it introduces (parts.kept_with_headings) */
p { orphans: 2; widows: 2; break-inside: avoid; }  /* short paragraphs: none is left as a few lines on a page */
section { break-before: auto; }
section#document { break-before: page; }  /* document control, method and limits: an appendix on its own page */
.kicker { text-transform: uppercase; letter-spacing: 0.08em; color: #2f4f7f; font-size: 8.5pt; margin: 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 0.3rem 0 0.8rem; font-size: 8pt; }
th, td { border: 1px solid #d5d9e0; padding: 3px 5px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; word-break: normal; hyphens: manual; }
th { hyphens: none; overflow-wrap: normal; }
thead th { background: #eef1f6; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
/* No page holds only the first or last one or two rows of a table; a short table stays whole. */
tbody tr:nth-child(2), tbody tr:nth-child(3), tbody tr:nth-last-child(-n+2) { break-before: avoid; }
table.short { break-inside: avoid; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 0.2rem 0; break-after: avoid; }
table.facts { width: auto; font-size: 9pt; table-layout: auto; }
table.facts th { background: none; border: none; padding-right: 1rem; color: #555; font-weight: normal; }
table.facts td { border: none; }
table.questions th { background: #f6f7f9; }
table.questions th .label { display: block; font-weight: bold; }
table.questions th .asks { display: block; font-weight: normal; color: #555; margin-top: 0.15rem; }
/* "To be completed": a blank to fill, seen at a glance, with a line to write on where there is room. */
td.blank { color: #5c4d00; font-style: italic; background: #fff6cc; }
table.questions td.blank::after { content: ""; display: block; border-bottom: 1px dotted #8a7400; margin: 0.9rem 0 0.1rem; }
td.gap { color: ${gap}; font-weight: bold; }
td.high { background: ${high}; color: ${high_text}; } td.medium { background: ${medium}; color: ${medium_text}; }
td.low { background: ${low}; color: ${low_text}; } td.ok { color: ${ok}; }
.callout { padding: 0.45rem 0.7rem; border-left: 4px solid #888; background: #f4f5f7; break-inside: avoid; }
.callout.alert { border-color: #b3261e; background: #fbeceb; }
.callout.ok { border-color: ${ok}; background: #e8f1f8; }
.callout.note { border-color: #2f4f7f; background: #edf2f9; }
.callout.medium { border-color: ${medium}; background: #fff6e5; }
.badge { display: inline-block; padding: 0.15rem 0.55rem; margin: 0 0.3rem 0.3rem 0; border-radius: 0.8rem;
         background: #e9ecf1; font-size: 9pt; }
.badge.high { background: ${high}; color: ${high_text}; } .badge.medium { background: ${medium}; color: ${medium_text}; }
.badge.low { background: ${low}; color: ${low_text}; } .badge.ok { background: ${ok}; color: #ffffff; }
.scope { color: #444; }
figure { margin: 0.6rem 0 1rem; break-inside: avoid; }
figure img { max-width: 100%; }
figcaption { font-size: 8.5pt; color: #555; }
ul { margin: 0.2rem 0 0.6rem 1.2rem; padding: 0; }
li { break-inside: avoid; }
.index td a, a { color: #2f4f7f; }
nav.links { font-size: 9pt; margin: 0 0 0.6rem; }
td.na { color: #888; }
.formula { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
.scroll { overflow: auto; max-height: 80vh; margin-bottom: 0.8rem; }
.scroll table { margin: 0; }
.scroll thead th { position: sticky; top: 0; }
@media print { body { margin: 0; max-width: none; padding: 0; } .scroll { overflow: visible; max-height: none; }
  figure img { max-height: 150mm; } }
""").substitute({"gap": ELEMENTS["✗"], "ok": ELEMENTS["✓"], **LEVELS, **{f"{k}_text": v for k, v in LEVEL_TEXT.items()}})
LANDSCAPE = "@page { size: A4 landscape; } body { max-width: 90rem; }"


def page(title: str, body: str, *, landscape: bool = False) -> str:
    """A complete, self-contained HTML document around already-escaped body HTML."""
    css = CSS + (LANDSCAPE if landscape else "")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{css}</style></head>\n<body>\n{breakable(body)}\n</body></html>\n")


# WeasyPrint lays out a word with no break opportunity in time that grows with the square of its length
# (a 20,000-character word: 35 s), whatever the CSS says; a zero-width space every few dozen characters
# of such a word brings that to about 3 s. Only text between tags is touched, and entities stay whole.
LONG_WORD = 80
_TEXT_NODE = re.compile(r">([^<]{" + str(LONG_WORD) + r",})<")
_LONG_RUN = re.compile(r"(?:[^\s<>&\u200b]|&#?\w+;){" + str(LONG_WORD) + ",}")
_PIECE = re.compile(r"(?:[^&]|&#?\w+;){1,30}")


def breakable(body: str) -> str:
    """Body HTML with a break opportunity (U+200B) every 30 characters of any word longer than LONG_WORD."""
    def node(match: re.Match) -> str:
        return ">" + _LONG_RUN.sub(lambda run: "\u200b".join(_PIECE.findall(run.group())), match.group(1)) + "<"

    return _TEXT_NODE.sub(node, body)
