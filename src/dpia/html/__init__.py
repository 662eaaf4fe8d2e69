"""The page shell and the parts every HTML output is made of (reports, the comparison, notice profiles).

It needs pandas and nothing heavier: no matplotlib, no pandera, no notebook machinery.
"""

from .page import CSS, page
from .parts import Heading, Image, Items, Links, Part, Questions, Section, Table, Text

__all__ = ["CSS", "Heading", "Image", "Items", "Links", "Part", "Questions", "Section", "Table", "Text", "page"]
