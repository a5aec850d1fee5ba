"""brochure: printed briefing packs for business travellers, from structured city facts."""

from __future__ import annotations

from ._version import __version__
from .content.catalog import Catalog, Selection, load_catalog, select
from .content.models import Layout, OutputFormat, PackRequest, Paper, Profile
from .errors import BrochureError
from .many.batch import BatchReport, Outcome, build_batch
from .pack import BuildResult, CheckReport, build_pack, check_project
from .render.parts.plan import PartPolicy

__all__ = [
    "BatchReport",
    "BrochureError",
    "BuildResult",
    "Catalog",
    "CheckReport",
    "Layout",
    "Outcome",
    "OutputFormat",
    "PackRequest",
    "Paper",
    "PartPolicy",
    "Profile",
    "Selection",
    "__version__",
    "build_batch",
    "build_pack",
    "check_project",
    "load_catalog",
    "select",
]
