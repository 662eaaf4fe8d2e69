"""The provider list of a comparison too large to show provider by provider, with a search box.

One small inline script filters the list as the reader types; nothing is fetched, and every name is escaped
text. Printed (PDF) the list is left out: the scores CSV beside the page holds it.
"""

from __future__ import annotations

import html

import pandas as pd

CSS = ("#provider-search input { width: 24rem; padding: 0.3rem; margin: 0.3rem 0; font-size: 10pt; }"
       "#provider-search ol { columns: 2; font-size: 8.5pt; max-height: 28rem; overflow: auto; }"
       "#provider-search li.failed { color: #9b1c1c; }"
       "@media print { #provider-search { display: none; } }")

SCRIPT = """(function () {
  var box = document.getElementById("provider-filter"), items = document.querySelectorAll("#provider-list li"),
      count = document.getElementById("provider-count");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase(), shown = 0;
    for (var i = 0; i < items.length; i++) {
      var hit = !q || items[i].textContent.toLowerCase().indexOf(q) >= 0;
      items[i].hidden = !hit; if (hit) shown++;
    }
    count.textContent = shown.toLocaleString("en-GB");
  });
})();"""


def provider_list(comparison, attachments: str | None = None) -> str:
    """Every provider, ranked, with its score (or why it could not be read), and a box that filters them."""
    e = html.escape
    scores = {row.Provider: row for row in comparison.scores.itertuples()}
    items = []
    def order(p):
        rank = scores[p.name].Rank if p.name in scores else pd.NA
        return (10**9 if rank is pd.NA else int(rank), p.name.lower())

    for p in sorted(comparison.providers, key=order):
        if p.name in scores:
            s = scores[p.name]
            rank = "not ranked (not of comparable scope)" if s.Rank is pd.NA else f"rank {s.Rank:,}"
            items.append(f"<li>{e(p.name)}: {s.Score:.0%} ({s.Present} of {s.Applicable} elements), {rank}</li>")
        else:
            items.append(f'<li class="failed">{e(p.name)}: not read ({e(p.error or "")})</li>')
    where = f" ({e(attachments)}-scores.csv holds the same list)" if attachments else ""
    return (f'<style>{CSS}</style><section id="provider-search"><h2>Find a provider</h2>'
            f"<p>Every provider, highest score first{where}. Type part of a name, a score such as 85% or "
            f'"not read" to filter.</p><label>Search <input id="provider-filter" type="search" autocomplete="off"></label> '
            f'<span id="provider-count">{len(items):,}</span> shown'
            f'<ol id="provider-list">{"".join(items)}</ol></section><script>{SCRIPT}</script>')
