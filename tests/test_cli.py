"""The command line: exit codes, messages, and that it stays a thin layer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from brochure.cli import main
from brochure.errors import BrochureError
from pdftools import outline


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_list_cities_as_table() -> None:
    code, out, _ = run("list", "cities")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "NAME"]
    ids = [line.split()[0] for line in lines[1:]]
    assert ids == ["shanghai", "shenzhen", "hong-kong", "ningbo", "qingdao", "guangzhou", "tianjin"]
    assert "PVG SHA" in out


def test_list_json_for_scripts() -> None:
    code, out, _ = run("list", "topics", "--json")
    assert code == 0
    topics = json.loads(out)
    assert [t["id"] for t in topics][:2] == ["regions", "specialisations"]
    assert {"id", "title", "summary", "cities"} <= set(topics[0])
    code, out, _ = run("list", "cities", "--json")
    cities = {c["id"]: c for c in json.loads(out)}
    assert cities["hong-kong"]["name_zh"] == "香港"
    assert cities["shanghai"]["population"] > 20_000_000


def test_list_needs_a_valid_kind() -> None:
    code, _, err = run("list", "towns")
    assert code == 2
    assert "'cities'" in err and "'topics'" in err


def test_check_passes_on_bundled_content() -> None:
    code, out, _ = run("check")
    assert code == 0
    assert out.startswith("ok: 7 cities, 10 topics")


def test_check_reports_every_problem_with_file_and_line(content: Path) -> None:
    shanghai = content / "cities" / "shanghai.yml"
    shanghai.write_text(shanghai.read_text() + "mayor: someone\n")
    ningbo = content / "cities" / "ningbo.yml"
    ningbo.write_text(ningbo.read_text().replace("region: east", "region: north"))
    code, out, err = run("check", "--data", str(content))
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert f"{shanghai}:" in err and "mayor: unknown field" in err
    assert f"{ningbo}" in err and "unknown region 'north'" in err


def test_unknown_city_suggests_and_lists_valid_ids(tmp_path: Path) -> None:
    code, _, err = run("build", "-c", "Shenzen", "-o", str(tmp_path / "x.pdf"))
    assert code == 1
    assert "did you mean 'shenzhen'?" in err
    assert "hong-kong" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_topic_exits_1(tmp_path: Path) -> None:
    code, _, err = run("build", "-c", "ningbo", "-t", "belt and roads", "-o", str(tmp_path / "x"))
    assert code == 1
    assert "did you mean 'belt-and-road'?" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "choose at least one city"),
        (("-c", "ningbo", "--all-cities"), "not both"),
        (("-c", "ningbo", "-t", "regions", "--all-topics"), "not both"),
        (("-c", "ningbo", "--paper", "b4"), "'b4' is not one of"),
        (("-c", "ningbo", "--trip-start", "next week"), "does not match the format"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = run("build", *args)
    assert code == 2
    assert message in err


def test_bad_trip_dates_exit_1(tmp_path: Path) -> None:
    code, _, err = run(
        "build",
        "-c",
        "ningbo",
        "--trip-start",
        "2026-05-02",
        "--trip-end",
        "2026-05-01",
        "-o",
        str(tmp_path / "x.pdf"),
    )
    assert code == 1
    assert "trip_end is before trip_start" in err


def test_build_matches_names_loosely_and_writes_pdf(tmp_path: Path) -> None:
    out = tmp_path / "hk.pdf"
    code, stdout, err = run(
        "build",
        "-c",
        "HONG KONG",
        "-c",
        "hong_kong",
        "-t",
        "Investment opportunities",
        "--title",
        "Hong Kong in a week",
        "-o",
        str(out),
    )
    assert code == 0, err
    assert stdout.startswith(f"wrote {out} (1 city, 1 topic,")
    titles = [b.title for b in outline(out)]
    assert "Hong Kong 香港" in titles
    assert "Investment opportunities" in titles
    assert "Planning the trip" not in titles


def test_build_html_format(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    code, _, _ = run("build", "-c", "qingdao", "--format", "html", "-o", str(out))
    assert code == 0
    assert "<h1>Qingdao" in out.read_text()


def test_output_under_a_file_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, _, err = run("build", "-c", "qingdao", "-o", str(blocker / "p.pdf"))
    assert code == 1
    assert f"error: {blocker}: cannot create the output folder" in err


def test_unwritable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    real_access = os.access
    locked = tmp_path / "locked"
    locked.mkdir()
    # root may write anywhere, so stand in for a folder this user cannot write to
    monkeypatch.setattr(
        os, "access", lambda p, m: False if Path(p) == locked else real_access(p, m)
    )
    code, _, err = run("build", "-c", "qingdao", "-o", str(locked / "p.pdf"))
    assert code == 1
    assert f"{locked}: the output folder is not writable" in err
    assert list(locked.iterdir()) == []


def test_output_folder_is_refused(tmp_path: Path) -> None:
    code, _, err = run("build", "-c", "qingdao", "-o", str(tmp_path))
    assert code == 1
    assert "is a folder" in err


@pytest.mark.parametrize("args", [["--help"], ["list", "cities"], ["check"], ["build", "--help"]])
def test_quick_commands_do_not_import_weasyprint(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from brochure.cli import main\n"
        f"result = CliRunner().invoke(main, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print('weasyprint' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "brochure", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith("brochure, version ")


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [({}, (), "cores"), ({"BROCHURE_JOBS": "3"}, (), 3), ({"BROCHURE_JOBS": "3"}, ("-j", "2"), 2)],
)
def test_build_lays_out_on_every_core_unless_told(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], args: tuple[str, ...], expected: object
) -> None:
    """`--jobs` defaults to the cores; $BROCHURE_JOBS (a shared CI box, say) sets another
    default, and the option beats it."""
    from brochure import cli
    from brochure.render.limits import cores

    asked: list[int | None] = []

    def record(request: object) -> None:
        asked.append(getattr(request, "jobs", None))
        raise BrochureError("stop here")

    monkeypatch.setattr(cli, "build_pack", record)
    monkeypatch.delenv("BROCHURE_JOBS", raising=False)
    result = CliRunner().invoke(main, ["build", "-c", "ningbo", *args], env=env)
    assert result.exit_code == 1 and "stop here" in result.stderr
    assert asked == [cores() if expected == "cores" else expected]


def test_a_bad_jobs_variable_names_itself() -> None:
    result = CliRunner().invoke(main, ["build", "-c", "ningbo"], env={"BROCHURE_JOBS": "0"})
    assert result.exit_code == 2
    assert "0 is not in the range 1<=x<=256" in result.stderr, result.stderr
