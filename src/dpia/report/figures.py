"""The report's figures: the data-flow diagram and the risk map, drawn with matplotlib.

Figures are built on matplotlib.figure.Figure (no pyplot state, no GUI backend) and saved as
SVG with real text: a fifth of the time of a PNG, sharp in the PDF, and the same image in a
notebook, the HTML and the PDF.
"""

from __future__ import annotations

import io
import re

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from .. import risk
from ..flows import FlowGraph
from ..words import fit
from . import large, palette

KIND_COLOURS = {"source": "#eef1f6", "activity": "#fbf6ea", "recipient": "#f3f3f3"}


def svg(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "dpia", "font.family": "DejaVu Sans"}):
        fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
    return buffer.getvalue()


def png(fig: Figure, dpi: int = 200) -> bytes:
    buffer = io.BytesIO()
    with rc_context({"font.family": "DejaVu Sans"}):
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _wrap(text: str, width: int = 26, lines: int = 2) -> str:
    """A label in at most ``lines`` lines, cut at a word; a trailing status tag ("[location unknown]", "[France]")
    is kept whole and the name before it shortened instead."""
    name, tag = re.fullmatch(r"(.*?)((?: \[[^\]]+\])?)", " ".join(text.split())).groups()
    return fit(name, width, lines, tag)


def flow_diagram(graph: FlowGraph) -> Figure:
    """Three columns (where data comes from, activities, who receives it); transfers out of the UK in colour."""
    graph = large.diagram_graph(graph)
    columns = [graph.layer(n) for n in (0, 1, 2)]
    rows = max(1, *(len(c) for c in columns))
    fig = Figure(figsize=(8.2, max(2.9, 0.5 * rows + 1.1)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(-1.0, rows + 0.5)  # room below the boxes for the legend
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
        if edge.own_staff:
            colour, style, weight = palette.VERDICTS["own_staff"], "-.", 1.3
        elif edge.location == "unknown":
            colour, style, weight = palette.VERDICTS["unknown"], ":", 1.3
        elif edge.transfer or edge.location == "abroad":
            colour, style, weight = palette.VERDICTS.get(edge.verdict, palette.VERDICTS["gap"]), "--", 1.5
        else:
            colour, style, weight = palette.DOMESTIC, "-", 0.7
        ax.add_patch(FancyArrowPatch((x0 + width, y0), (x1, y1), arrowstyle="-|>", mutation_scale=8, color=colour,
                                     linewidth=weight, linestyle=style, shrinkA=2, shrinkB=2))
    _flow_legend(ax, graph)
    return fig


def _flow_legend(ax, graph: FlowGraph) -> None:
    from matplotlib.lines import Line2D

    entries = [("stays in the UK", palette.DOMESTIC, "-")]
    verdicts = {e.verdict for e in graph.edges if e.location == "abroad" and not e.own_staff}
    for verdict, words in (("ok", "outside the UK, lawful route"), ("check", "outside the UK, to check"),
                           ("gap", "outside the UK, no lawful route")):
        if verdict in verdicts or (verdict == "gap" and "missing" in verdicts):
            entries.append((words, palette.VERDICTS[verdict], "--"))
    if graph.unknown:
        entries.append(("location unknown", palette.VERDICTS["unknown"], ":"))
    if graph.own_staff:
        entries.append(("own staff abroad (not a transfer)", palette.VERDICTS["own_staff"], "-."))
    handles = [Line2D([0], [0], color=c, linestyle=ls, linewidth=1.5) for _, c, ls in entries]
    ax.legend(handles, [w for w, _, _ in entries], loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=min(4, len(entries)),
              fontsize=7.5, frameon=False, handlelength=2.5)


def risk_map(scored: pd.DataFrame, method: str) -> Figure:
    """Two likelihood x severity matrices, before and after the measures, each risk a labelled marker in its cell.

    Two panels rather than arrows across one matrix: no line can cross another risk's marker, and each risk's
    label stays readable however many share a cell.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    likelihood, severity = risk.scale(method, "likelihood"), risk.scale(method, "severity")
    fig = Figure(figsize=(7.6, 1.25 + 0.85 * len(likelihood)))
    panels = (("Before measures", "likelihood", "severity", False), ("After measures", "residual_likelihood",
                                                                     "residual_severity", True))
    for n, (title, lcol, scol, filled) in enumerate(panels):
        ax = fig.add_axes((0.1 + n * 0.46, 0.25, 0.38, 0.66))
        for i, lv in enumerate(likelihood):
            for j, sv in enumerate(severity):
                level = risk.score(lv, sv, method)
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=palette.LEVELS[level], edgecolor="white", linewidth=2))
                ax.text(j + 0.96, i + 0.05, level, ha="right", va="bottom", fontsize=6.5, color=palette.LEVEL_TEXT[level])
        placed: dict[tuple[int, int], list[str]] = {}
        for row in scored.itertuples():
            lv, sv = getattr(row, lcol), getattr(row, scol)
            if lv in likelihood and sv in severity:
                placed.setdefault((severity.index(sv), likelihood.index(lv)), []).append(str(row.risk_id))
        for (x, y), ids in placed.items():
            per_row = 3
            for k, rid in enumerate(ids[:9]):
                cx, cy = x + 0.2 + 0.3 * (k % per_row), y + 0.78 - 0.28 * (k // per_row)
                ax.plot(cx, cy, "o", markersize=15, markerfacecolor="#333333" if filled else "white",
                        markeredgecolor="#333333", markeredgewidth=1)
                ax.text(cx, cy, rid, ha="center", va="center", fontsize=7, color="white" if filled else "#1d1d1f")
            if len(ids) > 9:
                ax.text(x + 0.95, y + 0.05, f"+{len(ids) - 9}", ha="right", va="bottom", fontsize=7)
        ax.set_xlim(0, len(severity))
        ax.set_ylim(0, len(likelihood))
        ax.set_xticks([j + 0.5 for j in range(len(severity))], [s.capitalize() for s in severity], fontsize=7.5)
        ax.set_yticks([i + 0.5 for i in range(len(likelihood))], [lv.capitalize() for lv in likelihood] if n == 0 else [],
                      fontsize=7.5)
        ax.set_xlabel("Severity of harm", fontsize=8)
        if n == 0:
            ax.set_ylabel("Likelihood of harm", fontsize=8)
        ax.set_title(title, fontsize=9, fontweight="bold")
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
    handles = [Patch(facecolor=palette.LEVELS[lv], edgecolor="#999", label=f"{lv} risk") for lv in ("low", "medium", "high")]
    handles += [Line2D([0], [0], marker="o", linestyle="", markersize=9, markerfacecolor="white", markeredgecolor="#333",
                       label="a risk before its measures"),
                Line2D([0], [0], marker="o", linestyle="", markersize=9, color="#333", label="the same risk after them")]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=7.5, frameon=False, handlelength=1.2,
               columnspacing=1.2, bbox_to_anchor=(0.5, 0.0))
    return fig


ELEMENT_COLOURS = [palette.ELEMENTS["n/a"], palette.ELEMENTS["✗"], palette.ELEMENTS["✓"]]  # not applicable, absent, present


def elements_heatmap(matrix: pd.DataFrame, turned: bool) -> Figure:
    """Elements x providers, present blue and absent brown; ``turned`` puts providers down the side."""
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
        ax.barh(y, values, left=left, color=colours.get(column, "#999"), label=str(column), height=0.7,
                edgecolor="#6b6b6b", linewidth=0.4)  # the palest level stays visible on white
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks([])
    ax.set_ylim(-0.6, rows - 0.4)
    for position, label in zip(y, frame.index):
        ax.text(-0.02, position, _wrap(str(label), 40, 1), ha="right", va="center", fontsize=7,
                transform=ax.get_yaxis_transform())
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    # Above the bars, never over them.
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=max(1, len(frame.columns)), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
