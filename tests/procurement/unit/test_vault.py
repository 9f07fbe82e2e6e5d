"""Envelope encryption of sealed bids (AES-256-GCM): the stored forms never hold the key
or the plaintext, and a ciphertext moved to another bid or tender does not open."""

from __future__ import annotations

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
    assert vault.open(key, sealed, b"tender-1/bid-1/provider-a") == BID
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
