"""dpia: a workbench for data protection impact assessments of UK health and social care providers."""

from .audit import Audit, load, save
from .errors import DpiaError

__all__ = ["Audit", "DpiaError", "load", "save"]
__version__ = "0.1.0"
