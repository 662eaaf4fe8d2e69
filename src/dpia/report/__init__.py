"""DPIA reports: content computed from an audit (``build_report``), run through the report notebook
with papermill and exported to self-contained HTML and PDF, one provider or a batch.

Importing a submodule (``dpia.report.palette``) does not load the report's content and figures:
``build_report`` and ``DpiaReport`` are imported on first use.
"""

__all__ = ["DpiaReport", "build_report"]


def __getattr__(name: str):
    if name in __all__:
        from . import content

        return getattr(content, name)
    raise AttributeError(f"module 'dpia.report' has no attribute {name!r}")
