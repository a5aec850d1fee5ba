"""Brand kits: a company's brand.yml, logos, fonts, templates and stylesheets.

The brand file follows posit-dev's brand.yml format and is validated by the
`brand_yml` package; brochure reads it with its own strict YAML loader first (line
numbers, no duplicate keys or aliases) and then checks everything that ends up in
CSS or gets loaded while rendering: colours, lengths, font names, font files, logos.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup
from pydantic import ValidationError

from ..access import MAX_RESOURCE_BYTES, ResourcePolicy, is_font
from ..content.models import Line, Model, Paper, Text
from ..content.yamlfile import Loc, YamlDoc, describe_errors, read_yaml
from ..errors import BrandError, DataError
from ..wording import plural
from .palette import Palette

#: File names a kit folder may hold its brand file under, in the order looked for.
BRAND_FILES = ("brand.yml", "_brand.yml", "brand.yaml", "_brand.yaml")
LogoSize = Literal["small", "medium", "large"]

_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$")
_LENGTH = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})?)(?:pt|px|mm|cm|in|em|rem|%)$")
_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,3})?$")
_FALLBACK = {
    "body": '"Brochure Serif", "Brochure CJK", serif',
    "heading": '"Brochure Sans", "Brochure CJK", sans-serif',
    "mono": '"Brochure Mono", monospace',
}
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
}


class BrochureSettings(Model):
    """brochure's own part of a brand file, under `defaults: brochure:`."""

    paper: Paper | None = None
    contact: Line | None = None
    legal: tuple[Text, ...] = ()
    confidentiality: Line | None = None
    cover_logo: LogoSize = "large"
    header_logo: LogoSize = "small"


@dataclass(frozen=True)
class Logo:
    """A logo file inside the kit, with its alternative text."""

    path: Path
    alt: str

    @property
    def uri(self) -> str:
        """The file URL templates use."""
        return self.path.as_uri()


@dataclass(frozen=True)
class BrandKit:
    """A validated brand kit, ready for the templates and the renderer."""

    root: Path
    file: Path | None = None
    name: str | None = None
    full_name: str | None = None
    link: str | None = None
    settings: BrochureSettings = field(default_factory=BrochureSettings)
    logos: dict[str, Logo] = field(default_factory=dict)
    css: str = ""
    template_dirs: tuple[Path, ...] = ()
    stylesheets: tuple[Path, ...] = ()
    palette: Palette = field(default_factory=Palette.default)
    warnings: tuple[str, ...] = ()

    def logo(self, size: LogoSize) -> Logo | None:
        """The logo of `size`, or the nearest size the kit has."""
        order = {"small": ("small", "medium", "large"), "medium": ("medium", "large", "small")}
        for candidate in order.get(size, ("large", "medium", "small")):
            if candidate in self.logos:
                return self.logos[candidate]
        return None


@dataclass(frozen=True)
class BrandView:
    """What templates see of the brand (`brand.*`)."""

    name: str | None
    full_name: str | None
    link: str | None
    contact: str | None
    legal: tuple[str, ...]
    confidentiality: str | None
    cover_logo: Logo | None
    header_logo: Logo | None
    css: Markup  # built only from validated values: see _Checker.css
    stylesheets: tuple[str, ...]  # file URLs of the kit's own stylesheets

    @classmethod
    def of(cls, kit: BrandKit) -> BrandView:
        """The view of `kit`."""
        settings = kit.settings
        return cls(
            name=kit.name,
            full_name=kit.full_name,
            link=kit.link,
            contact=settings.contact,
            legal=settings.legal,
            confidentiality=settings.confidentiality,
            cover_logo=kit.logo(settings.cover_logo),
            header_logo=kit.logo(settings.header_logo),
            css=Markup(kit.css),
            stylesheets=tuple(p.resolve().as_uri() for p in kit.stylesheets),
        )


def find_brand_file(path: Path) -> Path:
    """The brand file for `path`, which names a file or a kit folder."""
    if path.is_dir():
        for name in BRAND_FILES:
            if (path / name).is_file():
                return path / name
            if (path / name).exists():  # a FIFO, device or folder: named, never opened
                raise BrandError(f"{path / name}: is not a regular file; a brand file must be")
        raise BrandError(f"{path}: no {' or '.join(BRAND_FILES[:2])} in this folder")
    if path.is_file():
        return path
    raise BrandError(f"{path}: brand kit not found")


def load_brand(path: Path, *, strict: bool = False) -> BrandKit:
    """Read and check a brand kit; raise BrandError listing every problem."""
    from brand_yml import Brand  # imported here: only builds with a brand pay for it

    file = find_brand_file(Path(path)).resolve()
    root = file.parent
    try:
        doc = read_yaml(file)
    except DataError as exc:
        raise BrandError(str(exc)) from exc
    if not isinstance(doc.data, dict):
        raise BrandError(f"{file}: a brand file is a mapping of meta, logo, color, typography")

    checker = _Checker(doc, root)
    settings = checker.settings()
    try:
        brand = Brand.model_validate({**doc.data, "path": file})
    except ValidationError as exc:
        raise BrandError(
            f"{file}: not a valid brand file", _unique(describe_errors(exc, doc, Brand))
        ) from exc
    except ValueError as exc:
        raise BrandError(f"{file}: {exc}") from exc

    css = checker.css(brand)
    logos = checker.logos(brand)
    if checker.problems:
        count = plural(len(checker.problems), "problem")
        raise BrandError(f"{file}: {count} in the brand kit", checker.problems)
    if strict and checker.warnings:
        raise BrandError(f"{file}: warnings are errors with --strict", checker.warnings)

    meta = brand.meta
    name = meta.name if meta else None
    link = meta.link if meta else None
    templates = root / "templates"
    styles = root / "styles"
    sheets = tuple(sorted(styles.glob("*.css"))) if styles.is_dir() else ()
    return BrandKit(
        root=root,
        file=file,
        name=getattr(name, "short", None) or getattr(name, "full", None),
        full_name=getattr(name, "full", None) or getattr(name, "short", None),
        link=str(link.home) if link is not None and getattr(link, "home", None) else None,
        settings=settings,
        logos=logos,
        css=css,
        template_dirs=(templates,) if templates.is_dir() else (),
        stylesheets=sheets,
        palette=_palette(checker.properties, root, sheets),
        warnings=tuple(checker.warnings),
    )


def _palette(properties: dict[str, str], root: Path, sheets: Iterable[Path]) -> Palette:
    """The chart and map colours: the brand file's, then what the kit's stylesheets set.

    The stylesheets come after the brand file's colours in the pack, so they win here
    too; they are read as the renderer would read them (regular files, bounded size).
    """
    policy = ResourcePolicy([root])
    texts = [policy.open(p.resolve().as_uri()).body.decode("utf-8", "replace") for p in sheets]
    return Palette.default().overridden(properties).with_stylesheets(texts)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Checker:
    """Collects problems and warnings while turning a Brand into CSS and logo files."""

    def __init__(self, doc: YamlDoc, root: Path) -> None:
        self.doc = doc
        self.root = root
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.unavailable: set[str] = set()  # fonts that would need the network
        self.properties: dict[str, str] = {}  # the custom properties css() wrote

    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append(f"{self.doc.where(loc)}: {'.'.join(map(str, loc))}: {message}")

    def settings(self) -> BrochureSettings:
        defaults = self.doc.data.get("defaults") or {}
        raw = defaults.get("brochure", {}) if isinstance(defaults, dict) else {}
        try:
            return BrochureSettings.model_validate(raw)
        except ValidationError as exc:
            for line in describe_errors(exc, self.doc, BrochureSettings):
                self.problems.append(_relocate(line, ("defaults", "brochure"), self.doc))
            return BrochureSettings()

    # -- colours -------------------------------------------------------------------

    def colour(self, loc: Loc, value: Any) -> str | None:
        """A CSS colour value re-serialised from its parsed form, or None with a problem."""
        import tinycss2.color3
        import tinycss2.color4

        text = str(value)
        rgba = tinycss2.color3.parse_color(text)
        if isinstance(rgba, tinycss2.color3.RGBA):
            r, g, b = (round(c * 255) for c in (rgba.red, rgba.green, rgba.blue))
            if rgba.alpha >= 1:
                return f"#{r:02x}{g:02x}{b:02x}"
            return f"rgba({r}, {g}, {b}, {rgba.alpha:.3f})"
        parsed = tinycss2.color4.parse_color(text)
        if parsed is not None and not isinstance(parsed, str):
            return str(parsed)
        self.problem(loc, f"{text!r} is not a colour (try a hex value such as '#1a4f8b')")
        return None

    def css(self, brand: Any) -> str:
        """`:root` custom properties and `@font-face` rules for the brand."""
        props: dict[str, str] = {}
        color = brand.color
        if color is not None:
            for name in type(color).model_fields:
                value = getattr(color, name)
                if name == "palette" and value:
                    for key, entry in value.items():
                        ok = self.colour(("color", "palette", key), entry)
                        if ok and _FAMILY.match(key):
                            props[f"--brand-palette-{key.replace(' ', '-')}"] = ok
                elif isinstance(value, str):
                    ok = self.colour(("color", name), value)
                    if ok:
                        props[f"--brand-{name}"] = ok
            if "--brand-primary" in props:
                props["--brand-on-primary"] = _on(props["--brand-primary"])
            if "--brand-light" in props:  # brand.yml's light colour tints panels
                props["--brand-tint"] = props["--brand-light"]
        faces = self.font_faces(brand)
        typo = brand.typography
        if typo is not None:
            self.role(props, typo.base, "base", "body", size_var="--size-body")
            self.role(props, typo.headings, "headings", "heading")
            self.role(props, typo.monospace, "monospace", "mono")
            link = getattr(typo, "link", None)
            if link is not None and getattr(link, "color", None):
                ok = self.colour(("typography", "link", "color"), link.color)
                if ok:
                    props["--brand-link"] = ok
        self.properties = props
        lines = [f"  {k}: {v};" for k, v in props.items()]
        root = ":root {\n" + "\n".join(lines) + "\n}\n" if lines else ""
        return root + "".join(faces)

    def role(
        self, props: dict[str, str], spec: Any, key: str, role: str, size_var: str | None = None
    ) -> None:
        """CSS variables for one typographic role (base, headings, monospace)."""
        if spec is None:
            return
        family = getattr(spec, "family", None)
        if family:
            if family in self.unavailable:
                self.warnings.append(
                    f"{self.doc.where(('typography', key))}: typography.{key}: font "
                    f"{family!r} cannot be fetched while rendering; using the built-in "
                    f"{_FALLBACK[role].split(',')[0]} instead"
                )
            elif not _FAMILY.match(family):
                self.problem(("typography", key, "family"), f"{family!r} is not a font name")
            else:
                props[f"--font-{role}"] = f'"{family}", {_FALLBACK[role]}'
        size = getattr(spec, "size", None)
        if size is not None and size_var:
            if _LENGTH.match(str(size)):
                props[size_var] = str(size)
            else:
                self.problem((("typography", key, "size")), f"{size!r} is not a size like 10pt")
        height = getattr(spec, "line_height", None)
        if height is not None and role == "body":
            if _NUMBER.match(str(height)) or _LENGTH.match(str(height)):
                props["--line-height"] = str(height)
            else:
                self.problem(("typography", key, "line-height"), f"{height!r} is not a number")
        weight = getattr(spec, "weight", None)
        if weight is not None and role == "heading":
            value = str(getattr(weight, "root", weight))
            if re.fullmatch(r"[1-9]00|normal|bold", value):
                props["--heading-weight"] = value
            else:
                self.problem(("typography", key, "weight"), f"{value!r} is not a font weight")
        colour = getattr(spec, "color", None)
        if colour and role == "heading":
            ok = self.colour(("typography", key, "color"), colour)
            if ok:
                props["--brand-heading"] = ok

    # -- fonts ---------------------------------------------------------------------

    def font_faces(self, brand: Any) -> list[str]:
        """@font-face rules for `source: file` fonts; note the ones that need a network."""
        typo = brand.typography
        faces: list[str] = []
        for i, font in enumerate(getattr(typo, "fonts", None) or []):
            loc: Loc = ("typography", "fonts", i)
            family = font.family
            if not _FAMILY.match(family):
                self.problem((*loc, "family"), f"{family!r} is not a font name")
                continue
            if font.source in ("google", "bunny"):
                self.unavailable.add(family)
                continue
            if font.source != "file":
                continue
            for j, entry in enumerate(font.files):
                path = self.local_file((*loc, "files", j), entry.path)
                if path is None:
                    continue
                if not is_font(path.read_bytes()):
                    self.problem((*loc, "files", j), f"{path.name} is not a font file")
                    continue
                weight = str(entry.weight)
                weight = weight if re.fullmatch(r"\d{3}|auto|normal|bold", weight) else "normal"
                style = entry.style if entry.style in ("normal", "italic", "oblique") else "normal"
                faces.append(
                    f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                    f"font-weight: {'normal' if weight == 'auto' else weight}; "
                    f"font-style: {style}; }}\n"
                )
        return faces

    def local_file(self, loc: Loc, location: Any) -> Path | None:
        """A file named by the brand, which must exist inside the kit folder."""
        raw = str(getattr(location, "root", location))
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw):
            self.problem(loc, f"{raw!r} is remote; brochure reads only files inside the kit")
            return None
        path = (self.root / raw).resolve()
        if not path.is_relative_to(self.root.resolve()):
            self.problem(loc, f"{raw!r} is outside the kit folder {self.root}")
            return None
        if not path.exists():
            self.problem(loc, f"file not found: {path}")
            return None
        if not path.is_file():
            self.problem(loc, f"{path} is not a regular file")
            return None
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            self.problem(loc, f"{path.name} is over the {MAX_RESOURCE_BYTES:,}-byte limit")
            return None
        return path

    # -- logos ---------------------------------------------------------------------

    def logos(self, brand: Any) -> dict[str, Logo]:
        """The light variant of each logo size, checked to be an image inside the kit."""
        logo = brand.logo
        if logo is None:
            return {}
        found: dict[str, Logo] = {}
        if hasattr(logo, "path"):  # one resource for every size
            sizes: dict[str, Any] = {"small": logo, "medium": logo, "large": logo}
            locs: dict[str, Loc] = dict.fromkeys(sizes, ("logo",))
        else:
            sizes = {s: getattr(logo, s) for s in ("small", "medium", "large") if getattr(logo, s)}
            locs = {s: ("logo", s) for s in sizes}
        for size, resource in sizes.items():
            chosen = getattr(resource, "light", None) or getattr(resource, "dark", None) or resource
            path = self.local_file(locs[size], chosen.path)
            if path is None:
                continue
            kind = _image_kind(path)
            if kind is None:
                self.problem(locs[size], f"{path.name} is not a PNG, JPEG, GIF or SVG image")
                continue
            alt = chosen.alt or (brand.meta.name.full if brand.meta and brand.meta.name else "")
            found[size] = Logo(path, alt or "Logo")
        return found


def _image_kind(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(512)
    for magic, kind in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return kind
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in head.lower():
        return "SVG"
    return None


def _on(hex_colour: str) -> str:
    """Black or white, whichever reads better on `hex_colour`."""
    if not hex_colour.startswith("#") or len(hex_colour) != 7:
        return "#ffffff"
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#111111" if luminance > 0.4 else "#ffffff"


def _relocate(problem: str, prefix: Loc, doc: YamlDoc) -> str:
    """Prefix the field path of a settings problem with `defaults.brochure`."""
    _, _, rest = problem.partition(": ")
    field_path, _, message = rest.partition(": ")
    loc: Loc = (*prefix, *(int(p) if p.isdigit() else p for p in field_path.split(".")))
    return f"{doc.where(loc)}: {'.'.join(map(str, loc))}: {message}"
