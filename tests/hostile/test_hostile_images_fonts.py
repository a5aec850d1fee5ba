"""Hostile images and fonts: pixel bombs, truncated files, SVG entities, fake fonts."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from hostile.support import (
    PASSWD_NEEDLE,
    Target,
    assert_built,
    assert_refused,
    build,
    cover_with,
    line_of,
    png_declaring,
    put,
    replace_in,
)

SVG_REFUSED = "SVG files may not declare entities or a DOCTYPE"


def noise_png(width: int, height: int, seed: int = 7) -> bytes:
    """A PNG of random pixels: it compresses badly, so cutting it loses real image data."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def img_in_cover(kit: Path, relative: str, body: str | bytes) -> Path:
    """Put `body` in the kit and show it with an <img> in the kit's cover template."""
    path = put(kit, relative, body)
    put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{path.as_uri()}">'))
    return path


# -- 6. raster images -----------------------------------------------------------------------


def test_a_png_declaring_50000_by_50000_pixels_is_refused(kit: Path, earlier: Target) -> None:
    logo = put(kit, "logo.png", png_declaring(50_000, 50_000))
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {logo.as_uri()!r}", "pixels")


def test_a_png_over_the_pixel_limit_is_refused(kit: Path, earlier: Target) -> None:
    logo = put(kit, "logo.png", png_declaring(8_000, 8_000))
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(
        outcome,
        earlier,
        f"refused to load {logo.as_uri()!r}: 8000x8000 pixels is over the 40,000,000-pixel limit",
    )


def test_a_pixel_bomb_as_a_css_background_is_refused(kit: Path, earlier: Target) -> None:
    bomb = put(kit, "images/bomb.png", png_declaring(50_000, 50_000))
    put(kit, "styles/evil.css", "body { background: url(../images/bomb.png); }\n")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {bomb.as_uri()!r}", "pixels")


def test_a_truncated_png_logo_is_refused(kit: Path, earlier: Target) -> None:
    whole = noise_png(240, 80)
    logo = put(kit, "logo.png", whole[: len(whole) // 2])
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, logo.as_uri())


def test_a_png_named_jpg_builds_with_the_image(kit: Path, target: Target) -> None:
    """Decided by running: WeasyPrint decodes by content, not by name, so this is fine."""
    img_in_cover(kit, "images/photo.jpg", noise_png(64, 48))
    outcome = build("--brand", str(kit), *target.args)
    assert_built(outcome, target)
    with pdfplumber.open(target.path) as pdf:
        sizes = [tuple(i["srcsize"]) for i in pdf.pages[0].images]
    assert (64, 48) in sizes


def test_a_text_file_named_png_is_refused(kit: Path, earlier: Target) -> None:
    fake = img_in_cover(kit, "images/fake.png", "root:x:0:0:not an image\n")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {fake.as_uri()!r}: not a readable image")


# -- 7. SVG entities ------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE svg [\n  <!ENTITY lol0 "lol">\n'
    + "".join(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n"
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="20">'
    '<text y="15">&lol9;</text></svg>\n'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE svg [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="20">'
    '<text y="15">&x;</text></svg>\n'
)
#: 5 KB of comment before the DOCTYPE: past the 4,096 bytes the SVG check reads.
PADDING = "<!--" + " " * 5000 + "-->\n"


def padded(svg: str) -> str:
    head, _, rest = svg.partition("\n")
    return f"{head}\n{PADDING}{rest}"


@pytest.mark.parametrize(
    "svg", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"]
)
def test_svg_entities_in_a_kit_image_are_refused(kit: Path, earlier: Target, svg: str) -> None:
    path = img_in_cover(kit, "images/evil.svg", svg)
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {path.as_uri()!r}: {SVG_REFUSED}")
    assert outcome.seconds < 15


def test_a_billion_laughs_svg_logo_is_refused(kit: Path, earlier: Target) -> None:
    put(kit, "logo.svg", BILLION_LAUGHS)
    replace_in(kit / "brand.yml", "mark: logo.png", "mark: logo.svg")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, "logo.svg")
    assert outcome.seconds < 15


@pytest.mark.parametrize(
    "svg", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"]
)
def test_svg_entities_after_padding_still_fail_the_build(
    kit: Path, earlier: Target, svg: str
) -> None:
    """The DOCTYPE check reads 4 KB only; expat must still refuse to expand the entities."""
    path = img_in_cover(kit, "images/evil.svg", padded(svg))
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, path.as_uri())
    assert PASSWD_NEEDLE not in outcome.stderr
    assert outcome.seconds < 15


def test_an_svg_doctype_after_padding_is_refused(kit: Path, earlier: Target) -> None:
    svg = padded(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE svg [ <!ENTITY brand "Entity expanded"> ]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="20">'
        '<text y="15">&brand;</text></svg>\n'
    )
    path = img_in_cover(kit, "images/padded.svg", svg)
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {path.as_uri()!r}: {SVG_REFUSED}")


# -- 8. fonts that are random bytes ---------------------------------------------------------

RANDOM_BYTES = random.Random(8).randbytes(20_000)


@pytest.mark.parametrize(
    "body",
    [RANDOM_BYTES, b"\x00\x01\x00\x00" + RANDOM_BYTES, b"OTTO" + RANDOM_BYTES],
    ids=["random", "truetype-magic", "opentype-magic"],
)
def test_a_random_font_in_brand_yml_is_refused(kit: Path, earlier: Target, body: bytes) -> None:
    (kit / "fonts" / "display.ttf").write_bytes(body)
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(
        outcome,
        earlier,
        f"{kit / 'brand.yml'}:{line_of(kit / 'brand.yml', 'path: fonts/display.ttf')}: "
        "typography.fonts.0.files.0: display.ttf is not a font file",
    )


@pytest.mark.parametrize("name", ["evil.ttf", "evil.otf", "evil.woff", "evil.woff2"])
def test_a_random_font_in_a_kit_font_face_is_refused(kit: Path, earlier: Target, name: str) -> None:
    font = put(kit, f"fonts/{name}", RANDOM_BYTES)
    put(
        kit,
        "styles/evil.css",
        f'@font-face {{ font-family: "Evil"; src: url("../fonts/{name}"); }}\n'
        'body, h1, h2 { font-family: "Evil"; }\n',
    )
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"refused to load {font.as_uri()!r}: not a font file")


def test_random_bytes_in_a_font_face_without_a_font_suffix(kit: Path, tmp_path: Path) -> None:
    """Not named like a font, so the fetcher passes it on; WeasyPrint must then fail cleanly
    or fall back to the built-in fonts. Decided by running: it falls back, with a warning."""
    put(kit, "fonts/evil.bin", RANDOM_BYTES)
    put(
        kit,
        "styles/evil.css",
        '@font-face { font-family: "Evil"; src: url("../fonts/evil.bin"); }\n'
        'body, h1, h2 { font-family: "Evil"; }\n',
    )
    target = Target(tmp_path / "out" / "pack.pdf")
    outcome = build("--brand", str(kit), *target.args)
    assert_built(outcome, target)
    assert "warning: Font-face 'Evil' cannot be loaded" in outcome.stderr
