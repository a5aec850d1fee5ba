"""Brand kits: colours, fonts, logos, overrides and bad kits, checked on real PDFs."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image

import brochure
from brochure.cli import main
from brochure.errors import BrandError
from brochure.look.brand import load_brand
from brochure.resources import builtin_fonts
from pdftools import fonts_of_word, outline, page_sizes, page_texts, region_text, toc_entries

PRIMARY = (10, 127, 90)  # #0a7f5a
LOGO = (255, 0, 170)  # #ff00aa

BRAND_YML = """\
meta:
  name:
    short: Testco
    full: Testco Advisory Ltd
  link: https://testco.example
logo:
  images:
    mark: logo.png
  small: mark
  large: mark
color:
  palette:
    forest: "#0a7f5a"
    amber: "#f2a900"
  primary: forest
  secondary: amber
  foreground: "#202020"
  background: "#ffffff"
typography:
  fonts:
    - family: Test Display
      source: file
      files:
        - path: fonts/display.ttf
          weight: 700
  headings:
    family: Test Display
defaults:
  brochure:
    paper: letter
    contact: "Testco · travel@testco.example"
    confidentiality: "Testco confidential"
    legal:
      - "Testco Advisory Ltd, registered in nowhere, no. 42."
  bootstrap:
    anything: goes
"""


def make_kit(folder: Path, brand_yml: str = BRAND_YML) -> Path:
    """A small kit: brand.yml, a PNG logo in a colour no other page uses, one font."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "brand.yml").write_text(brand_yml, encoding="utf-8")
    Image.new("RGB", (240, 80), LOGO).save(folder / "logo.png")
    (folder / "fonts").mkdir(exist_ok=True)
    shutil.copy(builtin_fonts() / "NotoSans-Bold.ttf", folder / "fonts" / "display.ttf")
    return folder


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    return make_kit(tmp_path / "kit")


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pack built with the test kit, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("branded")
    kit = make_kit(folder / "kit")
    out = folder / "pack.pdf"
    result = brochure.build_pack(cities=["shanghai"], topics=["investment"], brand=kit, output=out)
    assert result.warnings == ()
    return out


def colour_share(pdf_path: Path, page: int, rgb: tuple[int, int, int]) -> float:
    """The share of a page's pixels drawn in `rgb` (to within 3 levels)."""
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        image = pdf[page - 1].render(scale=0.5).to_pil().convert("RGB")
    finally:
        pdf.close()
    data = image.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    hits = sum(1 for p in pixels if all(abs(a - b) <= 3 for a, b in zip(p, rgb, strict=True)))
    return hits / len(pixels)


def test_brand_fonts_are_embedded(branded: Path) -> None:
    assert fonts_of_word(branded, "Profile") == {"Test-Display-Bold"}
    assert fonts_of_word(branded, "Specialisations") == {"Test-Display-Bold"}
    assert fonts_of_word(branded, "Shanghai") >= {"Brochure-Serif"}  # body stays built-in


def test_primary_colour_is_drawn_on_the_cover(branded: Path, tmp_path: Path) -> None:
    assert colour_share(branded, 1, PRIMARY) > 0.15
    plain = brochure.build_pack(cities=["shanghai"], topics=["investment"], output=tmp_path / "p")
    assert colour_share(plain.path, 1, PRIMARY) == 0


def test_logo_is_on_the_cover_and_in_the_running_head(branded: Path) -> None:
    with pdfplumber.open(branded) as pdf:
        cover_images = pdf.pages[0].images
        assert len(cover_images) == 1
        assert cover_images[0]["top"] < pdf.pages[0].height / 3
        later = pdf.pages[3].images
        assert len(later) == 1 and later[0]["top"] < 60  # in the top margin
    assert colour_share(branded, 1, LOGO) > 0.001


def test_company_lines_paper_and_notice(branded: Path) -> None:
    texts = page_texts(branded)
    assert "Testco Advisory Ltd" in texts[0] and "travel@testco.example" in texts[0]
    for number in range(2, len(texts) + 1):
        assert "Testco confidential" in region_text(branded, number, 265, 280)
    assert "registered in nowhere, no. 42." in texts[-1]
    width, height = page_sizes(branded)[0]
    assert (round(width), round(height)) == (612, 792)  # the kit's US Letter


def test_paper_option_beats_the_brand(kit: Path, tmp_path: Path) -> None:
    out = brochure.build_pack(cities=["ningbo"], brand=kit, paper="a5", output=tmp_path / "a.pdf")
    assert round(page_sizes(out.path)[0][0]) == 420


def test_kit_stylesheets_come_after_the_built_in_ones(kit: Path, tmp_path: Path) -> None:
    (kit / "styles").mkdir()
    (kit / "styles" / "zz.css").write_text("h2 { color: rgb(1, 2, 3); }")
    out = brochure.build_pack(cities=["ningbo"], brand=kit, format="html", output=tmp_path / "p")
    html = out.path.read_text()
    assert html.index("styles/print.css") < html.index("--brand-primary: #0a7f5a")
    assert html.index("--brand-primary: #0a7f5a") < html.index("kit/styles/zz.css")


def test_a_kit_template_added_or_edited_between_builds_is_used_at_once(
    kit: Path, tmp_path: Path
) -> None:
    """Compiled templates are kept between builds in one process (`--watch`): a new
    override, an edited one and a removed one all count at the next build."""
    (kit / "templates").mkdir()
    options: dict[str, Any] = {"cities": ["ningbo"], "topics": ["regions"], "brand": kit}

    def glance() -> str:
        out = brochure.build_pack(**options, format="html", output=tmp_path / "p.html").path
        found = re.search(r'<aside class="glance[^"]*">(.*?)</aside>', out.read_text(), re.S)
        assert found is not None
        return " ".join(found.group(1).split())

    assert "At a glance" in glance()
    override = kit / "templates" / "city.html"
    for words in ("FIRST", "SECOND"):
        override.write_text(
            '{% extends "!default/city.html" %}{% block city_glance %}'
            f'<aside class="glance">{words}</aside>{{% endblock %}}'
        )
        assert glance() == words
    override.unlink()
    assert "At a glance" in glance()


def test_block_override_changes_only_its_block(kit: Path, tmp_path: Path) -> None:
    (kit / "templates").mkdir()
    (kit / "templates" / "city.html").write_text(
        '{% extends "!default/city.html" %}\n'
        '{% block city_glance %}<aside class="glance">KIT GLANCE {{ city.name }}</aside>'
        "{% endblock %}\n"
    )
    options: dict[str, Any] = {
        "cities": ["ningbo", "qingdao"],
        "topics": ["regions"],
        "build_date": "2026-11-20",
    }
    plain = brochure.build_pack(**options, format="html", output=tmp_path / "plain.html")
    kitted = brochure.build_pack(**options, brand=kit, format="html", output=tmp_path / "k.html")

    def chapters(path: Path) -> list[str]:
        html = path.read_text()
        return re.findall(r'<section class="chapter city.*?</section>', html, re.S)

    def without_glance(chapter: str) -> str:
        rest = re.sub(r"<aside class=\"glance[^\"]*\">.*?</aside>", "", chapter, flags=re.S)
        return " ".join(rest.split())  # the override's own whitespace does not count

    before, after = chapters(plain.path), chapters(kitted.path)
    assert len(before) == len(after) == 2
    assert "KIT GLANCE Ningbo" in after[0] and "At a glance" not in after[0]
    assert [without_glance(c) for c in before] == [without_glance(c) for c in after]
    pdf = brochure.build_pack(**options, brand=kit, output=tmp_path / "k.pdf")
    assert "KIT GLANCE Qingdao" in "".join(page_texts(pdf.path))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda y: y.replace("mark: logo.png", "mark: missing.png"),
            r"logo\.small: file not found",
        ),
        (
            lambda y: y.replace("fonts/display.ttf", "fonts/none.ttf"),
            r"typography\.fonts\.0\.files\.0: file not found",
        ),
        (
            lambda y: y.replace('forest: "#0a7f5a"', "forest: greenish"),
            "'greenish' is not a colour",
        ),
        (
            lambda y: y.replace(
                "primary: forest", 'primary: "red; background: url(file:///etc/passwd)"'
            ),
            r"color\.primary: .* is not a colour",
        ),
        (lambda y: y + "colour:\n  primary: red\n", "colour: unknown field"),
        (
            lambda y: y.replace("    paper: letter", "    papr: letter"),
            r"defaults\.brochure\.papr: unknown field",
        ),
        (lambda y: y.replace("mark: logo.png", "mark: ../outside.png"), "outside the kit folder"),
        (lambda y: y.replace("mark: logo.png", "mark: https://example.com/logo.png"), "remote"),
        (lambda y: y.replace("    paper: letter", "    paper: b4"), r"defaults\.brochure\.paper"),
    ],
)
def test_bad_kits_name_file_and_field_and_write_nothing(
    kit: Path, tmp_path: Path, change: Callable[[str], str], expected: str
) -> None:
    brand_file = kit / "brand.yml"
    brand_file.write_text(change(brand_file.read_text()))
    (tmp_path / "outside.png").write_bytes((kit / "logo.png").read_bytes())
    out = tmp_path / "out" / "pack.pdf"
    result = CliRunner().invoke(
        main, ["build", "-c", "ningbo", "--brand", str(kit), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert str(brand_file) in result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_font_file_that_is_not_a_font(kit: Path) -> None:
    (kit / "fonts" / "display.ttf").write_bytes(b"\x00\x01\x00\x00" + bytes(range(256)) * 40)
    with pytest.raises(BrandError) as caught:
        load_brand(kit)
    assert "typography.fonts.0.files.0: display.ttf is not a font file" in str(caught.value)
    assert f"{kit / 'brand.yml'}:" in str(caught.value)


def test_a_logo_that_is_not_an_image(kit: Path) -> None:
    (kit / "logo.png").write_text("just text")
    with pytest.raises(BrandError, match=r"logo\.small: logo\.png is not a PNG"):
        load_brand(kit)


def test_malformed_brand_yaml_names_the_line(kit: Path) -> None:
    (kit / "brand.yml").write_text("meta:\n  name: x\n  name: y\n")
    with pytest.raises(BrandError, match=r"brand\.yml:3: duplicate key 'name'"):
        load_brand(kit)


def test_a_kit_folder_without_a_brand_file(tmp_path: Path) -> None:
    with pytest.raises(BrandError, match=r"no brand\.yml or _brand\.yml"):
        load_brand(tmp_path)


def test_underscore_brand_file_and_direct_file_path(kit: Path) -> None:
    (kit / "brand.yml").rename(kit / "_brand.yml")
    assert load_brand(kit).name == "Testco"
    assert load_brand(kit / "_brand.yml").full_name == "Testco Advisory Ltd"


def test_network_fonts_warn_and_strict_makes_them_errors(kit: Path, tmp_path: Path) -> None:
    brand_file = kit / "brand.yml"
    brand_file.write_text(
        brand_file.read_text()
        .replace(
            "  headings:\n    family: Test Display",
            "  headings:\n    family: Lato\n",
        )
        .replace("  fonts:\n", "  fonts:\n    - family: Lato\n      source: google\n")
    )
    result = brochure.build_pack(cities=["ningbo"], brand=kit, output=tmp_path / "w.pdf")
    (warning,) = result.warnings
    assert "font 'Lato' cannot be fetched" in warning and "Brochure Sans" in warning
    assert fonts_of_word(result.path, "Profile") == {"Brochure-Sans-Bold"}
    runner = CliRunner()
    strict = runner.invoke(
        main,
        ["build", "-c", "ningbo", "--brand", str(kit), "--strict", "-o", str(tmp_path / "s.pdf")],
    )
    assert strict.exit_code == 1
    assert "font 'Lato' cannot be fetched" in strict.stderr
    assert not (tmp_path / "s.pdf").exists()


def test_brand_new_scaffolds_a_kit_that_builds(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    runner = CliRunner()
    made = runner.invoke(main, ["brand", "new", str(folder), "--name", "Acme Travel"])
    assert made.exit_code == 0, made.stderr
    assert {p.name for p in folder.rglob("*") if p.is_file()} >= {
        "brand.yml",
        "logo.svg",
        "cover.html",
        "brand.css",
        "OFL.txt",
    }
    checked = runner.invoke(main, ["check", "--brand", str(folder)])
    assert checked.exit_code == 0, checked.stderr
    out = tmp_path / "acme.pdf"
    built = runner.invoke(main, ["build", "-c", "qingdao", "--brand", str(folder), "-o", str(out)])
    assert built.exit_code == 0, built.stderr
    assert built.stderr == ""
    cover = "".join(page_texts(out)[0].split())
    assert "ACME·TRAVELBRIEFING" in cover  # the scaffold's one-block cover override
    again = runner.invoke(main, ["brand", "new", str(folder)])
    assert again.exit_code == 1 and "not an empty folder" in again.stderr


def test_check_reports_a_bad_kit(kit: Path) -> None:
    (kit / "logo.png").unlink()
    result = CliRunner().invoke(main, ["check", "--brand", str(kit)])
    assert result.exit_code == 1
    assert "logo.small: file not found" in result.stderr


def test_templates_in_a_kit_are_sandboxed(kit: Path, tmp_path: Path) -> None:
    (kit / "templates").mkdir()
    (kit / "templates" / "cover.html").write_text("{{ ''.__class__.__mro__ }}")
    result = CliRunner().invoke(
        main, ["build", "-c", "ningbo", "--brand", str(kit), "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1
    assert "unsafe template" in result.stderr or "__class__" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_kit_contents_of_bare_links_keeps_its_page_numbers(kit: Path, tmp_path: Path) -> None:
    """The built-in contents puts each number after a hairline (`toc-link`); a kit that
    writes its own entries as bare links gets the dotted leader, with the same numbers."""
    (kit / "templates").mkdir()
    (kit / "templates" / "contents.html").write_text(
        '{% extends "!default/contents.html" %}\n'
        '{% block contents_list %}<ol class="toc">{% for view in cities %}'
        '<li class="toc-chapter"><a href="#{{ view.anchor }}">{{ view.city.name }}</a></li>'
        "{% endfor %}</ol>{% endblock %}\n"
    )
    options: dict[str, Any] = {"cities": ["ningbo", "qingdao"], "topics": ["regions"]}
    plain = brochure.build_pack(**options, cache=False, output=tmp_path / "plain.pdf")
    kitted = brochure.build_pack(**options, brand=kit, cache=False, output=tmp_path / "k.pdf")
    built_in, own = page_texts(plain.path)[1], page_texts(kitted.path)[1]
    leader = re.compile(r"\.{10}")  # the leader, a dot at a time
    assert not leader.search(built_in) and leader.search(own)
    opened = {b.title.split(" ")[0]: b.page for b in outline(kitted.path) if b.level == 1}
    want = {name: opened[name] for name in ("Ningbo", "Qingdao")}
    assert toc_entries(own) == want
    assert want.items() <= toc_entries(built_in).items()
