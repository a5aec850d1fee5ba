"""URLs a kit's templates and stylesheets may not load: other files, devices, the network.

Every way WeasyPrint loads something goes through brochure's fetcher; each case puts one
such way into a kit (a template override that extends the built-in cover, or a kit
stylesheet) and checks that the build stops with an error naming the URL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.support import (
    Target,
    assert_refused,
    build,
    cover_with,
    put,
    replace_in,
)

OUTSIDE = "outside the allowed folders"
NO_NETWORK = "only local files and data: URLs may be loaded while rendering (no network access)"
HINT = "(allow a host with --allow-remote HOST)"

# -- 2. file:///etc/passwd through every loading mechanism ---------------------------------

PASSWD_IN_TEMPLATES = {
    "img-src": '<img alt="x" src="file:///etc/passwd">',
    "link-stylesheet": '<link rel="stylesheet" href="file:///etc/passwd">',
    "link-attachment": '<link rel="attachment" href="file:///etc/passwd">',
    "a-attachment": '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
    "style-attribute": '<div style="background: url(file:///etc/passwd)">x</div>',
    "inline-style-import": '<style>@import url("file:///etc/passwd");</style>',
    "object-data": '<object data="file:///etc/passwd" type="image/png">x</object>',
    "embed-src": '<embed src="file:///etc/passwd" type="image/png">',
    "base-href-then-relative-img": '<base href="file:///etc/"><img alt="x" src="passwd">',
}

PASSWD_IN_STYLESHEETS = {
    "import": '@import url("file:///etc/passwd");\n',
    "import-string": '@import "file:///etc/passwd";\n',
    "background-url": 'body { background: url("file:///etc/passwd"); }\n',
    "list-style-image": "li { list-style-image: url(file:///etc/passwd); }\n",
    "content-url": 'h1::before { content: url("file:///etc/passwd"); }\n',
    "font-face-src": (
        '@font-face { font-family: "Evil"; src: url("file:///etc/passwd"); }\n'
        'body { font-family: "Evil"; }\n'
    ),
}


@pytest.mark.parametrize("html", PASSWD_IN_TEMPLATES.values(), ids=PASSWD_IN_TEMPLATES.keys())
def test_etc_passwd_from_a_kit_template_is_refused(kit: Path, target: Target, html: str) -> None:
    put(kit, "templates/cover.html", cover_with(html))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "refused to load 'file:///etc/passwd'", OUTSIDE)


@pytest.mark.parametrize("css", PASSWD_IN_STYLESHEETS.values(), ids=PASSWD_IN_STYLESHEETS.keys())
def test_etc_passwd_from_a_kit_stylesheet_is_refused(kit: Path, target: Target, css: str) -> None:
    put(kit, "styles/evil.css", css)
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "refused to load 'file:///etc/passwd'", OUTSIDE)


SVG_WITH_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="120" height="40" viewBox="0 0 120 40">'
    '<rect width="120" height="40" fill="#0a7f5a"/>'
    '<image href="file:///etc/passwd" xlink:href="file:///etc/passwd" width="120" height="40"/>'
    "</svg>\n"
)


def svg_logo_kit(kit: Path) -> Path:
    put(kit, "logo.svg", SVG_WITH_IMAGE)
    replace_in(kit / "brand.yml", "mark: logo.png", "mark: logo.svg")
    return kit


def test_an_svg_logo_with_an_image_of_etc_passwd_fails_the_build(kit: Path, target: Target) -> None:
    outcome = build("--brand", str(svg_logo_kit(kit)), *target.args)
    assert_refused(outcome, target, str(kit / "logo.svg"))


def test_an_svg_logo_with_an_image_of_etc_passwd_names_the_url(kit: Path, target: Target) -> None:
    outcome = build("--brand", str(svg_logo_kit(kit)), *target.args)
    assert_refused(outcome, target, "file:///etc/passwd")


# -- 4. the network --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<img alt="x" src="http://169.254.169.254/latest/meta-data">',
        '<link rel="stylesheet" href="https://example.com/x.css">',
    ],
    ids=["metadata-img", "remote-stylesheet"],
)
def test_remote_urls_are_refused_with_a_hint(kit: Path, target: Target, html: str) -> None:
    url = html.split('"')[-2]
    put(kit, "templates/cover.html", cover_with(html))
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, f"refused to fetch {url!r}", NO_NETWORK, HINT)


def test_a_remote_import_in_a_kit_stylesheet_is_refused(kit: Path, target: Target) -> None:
    put(kit, "styles/evil.css", '@import url("https://example.com/x.css");\n')
    outcome = build("--brand", str(kit), *target.args)
    assert_refused(outcome, target, "refused to fetch 'https://example.com/x.css'", HINT)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://example.com@169.254.169.254/latest/meta-data",
        "https://example.com:443@169.254.169.254/x.css",
        "http://example.com.evil.test/x.css",
        "http://evil.test/?example.com",
        "ftp://example.com/x.css",
    ],
    ids=["other-host", "userinfo", "userinfo-port", "suffix", "query", "ftp"],
)
def test_allow_remote_does_not_let_other_hosts_through(kit: Path, target: Target, url: str) -> None:
    put(kit, "templates/cover.html", cover_with(f'<img alt="x" src="{url}">'))
    outcome = build("--brand", str(kit), "--allow-remote", "example.com", *target.args)
    assert_refused(outcome, target, f"refused to fetch {url!r}", NO_NETWORK)
