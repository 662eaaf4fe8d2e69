"""Small helpers for prose in reports, forms and messages: counts with the right plural, lists joined, text cut at a word."""

from __future__ import annotations

import re
import textwrap


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 risk', '3 risks', '2 criteria' (plural('criterion', 'criteria'))."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def joined(items: list[str], word: str = "and") -> str:
    """'A', 'A and B', 'A, B and C' (or another word: joined(items, 'or'))."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}" if items else ""


_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def unmark(text: str) -> str:
    """Text without Markdown's bold markers (a notice saved from a web page may carry them): "**Your rights**" -> "Your rights"."""
    return _EMPHASIS.sub(r"\2", text)


def cut(text: str, width: int, end: str = "…") -> str:
    """Text of at most ``width`` characters, cut at a space (never mid-word) and ended with ``end`` where cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = text[: width - len(end) + 1]
    words = head.rsplit(" ", 1)[0] if " " in head else head[: width - len(end)]
    return words.rstrip(" ,;:.") + end


def fit(text: str, width: int, lines: int, tag: str = "") -> str:
    """``text`` wrapped in at most ``lines`` lines of ``width``, followed by ``tag`` (kept whole): the text loses
    words from its end, then a word loses letters, until both fit."""
    def wrapped(body: str) -> list[str]:
        return textwrap.wrap(f"{body}{tag}", width) or [""]

    if len(wrapped(text)) <= lines:
        return "\n".join(wrapped(text))
    words = text.split()
    while len(words) > 1 and len(wrapped(" ".join(words) + "…")) > lines:
        words.pop()
    body = " ".join(words).rstrip(" ,;:.")
    while len(body) > 1 and len(wrapped(body + "…")) > lines:
        body = body[:-1]
    return "\n".join(wrapped(body + "…"))


def agree(n: int, one: str, many: str) -> str:
    """The form that agrees with a count: agree(1, 'has', 'have') is 'has'."""
    return one if n == 1 else many
