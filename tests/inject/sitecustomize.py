"""A fault planted inside real worker processes, for the batch-integrity tests.

Put this folder on PYTHONPATH and set BROCHURE_TEST_FAULTS=1: any Python process that
starts then (a batch's spawned workers, a `dask worker`) fails packs for the traveller
"Pikepdf Failure" with pikepdf's own exception, as a broken object met while stitching or
imposing would. Nothing else changes; without the variable this file does nothing.
"""

from __future__ import annotations

import os

if os.environ.get("BROCHURE_TEST_FAULTS") == "1":
    from typing import Any

    import pikepdf

    import brochure.many.batch
    import brochure.pack

    _real = brochure.pack.render_pack

    def _render_pack(prepared: Any, part_policy: Any = None) -> Any:
        if prepared.request.traveller == "Pikepdf Failure":
            raise pikepdf.PdfError("injected: object 12 0 is damaged (while stitching)")
        return _real(prepared, part_policy)

    # `import brochure` has already bound the real function in many.batch: replace both
    brochure.pack.render_pack = _render_pack
    setattr(brochure.many.batch, "render_pack", _render_pack)  # noqa: B010 - not exported
