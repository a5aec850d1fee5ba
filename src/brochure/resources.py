"""Where the built-in content and theme live, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def builtin_root() -> Path:
    """The folder holding the built-in `data/`, `templates/` and `styles/`.

    A wheel carries them in `brochure/_builtin/`; an editable install or a
    source checkout finds them at the top of the repository.
    """
    shipped = _PACKAGE / "_builtin"
    if (shipped / "templates").is_dir():
        return shipped
    return _PACKAGE.parent.parent


def builtin_data() -> Path:
    """The bundled content folder."""
    return builtin_root() / "data"


def builtin_templates() -> Path:
    """The built-in Jinja templates."""
    return builtin_root() / "templates"


def builtin_styles() -> Path:
    """The built-in print stylesheets."""
    return builtin_root() / "styles"


def builtin_fonts() -> Path:
    """The bundled font files (SIL OFL 1.1)."""
    return builtin_root() / "fonts"
