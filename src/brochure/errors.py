"""The one exception family brochure raises for anything a user can fix."""

from __future__ import annotations

from collections.abc import Iterable


class BrochureError(Exception):
    """Base class: the message is meant for the person running brochure."""

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class DataError(BrochureError):
    """Content files are missing, malformed or inconsistent."""


class SelectionError(BrochureError):
    """A requested city or topic does not exist."""


class TemplateError(BrochureError):
    """A template failed to load or render."""


class BrandError(BrochureError):
    """A brand kit is missing, malformed, or names files it cannot use."""


class RenderError(BrochureError):
    """WeasyPrint could not produce a clean document."""


class ResourceError(RenderError):
    """A document asked for a resource it may not read."""


class OutputError(BrochureError):
    """The output file cannot be written."""
