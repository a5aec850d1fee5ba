"""Stitching a pack laid out in parts into one PDF, with pikepdf (see plan.py).

The front's PDF is the base: it has the catalog every profile needs (language, metadata,
output intent, attachments). The parts' pages follow it; their named destinations and
their structure trees (the tags of PDF/UA) join the base's, renumbered; the outline is
rebuilt for the whole pack; and each page gets the chrome document's page of running heads
and feet laid over it, marked as an artifact (pagination, not content).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..pages import Outline
from .fonts import share_fonts

#: The resource name of the chrome form on every page.
_CHROME = Name("/BrochureChrome")


@dataclass(frozen=True)
class PartPdf:
    """One document's PDF and which of its pages (0-based, in order) belong to the pack."""

    pdf: bytes
    keep: range


class Stitching:
    """A pack stitched but for its chrome: pages, named destinations, structure tree,
    outline and fonts are done when it is made; `finish` lays the chrome over and gives
    the PDF. The chrome is the last document laid out (it needs every page's facts), so
    a build stitches the rest while a worker lays the chrome out."""

    def __init__(
        self, front: PartPdf, parts: Sequence[PartPdf], outline: Sequence[Outline]
    ) -> None:
        with ExitStack() as stack:  # the PDFs are closed if joining fails
            self._join(stack, front, parts, outline)
            self._stack = stack.pop_all()

    def __enter__(self) -> Stitching:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _join(
        self,
        stack: ExitStack,
        front: PartPdf,
        parts: Sequence[PartPdf],
        outline: Sequence[Outline],
    ) -> None:
        out = stack.enter_context(pikepdf.open(io.BytesIO(front.pdf)))
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(p.pdf))) for p in parts]
        tagged = Name.StructTreeRoot in out.Root

        # Pages: the source page each kept page came from, and its copy in `out`.
        origins: list[tuple[pikepdf.Pdf, pikepdf.Page]] = []
        originals = list(out.pages)
        base_kept = [originals[i] for i in front.keep]
        origins += [(out, page) for page in base_kept]
        kept_ids = {page.obj.objgen for page in base_kept}
        for page in originals:
            if page.obj.objgen not in kept_ids:
                out.pages.remove(page)
        for source, part in zip(sources, parts, strict=True):
            for i in part.keep:
                out.pages.append(source.pages[i])
                origins.append((source, source.pages[i]))
        pages = list(out.pages)

        _merge_destinations(out, [out, *sources], origins, pages)
        if tagged:
            _merge_structure(out, sources, origins, pages)
        _write_outline(out, outline, pages)
        share_fonts(out)  # the parts' subsets, while the chrome is laid out
        self._out, self._pages = out, pages

    def finish(self, chrome: bytes) -> bytes:
        """The pack's PDF, with `chrome`'s pages laid over its own."""
        out = self._out
        with pikepdf.open(io.BytesIO(chrome)) as furniture:
            _lay_over(out, self._pages, furniture)
            share_fonts(out)  # the chrome's subsets join the shared fonts
            buffer = io.BytesIO()
            out.save(
                buffer,
                deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
            )
        return buffer.getvalue()


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """An object of `source` as it is in `out` (copied once, then the same copy)."""
    if source is out:
        return obj
    if obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, Array):  # a page's direct array of structure elements
        return Array([_copy(out, source, item) for item in obj])
    return obj


def _page_map(
    out: pikepdf.Pdf,
    origins: Sequence[tuple[pikepdf.Pdf, pikepdf.Page]],
    pages: Sequence[pikepdf.Page],
) -> dict[tuple[int, tuple[int, int]], pikepdf.Page]:
    """(source, source page's object id) -> the page in `out`."""
    return {
        (id(source), page.obj.objgen): copied
        for (source, page), copied in zip(origins, pages, strict=True)
    }


def _merge_destinations(
    out: pikepdf.Pdf,
    sources: Sequence[pikepdf.Pdf],
    origins: Sequence[tuple[pikepdf.Pdf, pikepdf.Page]],
    pages: Sequence[pikepdf.Page],
) -> None:
    """One table of named destinations: every anchor on a kept page, pointing at its copy."""
    where = _page_map(out, origins, pages)
    merged: dict[str, Array] = {}
    for source in sources:
        names = source.Root.get(Name.Names)
        if names is None or Name.Dests not in names:
            continue
        for name, dest in pikepdf.NameTree(names.Dests).items():
            target = where.get((id(source), dest[0].objgen))
            if target is None or name in merged:  # a stub's anchor, or a duplicate id
                continue
            merged[name] = Array([target.obj, *list(dest)[1:]])
    names = out.Root.get(Name.Names)
    if names is not None and Name.Dests in names:
        del names[Name.Dests]
    if merged:
        if names is None:
            out.Root.Names = names = Dictionary()
        tree = pikepdf.NameTree.new(out)
        for name in sorted(merged):
            tree[name] = merged[name]
        names.Dests = tree.obj


def _number_tree(root: pikepdf.Object) -> dict[int, pikepdf.Object]:
    """A flat reading of a number tree (WeasyPrint writes one /Nums array)."""
    found: dict[int, pikepdf.Object] = {}
    if Name.Nums in root:
        nums = list(root.Nums)
        found.update((int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2))
    for kid in root.get(Name.Kids, Array()):
        found.update(_number_tree(kid))
    return found


def _merge_structure(
    out: pikepdf.Pdf,
    sources: Sequence[pikepdf.Pdf],
    origins: Sequence[tuple[pikepdf.Pdf, pikepdf.Page]],
    pages: Sequence[pikepdf.Page],
) -> None:
    """One structure tree: the parts' elements under the base's Document, parent tree renumbered."""
    root = out.Root.StructTreeRoot
    document = root.K[0]
    kept: dict[int, set[tuple[int, int]]] = {id(out): set(), **{id(s): set() for s in sources}}
    for source, page in origins:
        kept[id(source)].add(page.obj.objgen)

    def on_kept_page(element: pikepdf.Object, source: pikepdf.Pdf) -> bool:
        page = element.get(Name.Pg)
        return page is None or page.objgen in kept[id(source)]

    children = [k for k in document.K if on_kept_page(k, out)]
    for source in sources:
        for kid in source.Root.StructTreeRoot.K[0].K:
            if on_kept_page(kid, source):
                copied = out.copy_foreign(kid)
                copied.P = document
                children.append(copied)
    document.K = Array(children)

    trees = {id(out): _number_tree(root.ParentTree)}
    trees.update((id(s), _number_tree(s.Root.StructTreeRoot.ParentTree)) for s in sources)
    nums: list[int | pikepdf.Object] = []
    annotations: list[tuple[pikepdf.Object, pikepdf.Object]] = []
    for number, ((source, original), page) in enumerate(zip(origins, pages, strict=True)):
        tree = trees[id(source)]
        if Name.StructParents in original.obj:
            nums += [number, _copy(out, source, tree[int(original.obj.StructParents)])]
            page.obj.StructParents = number
        copies = page.obj.get(Name.Annots, Array())
        for annot, copy in zip(original.obj.get(Name.Annots, Array()), copies, strict=True):
            if Name.StructParent in annot:
                annotations.append((copy, _copy(out, source, tree[int(annot.StructParent)])))
    key = len(pages)
    for copy, element in annotations:
        nums += [key, element]
        copy.StructParent = key
        key += 1
    root.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = key


def _write_outline(
    out: pikepdf.Pdf, outline: Sequence[Outline], pages: Sequence[pikepdf.Page]
) -> None:
    """The bookmarks of the whole pack, replacing the base's own."""
    if Name.Outlines in out.Root:
        del out.Root[Name.Outlines]
    if not outline:
        return

    def item(entry: Outline) -> pikepdf.OutlineItem:
        node = pikepdf.OutlineItem(
            entry.title, Array([pages[entry.page].obj, Name.XYZ, entry.x, entry.y, 0])
        )
        node.is_closed = entry.closed
        node.children.extend(item(child) for child in entry.children)
        return node

    with out.open_outline() as tree:
        tree.root.extend(item(entry) for entry in outline)


def _lay_over(out: pikepdf.Pdf, pages: Sequence[pikepdf.Page], furniture: pikepdf.Pdf) -> None:
    """Draw each chrome page over its pack page, as an artifact."""
    for page, chrome in zip(pages, furniture.pages, strict=True):
        form = chrome.as_form_xobject()
        body = b"/Artifact BMC\n" + form.read_bytes() + b"\nEMC\n"
        form.write(zlib.compress(body), filter=Name.FlateDecode)
        placed = out.copy_foreign(form)
        # WeasyPrint's pages share one resource dictionary: give each page its own, with a
        # fixed name for its chrome (add_overlay picks random ones: the bytes would vary).
        resources = Dictionary(dict(page.obj.Resources.items()))
        resources.XObject = Dictionary(dict(resources.get(Name.XObject, Dictionary()).items()))
        resources.XObject[_CHROME] = placed
        page.obj.Resources = resources
        # The form's box is the chrome page's trim box: place it on the page's, one to one.
        cm = page.calc_form_xobject_placement(placed, _CHROME, pikepdf.Rectangle(page.trimbox))
        # The page's own stream stays as it is (compressed), between two short ones: joining
        # them into one stream made qpdf compress every page's content again on saving.
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n" + cm)
