"""One root exception; every message says what went wrong and what to do about it."""

from __future__ import annotations


class DpiaError(Exception):
    """Root of every error the workbench raises for bad input or configuration.

    The CLI prints ``str(error)`` and exits 2; users never see a traceback for these.
    """


class VocabularyError(DpiaError):
    """A vocabulary file is malformed or one of its references does not resolve."""


class UnknownCodeError(VocabularyError):
    """A code is not in a vocabulary. Carries the close matches."""

    def __init__(self, vocabulary: str, code: str, suggestions: list[str], known: list[str]):
        self.vocabulary, self.code, self.suggestions = vocabulary, code, suggestions
        if suggestions:
            hint = "did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        else:
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            hint = f"known codes: {shown} (run `dpia vocab {vocabulary}` for the full list)"
        super().__init__(f"unknown {vocabulary} code {code!r}; {hint}")


class InputError(DpiaError):
    """A file given by the user cannot be read (missing, empty, wrong encoding, not text)."""


class OutputError(DpiaError, OSError):
    """An output cannot be written (a read-only folder, a file where a folder is expected, a full disk).

    Also an OSError, so code that tolerates a failed write (a cache) keeps catching it."""


class AuditInvalid(DpiaError):
    """An audit folder has validation errors; ``problems`` lists every one."""

    def __init__(self, problems):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        lines = "\n".join(str(p) for p in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s):\n{lines}{more}")
