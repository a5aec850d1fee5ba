"""`brochure brand new`: a starting brand kit that builds at once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..errors import BrandError
from ..resources import builtin_fonts

_BRAND_YML = """\
# A brochure brand kit: the brand.yml format (https://posit-dev.github.io/brand-yml/),
# which Quarto and Shiny read too. brochure's own settings live under defaults.brochure.
meta:
  name:
    short: {short}
    full: {full}
  link:
    home: https://example.com

logo:
  images:
    mark: logo.svg
  small: mark
  large: mark

color:
  palette:
    ocean: "#0d4f6c"
    coral: "#e0603a"
    charcoal: "#23272b"
  primary: ocean
  secondary: coral
  foreground: charcoal
  background: "#ffffff"

typography:
  fonts:
    - family: Kit Sans
      source: file
      files:
        - path: fonts/NotoSans-Regular.ttf
          weight: 400
        - path: fonts/NotoSans-Bold.ttf
          weight: 700
  base:
    size: 9.5pt
  headings:
    family: Kit Sans
    color: primary

defaults:
  brochure:
    paper: a4
    contact: "travel@example.com · +44 20 7946 0000"
    confidentiality: "Confidential: prepared for the named traveller."
    legal:
      - "{full}. Replace this line with your registered name and number."
"""

_LOGO_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64">
  <rect x="0" y="0" width="64" height="64" rx="10" fill="#e0603a"/>
  <text x="32" y="43" font-family="sans-serif" font-size="30" font-weight="bold"
        fill="#ffffff" text-anchor="middle">{initials}</text>
  <text x="78" y="42" font-family="sans-serif" font-size="26" font-weight="bold"
        fill="#0d4f6c">{short}</text>
</svg>
"""

_COVER = """\
{#- Replaces one block of the built-in cover; everything else stays as it is. -#}
{% extends "!default/cover.html" %}
{% block cover_brand %}<p class="cover-kicker">{{ brand.name }} · travel briefing</p>{% endblock %}
"""

_CSS = """\
/* Comes after the built-in stylesheets: override rules or variables here. */
h2 { letter-spacing: 0.02em; }
.glance { border-left-color: var(--brand-primary); }
"""


def new_kit(folder: Path, name: str = "Example Company") -> list[Path]:
    """Write a starter kit into `folder` (new or empty); return the files written."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BrandError(f"{folder}: already exists and is not an empty folder")
    short = re.sub(r"[^A-Za-z0-9 ]+", "", name).strip() or "Company"
    initials = "".join(w[0] for w in short.split()[:2]).upper()
    files = {
        "brand.yml": _BRAND_YML.format(short=short.split()[0], full=short),
        "logo.svg": _LOGO_SVG.format(initials=initials, short=short.split()[0]),
        "templates/cover.html": _COVER,
        "styles/brand.css": _CSS,
    }
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (folder / "fonts").mkdir(exist_ok=True)
    for font in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "OFL.txt"):
        written.append(Path(shutil.copy2(builtin_fonts() / font, folder / "fonts" / font)))
    return written
