"""brochure: printed briefing packs for business travellers, from structured city facts."""

from __future__ import annotations

from .catalog import Catalog, Selection, load_catalog, select
from .errors import BrochureError
from .models import OutputFormat, PackRequest, Paper
from .pack import BuildResult, build_pack, check_project

__version__ = "0.1.0"

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
