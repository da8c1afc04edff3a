"""What /track tells the resident who follows a case: what its state means and
what happens next, and, once mediation is refused or ends without an
agreement, where to turn instead (People's Mediation Law arts. 18 and 26).

Only what is meant for the party is read: the route the mediator chose and,
for a refusal to take the case up, the reason they wrote with it (the refusal
form says the resident sees it), and the judicial confirmation of the
agreement: when and to which court the parties applied, and the court's
ruling and its day, not the mediator's note on it (which may name people
or facts). Never names, facts or personal data."""
from __future__ import annotations

from babel.dates import format_time
from sqlalchemy import select

from workflows import DISPUTE
from workflows.dispute import MEDIATING

from .. import clock
from ..audit.models import AuditEvent
from ..dates import day_text
from ..disputes.judicial import judicial_confirmation
from ..extensions import db
from ..i18n import N_, translate
from ..labels import reason_text

# One line per state: what it means, and what happens next. "The time limit
# shown" is the case's due time, shown next to it (the engine's deadline rule).
MEANINGS = {
    "submitted": N_("Received. A mediator of your community looks at it and decides whether to take the case up, "
                    "by the time limit shown."),
    "accepted": N_("The case was taken up for mediation. Next a mediator is named for it and contacts the parties; "
                   "mediation should end by the time limit shown."),
    "rejected": N_("The mediators did not take the case up. Below is where you can turn instead, and why."),
    "resolved_on_spot": N_("The dispute was resolved on the spot. The case is closed once the result is recorded."),
    "assigned": N_("A mediator was named for the case. They tell the parties their rights and duties and begin "
                   "mediating; mediation should end by the time limit shown."),
    "mediating": N_("Mediation is under way. It should end by the time limit shown, unless both parties agree to "
                    "extend it."),
    "extended": N_("Both parties agreed to extend the mediation. It should now end by the time limit shown."),
    "agreed": N_("An agreement was reached. The parties may jointly apply to a court for judicial confirmation by "
                 "the time limit shown; then the mediators follow up how it is carried out."),
    "failed": N_("Mediation did not succeed and has ended. Below is where you can turn instead."),
    "refused": N_("Mediation ended because a party refused it. Below is where you can turn instead."),
    "performing": N_("The agreement is being carried out. The mediators check with the parties how it goes."),
    "fulfilled": N_("The agreement was carried out. The case is closed next."),
    "breached": N_("The agreement was not carried out. The mediators press for it, mediate again, or end the "
                   "mediation and tell you where to turn instead."),
    "withdrawn": N_("The case was withdrawn at the parties' request. Nothing more is done on it; you can report "
                    "again at any time."),
    "closed": N_("The case is closed: nothing more is done on it."),
    "archived": N_("The case is closed and its file archived: nothing more is done on it."),
}

# The time limit, said with the same day as the other dates of the card (not
# "2026/12/9 02:31", which next to "waiting for acceptance" reads as a clock).
DUE_BY_TIME = N_("before %(time)s on %(day)s")
DUE_BY_DAY = N_("by the end of %(day)s")


def due_words(due, locale: str) -> str:
    """"2026年12月9日 02:31前", or "2026年12月11日结束前" for a limit at midnight."""
    if due is None:
        return ""
    if clock.ends_a_day(due):
        return translate(DUE_BY_DAY, locale) % {"day": day_text(clock.last_day(due), locale)}
    time = format_time(clock.to_local(due).time(), "HH:mm", locale=locale)
    return translate(DUE_BY_TIME, locale) % {"day": day_text(due, locale), "time": time}


# The routes (codes.ROUTES) as the resident reads them: where to turn.
ROUTES = {
    "court": N_("Bring it before a people's court (file a lawsuit)"),
    "arbitration": N_("Apply for arbitration"),
    "administrative": N_("Ask the competent administrative body to handle it"),
    "other": N_("Another way"),
}

# The states whose route the resident is told (a case closed after them keeps it).
ROUTE_STATES = ("rejected", "failed", "refused", "closed", "archived")

_REJECTION = (select(AuditEvent.reason)
              .where(AuditEvent.entity_type == "dispute", AuditEvent.trigger == "reject")
              .order_by(AuditEvent.seq.desc()).limit(1))


def meaning(state: str, locale: str) -> str:
    return translate(MEANINGS[state], locale) if state in MEANINGS else ""


def route_words(route: str | None, locale: str) -> str | None:
    if not route:
        return None
    return translate(ROUTES[route], locale) if route in ROUTES else route


def rejection_reason(dispute, locale: str) -> str | None:
    """The reason the mediator gave when refusing to take the case up, as written."""
    if dispute.state != "rejected":
        return None
    reason = db.session.execute(_REJECTION.where(AuditEvent.entity_id == dispute.id)).scalar_one_or_none()
    return reason_text(reason, locale)


def confirmation_of(dispute) -> dict | None:
    """What /track says of the judicial confirmation of the case's agreement:
    None until the parties applied. `again`: back in mediation after the
    court's rejection."""
    status = judicial_confirmation(dispute)
    if not status.applied:
        return None
    return {"applied_on": status.applied_on, "court": status.court, "ruling": status.ruling,
            "ruled_on": status.ruled_on, "again": status.rejected and dispute.state in MEDIATING}


def status_of(dispute, locale: str) -> dict:
    """What /track shows of a case."""
    return {
        "state": translate(DISPUTE.state(dispute.state).label, locale),
        "meaning": meaning(dispute.state, locale),
        "due": due_words(dispute.due_at, locale),
        # Which report this is (the asker knows the code): for a family following two. Not its community:
        # the page shows whoever holds a code nothing of where the dispute is.
        "code": dispute.tracking_code,
        "route": route_words(dispute.route, locale) if dispute.state in ROUTE_STATES else None,
        "reason": rejection_reason(dispute, locale),
        "registered": dispute.created_at,
        "changed": dispute.changed_at,
        "file_no": dispute.file_no,
        "confirmation": confirmation_of(dispute),
    }
