"""The intake service (app/disputes/intake.py), which every door uses to make
a case: the place comes from the grid, parties are normalised, the door sets
the channel, the case is created through the engine with its audit event and
counted in the statistics, and a refused case writes nothing."""
import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes import intake
from app.disputes.intake import IntakeRefused, NewCase, PartyDetails, open_case
from app.disputes.models import Dispute
from app.extensions import db
from app.public.views import PUBLIC_ACTOR
from app.supervision.counters import StatCount
from tests import factories as f

VALID_ID = "11010519491231002X"
NOW = datetime(2026, 5, 6, 2, 0)  # 10:00 in the centre, May


@pytest.fixture
def world(ctx):
    clock.set_now(NOW)
    street, (c1, c2), (g11, g12, g21, g22) = f.org()
    return type("World", (), dict(street=street, c1=c1, c2=c2, g11=g11, g21=g21,
                                  gw=f.user("gridworker", grid=g11), mediator=f.user("mediator", community=c1)))


def new_case(**given) -> NewCase:
    values = dict(dispute_type="neighbour", facts="  楼上漏水，双方就维修费用发生争执。 ",
                  parties=[PartyDetails("applicant", " 王建国 ", " 13812345678 ")])
    values.update(given)
    return NewCase(**values)


def written() -> tuple[int, int]:
    return (db.session.execute(select(func.count(Dispute.id))).scalar(),
            db.session.execute(select(func.count(AuditEvent.id))).scalar())


def test_the_place_comes_from_the_grid(world):
    dispute, created = open_case(new_case(grid_id=world.g21.id, place=" 3号楼 "), "staff", world.mediator,
                                 {"grid_id": world.g21.id}, channel="walk_in")
    assert created
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert (dispute.street_id, dispute.community_id, dispute.grid_id) == (world.street.id, world.c2.id, world.g21.id)
    assert dispute.place == "3号楼" and dispute.facts == "楼上漏水，双方就维修费用发生争执。"
    assert dispute.state == "submitted" and dispute.created_by_id == world.mediator.id and dispute.created_at == NOW
    assert len(dispute.tracking_code) == 10


def test_a_door_without_a_grid_gives_the_community(world):
    dispute, _ = open_case(new_case(community_id=world.c2.id), "public", PUBLIC_ACTOR, {})
    assert (dispute.street_id, dispute.community_id, dispute.grid_id) == (world.street.id, world.c2.id, None)
    assert dispute.created_by_id is None


@pytest.mark.parametrize("place, field", [
    (dict(grid_id=10**6), "grid_id"),  # no such grid
    (dict(grid_id="g21", community_id="c1"), "grid_id"),  # a grid of another community
    (dict(community_id=10**6), "community_id"),  # no such community
    (dict(), "community_id"),  # no place at all
])
def test_a_bad_place_is_refused_and_nothing_is_written(world, place, field):
    place = {k: getattr(world, v).id if isinstance(v, str) else v for k, v in place.items()}
    before = written()
    with pytest.raises(IntakeRefused) as refused:
        open_case(new_case(**place), "staff", world.gw, {}, channel="patrol")
    assert refused.value.status == 422 and refused.value.field == field
    assert written() == before


def test_parties_are_trimmed_and_id_numbers_upper_cased(world):
    parties = [PartyDetails("applicant", " 王建国 ", " 13812345678 ", f" {VALID_ID.lower()} "),
               PartyDetails("respondent", "李秀英", "")]
    dispute, _ = open_case(new_case(grid_id=world.g11.id, parties=parties), "staff", world.gw, {}, channel="patrol")
    db.session.expire_all()
    stored = [(p.role, p.kind, p.name, p.phone, p.id_number, p.id_type)
              for p in db.session.get(Dispute, dispute.id).parties]
    assert stored == [("applicant", "person", "王建国", "13812345678", VALID_ID, "resident_id"),
                      ("respondent", "person", "李秀英", None, None, None)]


def test_an_invalid_id_number_is_refused_and_nothing_is_written(world):
    before = written()
    parties = [PartyDetails("applicant", "王建国", None, "110105194912310021")]  # wrong check digit
    with pytest.raises(IntakeRefused) as refused:
        open_case(new_case(grid_id=world.g11.id, parties=parties), "staff", world.gw, {}, channel="patrol")
    assert refused.value.field == "applicant_id_number"
    assert written() == before


def test_each_door_sets_its_channel():
    assert intake.channel_for("sweep") == "sweep"
    assert intake.channel_for("public") == "photo"
    assert intake.channel_for("consultation") == "lawyer"
    assert intake.channel_for("staff", "phone") == "phone"
    assert intake.channel_for("demo", "iot") == "iot"
    for door, chosen in (("staff", None), ("staff", "carrier pigeon"), ("public", "walk_in"), ("back door", None)):
        with pytest.raises(ValueError):
            intake.channel_for(door, chosen)


def test_a_case_from_a_sweep_names_the_sweep(world):
    with pytest.raises(ValueError):
        open_case(new_case(grid_id=world.g11.id), "sweep", world.gw, {})


def test_the_creation_is_audited_with_what_the_door_submitted(world):
    submitted = {"channel": "photo", "community_id": world.c1.id, "reporter_name": None}
    dispute, _ = open_case(new_case(community_id=world.c1.id), "public", PUBLIC_ACTOR, submitted)
    events = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "dispute",
                                                         AuditEvent.entity_id == dispute.id)).scalars().all()
    assert [(e.trigger, e.from_state, e.to_state, e.actor_role, e.at) for e in events] == [
        ("create", None, "submitted", "anonymous", NOW)]
    data = json.loads(events[0].data)
    # What the door submitted, and (keys with "_") what the engine set, for verify.
    assert {k: v for k, v in data.items() if not k.startswith("_")} == submitted
    assert data["_row"]["channel"] == "photo" and data["_row"]["community_id"] == world.c1.id
    assert [p["name"] for p in data["_children"]["party"].values()] == [p.name for p in dispute.parties]
    assert dispute.channel == "photo"
    assert verify() == []


def test_the_statistics_count_the_new_case(world):
    def registered():
        return db.session.execute(select(func.coalesce(func.sum(StatCount.registered), 0))
                                  .where(StatCount.dim == "total", StatCount.community_id == world.c1.id,
                                         StatCount.month == "2026-05")).scalar()

    before = registered()
    open_case(new_case(grid_id=world.g11.id), "staff", world.gw, {}, channel="patrol")
    assert registered() == before + 1


def test_a_form_sent_twice_gives_back_the_first_case(world):
    first, created = open_case(new_case(grid_id=world.g11.id, submission_token="t" * 40), "staff", world.gw, {},
                               channel="patrol")
    before = written()
    again, created_again = open_case(new_case(grid_id=world.g11.id, submission_token="t" * 40), "staff", world.gw,
                                     {}, channel="patrol")
    assert created and not created_again and again.id == first.id
    assert written() == before


def test_what_the_door_adds_shares_the_transaction(world):
    before = written()

    def refuse(dispute):
        assert dispute.id is not None  # created and flushed, not committed
        raise engine.NotAllowed("already done")

    with pytest.raises(engine.NotAllowed):
        open_case(new_case(community_id=world.c1.id), "consultation", world.mediator, {}, also=refuse)
    assert written() == before


def photo(color: str):
    from io import BytesIO

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    buffer = BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"{color}.png", content_type="image/png")


def test_several_photos_are_kept_in_order_and_a_resent_form_leaves_no_file(world):
    from app.uploads import upload_dir

    token = "p" * 40
    dispute, created = open_case(new_case(community_id=world.c1.id, submission_token=token), "public", PUBLIC_ACTOR,
                                 {}, photo=photo("red"), photos=[photo("green"), photo("blue")])
    assert created
    assert [a.original_name for a in sorted(dispute.attachments, key=lambda a: a.id)] == [
        "red.png", "green.png", "blue.png"]
    stored = sorted(p.name for p in upload_dir().rglob("*") if p.is_file())
    assert len(stored) == 3
    again, created_again = open_case(new_case(community_id=world.c1.id, submission_token=token), "public",
                                     PUBLIC_ACTOR, {}, photos=[photo("white"), photo("black")])
    assert not created_again and again.id == dispute.id
    assert sorted(p.name for p in upload_dir().rglob("*") if p.is_file()) == stored  # the second form's files removed
