"""The report's figures: the data-flow diagram and the risk map, drawn with matplotlib.

Figures are built on matplotlib.figure.Figure (no pyplot state, no GUI backend) and saved as
SVG with real text: a fifth of the time of a PNG, sharp in the PDF, and the same image in a
notebook, the HTML and the PDF.
"""

from __future__ import annotations

import io
import textwrap

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from .. import risk
from ..flows import FlowGraph
from . import large

LEVEL_COLOURS = {"low": "#cfe8cf", "medium": "#ffe3a3", "high": "#f4b6b0"}
KIND_COLOURS = {"source": "#e8eef7", "activity": "#fff7e0", "recipient": "#eef6ee"}
TRANSFER = {"ok": "#1f6f3f", "check": "#b26b00", "gap": "#b3261e", "missing": "#b3261e"}
UNKNOWN = "#6a5acd"  # a location the notice does not give: neither in the UK nor a transfer until confirmed


def svg(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "dpia", "font.family": "DejaVu Sans"}):
        fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
    return buffer.getvalue()


def _wrap(text: str, width: int = 26, lines: int = 2) -> str:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def flow_diagram(graph: FlowGraph) -> Figure:
    """Three columns (where data comes from, activities, who receives it); transfers out of the UK in colour."""
    graph = large.diagram_graph(graph)
    columns = [graph.layer(n) for n in (0, 1, 2)]
    rows = max(1, *(len(c) for c in columns))
    fig = Figure(figsize=(8.2, max(2.6, 0.5 * rows + 0.8)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.3, rows + 0.5)
    ax.axis("off")
    xs, width, height = (0.05, 3.5, 6.95), 3.0, 0.62
    position = {}
    for col, nodes in enumerate(columns):
        gap = rows / max(1, len(nodes))
        for i, node in enumerate(nodes):
            y = rows - (i + 0.5) * gap
            position[node.id] = (xs[col], y)
            ax.add_patch(FancyBboxPatch((xs[col], y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                        facecolor=KIND_COLOURS[node.kind], edgecolor="#667", linewidth=0.8))
            ax.text(xs[col] + width / 2, y, _wrap(node.label, 30), ha="center", va="center", fontsize=7.5)
    for title, x in zip(("Where the data comes from", "Processing activities", "Who receives it"), xs):
        ax.text(x + width / 2, rows + 0.25, title, ha="center", va="center", fontsize=9, fontweight="bold")
    for edge in graph.edges:
        if edge.source not in position or edge.target not in position:
            continue
        (x0, y0), (x1, y1) = position[edge.source], position[edge.target]
        if edge.location == "unknown":
            colour, style, weight = UNKNOWN, ":", 1.2
        elif edge.transfer or edge.location == "abroad":
            colour, style, weight = TRANSFER.get(edge.verdict, "#b3261e"), "--", 1.4
        else:
            colour, style, weight = "#8a8f99", "-", 0.7
        ax.add_patch(FancyArrowPatch((x0 + width, y0), (x1, y1), arrowstyle="-|>", mutation_scale=8, color=colour,
                                     linewidth=weight, linestyle=style, shrinkA=2, shrinkB=2))
    legend = []
    if any(e.location == "abroad" for e in graph.edges):
        legend.append("dashed: outside the UK (green: lawful route; amber: check; red: gap)")
    if graph.unknown:
        legend.append("dotted violet: location unknown")
    if legend:
        ax.text(10, -0.2, "; ".join(legend), ha="right", va="bottom", fontsize=7, color="#444")
    return fig


def risk_map(scored: pd.DataFrame, method: str) -> Figure:
    """Likelihood x severity matrix, each risk before (hollow) and after (filled) its measures."""
    likelihood, severity = risk.scale(method, "likelihood"), risk.scale(method, "severity")
    fig = Figure(figsize=(7.2, 0.9 + 1.05 * len(likelihood)))
    ax = fig.add_axes((0.17, 0.14, 0.8, 0.8))
    for i, lv in enumerate(likelihood):
        for j, sv in enumerate(severity):
            level = risk.score(lv, sv, method)
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=LEVEL_COLOURS[level], edgecolor="white", linewidth=2))
            ax.text(j + 0.97, i + 0.05, level, ha="right", va="bottom", fontsize=7, color="#555")
    ax.set_xlim(0, len(severity))
    ax.set_ylim(0, len(likelihood))
    ax.set_xticks([j + 0.5 for j in range(len(severity))], [s.capitalize() for s in severity], fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(len(likelihood))], [lv.capitalize() for lv in likelihood], fontsize=8)
    ax.set_xlabel("Severity of harm", fontsize=9)
    ax.set_ylabel("Likelihood of harm", fontsize=9)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    placed: dict[tuple[int, int], int] = {}

    def spot(lv: str, sv: str) -> tuple[float, float]:
        cell = (severity.index(sv), likelihood.index(lv))
        n = placed.get(cell, 0)
        placed[cell] = n + 1
        return cell[0] + 0.18 + 0.2 * (n % 4), cell[1] + 0.78 - 0.22 * (n // 4 % 4)

    shown = large.map_risks(scored)
    if len(shown) < len(scored):
        ax.set_title(f"The {len(shown)} highest of {len(scored):,} risks", fontsize=8, color="#444")
    for row in shown.itertuples():
        before = spot(row.likelihood, row.severity)
        after = spot(row.residual_likelihood, row.residual_severity)
        ax.add_patch(FancyArrowPatch(before, after, arrowstyle="-|>", mutation_scale=7, color="#555", linewidth=0.7,
                                     shrinkA=5, shrinkB=5))
        ax.plot(*before, "o", markersize=9, markerfacecolor="white", markeredgecolor="#333")
        ax.plot(*after, "o", markersize=9, color="#333")
        ax.text(*before, row.risk_id, ha="center", va="center", fontsize=5.5)
        ax.text(*after, row.risk_id, ha="center", va="center", fontsize=5.5, color="white")
    ax.text(0, -0.55 if len(likelihood) == 3 else -0.6, "hollow: before measures   filled: after measures",
            fontsize=7, color="#444", transform=ax.transData)
    return fig


ELEMENT_COLOURS = ["#d9d9d9", "#e8a39c", "#7fbf8e"]  # not applicable, absent, present


def elements_heatmap(matrix: pd.DataFrame, turned: bool) -> Figure:
    """Elements x providers, present green and absent red; ``turned`` puts providers down the side."""
    from matplotlib.colors import ListedColormap

    data = matrix.replace({"✓": 2, "✗": 1, "n/a": 0}).astype(int)
    if turned:
        data = data.T
    rows, cols = data.shape
    row_labels = [_wrap(str(i), 42, 1) for i in data.index]
    col_labels = [_wrap(str(c), 28, 1) for c in data.columns]
    # Margins in inches from the longest labels (6.5 pt text is about 0.055 in a character).
    left = 0.3 + 0.055 * max((len(label) for label in row_labels), default=0)
    bottom = 0.3 + 0.048 * max((len(label) for label in col_labels), default=0)
    cw, ch = (0.24, 0.2) if turned else (0.42, 0.22)
    width, height = left + cols * cw + 0.2, bottom + rows * ch + 0.15
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((left / width, bottom / height, cols * cw / width, rows * ch / height))
    ax.imshow(data.to_numpy(), cmap=ListedColormap(ELEMENT_COLOURS), vmin=0, vmax=2, aspect="auto", interpolation="nearest")
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    # Labels as plain text and the grid as two line collections: matplotlib's per-tick objects cost
    # ten times as much, which matters when a comparison draws a dozen heatmaps of fifty providers.
    ax.set_xticks([])
    ax.set_yticks([])
    ax.hlines([y + 0.5 for y in range(rows - 1)], -0.5, cols - 0.5, colors="white", linewidth=0.8)
    ax.vlines([x + 0.5 for x in range(cols - 1)], -0.5, rows - 0.5, colors="white", linewidth=0.8)
    for y, label in enumerate(row_labels):
        ax.text(-0.7, y, label, ha="right", va="center", fontsize=6.5)
    for x, label in enumerate(col_labels):
        ax.text(x, rows - 0.3, label, ha="right", va="top", fontsize=6.5, rotation=60, rotation_mode="anchor")
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


def stacked_bars(frame: pd.DataFrame, colours: dict[str, str], xlabel: str) -> Figure:
    """One horizontal bar per row of ``frame`` (providers), stacked by its columns."""
    rows = len(frame)
    fig = Figure(figsize=(7.5, max(1.8, 0.8 + 0.24 * rows)))
    ax = fig.add_axes((0.34, 0.12 if rows > 6 else 0.25, 0.62, 0.82 if rows > 6 else 0.65))
    left = [0.0] * rows
    y = list(range(rows))[::-1]
    for column in frame.columns:
        values = frame[column].astype(float).tolist()
        ax.barh(y, values, left=left, color=colours.get(column, "#999"), label=str(column), height=0.7)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks([])
    ax.set_ylim(-0.6, rows - 0.4)
    for position, label in zip(y, frame.index):
        ax.text(-0.02, position, _wrap(str(label), 40, 1), ha="right", va="center", fontsize=7,
                transform=ax.get_yaxis_transform())
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
