"""The data-flow graph: sources -> activities -> recipients, with restricted transfers and unknown locations marked."""

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
    transfer: bool = False  # a restricted transfer: leaves the UK to another organisation
    verdict: str = "ok"  # the TransferCheck verdict
    location: str = "uk"  # uk | abroad | unknown
    unplaced: bool = False  # location unknown, and nothing recorded settles whether it is a transfer
    own_staff: bool = False  # the provider's own staff outside the UK: not a transfer


@dataclass
class FlowGraph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def layer(self, n: int) -> list[Node]:
        return [node for node in self.nodes if node.layer == n]

    @property
    def transfers(self) -> list[Edge]:
        return [e for e in self.edges if e.transfer]

    @property
    def unknown(self) -> list[Edge]:
        """Flows to recipients whose location the notice does not give (own staff apart: they make no transfer)."""
        return [e for e in self.edges if e.unplaced]

    @property
    def own_staff(self) -> list[Edge]:
        return [e for e in self.edges if e.own_staff]


def build(audit) -> FlowGraph:
    """The graph of an audit's flows, each judged under the law in force on the audit date."""
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
            add(Node(source, vocab.labels(("data_subjects", "recipient_types"), code), 0, "source"))
            graph.edges.append(Edge(source, activity))
    known = {n.id for n in graph.nodes}
    for row in records(audit.flows):
        activity = f"activity:{row['activity_id']}"
        if activity not in known:
            continue
        recipient = f"recipient:{row['recipient']}"
        try:
            checked = assess(row["country"], row.get("mechanism", ""), recipient_type=row.get("recipient_type", ""),
                             on=audit.law_date)
            country, transfer, verdict, location = checked.country, checked.restricted is True, checked.verdict, checked.location
            unplaced, own_staff = checked.unplaced, checked.own_staff
        except vocab.UnknownCodeError:
            country, transfer, verdict, location, unplaced, own_staff = row["country"], False, "missing", "unknown", True, False
        where = {"uk": "", "unknown": " [location unknown]"}.get(location, f" [{country}]")
        add(Node(recipient, row["recipient"] + where, 2, "recipient"))
        graph.edges.append(Edge(activity, recipient, row.get("data_categories", ""), transfer, verdict, location, unplaced, own_staff))
    return graph
