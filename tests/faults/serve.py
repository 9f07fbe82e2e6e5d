"""`python -m tests.faults.serve <service> --port N`: `commissioning serve`, with a mechanism
disabled when COMMISSIONING_TEST_MUTATION names one (read here only, never by the platform).

The mutations are the test of the service fault cases: each removes the mechanism a case
relies on, so the case's check must find the damage.

- `publish-outside-transaction`: an event is sent to Kafka the moment a use case publishes
  it, instead of through the outbox at commit (so it escapes a transaction that never
  commits);
- `commitment-outside-transaction`: a pooled fund's commitment is committed on its own,
  before the contract it pays for (a transaction split in two);
- `key-release-outside-transaction`: a tender's data key is released (committed) on its
  own, before the tender is closed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from services.procurement.adapters.records import PostgresFunds
from services.procurement.adapters.repositories import PostgresProcurements
from services.procurement.domain.contract import Fund
from shared.settings import KafkaSettings
from shared.unit_of_work import UnitOfWork

MUTATION_ENV = "COMMISSIONING_TEST_MUTATION"
MUTATIONS = (
    "publish-outside-transaction",
    "commitment-outside-transaction",
    "key-release-outside-transaction",
)


def _send_now(topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    """Produce one record and wait for the broker's ack, from a thread of its own (the
    caller is synchronous code inside the service's event loop)."""

    async def send() -> None:
        producer = AIOKafkaProducer(**KafkaSettings().client_options())
        await producer.start()
        try:
            await producer.send_and_wait(topic, value=value, key=key.encode(), headers=headers)
        finally:
            await producer.stop()

    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(send())
        except BaseException as error:  # reported in the caller's thread
            failed.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def publish_outside_transaction() -> None:
    original = UnitOfWork.publish

    def publish(self: UnitOfWork, payload: BaseModel, **options: Any) -> Any:
        envelope = original(self, payload, **options)
        event = self.outgoing.pop()
        _send_now(event.topic, envelope.subject, event.value, envelope.headers({}))
        return envelope

    UnitOfWork.publish = publish  # type: ignore[method-assign]


def commitment_outside_transaction() -> None:
    original = PostgresFunds.save

    async def save(self: PostgresFunds, fund: Fund) -> None:
        await original(self, fund)
        await self.db.execute("COMMIT")
        await self.db.execute("BEGIN")

    PostgresFunds.save = save  # type: ignore[method-assign]


def key_release_outside_transaction() -> None:
    original = PostgresProcurements.release_key

    async def release_key(
        self: PostgresProcurements, procurement_id: uuid.UUID, key: bytes
    ) -> None:
        await original(self, procurement_id, key)
        await self.db.execute("COMMIT")
        await self.db.execute("BEGIN")

    PostgresProcurements.release_key = release_key  # type: ignore[method-assign]


def main() -> None:
    mutation = os.environ.get(MUTATION_ENV) or None
    patches = {
        "publish-outside-transaction": publish_outside_transaction,
        "commitment-outside-transaction": commitment_outside_transaction,
        "key-release-outside-transaction": key_release_outside_transaction,
    }
    if mutation is not None:
        if mutation not in patches:
            raise SystemExit(f"{MUTATION_ENV}: unknown mutation {mutation!r}; known: {MUTATIONS}")
        patches[mutation]()
    from shared.cli import app

    app(["serve", *sys.argv[1:]])


if __name__ == "__main__":
    main()
