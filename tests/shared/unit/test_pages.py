"""The shared page layout (shared.pages): every page has its language, a skip link to its
main content, landmarks and one `<h1>`, and a Content-Security-Policy that allows exactly
the style and script inlined in it, so a browser applies them and nothing else runs."""

from __future__ import annotations

import base64
import hashlib
import re

from jinja2 import DictLoader

from shared.pages import Pages

PAGE = '{% extends "base.html" %}{% block content %}<p>{{ words }}</p>{% endblock %}'


def pages() -> Pages:
    found = Pages()
    found.environment.loader.loaders.insert(0, DictLoader({"page.html": PAGE}))  # type: ignore[union-attr]
    return found


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_policy_allows_exactly_the_inlined_style_and_script() -> None:
    response = pages().response("page.html", {"title": "T", "words": "w"}, script="live-feed.js")
    body = bytes(response.body).decode()
    policy = response.headers["content-security-policy"]
    (style,) = re.findall(r"<style>(.*?)</style>", body, re.DOTALL)
    (script,) = re.findall(r"<script>(.*?)</script>", body, re.DOTALL)
    assert f"style-src {sha256(style)};" in policy
    assert f"script-src {sha256(script)};" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert response.headers["cache-control"] == "no-store"


def test_a_page_without_a_script_allows_none() -> None:
    response = pages().response("page.html", {"title": "T", "words": "w"})
    assert "script-src 'none'" in response.headers["content-security-policy"]
    assert "<script>" not in bytes(response.body).decode()


def test_every_page_has_language_skip_link_landmarks_and_one_heading() -> None:
    body = pages().html("page.html", {"title": "Annual report", "words": "<b>x</b>"})
    assert '<html lang="en-GB">' in body
    assert '<a class="skip-link" href="#main">' in body and '<main id="main"' in body
    assert body.count("<h1>") == 1 and "<header" in body and "<footer>" in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body  # what a page is given is escaped
