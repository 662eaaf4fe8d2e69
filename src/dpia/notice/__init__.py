"""Reading privacy notices: text with offsets, element detection, findings.

``analyse(text, source=..., audit_date=...)`` returns a NoticeProfile; ``read_notice(path)``
decodes a .txt, .md or .html file the way `dpia analyse` does.
"""

from .profile import NoticeProfile, analyse
from .rules import ELEMENT_IDS
from .text import NoticeText, prepare, read_notice

__all__ = ["ELEMENT_IDS", "NoticeProfile", "NoticeText", "analyse", "prepare", "read_notice"]
