"""Builders for departments, liaisons and referrals. Call them inside an app context."""
from app import clock
from app.extensions import db
from app.org.models import Department, DepartmentDeadline
from app.referrals.service import refer
from tests import factories as f


def department(name="市场监管", *, street=None, ack_hours=24, answer_days=7, kinds=None):
    """A department (the city's unless `street`); `kinds`: {kind: (ack_hours, answer_days)}."""
    d = Department(name=name, street_id=street.id if street else None, ack_hours=ack_hours,
                   answer_days=answer_days, active=True)
    db.session.add(d)
    db.session.flush()
    for kind, (ack, answer) in (kinds or {}).items():
        db.session.add(DepartmentDeadline(department_id=d.id, kind=kind, ack_hours=ack, answer_days=answer))
    db.session.commit()
    return d


def liaison(dept, **kwargs):
    u = f.user("liaison", **kwargs)
    u.department_id = dept.id
    db.session.commit()
    return u


def referral(dispute, dept, mediator, *, kind="inspect", request="请核查该商户噪声扰民问题并依法处理。", now=None):
    return refer(dispute, dept.id, kind, request, mediator, now or clock.now())
