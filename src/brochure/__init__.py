"""brochure: printed briefing packs for business travellers, from structured city facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .content.catalog import Catalog, Selection, load_catalog, select
from .content.models import Layout, OutputFormat, PackRequest, Paper, Profile
from .errors import BrochureError
from .pack import BuildResult, CheckReport, build_pack, check_project
from .render.parts.plan import PartPolicy

if TYPE_CHECKING:
    from .many.batch import BatchReport, Outcome, build_batch

#: Imported when first asked for: a `brochure build` process never needs the batch module
#: (0.17 s of imports).
_BATCH = frozenset({"BatchReport", "Outcome", "build_batch"})


def __getattr__(name: str) -> Any:
    if name in _BATCH:
        from .many import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'brochure' has no attribute {name!r}")


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
