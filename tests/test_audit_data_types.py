"""The audit log's data writer takes every type a form or a column hands it
(times, dates, decimals, enums), in one place: saving a rota room with the
form's own default hours was a 500 because `datetime.time` was refused."""
import enum
import importlib
import pkgutil
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import fields as wtf

import app as app_package
from app.audit.chain import canonical_json, chain_key, fields_of, record, row_hash
from app.audit.models import AuditEvent
from app.extensions import db
from app.rota.models import Room
from tests import factories as f, factories_rota as fr


class Kind(enum.Enum):
    ROOM = "room"


def test_the_writer_spells_each_type_as_text_that_reads_back():
    data = {"opens": time(9, 0), "day": date(2026, 12, 5), "at": datetime(2026, 12, 5, 9, 30),
            "amount": Decimal("12.50"), "kind": Kind.ROOM, "ref": UUID(int=1), "ids": {3, 1}}
    assert canonical_json(data) == (
        '{"amount":"12.50","at":"2026-12-05T09:30:00","day":"2026-12-05","ids":[1,3],"kind":"room",'
        '"opens":"09:00:00","ref":"00000000-0000-0000-0000-000000000001"}')


def test_an_unknown_type_is_still_refused_by_name():
    with pytest.raises(TypeError, match="cannot record object"):
        canonical_json({"x": object()})


def _all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("app.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


SAMPLES = [  # most specific first: DateTimeField is not a DateField, but check order anyway
    (wtf.DateTimeLocalField, datetime(2026, 12, 5, 9, 30)), (wtf.DateTimeField, datetime(2026, 12, 5, 9, 30)),
    (wtf.DateField, date(2026, 12, 5)), (wtf.TimeField, time(9, 0)), (wtf.DecimalField, Decimal("12.50")),
    (wtf.IntegerField, 3), (wtf.FloatField, 1.5), (wtf.BooleanField, True), (wtf.SelectMultipleField, ["a"]),
]


def _sample(field):
    for kind, value in SAMPLES:
        if isinstance(field, kind):
            return value
    return "x"


def test_every_form_of_the_app_can_be_recorded_with_its_defaults_and_with_values(app):
    forms = _all_form_classes()
    assert len(forms) > 20, "the walk found too few forms to mean anything"
    with app.test_request_context(method="GET"):
        for form_class in forms:
            form = form_class(meta={"csrf": False})
            canonical_json(form.data)  # the defaults as the page shows them (the room's 09:00)
            for field in form:
                if not isinstance(field, wtf.FileField | wtf.FormField | wtf.FieldList):
                    field.data = _sample(field)
            canonical_json({k: v for k, v in form.data.items()
                            if not isinstance(form[k], wtf.FileField)})


def test_a_new_room_saved_with_the_form_defaults_is_kept_and_audited(app):
    with app.app_context():
        street, (community, _), _ = f.org()
        coordinator = f.user("coordinator", street=street)
        username, community_id = coordinator.username, community.id
        db.session.commit()
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    page = client.get("/rota/rooms/new").get_data(as_text=True)
    assert 'value="09:00"' in page and 'value="16:00"' in page
    response = client.post("/rota/rooms/new", data={
        "csrf_token": f.csrf(page), "name": "周六法律诊所", "community_id": str(community_id), "seats": "1",
        "opens": "09:00", "closes": "16:00", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        room = db.session.execute(select(Room)).scalar_one()
        assert (room.opens, room.closes) == (time(9, 0), time(16, 0))
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "rota_room")).scalars().all()
        assert event and '"opens":"09:00:00"' in event[-1].data


def test_changing_a_rooms_hours_is_saved_and_audited(app):
    with app.app_context():
        coordinator, room, _ = fr.rota_world(lawyers=1, seats=1)
        username, room_id, community_id, version = coordinator.username, room.id, room.community_id, room.version
        db.session.commit()
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    page = client.get(f"/rota/rooms/{room_id}").get_data(as_text=True)
    response = client.post(f"/rota/rooms/{room_id}", data={
        "csrf_token": f.csrf(page), "version": str(version), "name": "法律诊所", "community_id": str(community_id),
        "seats": "1", "opens": "08:30", "closes": "11:45", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Room, room_id).opens == time(8, 30)
        datas = db.session.execute(select(AuditEvent.data).where(AuditEvent.entity_type == "rota_room")).scalars().all()
        assert any("08:30:00" in d for d in datas)


def test_an_appended_events_hash_is_the_canonical_row_hash_whatever_its_text(app):
    """record() spells the canonical JSON out for speed: the hash it stores
    must be row_hash() over the event's fields, for awkward text too."""
    with app.app_context():
        awkward = ['quote " and \\ backslash', "line\nbreak\ttab", "中文 ‘引号’", "sep\u2028\u2029", "ctl\x01\x1f\x7f",
                   "emoji \U0001F600", ""]
        _, (community, _), _ = f.org()
        actor = f.user("mediator", community=community)
        for i, text in enumerate(awkward):
            record("dispute", 1000 + i, text or "t", actor if i % 2 else None,
                   from_state=text or None, to_state="s", reason=text or None, data={"note": text, "n": i})
        record("dispute", None, "no_entity", None, reason=None, data={})
        db.session.commit()
        events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert len(events) >= len(awkward) + 1
        for event in events:
            assert event.hash == row_hash(chain_key(), fields_of(event), event.prev_hash)
