"""Envelope encryption of sealed bids (AES-256-GCM): the stored forms never hold the key
or the plaintext, and a ciphertext moved to another bid or tender does not open."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.exceptions import InvalidTag

from services.procurement.adapters.vault import AesGcmVault

BID = b'{"price": "47123.45", "proposal": "weekly groups"}'


def test_a_sealed_bid_opens_only_with_its_key_and_binding() -> None:
    vault = AesGcmVault(os.urandom(32))
    key, wrapped = vault.new_data_key()
    sealed = vault.seal(key, BID, b"tender-1/bid-1/provider-a")

    assert key not in wrapped and vault.unwrap(wrapped) == key
    assert b"47123" not in sealed and b"weekly" not in sealed
    assert json.loads(vault.open(key, sealed, b"tender-1/bid-1/provider-a")) == json.loads(BID)
    with pytest.raises(InvalidTag):
        vault.open(key, sealed, b"tender-1/bid-1/provider-b")
    with pytest.raises(InvalidTag):
        vault.open(vault.new_data_key()[0], sealed, b"tender-1/bid-1/provider-a")


def test_another_key_encryption_key_cannot_unwrap_a_tenders_key() -> None:
    _, wrapped = AesGcmVault(os.urandom(32)).new_data_key()
    with pytest.raises(InvalidTag):
        AesGcmVault(os.urandom(32)).unwrap(wrapped)


def test_the_key_encryption_key_is_256_bits() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        AesGcmVault(b"short")


def test_a_sealed_bid_does_not_give_away_the_length_of_its_price_or_proposal() -> None:
    vault = AesGcmVault(os.urandom(32))
    key, _ = vault.new_data_key()
    short = vault.seal(key, b'{"price": "9.99", "proposal": "x"}', b"t/b/p")
    long = vault.seal(key, b'{"price": "47123.45", "proposal": "' + b"y" * 600 + b'"}', b"t/b/p")

    assert len(short) == len(long)


def test_the_development_bid_key_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.procurement.settings import ProcurementSettings

    monkeypatch.delenv("PROCUREMENT_BID_KEY", raising=False)
    monkeypatch.setenv("COMMISSIONING_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="development-only bid key is refused in production"):
        ProcurementSettings()
    monkeypatch.setenv("PROCUREMENT_BID_KEY", base64.b64encode(os.urandom(32)).decode())
    assert len(ProcurementSettings().bid_key_bytes()) == 32
