"""One copy of each font in a stitched PDF (render/parts/fonts.py)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from brochure.access import ResourcePolicy
from brochure.render.parts import fonts
from brochure.render.parts.fonts import share_fonts
from brochure.render.weasy import render_pdf
from brochure.resources import builtin_fonts
from pdftools import drawn_chars, page_texts, qpdf_problems

#: Latin, bold, a CJK face (CFF, CID-keyed) and a glyph only one of the documents uses.
TEXTS = ("Ningbo port 宁波 quays", "Qingdao brewery 青岛 **bold**", "Ningbo again 宁波 ½")


def _document(text: str, fonts_dir: Path) -> str:
    plain, _, bold = text.partition("**")
    faces = "".join(
        f'@font-face {{ font-family: "T{n}"; src: url("{fonts_dir / f}"); }}'
        for n, f in enumerate(
            ["NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansSC-Regular-subset.otf"]
        )
    )
    return (
        f"<html><head><style>{faces} body {{ font-family: T0, T2; }} b {{ font-family: T1; }}"
        f"</style></head><body><p>{plain}<b>{bold.strip('*')}</b></p></body></html>"
    )


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three documents laid out apart, their pages in one PDF (each with its own subsets)."""
    folder = tmp_path_factory.mktemp("fonts")
    root = builtin_fonts()
    policy = ResourcePolicy([root])
    out = pikepdf.new()
    sources = []
    for text in TEXTS:
        pdf = render_pdf(_document(text, root), root.as_uri() + "/", policy).pdf
        sources.append(pikepdf.open(io.BytesIO(pdf)))
        out.pages.extend(sources[-1].pages)
    path = folder / "joined.pdf"
    out.save(path)
    return path


def _descriptors(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Dictionary) and obj.get(Name_Type) == "/FontDescriptor"
    ]


def _faces(pdf: pikepdf.Pdf) -> Counter[str]:
    """How many embedded font programs each face has."""
    return Counter(str(obj.FontName).split("+")[1] for obj in _descriptors(pdf))


Name_Type = pikepdf.Name.Type


def _shared(path: Path, target: Path) -> int:
    with pikepdf.open(path) as pdf:
        merged = share_fonts(pdf)
        pdf.save(target)
    return merged


def test_each_face_is_embedded_once_and_reads_as_before(joined: Path, tmp_path: Path) -> None:
    with pikepdf.open(joined) as pdf:
        before = _faces(pdf)
    assert before == {"T0": 3, "T2": 3, "T1-Bold": 1}, before
    target = tmp_path / "shared.pdf"
    assert _shared(joined, target) == 2  # the Latin face and the CJK face
    with pikepdf.open(target) as pdf:
        assert set(_faces(pdf).values()) == {1}
        for descriptor in _descriptors(pdf):  # what a reader needs to load each program
            if "/FontFile3" in descriptor:
                assert descriptor.FontFile3.get("/Subtype") in ("/CIDFontType0C", "/OpenType")
            else:
                assert int(descriptor.FontFile2.Length1) == len(descriptor.FontFile2.read_bytes())
    assert page_texts(target) == page_texts(joined)
    assert drawn_chars(target) == drawn_chars(joined)
    assert target.stat().st_size < joined.stat().st_size * 0.7
    assert qpdf_problems(target) == []


def test_the_shared_font_holds_every_glyph_any_page_draws(joined: Path, tmp_path: Path) -> None:
    target = tmp_path / "shared.pdf"
    _shared(joined, target)
    with pikepdf.open(target) as pdf:
        for page in pdf.pages:
            for _, font in page.Resources.Font.items():
                cid = font.DescendantFonts[0]
                used = set(fonts._widths(cid.W))
                descriptor = cid.FontDescriptor
                stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert stream is not None
                program = TTFont(io.BytesIO(stream.read_bytes()))
                order = program.getGlyphOrder()
                if "glyf" in program:
                    empty = [g for g in used if program["glyf"][order[g]].numberOfContours == 0]
                else:
                    strings = program["CFF "].cff.topDictIndex[0].CharStrings
                    empty = [g for g in used if not fonts._drawn(strings[order[g]])]
                # a space has no outline; every other glyph drawn has one
                assert all(_text_of(font, g).isspace() for g in empty), font.BaseFont


def _text_of(font: pikepdf.Object, glyph: int) -> str:
    hexed = str(fonts._characters(font.ToUnicode.read_bytes()).get(glyph, ""))
    return bytes.fromhex(hexed).decode("utf-16-be")


def test_subsets_that_disagree_are_left_apart(joined: Path, tmp_path: Path) -> None:
    """A width that differs for one glyph id: the face is not merged, the PDF stays right."""
    changed = tmp_path / "changed.pdf"
    with pikepdf.open(joined) as pdf:
        seen: set[tuple[int, int]] = set()
        for page in pdf.pages[1:]:
            for _, font in page.Resources.Font.items():
                if str(font.BaseFont).endswith("T0") and font.objgen not in seen:
                    seen.add(font.objgen)
                    cid = font.DescendantFonts[0]
                    widths = fonts._widths(cid.W)
                    glyph = next(iter(widths))
                    widths[glyph] += 1
                    cid.W = fonts._width_array(widths)
        pdf.save(changed)
    target = tmp_path / "shared.pdf"
    assert _shared(changed, target) == 1  # only the CJK face
    with pikepdf.open(target) as pdf:
        assert _faces(pdf)["T0"] == 3
    assert page_texts(target) == page_texts(joined)


def _redraw_one_glyph(program: bytes, used: set[int]) -> bytes:
    """The font program with one glyph `used` draws moved a unit to the right."""
    font = TTFont(io.BytesIO(program))
    order = font.getGlyphOrder()
    if "glyf" in font:
        glyf = font["glyf"]
        gid = next(g for g in sorted(used) if glyf[order[g]].numberOfContours > 0)
        glyf[order[gid]].coordinates.translate((1, 0))
    else:
        strings = font["CFF "].cff.topDictIndex[0].CharStrings
        gid = next(g for g in sorted(used) if fonts._drawn(strings[order[g]]))
        charstring = strings[order[gid]]
        program_ops = list(charstring.program)
        first = next(i for i, op in enumerate(program_ops) if op == "rmoveto")
        program_ops[first - 2] += 1  # the first move's x
        charstring.program = program_ops
        charstring.bytecode = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@pytest.mark.parametrize("face", ["T0", "T2"])
def test_subsets_whose_outlines_disagree_are_left_apart(
    joined: Path, tmp_path: Path, face: str
) -> None:
    """One glyph drawn differently in one subset (TrueType or CFF outlines): that face
    keeps its subsets, the others are merged."""
    changed = tmp_path / "changed.pdf"
    with pikepdf.open(joined) as pdf:
        font = next(
            f for _, f in pdf.pages[2].Resources.Font.items() if str(f.BaseFont).endswith(face)
        )
        cid = font.DescendantFonts[0]
        descriptor = cid.FontDescriptor
        key = "/FontFile2" if "/FontFile2" in descriptor else "/FontFile3"
        stream = descriptor[key]
        program = _redraw_one_glyph(stream.read_bytes(), set(fonts._widths(cid.W)))
        stream.write(program)
        if key == "/FontFile2":
            stream.Length1 = len(program)
        pdf.save(changed)
    target = tmp_path / "shared.pdf"
    assert _shared(changed, target) == 1  # the other face
    with pikepdf.open(target) as pdf:
        assert _faces(pdf)[face] == 3
    assert page_texts(target) == page_texts(joined)
    assert qpdf_problems(target) == []


def test_composite_glyphs_name_their_parts() -> None:
    """A TrueType composite glyph's components, read from its bytes, are those fontTools
    reads (the merge copies them with it)."""
    font = TTFont(builtin_fonts() / "NotoSans-Regular.ttf")
    glyf, order = font["glyf"], font.getGlyphOrder()
    composites = [name for name in order if glyf[name].isComposite()][:200]
    assert len(composites) > 50
    for name in composites:
        data = glyf[name].compile(glyf)
        expected = [font.getGlyphID(c.glyphName) for c in glyf[name].components]
        assert fonts._components(data) == expected, name
    simple = next(name for name in order if glyf[name].numberOfContours > 0)
    assert fonts._components(glyf[simple].compile(glyf)) == []


def test_width_and_unicode_maps_survive_a_round_trip() -> None:
    widths = {3: 500.0, 4: 600.0, 9: 250.0}
    assert fonts._widths(fonts._width_array(widths)) == widths
    assert fonts._widths(pikepdf.Array([5, 7, 300])) == {5: 300.0, 6: 300.0, 7: 300.0}
    characters = {n: f"{0x41 + n:04x}" for n in range(250)}
    assert fonts._characters(fonts._to_unicode(characters)) == characters
