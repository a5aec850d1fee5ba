"""One copy of each font in a stitched PDF.

Every document of a pack laid out in parts embeds its own subset of each font face, so a
pack of 20 parts would carry 20 subsets of its body face. WeasyPrint subsets with the glyph
ids retained (unused glyphs are left empty), so the subsets of one face agree on every
glyph id: `share_fonts` merges them into one font program holding the union of their
glyphs, with the union of their widths and Unicode maps, and points every page at it.

A face is merged only when its subsets agree where they overlap (same outlines for the same
glyph id, same widths, same metrics, WeasyPrint's plain Identity-H encoding); otherwise its
subsets stay as they are, which is larger but still right.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from math import ceil
from typing import Any, TypeVar

import pikepdf
from fontTools.misc.psCharStrings import T2CharString
from fontTools.ttLib import TTFont, TTLibError
from pikepdf import Array, Dictionary, Name

#: The entries of a font descriptor that subsets of one face must share.
_SAME = ("/Ascent", "/Descent", "/ItalicAngle", "/StemV", "/StemH")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_FIXED_PITCH = 1
V = TypeVar("V")


class _Mismatch(Exception):
    """Two subsets of one face disagree: the face is left unmerged."""


#: What stops a face from being merged: subsets that disagree, or a font program that
#: fontTools cannot read as WeasyPrint's subsets are read.
_CANNOT_MERGE = (_Mismatch, TTLibError, KeyError, ValueError, IndexError, AssertionError)


def share_fonts(pdf: pikepdf.Pdf) -> int:
    """Merge the subsets of each font face used by `pdf`'s pages; how many faces were merged."""
    faces: dict[str, list[pikepdf.Object]] = {}
    holders: list[pikepdf.Dictionary] = []
    for fonts in _font_dictionaries(pdf):
        holders.append(fonts)
        for _, font in fonts.items():
            if _mergeable(font):
                group = faces.setdefault(str(font.BaseFont), [])
                if all(font.objgen != other.objgen for other in group):
                    group.append(font)
    merged = 0
    replacements: dict[tuple[int, int], pikepdf.Object] = {}
    for group in faces.values():
        if len(group) < 2:
            continue
        try:
            _merge(pdf, group)
        except _CANNOT_MERGE:
            continue
        replacements.update((font.objgen, group[0]) for font in group[1:])
        merged += 1
    for fonts in holders:
        for key, font in list(fonts.items()):
            if font.objgen in replacements:
                fonts[key] = replacements[font.objgen]
    return merged


def _font_dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """The /Font resource dictionaries of every page and of the forms they draw."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get(Name.Resources) for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get(Name.Font)
        if isinstance(fonts, Dictionary):
            yield fonts
        for _, xobject in resources.get(Name.XObject, Dictionary()).items():
            if xobject.objgen not in seen and xobject.get(Name.Subtype) == Name.Form:
                seen.add(xobject.objgen)
                pending.append(xobject.get(Name.Resources))


def _mergeable(font: pikepdf.Object) -> bool:
    """A Type 0 font as WeasyPrint writes it: Identity-H, one embedded CID font."""
    if not font.is_indirect or font.get(Name.Subtype) != Name.Type0:
        return False
    if font.get(Name.Encoding) != Name("/Identity-H") or Name.ToUnicode not in font:
        return False
    cid = font.DescendantFonts[0]
    descriptor = cid.get(Name.FontDescriptor)
    return (
        Name.W in cid
        and cid.get(Name.CIDToGIDMap, Name.Identity) == Name.Identity
        and descriptor is not None
        and (Name.FontFile2 in descriptor or Name.FontFile3 in descriptor)
    )


def _merge(pdf: pikepdf.Pdf, group: Sequence[pikepdf.Object]) -> None:
    """Make group[0] hold every glyph, width and character of the whole group."""
    descriptors = [font.DescendantFonts[0].FontDescriptor for font in group]
    for key in _SAME:
        if len({str(d.get(key)) for d in descriptors}) > 1:
            raise _Mismatch(key)
    each = [_widths(font.DescendantFonts[0].W) for font in group]
    widths = _union(each)
    characters = _union([_characters(font.ToUnicode.read_bytes()) for font in group], strict=False)
    program = _merged_program(descriptors, [set(w) for w in each])

    base, cid, descriptor = group[0], group[0].DescendantFonts[0], descriptors[0]
    cid.W = _width_array(widths)
    base.ToUnicode = pdf.make_stream(_to_unicode(characters))
    file_key = Name.FontFile2 if Name.FontFile2 in descriptor else Name.FontFile3
    extra = {"/Subtype": descriptor[file_key].Subtype} if file_key == Name.FontFile3 else {}
    stream = pdf.make_stream(program, **extra)
    if file_key == Name.FontFile2:
        stream.Length1 = len(program)
    descriptor[file_key] = stream
    box = [float(v) for v in descriptor.FontBBox]
    box[2] = max([box[2], *widths.values()])
    descriptor.FontBBox = Array(box)
    if not all(int(d.Flags) & _FIXED_PITCH for d in descriptors):  # some widths differ
        descriptor.Flags = int(descriptor.Flags) & ~_FIXED_PITCH
    if Name.CIDSet in descriptor:
        descriptor.CIDSet = pdf.make_stream(_cid_set(widths))


def _union(maps: Sequence[dict[int, V]], strict: bool = True) -> dict[int, V]:
    """One map from many, the first value of a key kept; if `strict`, a key with two
    different values is a mismatch (a glyph drawn for two texts is not: its first stays)."""
    merged: dict[int, V] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if merged.setdefault(key, value) != value and strict:
                raise _Mismatch(f"glyph {key}")
    return dict(sorted(merged.items()))


def _widths(array: pikepdf.Object) -> dict[int, float]:
    """A /W array read as glyph id -> width (both of its forms)."""
    items, found, i = list(array), dict[int, float](), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], Array):
            found.update((first + n, float(w)) for n, w in enumerate(items[i + 1]))
            i += 2
        else:
            found.update((g, float(items[i + 2])) for g in range(first, int(items[i + 1]) + 1))
            i += 3
    return found


def _width_array(widths: dict[int, float]) -> Array:
    """Glyph id -> width as a /W array of runs of consecutive ids."""
    array: list[object] = []
    run: list[object] = []
    for glyph, width in widths.items():
        if not run or glyph - 1 not in widths:
            run = []
            array += [glyph, run]
        run.append(width)
    return Array([Array(item) if isinstance(item, list) else item for item in array])


def _characters(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar entries as glyph id -> UTF-16BE hex (no bfrange expected)."""
    if b"beginbfrange" in cmap:
        raise _Mismatch("a ToUnicode map with ranges")
    return {
        int(glyph, 16): text.decode().lower()
        for section in _BFCHAR.findall(cmap)
        for glyph, text in _PAIR.findall(section)
    }


def _to_unicode(characters: dict[int, str]) -> bytes:
    """A ToUnicode CMap, in the form WeasyPrint writes."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = list(characters.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text}>".encode() for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: dict[int, float]) -> bytes:
    """The CIDSet of PDF/A-1: a bit for every glyph id the font holds."""
    size = ceil((max(widths) + 1) / 8)
    bits = bytearray(size)
    for glyph in widths:
        bits[glyph // 8] |= 0x80 >> (glyph % 8)
    return bytes(bits)


# Font programs ---------------------------------------------------------------------------


#: Merged font programs of this process, by their inputs (a batch worker and --watch build
#: packs whose parts repeat): the most recent _MEMO_SIZE.
_MEMO: dict[str, bytes | None] = {}
_MEMO_SIZE = 64


def _merged_program(descriptors: Sequence[pikepdf.Object], used: Sequence[set[int]]) -> bytes:
    """One font program with every glyph the subsets draw (`used`: the glyph ids of each)."""
    key = Name.FontFile2 if Name.FontFile2 in descriptors[0] else Name.FontFile3
    programs = [(d[key].read_bytes(), glyphs) for d, glyphs in zip(descriptors, used, strict=True)]
    digest = hashlib.sha256()
    for program, glyphs in programs:
        digest.update(hashlib.sha256(program).digest() + repr(sorted(glyphs)).encode())
    memo = digest.hexdigest()
    if memo not in _MEMO:
        try:
            _MEMO[memo] = _merge_programs(programs)
        except _CANNOT_MERGE:
            _MEMO[memo] = None
        while len(_MEMO) > _MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
    merged = _MEMO[memo]
    if merged is None:
        raise _Mismatch("the subsets disagree")
    return merged


def _merge_programs(programs: list[tuple[bytes, set[int]]]) -> bytes:
    """The merge itself: see _merged_program."""
    # The longest subset holds every glyph id; the others are read one at a time.
    programs.sort(key=lambda p: -_load(p[0])["maxp"].numGlyphs)
    base = _load(programs[0][0])
    outlines = "glyf" if "glyf" in base else "CFF "
    for program, glyphs in programs[1:]:
        other = _load(program)
        if outlines not in other:
            raise _Mismatch("outline formats")
        if outlines == "glyf":
            _add_glyf(base, other, glyphs)
        else:
            _add_cff(base, other, glyphs)
        other.close()
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


def _load(program: bytes) -> TTFont:
    return TTFont(io.BytesIO(program), recalcTimestamp=False, recalcBBoxes=False, lazy=True)


def _copy_metrics(base: TTFont, other: TTFont, gid: int) -> None:
    name, theirs = base.getGlyphOrder()[gid], other.getGlyphOrder()[gid]
    for table in ("hmtx", "vmtx"):
        if table in base and table in other:
            base[table][name] = other[table][theirs]


def _glyf_data(table: Any, name: str) -> bytes:
    """A TrueType glyph's bytes, without decoding it (empty: no outline)."""
    glyph = table.glyphs[name]
    data: bytes = glyph.data if hasattr(glyph, "data") else glyph.compile(table)
    return data


def _same_glyph(mine: Any, name: str, theirs: Any, other_name: str) -> bool:
    """Whether two glyphs draw the same (their bytes may differ in padding)."""
    ours, other = copy.deepcopy(mine.glyphs[name]), copy.deepcopy(theirs.glyphs[other_name])
    ours.expand(mine)
    other.expand(theirs)
    if hasattr(ours, "components") or hasattr(other, "components"):
        return _parts(ours, mine) == _parts(other, theirs)  # components named per font
    return bool(ours.compile(mine) == other.compile(theirs))


def _parts(glyph: Any, table: Any) -> list[tuple[object, ...]]:
    """A composite glyph's components, by glyph id."""
    order = {name: gid for gid, name in enumerate(table.glyphOrder)}
    return [
        (order[c.glyphName], c.x, c.y, c.flags, str(getattr(c, "transform", None)))
        for c in getattr(glyph, "components", ())
    ]


def _add_glyf(base: TTFont, other: TTFont, used: set[int]) -> None:
    """Copy into `base` the TrueType outlines of `used` glyphs (and their components) that
    `other` holds and it does not."""
    mine, theirs = base["glyf"], other["glyf"]
    names, other_names = base.getGlyphOrder(), other.getGlyphOrder()
    pending, seen = sorted(used), set(used)
    while pending:
        gid = pending.pop()
        data = _glyf_data(theirs, other_names[gid])
        if not data:
            continue
        have = _glyf_data(mine, names[gid])
        if have:
            if have != data and not _same_glyph(mine, names[gid], theirs, other_names[gid]):
                raise _Mismatch(f"outline of glyph {gid}")
            continue
        glyph = copy.deepcopy(theirs.glyphs[other_names[gid]])
        glyph.expand(theirs)
        for component in getattr(glyph, "components", ()):  # named by the other font
            part = other.getGlyphID(component.glyphName)
            component.glyphName = names[part]
            if part not in seen:
                seen.add(part)
                pending.append(part)
        mine[names[gid]] = glyph
        _copy_metrics(base, other, gid)


def _drawn(charstring: T2CharString) -> bool:
    if charstring.bytecode == b"\x0e":  # endchar alone: what a subset leaves
        return False
    charstring.decompile()
    return [op for op in charstring.program if isinstance(op, str)] != ["endchar"]


def _font_dict(top: Any, theirs: Any) -> int:
    """The index in `top`'s FDArray of a font dict like `theirs`, added if it has none."""
    want = _font_dict_view(theirs)
    for index, mine in enumerate(top.FDArray):
        if _font_dict_view(mine) == want:
            return index
    top.FDArray.append(copy.deepcopy(theirs))
    return len(top.FDArray) - 1


def _font_dict_view(font_dict: Any) -> tuple[object, ...]:
    private = {k: v for k, v in font_dict.Private.rawDict.items() if k != "Subrs"}
    return (getattr(font_dict, "FontName", None), sorted(private.items()))


def _add_cff(base: TTFont, other: TTFont, used: set[int]) -> None:
    """Copy into `base` the CFF outlines of `used` glyphs that `other` holds and it does not."""
    mine_top = base["CFF "].cff.topDictIndex[0]
    their_top = other["CFF "].cff.topDictIndex[0]
    mine, theirs = mine_top.CharStrings, their_top.CharStrings
    names, other_names = base.getGlyphOrder(), other.getGlyphOrder()
    cid_keyed = hasattr(mine_top, "FDArray")
    if cid_keyed != hasattr(their_top, "FDArray"):
        raise _Mismatch("CID-keyed and not")
    for gid in sorted(used):
        glyph = theirs[other_names[gid]]
        if not _drawn(glyph):
            continue
        have = mine[names[gid]]
        if _drawn(have):
            if have.program != glyph.program:
                raise _Mismatch(f"outline of glyph {gid}")
            continue
        private = have.private
        if cid_keyed:  # subsets keep only the font dicts they use, in their own order
            index = _font_dict(mine_top, their_top.FDArray[their_top.FDSelect[gid]])
            mine_top.FDSelect[gid] = index
            private = mine_top.FDArray[index].Private
        elif private.rawDict != glyph.private.rawDict:
            raise _Mismatch("private dictionaries")
        mine[names[gid]] = T2CharString(
            program=list(glyph.program), private=private, globalSubrs=have.globalSubrs
        )
        _copy_metrics(base, other, gid)
