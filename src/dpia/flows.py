"""The data-flow graph: sources -> activities -> recipients, with restricted transfers marked."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import vocab
from .tables import records
from .transfers import assess
from .vocab import split_codes


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    layer: int  # 0 sources, 1 activities, 2 recipients
    kind: str  # source | activity | recipient


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    transfer: bool = False  # leaves the UK
    verdict: str = "ok"  # the TransferCheck verdict for a transfer


@dataclass
class FlowGraph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def layer(self, n: int) -> list[Node]:
        return [node for node in self.nodes if node.layer == n]

    @property
    def transfers(self) -> list[Edge]:
        return [e for e in self.edges if e.transfer]


def _party_label(code: str) -> str:
    for name in ("data_subjects", "recipient_types"):
        voc = vocab.get(name)
        resolved = voc.resolve(code)
        if resolved:
            return voc.terms[resolved].label
    return code


def build(audit) -> FlowGraph:
    graph = FlowGraph()
    seen: set[str] = set()

    def add(node: Node) -> None:
        if node.id not in seen:
            seen.add(node.id)
            graph.nodes.append(node)

    for row in records(audit.activities):
        activity = f"activity:{row['activity_id']}"
        add(Node(activity, f"{row['activity_id']} {row['name']}", 1, "activity"))
        for code in split_codes(row.get("sources", "")) or split_codes(row.get("data_subjects", "")):
            source = f"source:{code}"
            add(Node(source, _party_label(code), 0, "source"))
            graph.edges.append(Edge(source, activity))
    known = {n.id for n in graph.nodes}
    for row in records(audit.flows):
        activity = f"activity:{row['activity_id']}"
        if activity not in known:
            continue
        recipient = f"recipient:{row['recipient']}"
        try:
            checked = assess(row["country"], row.get("mechanism", ""))
            country, transfer, verdict = checked.country, checked.restricted, checked.verdict
        except vocab.UnknownCodeError:
            country, transfer, verdict = row["country"], True, "missing"
        where = "location not stated" if country == vocab.NOT_STATED else country
        label = row["recipient"] + ("" if not transfer else f" [{where}]")
        add(Node(recipient, label, 2, "recipient"))
        graph.edges.append(Edge(activity, recipient, row.get("data_categories", ""), transfer, verdict))
    return graph
