"""Every registered service's HTTP API keeps its documented contract under generated input
(schemathesis over the app's own OpenAPI document): no 5xx, and every answer's status,
content type, headers and body are the ones documented. Run with a token holding every
role, with no token, and with hostile tokens.

Bounded: a few generated cases per operation, derandomised so a run is reproducible.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth import Role, mint_token
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.services import definition, names
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings

pytestmark = [
    pytest.mark.broker,
    pytest.mark.database,
    # Raised from inside schemathesis' own strategies, not from this project's code.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
Headers = Callable[[], dict[str, str]]
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}


@dataclass(frozen=True)
class Service:
    app: FastAPI
    settings: PlatformSettings

    def token(self, **overrides: Any) -> dict[str, str]:
        ctx = self.app.state.context
        claims: dict[str, Any] = {
            "locality": sorted(ctx.trust.locality_ids)[0],
            "agency": ctx.trust.agencies[0].id,
            "provider_id": "provider-1",
        } | overrides
        token = mint_token(self.settings.auth(ctx.trust.id), "schemathesis", list(Role), **claims)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=names())
async def service(
    request: pytest.FixtureRequest,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
) -> AsyncIterator[Service]:
    """The service's app on its own schema and topics; schemathesis runs its lifespan."""
    found = definition(request.param)
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, found.migrations)
    await ensure_topics(kafka)
    platform = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=unique_schema),
        log_format="text",
        log_level="ERROR",
    )
    yield Service(create_app(found, platform), platform)
    asgi.shutdown_lifespans()


def wait_until_ready(app: FastAPI, timeout_s: float = 60) -> None:
    """Readiness answers 503 (as documented) until the relay and consumers are up; the
    other operations are exercised on a service that is up."""
    deadline = time.monotonic() + timeout_s
    with asgi.get_client(cast(Any, app)) as client:
        while client.get("http://testserver/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service never became ready"
            time.sleep(0.2)


def exercise(app: FastAPI, headers: Headers, modes: list[GenerationMode]) -> None:
    """Generated requests for every operation of the app; each answer is checked."""
    wait_until_ready(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for mode in modes:
            try:
                generated_requests(operation, mode, headers)
            except Unsatisfiable:
                # An operation that takes no input has no invalid request to send.
                if mode is not GenerationMode.NEGATIVE:
                    raise


def generated_requests(
    operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, headers: Headers
) -> None:
    # Readiness answers a documented 503 while a dependency (broker, relay) is catching up:
    # that is its job, not a failure to handle input. Every other 5xx is a bug.
    checks = CHECKS[1:] if operation.path == "/readyz" else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers(), checks=checks)

    answers_as_documented()


def hostile_tokens(service: Service) -> Iterator[dict[str, str]]:
    yield {}
    yield {"Authorization": "Bearer not-a-jwt"}
    yield {"Authorization": "Basic c2NoZW1hdGhlc2lzOnB3"}
    yield service.token(ttl=timedelta(seconds=-60))
    yield service.token(trust="another-trust")


def test_with_a_token_holding_every_role_no_answer_breaks_the_contract(service: Service) -> None:
    exercise(service.app, service.token, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def test_without_a_valid_token_no_answer_breaks_the_contract(service: Service) -> None:
    for headers in hostile_tokens(service):
        exercise(service.app, functools.partial(dict, headers), [GenerationMode.POSITIVE])
