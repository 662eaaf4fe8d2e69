"""The page shell now lives in dpia.html (light enough for `dpia analyse`); this name stays for code that imports it here."""

from ..html.page import CSS, LANDSCAPE, breakable, page

__all__ = ["CSS", "LANDSCAPE", "breakable", "page"]
