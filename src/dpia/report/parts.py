"""The report's parts now live in dpia.html (light enough for `dpia analyse`); this name stays for code that imports it here."""

from ..html.parts import SHORT_TABLE, Heading, Image, Items, Part, Questions, Section, Table, Text

__all__ = ["SHORT_TABLE", "Heading", "Image", "Items", "Part", "Questions", "Section", "Table", "Text"]
