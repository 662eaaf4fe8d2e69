"""dpia: a workbench for data protection impact assessments of UK health and social care providers."""

from .errors import DpiaError

__all__ = ["Audit", "DpiaError", "load", "save"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # The audit model needs pandas and pandera; `dpia analyse` and `import dpia.notice` do not.
    if name in ("Audit", "load", "save"):
        from . import audit

        return getattr(audit, name)
    raise AttributeError(f"module 'dpia' has no attribute {name!r}")
