"""--watch: rebuild when a watched file changes, and keep going after an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import brochure.cli
from brochure.watch import snapshot, watch


def test_a_change_triggers_one_rebuild(tmp_path: Path) -> None:
    watched = tmp_path / "styles" / "extra.css"
    watched.parent.mkdir()
    watched.write_text("h1 {}")
    builds: list[int] = []
    polls = iter(range(6))

    def rebuild() -> None:
        builds.append(len(builds))
        if len(builds) == 1:  # the designer saves a file after the first build
            watched.write_text("h1 { color: red }")

    count = watch([tmp_path], rebuild, interval=0.001, keep_going=lambda: next(polls, -1) >= 0)
    assert count == 2
    assert builds == [0, 1]


def test_snapshot_sees_new_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("a")
    before = snapshot([tmp_path])
    (tmp_path / "b.yml").write_text("b")
    assert snapshot([tmp_path]) != before
    (tmp_path / "b.yml").unlink()
    assert snapshot([tmp_path]) == before


def test_cli_watch_rebuilds_and_survives_a_bad_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: Path
) -> None:
    out = tmp_path / "w.html"
    shanghai = content / "cities" / "shanghai.yml"

    def fake_watch(paths: list[Path], rebuild: Callable[[], None]) -> int:
        assert content in paths
        rebuild()  # good build
        shanghai.write_text(shanghai.read_text() + "mayor: x\n")
        rebuild()  # the save broke the data: reported, watching goes on
        raise KeyboardInterrupt

    monkeypatch.setattr(brochure.cli, "watch_paths", fake_watch)
    result = CliRunner().invoke(
        brochure.cli.main,
        [
            "build",
            "-c",
            "shanghai",
            "-t",
            "regions",
            "--data",
            str(content),
            "-o",
            str(out),
            "--format",
            "html",
            "--watch",
        ],
    )
    assert result.exit_code == 130  # Ctrl-C ends watching as it ends any command
    assert result.stdout.count("wrote") == 1
    assert "mayor: unknown field" in result.stderr
    assert "stopped watching" in result.stderr
    assert out.is_file()
