"""Who hears of the supervisor's decision on a closure, and what they read:
the case's mediators (its lead and co-mediators, and whoever closed it, who
sent it for review: an on-the-spot case has no lead) are told when a
supervisor returns the case, with the comment that says what to do again,
and when the closure is signed off (with the comment, if any). One notice
per decision and person; the step's own transaction writes it (rules.py's
effects call `tell_the_mediators`).

A returned case's notice asks for work: the mediator's next step on the case
(the return sends it to mediation, back to 现场化解 or to 待受理, each with
steps of its own: NEXT_AFTER_RETURN) marks it read. A sign-off's notice asks for
nothing but the archiving, which marks it read too. Installed from the
package's init_app into the shared notifications service; the notices
about a case open the case page (the dispute package's link)."""
from flask_babel import lazy_gettext as _l

from workflows.dispute import DISPUTE
from workflows.signoff import S as SUPERVISOR
from workflows.spec import SYSTEM

from ..auth.models import display_name
from ..notifications.service import answered_by, message, notify

RETURNED, SIGNED_OFF = "closure_returned", "closure_signed_off"

# Where a return sends the case (rules.reopen_trigger), and the steps the
# case's people take from there: the first answers the return's notice. Named,
# not every step on a case, so that the many steps of a case never returned
# send no statement to read notices (notifications.service.answered_by).
REOPENED_TO = frozenset(t.dest for t in DISPUTE.transitions
                        if t.trigger in ("reopen", "reopen_on_spot", "reopen_for_intake"))
NEXT_AFTER_RETURN = tuple(sorted({t.trigger for t in DISPUTE.transitions
                                  if set(t.sources) & REOPENED_TO and set(t.roles) - {SYSTEM, SUPERVISOR}}))

MESSAGES = {
    RETURNED: _l("Case %(case)s was returned by supervisor %(supervisor)s: its closure was not signed off and it is "
                 "open again. The supervisor's comment: %(comment)s"),
    SIGNED_OFF: _l("The closure of case %(case)s was signed off by supervisor %(supervisor)s: the case may be "
                   "archived."),
}
# A sign-off with a comment says it; one without, the sentence above.
SIGNED_OFF_WITH_COMMENT = _l("The closure of case %(case)s was signed off by supervisor %(supervisor)s: the case "
                             "may be archived. The supervisor's comment: %(comment)s")


def mediators_of(review) -> list[int]:
    """The active users to tell of a decision on `review`: the case's lead
    and co-mediators, and who closed it; never the deciding supervisor."""
    dispute = review.dispute
    people = [dispute.assignee, *dispute.co_mediators, review.closed_by]
    seen: dict[int, None] = {}
    for user in people:
        if user is not None and user.active and user.id != review.decided_by_id:
            seen.setdefault(user.id)
    return list(seen)


def tell_the_mediators(review, kind: str, actor, now) -> None:
    """Called by the decision's effect, once the review holds the decision
    (who, when, the comment). The actor is what the engine needs of a user
    (an id and a role: the demo's builder hands plain values), so the name
    is read by id."""
    data = {"case": review.dispute.title, "supervisor": display_name(actor.id)}
    if review.comment:
        data["comment"] = review.comment
    for user_id in mediators_of(review):
        notify(user_id, kind, entity_type="dispute", entity_id=review.dispute_id, data=data, now=now)


def install() -> None:
    # The comment makes the sign-off's sentence; a sentence with a name the
    # data lacks falls back on the other (service.text_of tries both).
    message(SIGNED_OFF, SIGNED_OFF_WITH_COMMENT, older=MESSAGES[SIGNED_OFF])
    message(RETURNED, MESSAGES[RETURNED])
    # The mediator's next step on the returned case answers the return;
    # archiving the signed-off case answers the sign-off. Each reads the
    # actor's own notices: a colleague's stay new until they act.
    answered_by("dispute", NEXT_AFTER_RETURN, kinds=(RETURNED,))
    answered_by("dispute", ("archive",), kinds=(SIGNED_OFF,))
