"""The sign-in page keeps the token out of web addresses even when its script does not run
(no JavaScript, no `fetch`, or a script blocked on the way): the form itself posts."""

from __future__ import annotations

import re

from services.boards.entrypoints.pages.rendering import sign_in_page


def test_without_its_script_the_sign_in_form_posts_and_never_puts_the_token_in_a_url() -> None:
    body = bytes(sign_in_page(None).body).decode()
    [form] = re.findall(r"<form\b[^>]*\baction=\"[^\"]*\"[^>]*>", body)  # not the script's comment
    method = re.search(r'\bmethod="([^"]*)"', form)

    # A form without a method is sent with GET: ?token=... in history, logs and Referer.
    assert method is not None and method.group(1).lower() == "post"
    assert 'name="token"' in body
