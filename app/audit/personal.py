"""Personal data in the audit log, encrypted so that it can be erased (PIPL).

The log is append-only and hash-chained, so a value once written can never be
removed. Personal fields (ID numbers and phones, `is_personal`: the one list)
are therefore written encrypted with a data key of the event's subject (its
entity: a case, an elder, a lawyer...), AES-256-GCM from `cryptography`, as a
small tagged object in the event's data:

    {"phone": {"enc": "v1", "n": "<nonce, base64>", "c": "<ciphertext, base64>"}}

The chain hashes the data as stored, ciphertext included. Data keys live in
`audit_keys`, one per subject, wrapped (AES-GCM) under a key-encryption key
derived from AUDIT_DATA_KEY (or AUDIT_KEY when that is unset). Destroying a
subject's key ("crypto-shredding", app/audit/retention.py) leaves every event
and hash as it was, so `flask audit verify` still passes, while the values
can no longer be read by anyone: readers show them as erased.

The value encrypted is the field's whole value (a string, or an edit's
[before, after] pair), bound by the associated data to its subject and field
name, so a ciphertext copied to another case or field does not open.
"""
from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, insert, select, update

from .. import clock
from ..sealed import derived_key
from .models import AuditKey

TAG = "enc"
VERSION = "v1"
_keys = AuditKey.__table__


def is_personal(key: str) -> bool:
    """The personal fields, whatever their prefix: id_number, phone,
    applicant_id_number, applicant_phone, reporter_phone, respondent_phone,
    an elder's or a lawyer's phone, and an edit's changes of any of them."""
    return key.endswith("id_number") or key.endswith("phone")


class Erased:
    """A personal value whose key was destroyed: shown as "erased"."""

    def __str__(self) -> str:
        from flask import has_request_context
        from flask_babel import gettext

        return gettext("erased") if has_request_context() else "erased"

    def __repr__(self) -> str:
        return "ERASED"

    def __reduce__(self):
        # The one instance, also when verify's worker processes send it back
        # (compared by identity).
        return "ERASED"


ERASED = Erased()


class KeyDestroyed(Exception):
    """Personal data was to be written for a subject whose key is destroyed."""


def _kek_bytes() -> bytes:
    return derived_key(b"mediation audit data keys v1")


def _subject_ad(subject_type: str, subject_id) -> bytes:
    return f"{subject_type}/{subject_id}".encode()


def _wrap(data_key: bytes, subject_type: str, subject_id) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_kek_bytes()).encrypt(nonce, data_key, _subject_ad(subject_type, subject_id))


def _unwrap(wrapped: bytes, subject_type: str, subject_id) -> bytes:
    wrapped = bytes(wrapped)
    return AESGCM(_kek_bytes()).decrypt(wrapped[:12], wrapped[12:], _subject_ad(subject_type, subject_id))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def might_hold_personal(payload: str) -> bool:
    """A cheap look at canonical JSON before walking it: most events name no
    personal field at all."""
    return "phone" in payload or "id_number" in payload


def holds_personal(data) -> bool:
    """True when some personal field of `data` has a value to encrypt."""
    if isinstance(data, dict):
        return any((is_personal(k) and v is not None) or holds_personal(v) for k, v in data.items())
    if isinstance(data, list):
        return any(holds_personal(v) for v in data)
    return False


def _data_key(connection, subject_type: str, subject_id, *, create: bool) -> bytes | None:
    """The subject's data key, made when `create` and there is none. Called
    under the chain's lock (record()), so two writers never both make one."""
    row = connection.execute(
        select(_keys.c.wrapped, _keys.c.destroyed_at)
        .where(_keys.c.subject_type == subject_type, _keys.c.subject_id == subject_id)
    ).first()
    if row is not None:
        if row.destroyed_at is not None or row.wrapped is None:
            raise KeyDestroyed(f"the personal data of {subject_type} #{subject_id} was erased; none can be recorded")
        return _unwrap(row.wrapped, subject_type, subject_id)
    if not create:
        return None
    key = AESGCM.generate_key(bit_length=256)
    connection.execute(insert(_keys).values(
        subject_type=subject_type, subject_id=subject_id, wrapped=_wrap(key, subject_type, subject_id),
        created_at=clock.now(), destroyed_at=None))
    return key


def seal(connection, subject_type: str, subject_id, data: dict) -> dict:
    """`data` with every personal value encrypted under the subject's key
    (made on first use). An event about no entity uses subject id 0."""
    subject_id = 0 if subject_id is None else subject_id
    aead = AESGCM(_data_key(connection, subject_type, subject_id, create=True))
    prefix = _subject_ad(subject_type, subject_id)

    def walk(value):
        if isinstance(value, dict):
            return {k: (_encrypt(aead, prefix, k, v) if is_personal(k) and v is not None else walk(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)


def _encrypt(aead, prefix: bytes, name: str, value) -> dict:
    nonce = os.urandom(12)
    plain = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    cipher = aead.encrypt(nonce, plain.encode(), prefix + b"/" + name.encode())
    return {TAG: VERSION, "n": _b64(nonce), "c": _b64(cipher)}


def _is_sealed(value) -> bool:
    return isinstance(value, dict) and value.get(TAG) == VERSION and set(value) == {TAG, "n", "c"}


class Opener:
    """Reads events' data, decrypting personal values with their subject's
    key while it exists and showing ERASED once it is destroyed. Keys are
    looked up once per subject for the life of the opener (one page)."""

    def __init__(self, session):
        self.session = session
        self.keys: dict[tuple[str, int], AESGCM | None] = {}
        # Subjects whose data key would not unwrap (AUDIT_DATA_KEY changed?).
        self.unreadable: set[tuple[str, int]] = set()

    # Built once: every timeline reads it.
    _KEYS = (select(AuditKey.subject_id, AuditKey.wrapped)
             .where(AuditKey.subject_type == bindparam("kind"), AuditKey.subject_id.in_(bindparam("ids", expanding=True))))

    def preload(self, subjects) -> None:
        wanted = {(t, 0 if i is None else i) for t, i in subjects} - self.keys.keys()
        if not wanted:
            return
        for kind in {t for t, _ in wanted}:
            ids = [i for t, i in wanted if t == kind]
            for subject_id, wrapped in self.session.execute(self._KEYS, {"kind": kind, "ids": ids}):
                try:
                    self.keys[(kind, subject_id)] = (
                        AESGCM(_unwrap(wrapped, kind, subject_id)) if wrapped is not None else None)
                except InvalidTag:  # not this installation's key-encryption key: say so, never crash
                    self.unreadable.add((kind, subject_id))
                    self.keys[(kind, subject_id)] = None
        for subject in wanted:
            self.keys.setdefault(subject, None)

    def open(self, event) -> dict:
        """The event's data as recorded, personal values in the clear (or ERASED)."""
        data = json.loads(event.data)
        if f'"{TAG}":"{VERSION}"' not in event.data:
            return data
        subject = (event.entity_type, 0 if event.entity_id is None else event.entity_id)
        self.preload([subject])
        aead = self.keys[subject]
        prefix = _subject_ad(*subject)

        def walk(value, name=None):
            if _is_sealed(value):
                if aead is None:
                    return ERASED
                try:
                    plain = aead.decrypt(base64.b64decode(value["n"]), base64.b64decode(value["c"]),
                                         prefix + b"/" + (name or "").encode())
                except InvalidTag:
                    return ERASED
                return json.loads(plain)
            if isinstance(value, dict):
                return {k: walk(v, k) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v, name) for v in value]
            return value

        return walk(data)


def open_all(events, session) -> list[dict]:
    """The data of each event, in order (see Opener)."""
    opener = Opener(session)
    opener.preload({(e.entity_type, e.entity_id) for e in events if f'"{TAG}":"{VERSION}"' in e.data})
    return [opener.open(e) for e in events]


def destroy_key(connection, subject_type: str, subject_id: int, now) -> bool:
    """Destroy the subject's data key (keep a row saying when, so that no
    personal data can be recorded for it afterwards). True when a key was
    destroyed or the subject marked, False when it already was."""
    row = connection.execute(
        select(_keys.c.id, _keys.c.destroyed_at)
        .where(_keys.c.subject_type == subject_type, _keys.c.subject_id == subject_id)
    ).first()
    if row is None:
        connection.execute(insert(_keys).values(subject_type=subject_type, subject_id=subject_id, wrapped=None,
                                                created_at=now, destroyed_at=now))
        return True
    if row.destroyed_at is not None:
        return False
    connection.execute(update(_keys).where(_keys.c.id == row.id).values(wrapped=None, destroyed_at=now))
    return True


def is_destroyed(connection, subject_type: str, subject_id: int) -> bool:
    return connection.execute(
        select(_keys.c.destroyed_at)
        .where(_keys.c.subject_type == subject_type, _keys.c.subject_id == subject_id)
    ).scalar() is not None
