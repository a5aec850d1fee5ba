"""Reading back what a real PDF holds: text, outline, page sizes, metadata, fonts."""

from __future__ import annotations

import ctypes
import functools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

MM = 72 / 25.4


@dataclass(frozen=True)
class Bookmark:
    """One outline entry: its depth, label and the 1-based page it opens."""

    level: int
    title: str
    page: int


def page_texts(path: Path) -> list[str]:
    """The text of every page, in order."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def outline(path: Path) -> list[Bookmark]:
    """The document outline (bookmarks)."""
    pdf = pdfium.PdfDocument(path)
    try:
        marks = []
        for item in pdf.get_toc():
            dest = item.get_dest()
            page = dest.get_index() + 1 if dest is not None else 0
            marks.append(Bookmark(item.level + 1, item.get_title(), page))
        return marks
    finally:
        pdf.close()


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Width and height of each page, in points."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_size() for i in range(len(pdf))]
    finally:
        pdf.close()


def metadata(path: Path) -> dict[str, str]:
    """The document information dictionary."""
    pdf = pdfium.PdfDocument(path)
    try:
        return dict(pdf.get_metadata_dict())
    finally:
        pdf.close()


def catalog_language(path: Path) -> str | None:
    """The /Lang entry of the document catalog."""
    with pdfplumber.open(path) as pdf:
        value = pdf.doc.catalog.get("Lang")
        return value.decode() if isinstance(value, bytes) else value


def region_text(path: Path, page: int, top_mm: float, bottom_mm: float) -> str:
    """Text inside a horizontal band of a 1-based page, measured from the top in mm."""
    pdf = pdfium.PdfDocument(path)
    try:
        p = pdf[page - 1]
        width, height = p.get_size()
        text = p.get_textpage().get_text_bounded(
            0, max(height - bottom_mm * MM, 0), width, height - top_mm * MM
        )
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    finally:
        pdf.close()


def _chars(path: Path) -> Iterator[tuple[int, str, str]]:
    """Every character pdfium reads, page by page (0-based), with the font that drew it:
    "" for a space or line break pdfium made up between words, which no font drew."""
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    pdf = pdfium.PdfDocument(path)
    try:
        for i in range(len(pdf)):
            page = pdf[i].get_textpage()
            for n in range(page.count_chars()):
                char = chr(pdfium_c.FPDFText_GetUnicode(page, n))
                if pdfium_c.FPDFText_IsGenerated(page, n) == 1:
                    yield i, char, ""
                    continue
                size = pdfium_c.FPDFText_GetFontInfo(page, n, name, len(name), flags)
                assert 0 < size <= len(name), size
                yield i, char, name.raw[: size - 1].decode().split("+")[-1]
    finally:
        pdf.close()


def fonts_of(path: Path, text: str) -> set[str]:
    """The font names used to draw any character of `text`, anywhere in the document
    (pypdfium2, which reads a ligature as the letters it joins)."""
    return {font for _, char, font in _chars(path) if char in text and font}


def toc_entries(contents_text: str) -> dict[str, int]:
    """Parse the `Title 12` lines of the contents page (a title, then its page number;
    leader dots between them, as some kits print, are skipped; the running foot is not
    an entry)."""
    entries = {}
    for line in contents_text.splitlines():
        match = re.match(r"^(.*?\S)[\s.\u2024\u2026]*\s(\d{1,3})$", line.strip())
        if match and not re.search(r"Page \d+ of$", match[1]):
            entries[match[1].rstrip(" .")] = int(match[2])
    return entries


def fonts_of_word(path: Path, word: str) -> set[str]:
    """The fonts of every occurrence of a whole word, anywhere in the document."""
    stat = path.stat()
    return set(_fonts_of_words(path, stat.st_size, stat.st_mtime_ns).get(word, ()))


@functools.cache
def _fonts_of_words(path: Path, size: int, mtime_ns: int) -> dict[str, frozenset[str]]:
    """The fonts of every word of a PDF, read once for each version of a file (size and
    mtime are part of the key). A word ends at a space, a page's end or a change of font."""
    found: dict[str, set[str]] = {}
    word: list[str] = []
    at = (-1, "")  # the page and font of the word so far
    for page, char, font in (*_chars(path), (-1, " ", "")):
        drawn = bool(font) and not char.isspace()
        if word and (not drawn or (page, font) != at):
            found.setdefault("".join(word), set()).add(at[1])
            word = []
        if drawn:
            word.append(char)
            at = (page, font)
    return {text: frozenset(fonts) for text, fonts in found.items()}


@dataclass(frozen=True)
class Link:
    """An internal link: the 1-based page it is on, its anchor, and the page and point it opens."""

    page: int
    anchor: str
    target_page: int
    x: float
    y: float


def internal_links(path: Path) -> list[Link]:
    """Every internal link annotation, resolved through the named destinations."""
    with pikepdf.open(path) as pdf:
        names = pdf.Root.get("/Names")
        dests = dict(pikepdf.NameTree(names.Dests).items()) if names and "/Dests" in names else {}
        index = {page.obj.objgen: i + 1 for i, page in enumerate(pdf.pages)}
        found = []
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.obj.get("/Annots", []):
                if "/Dest" not in annot:
                    continue
                dest = dests[str(annot.Dest)]
                found.append(
                    Link(
                        number,
                        str(annot.Dest),
                        index[dest[0].objgen],
                        round(float(dest[2]), 2),
                        round(float(dest[3]), 2),
                    )
                )
        return found


def page_content(page: pikepdf.Dictionary) -> bytes:
    """A page's content streams and those of the form XObjects it draws (`Do`), as one."""
    content = page.Contents
    streams = list(content) if isinstance(content, pikepdf.Array) else [content]
    data = b"".join(s.read_bytes() for s in streams)
    return data + _drawn_forms(data, page.get("/Resources", {}), set())


def _drawn_forms(data: bytes, resources: Any, seen: set[tuple[int, int]]) -> bytes:
    """The content of every form XObject that `data` draws, and of the forms they draw."""
    forms = resources.get("/XObject", {})
    out = b""
    for name in re.findall(rb"/([^\s/<>\[\]()]+)\s+Do\b", data):
        form = forms.get("/" + name.decode())
        if form is None or form.get("/Subtype") != "/Form" or form.objgen in seen:
            continue
        seen.add(form.objgen)
        inner = form.read_bytes()
        out += inner + _drawn_forms(inner, form.get("/Resources", resources), seen)
    return out


def structure_problems(path: Path) -> list[str]:
    """What is inconsistent in a tagged PDF's structure tree and its parent tree."""
    problems = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root.StructTreeRoot
        nums = list(root.ParentTree.Nums)
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        pages = {page.obj.objgen for page in pdf.pages}
        for number, page in enumerate(pdf.pages, start=1):
            mcids = set(re.findall(rb"/MCID (\d+)", page_content(page.obj)))
            mapped = tree.get(int(page.obj.get("/StructParents", -1)))
            if mapped is None or len(mapped) != len(mcids):
                problems.append(f"page {number}: {len(mcids)} marked contents, parent tree differs")
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot and int(annot.StructParent) not in tree:
                    problems.append(f"page {number}: an annotation is not in the parent tree")
        stack = [root.K[0]]
        while stack:
            element = stack.pop()
            on = element.get("/Pg")
            if on is not None and on.objgen not in pages:
                problems.append(f"{element.S} is on a page the document does not have")
            for kid in element.get("/K", []):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    if kid.P.objgen != element.objgen:
                        problems.append(f"{kid.S} does not name its parent")
                    stack.append(kid)
    return problems


def structure_size(path: Path) -> int:
    """How many structure elements a tagged PDF's tree holds."""
    with pikepdf.open(path) as pdf:
        count, stack = 0, [pdf.Root.StructTreeRoot.K[0]]
        while stack:
            element = stack.pop()
            count += 1
            stack += [
                k
                for k in element.get("/K", [])
                if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/StructElem"
            ]
        return count


def page_pictures(path: Path, scale: float = 0.5) -> list[Image.Image]:
    """Every page rendered to a greyscale picture (pypdfium2)."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].render(scale=scale).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def drawn_chars(path: Path) -> list[list[tuple[str, float, float]]]:
    """Every character drawn on each page, in content order, with the x and the distance
    from the top of the page of its origin, in points (pypdfium2).

    Characters pdfium makes up for its text (spaces and line breaks between words) are
    left out: they are not drawn.
    """
    pdf = pdfium.PdfDocument(path)
    x, y = ctypes.c_double(), ctypes.c_double()
    pages = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            height = page.get_height()
            text = page.get_textpage()
            chars = []
            for n in range(text.count_chars()):
                if pdfium_c.FPDFText_IsGenerated(text, n) == 1:
                    continue
                code = pdfium_c.FPDFText_GetUnicode(text, n)
                assert pdfium_c.FPDFText_GetCharOrigin(text, n, x, y)
                chars.append((chr(code), x.value, height - y.value))
            pages.append(chars)
    finally:
        pdf.close()
    return pages


def qpdf_problems(pdf: Path) -> list[str]:
    """What `qpdf --check` says is wrong with a PDF (pikepdf's copy of qpdf if no CLI)."""
    if shutil.which("qpdf"):
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        return [] if done.returncode == 0 else [done.stdout + done.stderr]
    with pikepdf.open(pdf) as opened:
        return opened.check_pdf_syntax()
