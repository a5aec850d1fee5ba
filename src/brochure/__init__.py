"""brochure: printed briefing packs for business travellers, from structured city facts."""

from __future__ import annotations

from ._version import __version__
from .content.catalog import Catalog, Selection, load_catalog, select
from .content.models import OutputFormat, PackRequest, Paper
from .errors import BrochureError
from .pack import BuildResult, build_pack, check_project

__all__ = [
    "BrochureError",
    "BuildResult",
    "Catalog",
    "OutputFormat",
    "PackRequest",
    "Paper",
    "Selection",
    "__version__",
    "build_pack",
    "check_project",
    "load_catalog",
    "select",
]
