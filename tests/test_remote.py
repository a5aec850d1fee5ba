"""--allow-remote: a named host may serve resources; redirects and other hosts may not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import brochure
from brochure.errors import ResourceError
from pdftools import page_texts
from test_brand import make_kit


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/style.css":
            body = b'.tagline::after { content: " (served over http)"; }'
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:  # everything else bounces to another address
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A tiny web server on the loopback address, for this test only."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def kit_linking(tmp_path: Path, url: str) -> Path:
    kit = make_kit(tmp_path / "kit")
    (kit / "templates").mkdir()
    (kit / "templates" / "pack.html").write_text(
        '{% extends "!default/pack.html" %}\n'
        f'{{% block head %}}{{{{ super() }}}}<link rel="stylesheet" href="{url}">{{% endblock %}}\n'
    )
    return kit


def test_an_allowed_host_serves_a_stylesheet(server: str, tmp_path: Path) -> None:
    kit = kit_linking(tmp_path, f"{server}/style.css")
    out = tmp_path / "p.pdf"
    brochure.build_pack(cities=["ningbo"], brand=kit, allow_remote=["127.0.0.1"], output=out)
    assert "(served over http)" in "".join(page_texts(out))


def test_without_allow_remote_the_same_url_is_refused(server: str, tmp_path: Path) -> None:
    kit = kit_linking(tmp_path, f"{server}/style.css")
    with pytest.raises(ResourceError, match="allow a host with --allow-remote"):
        brochure.build_pack(cities=["ningbo"], brand=kit, output=tmp_path / "p.pdf")
    assert not (tmp_path / "p.pdf").exists()


def test_an_allowed_host_cannot_redirect_elsewhere(server: str, tmp_path: Path) -> None:
    kit = kit_linking(tmp_path, f"{server}/bounce.css")
    with pytest.raises(brochure.BrochureError) as caught:
        brochure.build_pack(
            cities=["ningbo"], brand=kit, allow_remote=["127.0.0.1"], output=tmp_path / "p.pdf"
        )
    assert "bounce.css" in str(caught.value)
    assert not (tmp_path / "p.pdf").exists()
