"""DPIA reports: content computed from an audit (``build_report``), run through the report notebook
with papermill and exported to self-contained HTML and PDF, one provider or a batch."""

from .content import DpiaReport, build_report

__all__ = ["DpiaReport", "build_report"]
