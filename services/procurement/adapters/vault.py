"""Envelope encryption of sealed bids with AES-256-GCM (the ``cryptography`` package).

Each tender has its own random 256-bit data key; it is stored wrapped (AES-GCM under the
service's key-encryption key, from the ``PROCUREMENT_BID_KEY`` setting/secret) and in the
clear only after close. Every sealed value is ``nonce (12 bytes) || ciphertext+tag``; the
associated data binds a bid to its tender and provider. Plaintexts (JSON documents) are
padded with trailing spaces to a multiple of ``PAD_BYTES`` before sealing, so the stored
length does not give away the length of a price or a proposal before close.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
PAD_BYTES = 1024
WRAP_AAD = b"procurement/tender-data-key"


class AesGcmVault:
    """`BidVault` over AES-256-GCM; ``kek`` is the 32-byte key-encryption key."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise ValueError("the bid key-encryption key must be 32 bytes (AES-256)")
        self._kek = AESGCM(kek)

    def new_data_key(self) -> tuple[bytes, bytes]:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        return key, nonce + self._kek.encrypt(nonce, key, WRAP_AAD)

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], WRAP_AAD)

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Seal a JSON document; trailing spaces pad it (JSON ignores them)."""
        padded = plaintext + b" " * (-len(plaintext) % PAD_BYTES)
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, padded, aad)

    def open(self, key: bytes, sealed: bytes, aad: bytes) -> bytes:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
