"""How long a department has to acknowledge and to answer a referral: its
own period for the referral's kind where it has one, else its defaults."""
from datetime import timedelta

from ..extensions import db
from ..org.models import DepartmentDeadline


def periods(department, kind: str) -> tuple[timedelta, timedelta]:
    """(time to acknowledge, time to answer) for this department and kind."""
    own = db.session.get(DepartmentDeadline, (department.id, kind))
    ack_hours = own.ack_hours if own else department.ack_hours
    answer_days = own.answer_days if own else department.answer_days
    return timedelta(hours=ack_hours), timedelta(days=answer_days)
