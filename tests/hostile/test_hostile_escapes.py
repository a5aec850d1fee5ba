"""Paths that leave the allowed folders, and files that are not files: ../, %2e%2e, FILE:,
file://host/, symlinks, devices and FIFOs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostile.support import (
    PASSWD_NEEDLE,
    FifoWatch,
    Target,
    assert_built,
    assert_refused,
    build,
    cover_with,
    line_of,
    put,
    replace_in,
)

OUTSIDE = "outside the allowed folders"
UP = "../" * 40  # more than enough to reach / from any temporary folder


# -- 3. escapes --------------------------------------------------------------------------------


def test_dot_dot_in_a_kit_stylesheet_url_is_refused(kit: Path, target: Target) -> None:
    put(kit, "styles/evil.css", f"body {{ background: url({UP}etc/passwd); }}\n")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "refused to load 'file:///etc/passwd'", OUTSIDE)


def test_percent_encoded_dot_dot_is_refused(kit: Path, target: Target) -> None:
    encoded = "%2e%2e/" * 40
    put(kit, "styles/evil.css", f"body {{ background: url({encoded}etc/passwd); }}\n")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, f"{encoded}etc/passwd'", OUTSIDE)


def test_percent_encoded_dot_dot_in_a_template_is_refused(kit: Path, target: Target) -> None:
    url = f"{kit.as_uri()}/{'%2E%2E/' * 40}etc/passwd"
    put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{url}">'))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "etc/passwd", OUTSIDE)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("FILE:///etc/passwd", OUTSIDE),
        ("File:///etc/passwd", OUTSIDE),
        ("file://localhost/etc/passwd", "file URLs may not name a host"),
        ("file://127.0.0.1/etc/passwd", "file URLs may not name a host"),
        ("file:/etc/passwd", OUTSIDE),
        ("file:///etc/./passwd", OUTSIDE),
        ("file:///etc//passwd", OUTSIDE),
        ("file:///etc/passwd%00.png", "not a valid file path"),
    ],
    ids=["upper", "mixed-case", "localhost", "ip-host", "one-slash", "dot", "slashes", "nul"],
)
def test_file_url_spellings_are_refused(kit: Path, target: Target, url: str, message: str) -> None:
    put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{url}">'))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "passwd", message)


def test_a_kit_stylesheet_symlinked_outside_the_kit_is_refused(kit: Path, target: Target) -> None:
    (kit / "styles").mkdir()
    (kit / "styles" / "link.css").symlink_to("/etc/passwd")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "refused to load 'file:///etc/passwd'", OUTSIDE)


def test_a_linked_stylesheet_symlinked_outside_the_kit_is_refused(
    kit: Path, target: Target
) -> None:
    link = kit / "assets" / "link.css"
    link.parent.mkdir()
    link.symlink_to("/etc/passwd")
    put(kit, "templates/cover.html", cover_with(f'<link rel="stylesheet" href="{link.as_uri()}">'))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, f"refused to load {link.as_uri()!r}", OUTSIDE)


def test_a_symlinked_folder_inside_the_kit_is_refused(kit: Path, target: Target) -> None:
    (kit / "etc").symlink_to("/etc")
    put(kit, "styles/evil.css", "body { background: url(../etc/passwd); }\n")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "etc/passwd'", OUTSIDE)


def test_a_logo_symlinked_outside_the_kit_is_refused(kit: Path, target: Target) -> None:
    (kit / "logo.png").unlink()
    (kit / "logo.png").symlink_to("/etc/passwd")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(
        outcome,
        target,
        f"{kit / 'brand.yml'}:{line_of(kit / 'brand.yml', 'small:')}: logo.small: "
        "'logo.png' is outside the kit folder",
    )


def test_a_logo_path_with_dot_dot_is_refused(kit: Path, target: Target) -> None:
    outside = kit.parent / "outside.png"
    outside.write_bytes((kit / "logo.png").read_bytes())
    replace_in(kit / "brand.yml", "mark: logo.png", "mark: ../outside.png")
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "logo.small: '../outside.png' is outside the kit folder")


def test_a_kit_template_symlinked_outside_the_kit_is_refused(kit: Path, target: Target) -> None:
    (kit / "templates").mkdir()
    (kit / "templates" / "cover.html").symlink_to("/etc/passwd")
    outcome = build("--brand", str(kit), *target.args)
    if outcome.code == 0:
        assert_built(outcome, target)  # at least: nothing of /etc/passwd in the PDF
    assert_refused(outcome, target, "cover.html")


def test_a_kit_template_including_a_symlink_outside_the_kit_is_refused(
    kit: Path, target: Target
) -> None:
    (kit / "templates").mkdir()
    (kit / "templates" / "notes.html").symlink_to("/etc/passwd")
    put(kit, "templates/cover.html", cover_with('{% include "notes.html" %}'))
    outcome = build("--brand", str(kit), *target.args)
    if outcome.code == 0:
        assert_built(outcome, target)
    assert_refused(outcome, target, "notes.html")


def test_templates_cannot_climb_out_with_dot_dot(kit: Path, target: Target) -> None:
    put(kit, "templates/cover.html", cover_with('{% include "../../../../../../etc/passwd" %}'))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "template not found")
    assert PASSWD_NEEDLE not in outcome.stderr


# -- 5. devices and FIFOs -------------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("how", ["img", "import"])
def test_devices_are_refused_quickly(kit: Path, target: Target, device: str, how: str) -> None:
    url = f"file://{device}"
    if how == "img":
        put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{url}">'))
    else:
        put(kit, "styles/evil.css", f'@import url("{url}");\n')
    outcome = build("--brand", str(kit), *target.args, timeout=20)
    assert_refused(outcome, target, f"refused to load {url!r}")
    assert outcome.seconds < 10


def test_a_device_symlinked_inside_the_kit_is_refused(kit: Path, target: Target) -> None:
    (kit / "styles").mkdir()
    (kit / "styles" / "zero.css").symlink_to("/dev/zero")
    outcome = build("--brand", str(kit), *target.args, timeout=20)
    assert_refused(outcome, target, "refused to load 'file:///dev/zero'", OUTSIDE)
    assert outcome.seconds < 10


def test_a_fifo_kit_stylesheet_is_refused_without_opening_it(kit: Path, target: Target) -> None:
    pipe = kit / "styles" / "pipe.css"
    pipe.parent.mkdir()
    os.mkfifo(pipe)
    with FifoWatch(pipe) as watch:
        outcome = build("--brand", str(kit), *target.args, timeout=20)
    assert_refused(outcome, target, f"refused to load {pipe.as_uri()!r}: not a regular file")
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10


def test_a_fifo_image_is_refused_without_opening_it(kit: Path, target: Target) -> None:
    pipe = kit / "pipe.png"
    os.mkfifo(pipe)
    put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{pipe.as_uri()}">'))
    with FifoWatch(pipe) as watch:
        outcome = build("--brand", str(kit), *target.args, timeout=20)
    assert_refused(outcome, target, f"refused to load {pipe.as_uri()!r}: not a regular file")
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10


def test_a_fifo_logo_is_refused_without_opening_it(kit: Path, target: Target) -> None:
    pipe = kit / "logo.png"
    pipe.unlink()
    os.mkfifo(pipe)
    with FifoWatch(pipe) as watch:
        outcome = build("--brand", str(kit), *target.args, timeout=20)
    line = line_of(kit / "brand.yml", "small:")
    assert_refused(outcome, target, f"{kit / 'brand.yml'}:{line}: logo.small:", "logo.png")
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10


def test_a_fifo_font_is_refused_without_opening_it(kit: Path, target: Target) -> None:
    pipe = kit / "fonts" / "display.ttf"
    pipe.unlink()
    os.mkfifo(pipe)
    with FifoWatch(pipe) as watch:
        outcome = build("--brand", str(kit), *target.args, timeout=20)
    assert_refused(outcome, target, "typography.fonts.0.files.0:", "display.ttf")
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10


def test_a_fifo_brand_file_is_refused_without_opening_it(kit: Path, target: Target) -> None:
    brand = kit / "brand.yml"
    brand.unlink()
    os.mkfifo(brand)
    with FifoWatch(brand) as watch:
        outcome = build("--brand", str(kit), *target.args, timeout=20, deadline=30)
    assert_refused(outcome, target, str(kit))
    assert not watch.opened, "brochure opened the FIFO"
    assert outcome.seconds < 10
