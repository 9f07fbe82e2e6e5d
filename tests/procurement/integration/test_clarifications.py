"""Clarification questions and answers are visible to every bidder, without the asker's
name; questions close with the tender; only commissioners answer."""

from __future__ import annotations

import pytest

from shared.settings import KafkaSettings
from tests.procurement.integration.support import running_procurement
from tests.procurement.integration.test_sealed_bids import published

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_a_question_and_its_answer_reach_every_bidder_but_not_who_asked(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        pid = await published(service)
        url = f"/procurements/{pid}/clarifications"
        asked = await service.client.post(
            url,
            json={"question": "Is Saturday delivery required?"},
            headers=service.provider("family-action"),
        )
        qid = asked.json()["clarification_id"]
        by_provider = await service.client.put(
            f"{url}/{qid}/answer", json={"answer": "yes"}, headers=service.provider("home-start")
        )
        answered = await service.client.put(
            f"{url}/{qid}/answer",
            json={"answer": "Yes, at least two Saturdays a month."},
            headers=service.officer,
        )
        twice = await service.client.put(
            f"{url}/{qid}/answer", json={"answer": "no"}, headers=service.officer
        )
        seen_by_rival = await service.client.get(url, headers=service.provider("home-start"))
        other_board = await service.client.get(url, headers=service.board("derwentside"))
        service.clock.advance(days=30)
        late = await service.client.post(
            url, json={"question": "Too late?"}, headers=service.provider("home-start")
        )

    assert asked.status_code == 201
    assert by_provider.status_code == 403
    assert answered.status_code == 200
    assert twice.status_code == 409
    assert seen_by_rival.json() == [
        {
            "clarification_id": qid,
            "question": "Is Saturday delivery required?",
            "asked_at": asked.json()["asked_at"],
            "answer": "Yes, at least two Saturdays a month.",
            "answered_at": answered.json()["answered_at"],
        }
    ]
    assert "family-action" not in seen_by_rival.text
    assert other_board.status_code == 404
    assert late.status_code == 409
