"""The output folder: full mid-batch, and wanted by two batches at once."""

from __future__ import annotations

from pathlib import Path

from faults.support import assert_whole, manifest, packs, report
from holds import Holds, finish, inject_env, leftovers, pdf_pages, run_brochure, started
from mounts import tmpfs

#: An earlier pack at one of the outputs: a failed write must leave it byte for byte.
EARLIER = b"%PDF-1.7\n% an earlier pack that a failed write must not touch\n%%EOF\n"


def test_a_full_disk_fails_the_packs_that_do_not_fit(tmp_path: Path) -> None:
    team = manifest(tmp_path, ["Ann A", "Bo B"])
    # a real, small file system: room for one pack of about 240 KB, the record and report
    with tmpfs(tmp_path / "out", size="400k") as out:
        (out / "bo-b.pdf").write_bytes(EARLIER)
        code, stdout, stderr = run_brochure("batch", str(team), "-o", str(out), "-j", "1")
        assert code == 1, stderr
        assert stdout.startswith("built 1, skipped 0 unchanged, failed 1"), stderr
        assert "Traceback" not in stderr
        assert f"failed: row 3 (bo-b.pdf): {out / 'bo-b.pdf'}: could not write (" in stderr
        assert "no space left on device" in stderr.casefold()
        lost = packs(out)["bo-b.pdf"]  # the report was written, and says which
        assert lost["status"] == "failed" and "No space left" in lost["reason"]
        assert packs(out)["ann-a.pdf"]["status"] == "built"
        assert (out / "bo-b.pdf").read_bytes() == EARLIER
        assert pdf_pages(out / "ann-a.pdf") > 1
        assert leftovers(out) == []


def test_a_second_batch_on_the_same_folder_is_refused_while_the_first_runs(
    tmp_path: Path,
) -> None:
    team = manifest(tmp_path, ["Ann A"])
    out = tmp_path / "out"
    holds = Holds(tmp_path / "holds")
    holds.arm("ann-a")  # the first batch holds the folder while its pack waits
    args = ["batch", str(team), "-o", str(out), "--timeout", "60"]
    try:
        with started(args, env=inject_env(holds.folder)) as first:
            holds.wait("ann-a", first)
            code, stdout, stderr = run_brochure(*args)
            assert code == 1, stderr
            assert stderr.startswith(
                f"error: {out}: another batch (process {first.pid}) is writing to this folder"
            ), stderr
            assert "Traceback" not in stderr and stdout == ""
            assert not (out / "batch-report.json").exists()  # the second wrote nothing
            holds.release("ann-a")
            code, stdout, stderr = finish(first)
    finally:
        holds.release_all()
    assert code == 0, stderr
    assert stdout.startswith("built 1, skipped 0 unchanged, failed 0")
    assert report(out)["built"] == 1
    assert_whole(out, ["ann-a.pdf"])
