"""Faults planted inside real processes, for the batch-integrity and fault tests.

Put this folder on PYTHONPATH and set BROCHURE_TEST_FAULTS=1: any Python process that
starts then (a batch's spawned workers, a `dask worker`) fails packs for the traveller
"Pikepdf Failure" with pikepdf's own exception, as a broken object met while stitching or
imposing would.

Set BROCHURE_TEST_HOLD=FOLDER as well (or instead) and a test can stop a real process at a
known point, to kill or interrupt it there: a pack for a traveller (say "Ann A") holds
before it renders when the test has created `FOLDER/ann-a.hold`, and a pack laid out in
parts holds before its parts are stitched when `FOLDER/stitch.hold` exists, and an atomic
write (a PDF, the report, the record) holds with half its bytes written when
`FOLDER/write.hold` exists. The first process to get there takes the
hold (renames it `.taken`, so a retry goes through), writes its pid to `NAME.held` and
waits until the test creates `NAME.go` (at most a minute). See tests/holds.py.

Nothing else changes; without the variables this file does nothing.
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

if os.environ.get("BROCHURE_TEST_HOLD"):
    import re
    import time
    from pathlib import Path
    from typing import Any

    import brochure.many.batch
    import brochure.pack
    import brochure.render.output
    import brochure.render.parts.layout

    _folder = Path(os.environ["BROCHURE_TEST_HOLD"])

    def _hold(name: str) -> None:
        """Wait here if the test armed `name`, and only the first time."""
        try:
            (_folder / f"{name}.hold").rename(_folder / f"{name}.taken")
        except FileNotFoundError:
            return
        note = _folder / f".{name}.{os.getpid()}"
        note.write_text(str(os.getpid()))
        note.rename(_folder / f"{name}.held")  # whole when it appears
        deadline = time.monotonic() + 60
        while not (_folder / f"{name}.go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    _held_render = brochure.pack.render_pack

    def _holding_render(prepared: Any, part_policy: Any = None) -> Any:
        who = prepared.request.traveller or "pack"
        _hold(re.sub(r"[^a-z0-9]+", "-", who.casefold()).strip("-"))
        return _held_render(prepared, part_policy)

    _real_stitch = getattr(brochure.render.parts.layout, "Stitching")  # noqa: B009

    def _holding_stitch(*args: Any, **kwargs: Any) -> Any:
        _hold("stitch")
        return _real_stitch(*args, **kwargs)

    _real_fill = brochure.render.output._fill

    def _holding_fill(fd: int, data: bytes) -> None:
        written = os.write(fd, data[: len(data) // 2])
        _hold("write")
        _real_fill(fd, data[written:])

    brochure.pack.render_pack = _holding_render
    setattr(brochure.render.output, "_fill", _holding_fill)  # noqa: B010
    setattr(brochure.many.batch, "render_pack", _holding_render)  # noqa: B010 - not exported
    setattr(brochure.render.parts.layout, "Stitching", _holding_stitch)  # noqa: B010
