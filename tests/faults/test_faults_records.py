"""What an earlier run left, damaged: a truncated report, then a truncated record of builds."""

from __future__ import annotations

import json
from pathlib import Path

from faults.support import assert_whole, manifest, report
from holds import run_brochure


def _cut(path: Path) -> None:
    """Keep the first half of `path`, as a crash or a full disk mid-write would."""
    body = path.read_bytes()
    path.write_bytes(body[: len(body) // 2])


def test_a_truncated_report_or_record_is_a_warning_and_a_rebuild(tmp_path: Path) -> None:
    team = manifest(tmp_path, ["Ann A"])
    out = tmp_path / "out"
    args = ("batch", str(team), "-o", str(out), "--timeout", "60")
    code, _, stderr = run_brochure(*args)
    assert code == 0, stderr

    _cut(out / "batch-report.json")  # the report is not what skips packs: nothing rebuilt
    code, stdout, stderr = run_brochure(*args)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert f"warning: {out / 'batch-report.json'}: the earlier report is damaged" in stderr
    assert stdout.startswith("built 0, skipped 1 unchanged, failed 0"), stderr
    assert report(out)["packs"][0]["status"] == "skipped"  # whole again

    record = out / ".brochure-batch.json"
    _cut(record)  # the record is: the packs it covered are rebuilt
    code, stdout, stderr = run_brochure(*args)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert f"warning: {record}: the record of earlier builds is damaged" in stderr
    assert "every pack is rebuilt" in stderr
    assert stdout.startswith("built 1, skipped 0 unchanged, failed 0"), stderr
    assert sorted(json.loads(record.read_text())["packs"]) == ["ann-a.pdf"]
    assert_whole(out, ["ann-a.pdf"])
