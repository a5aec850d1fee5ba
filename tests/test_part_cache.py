"""The part cache: keys, entries, eviction, concurrent writers, and packs built from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import brochure
from brochure.access import ResourcePolicy
from brochure.cli import main
from brochure.render import cache as cachemod
from brochure.render import layouter as layoutermod
from brochure.render.cache import PartCache
from brochure.render.claims import CLAIM_TTL, Claims
from brochure.render.layouter import CachedLayouter, Layouter, wait
from brochure.render.pages import Bookmark, LaidDocument, LaidPage, PageFacts, PlacedImage
from brochure.render.parts.plan import PartPolicy
from brochure.render.parts.shapes import (
    FrontShape,
    forget_shapes,
    known_shape,
    markup_key,
    remember_shape,
)
from brochure.render.weasy import FileToAttach, LayoutSession, RenderOptions
from pdftools import internal_links, outline, page_texts, structure_problems
from test_parts import assert_same_pictures

SMALL: dict[str, Any] = {
    "cities": ["ningbo", "qingdao"],
    "topics": ["regions", "investment"],
    "build_date": dt.date(2026, 11, 20),
}


def laid(
    tag: str = "a", loaded: tuple[tuple[str, str], ...] = (), remote: bool = False
) -> LaidDocument:
    page = LaidPage(
        PageFacts("chapter", "right", False, (("chapter", f"Ningbo {tag}"),)),
        (f"city-{tag}",),
        ("sources",),
        (Bookmark(1, f"Ningbo {tag}", 0.0, 12.5, False),),
        1122.5,
    )
    image = PlacedImage("logo.png", (600, 200), (2.0, 0.6667))
    return LaidDocument(
        (page,), ((image,),), b"%PDF-1.7 " + tag.encode(), ("a warning",), loaded, remote
    )


class Counting(Layouter):
    """A layouter that lays nothing out: it counts calls and makes up a document."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> Any:
        self.calls += 1
        return layoutermod._done(laid(html))


# Keys ------------------------------------------------------------------------------------


def cached(tmp_path: Path, **options: Any) -> CachedLayouter:
    return CachedLayouter(
        Counting(),
        PartCache(tmp_path / "c"),
        "file:///base/",
        ResourcePolicy([tmp_path]),
        RenderOptions(**options),
    )


BASE = {"tagged": True, "write": True, "attach": True}


@pytest.mark.parametrize(
    "change",
    [
        {"html": "<p>two</p>"},
        {"tagged": False},
        {"write": False},
        {"attach": False},
    ],
)
def test_changing_a_document_input_changes_its_key(tmp_path: Path, change: dict[str, Any]) -> None:
    lay = cached(tmp_path)
    before = lay.key("<p>one</p>", **BASE)
    after = lay.key(
        change.get("html", "<p>one</p>"),
        **{**BASE, **{k: v for k, v in change.items() if k != "html"}},
    )
    assert before != after


ATTACHED = FileToAttach("content.json", b"{}", "the content")


@pytest.mark.parametrize(
    "options",
    [
        {"variant": "pdf/ua-1"},
        {"attachments": (ATTACHED,)},
        {"attachments": (dataclasses.replace(ATTACHED, body=b"{ }"),)},
        {"created": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
    ],
)
def test_changing_an_option_changes_the_key(tmp_path: Path, options: dict[str, Any]) -> None:
    plain = cached(tmp_path).key("<p>one</p>", **BASE)
    assert cached(tmp_path, **options).key("<p>one</p>", **BASE) != plain


def test_versions_base_url_and_system_fonts_are_in_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = {cached(tmp_path).key("<p>one</p>", **BASE)}
    monkeypatch.setattr(layoutermod, "__version__", "99.0")
    keys.add(cached(tmp_path).key("<p>one</p>", **BASE))
    monkeypatch.setattr(layoutermod, "engine", lambda: "weasyprint 99")
    keys.add(cached(tmp_path).key("<p>one</p>", **BASE))
    monkeypatch.setattr(layoutermod, "system_fonts", lambda: "another font set")
    keys.add(cached(tmp_path).key("<p>one</p>", **BASE))
    other = CachedLayouter(
        Counting(),
        PartCache(tmp_path),
        "file:///elsewhere/",
        ResourcePolicy([tmp_path]),
        RenderOptions(),
    )
    keys.add(other.key("<p>one</p>", **BASE))
    assert len(keys) == 5


def test_the_same_inputs_give_the_same_key(tmp_path: Path) -> None:
    assert cached(tmp_path).key("<p>one</p>", **BASE) == cached(tmp_path).key("<p>one</p>", **BASE)


# Entries ---------------------------------------------------------------------------------


def test_an_entry_comes_back_as_it_went_in(tmp_path: Path) -> None:
    store = PartCache(tmp_path)
    store.put("ab" * 32, laid())
    assert store.get("ab" * 32, ResourcePolicy([tmp_path])) == laid()


def test_a_second_ask_is_a_hit_and_lays_nothing_out(tmp_path: Path) -> None:
    lay = cached(tmp_path)
    first = lay.document("<p>one</p>")
    again = lay.document("<p>one</p>")
    assert first == again
    assert isinstance(lay.inner, Counting) and lay.inner.calls == 1
    assert (lay.cache.hits, lay.cache.misses) == (1, 1)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_corrupted_entry_is_ignored_deleted_and_rebuilt(tmp_path: Path, damage: str) -> None:
    lay = cached(tmp_path)
    lay.document("<p>one</p>")
    [entry] = (tmp_path / "c").rglob("*.part")
    blob = entry.read_bytes()
    entry.write_bytes(
        {
            "flip": blob[:-3] + bytes([blob[-3] ^ 1]) + blob[-2:],
            "truncate": blob[: len(blob) // 2],
            "empty": b"",
            "garbage": b"\x00" * 100,
        }[damage]
    )
    assert (
        lay.cache.get(lay.key("<p>one</p>", tagged=True, write=True, attach=False), lay.policy)
        is None
    )
    assert not entry.exists()
    assert lay.document("<p>one</p>") == laid("<p>one</p>")
    assert isinstance(lay.inner, Counting) and lay.inner.calls == 2
    assert entry.exists()


def test_an_entry_whose_file_changed_is_not_used(tmp_path: Path) -> None:
    font = tmp_path / "look.css"
    font.write_text("p { color: navy; }")
    policy = ResourcePolicy([tmp_path])
    digest = policy.digest(font.as_uri())
    assert digest is not None
    store = PartCache(tmp_path / "c")
    store.put("cd" * 32, laid(loaded=((font.as_uri(), digest),)))
    assert store.get("cd" * 32, policy) is not None
    font.write_text("p { color: teal; }")
    assert store.get("cd" * 32, policy) is None


def test_an_entry_whose_file_is_no_longer_allowed_is_not_used(tmp_path: Path) -> None:
    inside = tmp_path / "kit"
    inside.mkdir()
    picture = inside / "logo.svg"
    picture.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    allowed = ResourcePolicy([inside])
    store = PartCache(tmp_path / "c")
    store.put("ef" * 32, laid(loaded=((picture.as_uri(), allowed.digest(picture.as_uri()) or ""),)))
    assert store.get("ef" * 32, allowed) is not None
    narrower = ResourcePolicy([tmp_path / "elsewhere"])
    assert store.get("ef" * 32, narrower) is None
    assert narrower.refusals == []  # asking is not loading: nothing to report


def test_a_document_that_fetched_from_the_network_is_never_kept(tmp_path: Path) -> None:
    store = PartCache(tmp_path)
    store.put("01" * 32, laid(remote=True))
    assert store.info().entries == 0


def test_the_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    store = PartCache(tmp_path, max_bytes=10**9)
    keys = [f"{i:02x}" * 32 for i in range(6)]
    for key in keys:
        store.put(key, laid(key))
    size = store.info().size // 6
    policy = ResourcePolicy([tmp_path])
    assert store.get(keys[0], policy) is not None  # the oldest, used again
    store.max_bytes = size * 4 + size // 2
    store.evict()
    left = {key for key in keys if store.get(key, policy) is not None}
    assert left == {keys[0], keys[3], keys[4], keys[5]}
    assert store.info().size <= store.max_bytes


def _write_many(root: str, worker: int) -> int:
    store = PartCache(Path(root))
    for i in range(40):
        store.put(f"{i % 8:02x}" * 32, laid(f"{i % 8}-{'x' * (i % 8) * 50}"))
        store.put(f"f{worker:x}{i:02x}" * 16, laid(f"own {worker} {i}"))
    return worker


def test_concurrent_writers_leave_only_whole_entries(tmp_path: Path) -> None:
    context = multiprocessing.get_context("forkserver")
    with context.Pool(4) as pool:
        assert sorted(pool.starmap(_write_many, [(str(tmp_path), w) for w in range(4)])) == [
            0,
            1,
            2,
            3,
        ]
    store = PartCache(tmp_path)
    policy = ResourcePolicy([tmp_path])
    entries = list(tmp_path.rglob("*.part"))
    assert len(entries) == 8 + 4 * 40
    assert not list(tmp_path.rglob("*.tmp")), "a temporary file was left behind"
    for i in range(8):
        found = store.get(f"{i:02x}" * 32, policy)
        assert found == laid(f"{i}-{'x' * i * 50}")


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    store = PartCache(blocker / "cache")
    store.put("aa" * 32, laid())  # no error: the build goes on without it
    assert store.get("aa" * 32, ResourcePolicy([tmp_path])) is None


def test_a_claim_is_held_until_released_and_a_dead_owners_claim_is_stale(
    tmp_path: Path,
) -> None:
    claims = Claims(tmp_path)
    assert claims.claim("ab" * 32) and claims.held("ab" * 32)
    assert not claims.claim("ab" * 32)  # held: a second claim waits instead
    claims.release("ab" * 32)
    assert not claims.held("ab" * 32) and claims.claim("ab" * 32)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / "cd" / ("cd" * 32 + ".claim")
    dead.parent.mkdir()
    dead.write_text(str(gone.pid))  # a process that has exited
    assert not claims.held("cd" * 32) and claims.claim("cd" * 32)
    old = tmp_path / "ef" / ("ef" * 32 + ".claim")
    old.parent.mkdir()
    old.write_text(str(os.getppid()))  # a live process, but a claim past its time
    os.utime(old, (time.time() - CLAIM_TTL - 1,) * 2)
    assert not claims.held("ef" * 32) and claims.claim("ef" * 32)


def test_a_document_another_process_claimed_is_taken_from_the_cache_once_kept(
    tmp_path: Path,
) -> None:
    here, other = cached(tmp_path), cached(tmp_path)  # two processes sharing a folder
    key = here.key("b", tagged=True, write=True, attach=False)
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _claim_for(here, key, owner.pid)
        waiting = here.submit("b")  # claimed: not laid out here, and nothing blocks
        here.submit("c")
        assert _calls(here) == 1 and not waiting.done()

        def finish() -> None:  # the owner keeps its entry, and ends
            other.cache.put(key, laid("b"))
            _drop(owner)

        threading.Timer(0.3, finish).start()
        assert wait(waiting) == laid("b") and _calls(here) == 1
    finally:
        owner.kill()
        owner.wait()


def _claim_for(lay: CachedLayouter, key: str, pid: int) -> None:
    """Write the claim another process `pid` would have written on `key`."""
    path = lay.cache.root / key[:2] / f"{key}.claim"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(pid))


def _calls(lay: CachedLayouter) -> int:
    assert isinstance(lay.inner, Counting)
    return lay.inner.calls


def _drop(owner: subprocess.Popen[bytes]) -> None:
    """The owner ends (so its claim is gone)."""
    owner.kill()
    owner.wait()


def test_a_document_whose_claimant_died_without_keeping_it_is_laid_out_here(
    tmp_path: Path,
) -> None:
    here = cached(tmp_path)
    key = here.key("b", tagged=True, write=True, attach=False)
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    _claim_for(here, key, owner.pid)
    waiting = here.submit("b")
    threading.Timer(0.3, lambda: _drop(owner)).start()
    assert wait(waiting) == laid("b") and _calls(here) == 1
    assert not here.cache.claims.held(key)  # released once laid out and kept
    assert here.cache.get(key, here.policy) == laid("b")


_COUNTED = """
import json, sys, brochure
from brochure.render.weasy import LayoutSession
real, seen = LayoutSession.document, []
def counted(self, html, **kw):
    seen.append(1)
    return real(self, html, **kw)
LayoutSession.document = counted
brochure.build_pack(cities=["tianjin"], topics=["regions"], jobs=1,
                    build_date="2026-11-20", output=sys.argv[1])
print(len(seen))
"""


def test_two_builds_started_together_lay_each_part_out_once_between_them(
    tmp_path: Path, own_cache: Path
) -> None:
    def start(name: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", _COUNTED, str(tmp_path / f"{name}.pdf")],
            stdout=subprocess.PIPE,
            text=True,
        )

    first, second = start("a"), start("b")
    together = [int(p.communicate(timeout=300)[0]) for p in (first, second)]
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    os.environ["BROCHURE_CACHE_DIR"] = str(tmp_path / "alone")  # restored by own_cache
    alone = start("alone")
    once = int(alone.communicate(timeout=300)[0])
    assert sum(together) == once, (together, once)


def test_cache_info_and_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROCHURE_CACHE_DIR", str(tmp_path))
    for key in ("aa" * 32, "bb" * 32):
        PartCache().put(key, laid())
    runner = CliRunner()
    info = runner.invoke(main, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert info.output.startswith(f"{tmp_path}: 2 parts,"), info.output
    assert "at most 1,000 MB" in info.output
    unpacked = tmp_path / cachemod.BUNDLES / "0123abcd"  # a batch's copy of a kit
    unpacked.mkdir(parents=True)
    (unpacked / "brand.yml").write_text("meta:\n  name: Testco\n")
    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and cleared.output == "removed 2 parts from the cache\n"
    assert PartCache().info().entries == 0
    assert not (tmp_path / cachemod.BUNDLES).exists()


# Packs built from the cache --------------------------------------------------------------


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The documents WeasyPrint lays out in this process (builds run with jobs=1)."""
    seen: list[str] = []
    real = LayoutSession.document

    def counted(self: LayoutSession, html: str, **kwargs: Any) -> LaidDocument:
        seen.append(html)
        return real(self, html, **kwargs)

    monkeypatch.setattr(LayoutSession, "document", counted)
    forget_shapes()  # no front seen before: whatever ran in this process earlier
    yield seen


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("BROCHURE_CACHE_DIR", str(root))
    return root


def build(out: Path, **options: Any) -> brochure.BuildResult:
    return brochure.build_pack(**{**SMALL, "jobs": 1, **options}, output=out)


def test_a_rebuild_lays_out_nothing_and_gives_the_same_bytes(
    tmp_path: Path, own_cache: Path, layouts: list[str]
) -> None:
    first = build(tmp_path / "first.pdf")
    # a draft of the front, every part, the front with page numbers, and the chrome
    assert first.parts > 5 and len(layouts) == first.parts + 2
    assert first.layout == "cut at its chapters, so that each part can come from the part cache"
    layouts.clear()
    again = build(tmp_path / "again.pdf")
    assert layouts == []
    assert again.path.read_bytes() == first.path.read_bytes()
    assert again.warnings == first.warnings


def test_without_the_cache_nothing_is_read_or_kept(
    tmp_path: Path, own_cache: Path, layouts: list[str]
) -> None:
    done = build(tmp_path / "plain.pdf", cache=False)
    assert done.parts == 1  # a short pack: laid out whole, as before the cache
    assert done.layout.startswith("short: weighs"), done.layout
    assert not own_cache.exists() or not list(own_cache.rglob("*.part"))


def test_editing_one_city_lays_out_only_what_changed(
    tmp_path: Path,
    own_cache: Path,
    layouts: list[str],
    content: Path,
    edit: Callable[[str, Callable[[str], str]], Path],
) -> None:
    build(tmp_path / "before.pdf", data_dir=content)
    edit("cities/qingdao.yml", lambda text: text.replace("Qingdao stands on", "Qingdao lies on"))
    layouts.clear()
    after = build(tmp_path / "after.pdf", data_dir=content)
    # only the Qingdao chapter: the front, the other chapters and the chrome are as they were
    assert len(layouts) == 1 and "Qingdao lies on" in layouts[0], len(layouts)
    whole = build(tmp_path / "whole.pdf", data_dir=content, cache=False, layout="whole")
    assert page_texts(after.path) == page_texts(whole.path)
    assert "Qingdao lies on" in "".join(page_texts(after.path))


def test_a_pack_from_the_cache_reads_as_the_pack_laid_out_whole(
    tmp_path: Path, own_cache: Path
) -> None:
    """In two workers, from a cold cache, then from a warm one."""
    whole = build(tmp_path / "whole.pdf", cache=False, layout="whole")
    layoutermod.stop_workers()
    cold = build(tmp_path / "cold.pdf", jobs=2)
    assert layoutermod._POOLS, "a cold cache: the parts were laid out in worker processes"
    layoutermod.stop_workers()
    warm = build(tmp_path / "warm.pdf", jobs=2)
    assert not layoutermod._POOLS, "every part in the cache: no worker was started"
    uncached = brochure.build_pack(
        **SMALL, part_policy=PartPolicy(reuse=True), cache=False, output=tmp_path / "un.pdf"
    )
    assert warm.path.read_bytes() == cold.path.read_bytes() == uncached.path.read_bytes()
    assert cold.pages == whole.pages and cold.parts > 5
    assert page_texts(cold.path) == page_texts(whole.path)
    assert outline(cold.path) == outline(whole.path)
    assert internal_links(cold.path) == internal_links(whole.path)
    assert_same_pictures(cold.path, whole.path)
    assert structure_problems(cold.path) == []
    # one copy of each font (render/parts/fonts.py): about the size of the whole layout
    assert cold.path.stat().st_size <= 1.15 * whole.path.stat().st_size


#: A short pack for the front tests: still a cover, contents, itinerary and parts.
TINY: dict[str, Any] = {"cities": ["tianjin"], "topics": ["regions"]}


def _fronts(layouts: list[str]) -> list[str]:
    return [html for html in layouts if 'id="cover"' in html]


def _uncached_parts(out: Path, **options: Any) -> brochure.BuildResult:
    """The pack laid out in parts as the cache would, without the cache."""
    return brochure.build_pack(
        **{**SMALL, "jobs": 1, **TINY, **options},
        part_policy=PartPolicy(reuse=True),
        cache=False,
        output=out,
    )


def test_a_front_seen_before_is_laid_out_once_without_a_draft(
    tmp_path: Path, own_cache: Path, layouts: list[str]
) -> None:
    build(tmp_path / "ann.pdf", traveller="Ann Example", **TINY)
    assert len(_fronts(layouts)) == 2  # a draft, then with the page numbers
    layouts.clear()
    bo = build(tmp_path / "bo.pdf", traveller="Bo Example", **TINY)
    fronts = _fronts(layouts)
    assert len(fronts) == 1 and "Bo Example" in fronts[0]
    assert len(layouts) <= 3, len(layouts)  # the front, the itinerary, perhaps the heads
    # the same bytes as the same pack laid out with a draft, by a process that has not
    # seen the front (the cache left out)
    forget_shapes()
    drafted = _uncached_parts(tmp_path / "bo-drafted.pdf", traveller="Bo Example")
    assert len(_fronts(layouts)) == 3
    assert bo.path.read_bytes() == drafted.path.read_bytes()


def test_a_front_never_seen_is_guessed_from_the_last_one_laid_out(
    tmp_path: Path, own_cache: Path, layouts: list[str]
) -> None:
    """One document after another (jobs=1, a batch worker): another route's front is
    guessed to have the shape of the last front, and laid out once when it does."""
    build(tmp_path / "tianjin.pdf", traveller="Ann Example", **TINY)
    layouts.clear()
    ningbo = {**TINY, "cities": ["ningbo"]}
    other = build(tmp_path / "ningbo.pdf", traveller="Ann Example", **ningbo)
    assert len(_fronts(layouts)) == 1
    forget_shapes()
    drafted = _uncached_parts(tmp_path / "drafted.pdf", traveller="Ann Example", **ningbo)
    assert len(_fronts(layouts)) == 3  # the one above, then a draft and the front
    assert other.path.read_bytes() == drafted.path.read_bytes()


def test_a_wrong_guess_of_the_front_is_laid_out_again(
    tmp_path: Path, own_cache: Path, layouts: list[str]
) -> None:
    right = _uncached_parts(tmp_path / "right.pdf", traveller="Ann Example")
    draft = _fronts(layouts)[0]

    def longer(s: FrontShape) -> FrontShape:
        return FrontShape(s.pages + s.pages[-1:])

    def moved(s: FrontShape) -> FrontShape:  # an anchor of page 2 guessed on page 1
        return FrontShape(((s.pages[0][0], s.pages[0][1] + ("contents",)), *s.pages[1:]))

    shapes: dict[str, Callable[[FrontShape], FrontShape]] = {
        "one page longer": longer,
        "an anchor on another page": moved,
    }
    laid = known_shape(markup_key(draft))  # what the front turned out to be
    assert laid is not None
    for name, wrong in shapes.items():
        remember_shape(markup_key(draft), wrong(laid))
        layouts.clear()
        again = _uncached_parts(tmp_path / f"{name}.pdf", traveller="Ann Example")
        assert len(_fronts(layouts)) == 2, name  # the guess, then laid out again
        assert again.path.read_bytes() == right.path.read_bytes(), name


def test_the_markup_key_ignores_text_but_not_tags_attributes_or_styles() -> None:
    page = '<html><head><style>{}</style></head><body><p class="{}">{}</p></body></html>'
    key = markup_key(page.format("p {}", "a", "Ann"))
    assert markup_key(page.format("p {}", "a", "Bo, a much longer name")) == key
    assert markup_key(page.format("p {}", "b", "Ann")) != key
    assert markup_key(page.format("p { color: red }", "a", "Ann")) != key


def test_the_cache_folder_defaults_to_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROCHURE_CACHE_DIR")
    import platformdirs

    assert cachemod.default_root() == Path(platformdirs.user_cache_dir("brochure")) / "parts"


@pytest.mark.parametrize(
    ("options", "started"),
    [
        ({"jobs": 2}, True),
        ({"jobs": 2, "layout": "parts", "cache": False}, True),
        ({"jobs": 1}, False),
        ({"jobs": 2, "layout": "whole"}, False),
        ({"jobs": 2, "cache": False}, False),  # a short pack is laid out whole
        ({"jobs": 2, "format": "html"}, False),  # nothing is laid out
    ],
)
def test_the_workers_fork_server_starts_before_the_content_is_loaded(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], started: bool
) -> None:
    """So that it imports WeasyPrint while this process fills the templates."""
    from brochure import pack

    order: list[str] = []

    def stop(request: object) -> None:
        order.append("content")
        raise brochure.BrochureError("stopped here by the test")

    monkeypatch.setattr(layoutermod, "start_fork_server", lambda: order.append("fork server"))
    monkeypatch.setattr(pack, "prepare", stop)
    with pytest.raises(brochure.BrochureError, match="stopped here"):
        brochure.build_pack(**SMALL, **options)
    assert order == (["fork server", "content"] if started else ["content"])
