"""Signing in to the dashboards with the platform's bearer token.

A browser cannot put a bearer token on a page navigation or on an `EventSource`, so the
dashboards exchange the token once for a cookie: the sign-in page's script POSTs it in an
`Authorization: Bearer` header (so the platform's edge checks it before any body is read,
as for every POST), never in a URL, where server logs, history and Referer headers would
keep it. The cookie is:

- HttpOnly: no script on any page can read it;
- SameSite=Strict: no other site can make the browser send it, so no cross-site request
  forgery and no cross-site `EventSource` on the alert stream;
- scoped to the dashboards' path, so the JSON API never accepts it (the API takes bearer
  tokens only);
- Secure whenever the page is served over HTTPS;
- no longer-lived than the token itself (its `exp`).

Every request verifies the cookie's token with the API's own verifier (signature, issuer,
audience, trust, lifetime, known locality), so a page grants exactly what the token grants,
and a page or stream checks the token again before answering. A missing, forged or expired
token gets a sign-in page and no data. No server-side session store and no new key, so
replicas share nothing. A deployment behind an identity provider puts its OIDC sign-in in
front of the form; the cookie rules stay the same.
"""

from __future__ import annotations

import time

import jwt
from fastapi import Request
from fastapi.responses import Response

from shared.auth import Principal
from shared.auth.verification import KeySetUnavailable, TokenRejected, TokenVerifier

COOKIE = "commissioning_dashboards"
PATH = "/boards/dashboards"


class SignInRequired(Exception):
    """No usable token: the reason, in words, for the sign-in page."""

    def __init__(self, reason: str, status_code: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


def verifier(request: Request) -> TokenVerifier:
    found = getattr(request.app.state, "token_verifier", None)
    if not isinstance(found, TokenVerifier):
        raise RuntimeError("app.state.token_verifier is not set: set it at service startup")
    return found


def verify(request: Request, token: str) -> Principal:
    try:
        return verifier(request).verify(token)
    except TokenRejected as rejected:
        raise SignInRequired(f"Your access token was refused: {rejected.rule}.") from None
    except KeySetUnavailable:
        raise SignInRequired("Signing keys are unavailable; try again shortly.", 503) from None


def signed_in(request: Request) -> Principal:
    """The caller the dashboards' cookie names, verified now; else `SignInRequired`."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired("Sign in with your access token to see the dashboards.")
    return verify(request, token)


def token_from(request: Request) -> str:
    """The token a sign-in POST carries in its `Authorization: Bearer` header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignInRequired("Enter your access token.")
    return token.strip()


def keep(response: Response, request: Request, token: str) -> None:
    """Sets the dashboards' cookie for as long as the (verified) token lives."""
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    max_age = max(int(expires - time.time()), 0) if isinstance(expires, int | float) else 3600
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=secure(request),
    )


def forget(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, samesite="strict", secure=secure(request)
    )


def secure(request: Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"
