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

import bisect
import copy
import hashlib
import io
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, TypeVar

import pikepdf
from fontTools.misc.psCharStrings import T2CharString
from fontTools.ttLib import TTFont, TTLibError
from fontTools.ttLib.tables._g_l_y_f import Glyph
from pikepdf import Array, Dictionary, Name

from ...recent import Recent

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
    checked: dict[tuple[int, int], bool] = {}  # pages share their fonts: each checked once
    for fonts in _font_dictionaries(pdf):
        holders.append(fonts)
        for _, font in fonts.items():
            objgen = font.objgen  # (0, 0) for a direct object: never mergeable
            if objgen not in checked:
                checked[objgen] = _mergeable(font)
                if checked[objgen]:
                    faces.setdefault(str(font.BaseFont), []).append(font)
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
    stream = pdf.make_stream(b"")
    stream.write(program.packed, filter=Name.FlateDecode)  # qpdf keeps it as it is
    if file_key == Name.FontFile2:
        stream.Length1 = len(program.plain)
    else:  # /CIDFontType0C or /OpenType: what the font program is
        stream.Subtype = descriptor[file_key].Subtype
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
#: packs whose parts repeat).
_MEMO: Recent[str, _Program | None] = Recent(64)


@dataclass(frozen=True)
class _Program:
    """A merged font program, and its bytes compressed (as the PDF holds them)."""

    plain: bytes
    packed: bytes

    @classmethod
    def of(cls, plain: bytes) -> _Program:
        return cls(plain, zlib.compress(plain))


def _merged_program(descriptors: Sequence[pikepdf.Object], used: Sequence[set[int]]) -> _Program:
    """One font program with every glyph the subsets draw (`used`: the glyph ids of each),
    compressed once however many packs use it."""
    key = Name.FontFile2 if Name.FontFile2 in descriptors[0] else Name.FontFile3
    streams = [d[key] for d in descriptors]
    digest = hashlib.sha256()
    for stream, glyphs in zip(streams, used, strict=True):  # as stored: not inflated
        coding = repr((stream.get(Name.Filter), stream.get(Name.DecodeParms)))
        digest.update(hashlib.sha256(stream.read_raw_bytes()).digest() + coding.encode())
        digest.update(repr(sorted(glyphs)).encode())
    memo = digest.hexdigest()
    if memo not in _MEMO:
        programs = [(s.read_bytes(), glyphs) for s, glyphs in zip(streams, used, strict=True)]
        try:
            _MEMO[memo] = _Program.of(_merge_programs(programs))
        except _CANNOT_MERGE:
            _MEMO[memo] = None
    merged = _MEMO[memo]
    if merged is None:
        raise _Mismatch("the subsets disagree")
    return merged


def _merge_programs(programs: list[tuple[bytes, set[int]]]) -> bytes:
    """The merge itself: see _merged_program.

    The subsets are read as raw tables (glyph data by offset), not decoded by fontTools:
    a CJK subset that keeps its glyph ids has thousands of glyph slots, nearly all empty
    (18,000 in the 273-page pack),
    and decoding every slot of every subset was most of a long pack's stitching time.
    Only the base (the subset with the most glyph ids) is decoded, and written again.
    """
    fonts = [(_Subset(program), glyphs) for program, glyphs in programs]
    fonts.sort(key=lambda p: -p[0].glyphs)  # the longest subset holds every glyph id
    base = _load_full(fonts[0][0].program)
    if "glyf" in base:
        _merge_glyf(base, fonts)
    else:
        _merge_cff(base, fonts)
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


class _Subset:
    """One subset's font program, read as raw tables."""

    def __init__(self, program: bytes) -> None:
        self.program = program
        self.font = TTFont(io.BytesIO(program), recalcTimestamp=False, lazy=True)
        self._tables: dict[str, bytes] = {}
        self.glyphs = _u16(self.table("maxp"), 4)

    def table(self, tag: str) -> bytes:
        """A table's bytes, read once."""
        if tag not in self._tables:
            self._tables[tag] = self.font.reader[tag]
        return self._tables[tag]

    def has(self, tag: str) -> bool:
        return tag in self.font.reader

    def metrics(self, gid: int) -> dict[str, tuple[int, int]]:
        """The glyph's advance and side bearing in each metrics table the font has."""
        found = {}
        for tag, header in (("hmtx", "hhea"), ("vmtx", "vhea")):
            if not self.has(tag):
                continue
            data, longs = self.table(tag), _u16(self.table(header), 34)
            if gid < longs:
                found[tag] = (_u16(data, 4 * gid), _s16(data, 4 * gid + 2))
            else:
                advance = _u16(data, 4 * (longs - 1))
                found[tag] = (advance, _s16(data, 4 * longs + 2 * (gid - longs)))
        return found


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise IndexError(at)
    return int.from_bytes(data[at : at + 2], "big")


def _s16(data: bytes, at: int) -> int:
    value = _u16(data, at)
    return value - 0x10000 if value & 0x8000 else value


def _load_full(program: bytes) -> TTFont:
    return TTFont(io.BytesIO(program), recalcTimestamp=False, recalcBBoxes=False, lazy=True)


def _copy_metrics(base: TTFont, other: _Subset, gid: int, name: str) -> None:
    for table, value in other.metrics(gid).items():
        if table in base:
            base[table][name] = value


def _glyf_data(table: Any, name: str) -> bytes:
    """A TrueType glyph's bytes, without decoding it (empty: no outline)."""
    glyph = table.glyphs[name]
    data: bytes = glyph.data if hasattr(glyph, "data") else glyph.compile(table)
    return data


class _RawGlyf:
    """A subset's TrueType glyphs as bytes, by glyph id (through its loca table)."""

    def __init__(self, subset: _Subset) -> None:
        self.glyf = subset.table("glyf")
        self.loca = subset.table("loca")
        self.long = _s16(subset.table("head"), 50) == 1

    def __getitem__(self, gid: int) -> bytes:
        if self.long:
            at = 4 * gid
            if at + 8 > len(self.loca):
                raise IndexError(gid)
            start, end = (int.from_bytes(self.loca[i : i + 4], "big") for i in (at, at + 4))
        else:
            start, end = 2 * _u16(self.loca, 2 * gid), 2 * _u16(self.loca, 2 * gid + 2)
        return self.glyf[start:end]


def _components(data: bytes) -> list[int]:
    """The glyph ids a composite TrueType glyph is made of (none for a simple glyph)."""
    if len(data) < 10 or _s16(data, 0) >= 0:
        return []
    found, at = [], 10
    while True:
        flags = _u16(data, at)
        found.append(_u16(data, at + 2))
        at += 4 + (4 if flags & 0x0001 else 2)  # the arguments: words or bytes
        at += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0
        if not flags & 0x0020:  # no more components
            return found


def _same_glyph(mine: Any, name: str, theirs: bytes) -> bool:
    """Whether two glyphs draw the same. Their bytes may differ in the padding after the
    glyph (a glyph's data says where it ends, so bytes equal but for trailing zeros are
    the same glyph), or otherwise in how the same outline is encoded."""
    ours = _glyf_data(mine, name)
    if ours.rstrip(b"\0") == theirs.rstrip(b"\0"):
        return True
    glyph, other = copy.deepcopy(mine.glyphs[name]), Glyph(theirs)
    glyph.expand(mine)
    other.expand(mine)  # the other's components are glyph ids, the same in both fonts
    return bool(glyph.compile(mine) == other.compile(mine))


def _merge_glyf(base: TTFont, fonts: Sequence[tuple[_Subset, set[int]]]) -> None:
    """Copy into `base` the TrueType outlines of the glyphs each subset uses (and their
    components) that it holds and `base` does not."""
    mine, names = base["glyf"], base.getGlyphOrder()
    for other, used in fonts[1:]:
        if not other.has("glyf"):
            raise _Mismatch("outline formats")
        theirs = _RawGlyf(other)
        pending, seen = sorted(used), set(used)
        while pending:
            gid = pending.pop()
            data = theirs[gid]
            if not data:
                continue
            if _glyf_data(mine, names[gid]):
                if not _same_glyph(mine, names[gid], data):
                    raise _Mismatch(f"outline of glyph {gid}")
                continue
            for part in _components(data):  # glyph ids are the same in every subset
                if part not in seen:
                    seen.add(part)
                    pending.append(part)
            mine[names[gid]] = Glyph(data)
            _copy_metrics(base, other, gid, names[gid])


#: A CFF charstring that draws nothing: what a subset leaves in an unused glyph's place.
_ENDCHAR = b"\x0e"


def _program(charstring: bytes) -> list[object]:
    """A charstring decoded (the subsets' charstrings call no subroutines)."""
    decoded = T2CharString(bytecode=charstring)
    decoded.decompile()
    return list(decoded.program)


def _drawn(charstring: T2CharString | bytes) -> bool:
    """Whether a CFF charstring draws anything (not only its width and endchar)."""
    if isinstance(charstring, bytes):
        if charstring == _ENDCHAR:
            return False
        program = _program(charstring)
    else:
        if charstring.bytecode == _ENDCHAR:
            return False
        charstring.decompile()
        program = charstring.program
    return [op for op in program if isinstance(op, str)] != ["endchar"]


class _RawCff:
    """A subset's CFF charstrings as bytes by glyph id, and each glyph's font dict."""

    def __init__(self, subset: _Subset) -> None:
        self.data = subset.table("CFF ")
        self.top = subset.font["CFF "].cff.topDictIndex[0]
        raw = self.top.rawDict
        self.strings = _Index(self.data, raw["CharStrings"])
        self.select = raw.get("FDSelect")

    def __getitem__(self, gid: int) -> bytes:
        return self.strings[gid]

    def font_dict(self, gid: int) -> Any:
        """The font dict (with its private dict) that glyph `gid` uses."""
        assert self.select is not None
        at, form = self.select, self.data[self.select]
        if form == 0:
            index = self.data[at + 1 + gid]
        elif form == 3:
            ranges = _u16(self.data, at + 1)
            starts = [_u16(self.data, at + 3 + 3 * r) for r in range(ranges)]
            found = bisect.bisect_right(starts, gid) - 1
            if found < 0:
                raise IndexError(gid)
            index = self.data[at + 3 + 3 * found + 2]
        else:
            raise _Mismatch(f"FDSelect format {form}")
        return self.top.FDArray[index]


class _Index:
    """A CFF INDEX read in place: item `i` as bytes, without reading the others."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data, self.count = data, _u16(data, at)
        self.size = data[at + 2] if self.count else 0
        self.offsets = at + 3
        self.start = self.offsets + (self.count + 1) * self.size - 1

    def _offset(self, i: int) -> int:
        at = self.offsets + i * self.size
        return int.from_bytes(self.data[at : at + self.size], "big")

    def __getitem__(self, i: int) -> bytes:
        if not 0 <= i < self.count:
            raise IndexError(i)
        return self.data[self.start + self._offset(i) : self.start + self._offset(i + 1)]


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


def _merge_cff(base: TTFont, fonts: Sequence[tuple[_Subset, set[int]]]) -> None:
    """Copy into `base` the CFF outlines of the glyphs each subset uses that it holds and
    `base` does not."""
    mine_top = base["CFF "].cff.topDictIndex[0]
    mine, names = mine_top.CharStrings, base.getGlyphOrder()
    cid_keyed = hasattr(mine_top, "FDArray")
    have = _RawCff(fonts[0][0])
    added: dict[int, bytes] = {}
    for other, used in fonts[1:]:
        if not other.has("CFF "):
            raise _Mismatch("outline formats")
        theirs = _RawCff(other)
        if cid_keyed != (theirs.select is not None):
            raise _Mismatch("CID-keyed and not")
        for gid in sorted(used):
            glyph = theirs[gid]
            ours = added.get(gid) or have[gid]
            if glyph in (_ENDCHAR, ours):
                continue
            if _drawn(ours):
                if _drawn(glyph) and _program(ours) != _program(glyph):
                    raise _Mismatch(f"outline of glyph {gid}")
                continue
            current = mine[names[gid]]
            private = current.private
            if cid_keyed:  # subsets keep only the font dicts they use, in their own order
                index = _font_dict(mine_top, theirs.font_dict(gid))
                mine_top.FDSelect[gid] = index
                private = mine_top.FDArray[index].Private
            elif private.rawDict != theirs.top.Private.rawDict:
                raise _Mismatch("private dictionaries")
            mine[names[gid]] = T2CharString(
                bytecode=glyph, private=private, globalSubrs=current.globalSubrs
            )
            added[gid] = glyph
            _copy_metrics(base, other, gid, names[gid])
