"""Every audited column can be replayed: a direct UPDATE of a party's phone,
a case's lead mediator, route or outcome, a follow-up's result or a duty's
lawyer is found by `verify`, which names the row and the column."""
import json

import pytest
from sqlalchemy import select, text

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.personal import open_all
from app.audit.verify import verify
from app.disputes.parties import save_party
from app.engine import columns
from app.engine.edits import edit
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from app.timeline import timeline
from tests import factories as f
from tests import factories_followups as ff
from tests import factories_rota as fr


@pytest.fixture
def history(ctx):
    """Cases through the steps that set columns, a party corrected, a case's
    details edited, a follow-up visited, a published duty."""
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    led = f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation")
    failed = f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation", "fail")
    spot = f.walk(f.dispute(m, grids[0]), m, "resolve_on_spot")
    party = led.parties[0]
    save_party(led, m, {"phone": "13900001111", "id_number": "11010519491231002X"}, party=party)
    edit(led, m, {"place": "幸福小区3号楼", "amount": led.amount})
    agreed = ff.agreed_case(m, grids[0], clock.now())
    followup = ff.followups_of(agreed.id)[0]
    engine.fire(followup, "become_due", engine.SYSTEM_ACTOR)
    ff.visit(followup, m, "fully")
    coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = db.session.execute(select(Duty)).scalars().first()
    other_lawyer = next(lw for lw, _u in _people if lw.id != duty.lawyer_id)
    return dict(led=led.id, failed=failed.id, spot=spot.id, party=party.id, followup=followup.id,
                duty=duty.id, mediator=m.id, other_lawyer=other_lawyer.id)


def tamper(statement, **params):
    db.session.rollback()
    db.session.execute(text(statement), params)
    db.session.commit()


def test_an_untouched_history_verifies(history):
    assert verify() == []


TAMPERING = [
    ("UPDATE disputes SET assignee_id = NULL WHERE id = :i", "led", "dispute", "assignee_id"),
    ("UPDATE disputes SET route = 'arbitration' WHERE id = :i", "failed", "dispute", "route"),
    ("UPDATE disputes SET outcome = '另行处理' WHERE id = :i", "spot", "dispute", "outcome"),
    ("UPDATE disputes SET place = '别处' WHERE id = :i", "led", "dispute", "place"),
    ("UPDATE disputes SET due_at = NULL WHERE id = :i", "led", "dispute", "due_at"),
    ("UPDATE parties SET phone = '13000000000' WHERE id = :i", "party", "party", "phone"),
    ("UPDATE parties SET id_number = '110105194912310000' WHERE id = :i", "party", "party", "id_number"),
    ("UPDATE followups SET fulfilment = 'not' WHERE id = :i", "followup", "followup", "fulfilment"),
    ("UPDATE rota_duties SET lawyer_id = :other WHERE id = :i", "duty", "lawyer_duty", "lawyer_id"),
]


@pytest.mark.parametrize("statement,row,entity,column", TAMPERING, ids=[t[3] + "-" + t[1] for t in TAMPERING])
def test_a_direct_update_of_an_audited_column_is_named(history, statement, row, entity, column):
    tamper(statement, i=history[row], other=history["other_lawyer"])
    problems = verify()
    assert problems == [f"{entity} #{history[row]}: column {column} differs from the value its events set"]


def test_the_line_does_not_show_the_personal_values(history):
    tamper("UPDATE parties SET phone = '13000000000' WHERE id = :i", i=history["party"])
    assert not any("1300000" in p or "1390000" in p for p in verify())


def test_flask_audit_verify_exits_1_naming_row_and_column(app, history):
    tamper("UPDATE parties SET phone = '13000000000' WHERE id = :i", i=history["party"])
    tamper("UPDATE disputes SET assignee_id = NULL WHERE id = :i", i=history["led"])
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1
    assert f"party #{history['party']}: column phone differs" in out.output
    assert f"dispute #{history['led']}: column assignee_id differs" in out.output


def test_a_party_added_later_is_rebuilt_from_its_event(history):
    led = db.session.get(f.Dispute, history["led"])
    m = db.session.get(f.User, history["mediator"])
    save_party(led, m, {"role": "respondent", "kind": "person", "name": "赵六", "phone": "13711112222"})
    added = max(p.id for p in led.parties)
    assert verify() == []
    tamper("UPDATE parties SET sex = 'male' WHERE id = :i", i=added)  # never set: the log says empty
    assert verify() == [f"party #{added}: column sex differs from the value its events set"]


def test_the_events_carry_what_each_step_set(history):
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == history["led"]).order_by(AuditEvent.seq)
    ).scalars().all()
    # Read as the app reads them: personal values are sealed in the log (app/audit/personal.py).
    by_trigger = {e.trigger: data for e, data in zip(events, open_all(events, db.session))}
    assert "13812345678" not in json.dumps([e.data for e in events])
    assert by_trigger["assign"]["_row"]["assignee_id"] == history["mediator"]
    assert by_trigger["create"]["_children"]["party"][str(history["party"])]["phone"] == "13812345678"
    assert "_row" not in by_trigger["edit"]  # an edit's before/after already say it


def test_the_timeline_does_not_show_the_engines_record(history):
    led = db.session.get(f.Dispute, history["led"])
    assert all(not any(k.startswith("_") for k in entry.data) for entry in timeline(led, "en"))


def test_a_log_from_before_the_step_values_still_verifies(ctx, monkeypatch):
    """Events written before `_row` existed: the columns they set are not
    compared, those an edit's before/after tell still are."""
    monkeypatch.setattr(columns, "creation_data", lambda entity, data: data)
    monkeypatch.setattr(columns, "step_data", lambda entity, data, before: data)
    from app.engine import core
    monkeypatch.setattr(core, "creation_data", lambda entity, data: data)
    monkeypatch.setattr(core, "step_data", lambda entity, data, before: data)
    _street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    d = f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation")
    edit(d, m, {"place": "老地方"})
    save_party(d, m, {"phone": "13900002222"}, party=d.parties[0])
    monkeypatch.undo()
    assert verify() == []
    tamper("UPDATE disputes SET assignee_id = NULL, risk = 'high' WHERE id = :i", i=d.id)
    assert verify() == []  # what those steps set was never written down
    tamper("UPDATE disputes SET place = '别处' WHERE id = :i", i=d.id)
    tamper("UPDATE parties SET phone = '13000000000', name = '别人' WHERE id = :i", i=d.parties[0].id)
    assert verify() == [f"dispute #{d.id}: column place differs from the value its events set",
                        f"party #{d.parties[0].id}: column phone differs from the value its events set"]
    # A richer step after the old ones makes the step's columns known again.
    engine.fire(d, "agree", m, form="oral", terms="口头约定")
    tamper("UPDATE disputes SET agreement_terms = '改过' WHERE id = :i", i=d.id)
    assert f"dispute #{d.id}: column agreement_terms differs from the value its events set" in verify()
