"""Hostile batch manifests: huge, escaping or clashing output names, FIFO brands, and a kit
edited while the batch runs (docs/security.md, "Bad input held")."""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from brochure.many.manifest import plan
from holds import Holds, finish, inject_env, started
from hostile.support import FifoWatch, assert_clean_exit, assert_error, run_cli
from test_batch import KIT_A, KIT_B, two_kits

HEADER = "traveller,cities,topics,output\n"


def _rows(path: Path, count: int) -> Path:
    path.write_text(
        HEADER + "".join(f"T{i},tianjin,regions,p{i}.pdf\n" for i in range(count)),
        encoding="utf-8",
    )
    return path


def _peak_bytes(manifest: Path, out: Path) -> int:
    tracemalloc.start()
    try:
        plan(manifest, out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_manifest_of_10000_rows_is_checked_quickly_in_flat_memory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    big = _rows(tmp_path / "big.csv", 10_000)
    plan(_rows(tmp_path / "warm.csv", 10), out)  # imports and the catalog's first load
    started_at = time.process_time()  # CPU time: the other xdist worker shares the cores
    jobs = plan(big, out)
    per_thousand = (time.process_time() - started_at) / 10
    assert len(jobs) == 10_000
    assert per_thousand < 0.6, f"{per_thousand:.2f} s per 1,000 rows"  # about 0.15 here
    # memory: a bounded cost per row (the jobs themselves), nothing that grows faster
    small = _peak_bytes(_rows(tmp_path / "small.csv", 500), out) / 500
    large = _peak_bytes(_rows(tmp_path / "large.csv", 2_000), out) / 2_000
    assert large < 8_000, f"{large:.0f} bytes per row"  # about 3,000 here
    assert large <= small * 1.2, (small, large)
    assert not out.exists()  # validation writes nothing


def test_output_names_that_leave_the_folder_or_clash_are_refused_by_row(tmp_path: Path) -> None:
    manifest = tmp_path / "team.csv"
    manifest.write_text(
        HEADER + "Ok,tianjin,,ok.pdf\n"
        "Up,tianjin,,../x.pdf\n"
        "Deep,tianjin,,sub/../../x.pdf\n"
        f"Abs,tianjin,,{tmp_path / 'abs.pdf'}\n"
        'Nul,tianjin,,"a\x00b.pdf"\n'
        'Newline,tianjin,,"a\nb.pdf"\n'
        "Again,tianjin,,./ok.pdf\n"
        "Round,tianjin,,sub/../ok.pdf\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    outcome = run_cli(["batch", str(manifest), "-o", str(out)])
    assert_error(outcome, "7 bad rows; nothing was built")
    inside = f"must be a .pdf file name inside {out}"
    for line, needle in [
        (3, f"output: '../x.pdf' {inside}"),
        (4, f"output: 'sub/../../x.pdf' {inside}"),
        (5, f"output: '{tmp_path / 'abs.pdf'}' {inside}"),
        (6, r"output: 'a\x00b.pdf' holds a control character"),
        (7, r"output: 'a\nb.pdf' holds a control character"),  # the row starts on line 7
        (9, "output ok.pdf is also written by row 2"),
        (10, "output ok.pdf is also written by row 2"),
    ]:
        said = f"  - {manifest}:{line}: {needle}"
        assert any(m.startswith(said) for m in outcome.messages), (said, outcome.messages)
    assert not out.exists() and not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("where", ["the brand column", "the kit's brand.yml"])
def test_a_fifo_brand_in_a_manifest_is_refused_without_opening_it(
    tmp_path: Path, kit: Path, where: str
) -> None:
    if where == "the brand column":
        pipe = tmp_path / "pipe-kit"
        brand = pipe.name
    else:
        pipe = kit / "brand.yml"
        pipe.unlink()
        brand = kit.name
    os.mkfifo(pipe)
    manifest = tmp_path / "team.csv"
    manifest.write_text(
        "traveller,cities,brand,output\nAnn,tianjin,,a.pdf\nBo,tianjin," + brand + ",b.pdf\n"
    )
    out = tmp_path / "out"
    with FifoWatch(pipe) as watch:
        outcome = run_cli(["batch", str(manifest), "-o", str(out)], deadline=30)
    assert_error(outcome, "1 bad row; nothing was built", f"{manifest}:3: ", str(pipe))
    if where == "the brand column":
        assert f"brand: {pipe} is a FIFO (named pipe), not a kit folder" in outcome.stderr
    else:
        assert f"{pipe}: is not a regular file" in outcome.stderr
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10
    assert not out.exists()


def _colours(pdf: Path, pages: int = 3) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour the first pages hold."""
    import pypdfium2 as pdfium

    counts: dict[tuple[int, int, int], int] = {}
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(min(pages, len(document))):
            image = document[index].render(scale=1).to_pil().convert("RGB")
            for count, colour in image.getcolors(maxcolors=1 << 24) or []:
                counts[colour] = counts.get(colour, 0) + count
    finally:
        document.close()
    return counts


def _kit_of(pdf: Path) -> str:
    """'a' or 'b' if the pack carries one kit's colours and none of the other's."""
    counts = _colours(pdf)

    def shows(rgb: tuple[int, int, int]) -> bool:
        close = [
            n
            for c, n in counts.items()
            if max(abs(x - y) for x, y in zip(c, rgb, strict=True)) <= 6
        ]
        near = sum(close)
        return near > 40

    found = {k: sum(map(shows, v.values())) for k, v in (("a", KIT_A), ("b", KIT_B))}
    if found == {"a": 2, "b": 0}:
        return "a"
    if found == {"a": 0, "b": 2}:
        return "b"
    return f"mixed {found}"


def test_a_kit_edited_while_the_batch_runs_gives_every_pack_one_version(tmp_path: Path) -> None:
    kit_a, kit_b = two_kits(tmp_path)
    manifest = tmp_path / "team.csv"
    manifest.write_text(
        HEADER.replace("output", "brand,output")
        + "Ann A,tianjin,sustainability,kit-a,ann.pdf\n"
        + "Bo B,tianjin,sustainability,kit-a,bo.pdf\n"
    )
    out = tmp_path / "out"
    holds = Holds(tmp_path / "holds")
    holds.arm("ann-a")  # the batch has read the kit and started; no pack is rendered yet
    args = ["batch", str(manifest), "-o", str(out), "-j", "1", "--timeout", "60"]
    try:
        with started(args, env=inject_env(holds.folder)) as batch:
            holds.wait("ann-a", batch)
            for name in ("brand.yml", "logo.svg"):  # kit a now has kit b's colours and logo
                shutil.copyfile(kit_b / name, kit_a / name)
            holds.release("ann-a")
            code, stdout, stderr = finish(batch)
    finally:
        holds.release_all()
    assert code == 0, stderr
    assert "Traceback" not in stderr and stdout.startswith("built 2"), stderr
    assert (_kit_of(out / "ann.pdf"), _kit_of(out / "bo.pdf")) == ("a", "a")
    outcome = run_cli(["batch", str(manifest), "-o", str(out), "-j", "1"])
    assert_clean_exit(outcome)  # the record kept the bytes used: the edit is seen now
    assert outcome.stdout.startswith("built 2, skipped 0"), str(outcome)
    assert (_kit_of(out / "ann.pdf"), _kit_of(out / "bo.pdf")) == ("b", "b")
