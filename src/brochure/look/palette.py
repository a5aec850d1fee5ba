"""The six colours charts and maps are drawn in, as the brand stage decides them.

A pack's colours come from three places, later ones winning as they do in the pack's
cascade: the built-in look (`styles/base.css`), the brand file's colours (values the
brand stage has already validated) and the kit's own stylesheets. Only those stylesheets
are CSS brochure did not write; they are read with tinycss2, a real CSS parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

import tinycss2
import tinycss2.color4

_PREFIX = "--brand-"


@dataclass(frozen=True)
class Palette:
    """The six colours the charts and maps use."""

    primary: str
    secondary: str
    foreground: str
    muted: str
    rule: str
    tint: str

    @classmethod
    def default(cls) -> Palette:
        """The built-in look (styles/base.css)."""
        return cls(
            primary="#123b5d",
            secondary="#c8372d",
            foreground="#1f2a33",
            muted="#5d6b76",
            rule="#cfd8df",
            tint="#eef3f6",
        )

    def overridden(self, properties: Mapping[str, str]) -> Palette:
        """This palette with the colours `properties` (`--brand-NAME: value`) set.

        Values that are not plain colours (`var(...)`, anything odd) are ignored.
        """
        names = {f.name for f in fields(self)}
        found = {
            key.removeprefix(_PREFIX): value
            for key, value in properties.items()
            if key.removeprefix(_PREFIX) in names and is_colour(value)
        }
        return replace(self, **found)

    def with_stylesheets(self, sheets: Iterable[str]) -> Palette:
        """This palette with the `--brand-*` colours the `:root` rules of `sheets` set."""
        palette = self
        for css in sheets:
            palette = palette.overridden(root_properties(css))
        return palette


def is_colour(value: str) -> bool:
    """Whether `value` is one CSS colour, such as `#1a4f8b`, `rgb(…)` or `red`."""
    tokens = [
        t for t in tinycss2.parse_component_value_list(value) if t.type not in ("whitespace",)
    ]
    return len(tokens) == 1 and tinycss2.color4.parse_color(tokens[0]) not in (None, "currentcolor")


def root_properties(css: str) -> dict[str, str]:
    """The `--brand-*` custom properties set by `:root` or `html` rules in `css`, last wins."""
    found: dict[str, str] = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        selector = tinycss2.serialize(rule.prelude).strip()
        if selector not in (":root", "html"):
            continue
        for item in tinycss2.parse_blocks_contents(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if item.type == "declaration" and item.name.startswith(_PREFIX):
                found[item.name] = tinycss2.serialize(item.value).strip()
    return found
