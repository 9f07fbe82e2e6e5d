"""The HTTP edge: what a request must pass before any of it is read or parsed.

Two ASGI middlewares, outermost first:
- `AuthenticateFirst`: a request that carries a body (any method but GET, HEAD and
  OPTIONS, or a body announced by its headers) needs a valid bearer token, checked from
  the headers alone, so an anonymous caller cannot make the service read (or buffer) a
  body at all: FastAPI reads a body before it runs a route's dependencies. Routes still
  check the token, roles and scope through `shared.auth` dependencies; bodiless requests
  (public schema downloads among them) are left to them.
- `BodyLimit`: a body over the limit is refused with 413 before the application parses
  it, whether it announces its size (Content-Length) or streams (chunked).

Both answer in the project's error shape, `{"detail": [{"field", "rule"}]}`.
"""

from __future__ import annotations

import json

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.api_docs import ASSETS, ASSETS_PATH, DOCS_PATH
from shared.auth import KeySetUnavailable, TokenRejected, TokenVerifier

PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", DOCS_PATH, "/openapi.json"}
    | {f"{ASSETS_PATH}/{name}" for name in ASSETS}
)
"""Paths that need no token: probes, Prometheus, and the API's own documentation."""


async def send_error(
    send: Send,
    status: int,
    field: str,
    rule: str,
    headers: dict[str, str] | None = None,
) -> None:
    body = json.dumps({"detail": [{"field": field, "rule": rule}]}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _has_body(scope: Scope) -> bool:
    if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
        return True
    length = _header(scope, b"content-length")
    announced = length is not None and length.strip() not in ("", "0")
    return announced or _header(scope, b"transfer-encoding") is not None


class AuthenticateFirst:
    """401 (or 503 while signing keys cannot be fetched) before the body is touched."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        scheme, _, token = (header or "").partition(" ")
        if not header or scheme.lower() != "bearer" or not token.strip():
            rule = (
                "bearer token required"
                if not header
                else "Authorization must use the Bearer scheme with a token"
            )
            await send_error(send, 401, "Authorization", rule, {"WWW-Authenticate": "Bearer"})
            return
        try:
            # In a worker thread: fetching a JWKS must not block the event loop.
            await anyio.to_thread.run_sync(self.verifier.verify, token.strip())
        except TokenRejected as rejected:
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            await send_error(send, 401, rejected.field, rejected.rule, challenge)
            return
        except KeySetUnavailable:
            rule = "signing keys unavailable; retry later"
            await send_error(send, 503, "Authorization", rule, {"Retry-After": "5"})
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 for a request body over `max_bytes`, counted as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @property
    def rule(self) -> str:
        return f"request body larger than the limit of {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await send_error(send, 413, "body", self.rule)
            return
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        await send_error(send, 413, "body", self.rule)
                    # The application sees a client that went away, and stops reading.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # we have answered already
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)
