"""Secrets the app must read back, stored sealed: a second factor's TOTP
secret (whoever reads it can make the account's codes) and an API client's
webhook signing secret (whoever reads it can sign messages as the centre).
A password or a token is kept as a hash instead; these cannot be, as the app
needs their value.

A sealed value is AES-256-GCM (`cryptography`) with a fresh 12-byte nonce,
its associated data the column's name (so a value copied into another
column does not open), stored as text: "v1:" and the base64 of nonce and
ciphertext. The key is derived (HKDF-SHA256, a label of its own) from
AUDIT_DATA_KEY, or AUDIT_KEY when that is unset: the secrets the operators
already keep and must never change. Columns declare `SealedString`, and the
ORM and the statements sent to the driver (app/driver.py, through the
type's processors) seal on the way in and open on the way out.

Foundation layer: imports Flask, SQLAlchemy and cryptography only.
"""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

PREFIX = "v1:"
_NONCE = 12
_derived: dict[tuple[str, bytes], bytes] = {}


class Unsealable(Exception):
    """A stored value that does not open with this key."""


def derived_key(label: bytes) -> bytes:
    """A 256-bit key for one use, named by `label`, derived (HKDF-SHA256)
    from AUDIT_DATA_KEY, or AUDIT_KEY when that is unset: the sealed
    secrets' here, the audit log's key-encryption key (app/audit/personal.py).
    Derived once per secret and label, not on every value."""
    secret = current_app.config.get("AUDIT_DATA_KEY") or current_app.config["AUDIT_KEY"]
    key = _derived.get((secret, label))
    if key is None:
        key = _derived[(secret, label)] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                               info=label).derive(secret.encode())
    return key


def _key_bytes() -> bytes:
    return derived_key(b"mediation sealed secrets v1")


def seal(value: str, column: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_key_bytes()).encrypt(nonce, value.encode(), column.encode())
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str, column: str) -> str:
    if not stored.startswith(PREFIX):
        raise Unsealable(f"{column} holds a value that was not sealed (run `flask db upgrade`)")
    try:
        raw = base64.b64decode(stored[len(PREFIX):], validate=True)
        return AESGCM(_key_bytes()).decrypt(raw[:_NONCE], raw[_NONCE:], column.encode()).decode()
    except (binascii.Error, ValueError, InvalidTag):  # not base64, too short for a nonce, or does not open
        raise Unsealable(f"{column} does not open with this key: AUDIT_DATA_KEY (or AUDIT_KEY) is not the "
                         "one it was sealed with, or the value was altered") from None


def sealed_length(plain_length: int) -> int:
    """The column length that holds a sealed value of `plain_length` characters (ASCII)."""
    return len(PREFIX) + 4 * -(-(_NONCE + plain_length + 16) // 3)


class SealedString(TypeDecorator):
    """A string column whose values are stored sealed (see above), for
    values of at most `plain_length` ASCII characters. `column` names it in
    the associated data: "table.column"."""

    impl = String
    cache_ok = True

    def __init__(self, plain_length: int, column: str):
        super().__init__(sealed_length(plain_length))
        self.plain_length, self.column = plain_length, column

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value, self.column)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value, self.column)
