"""What a referral's step did and what comes next, said after its button
(the state's name after "Done:" left a liaison to find their deadline)."""
from __future__ import annotations

from workflows import REFERRAL

from ..dates import deadline_text
from ..i18n import N_, translate

# trigger -> the sentence; %(deadline)s is the department's answer deadline
# (fixed when sent, renewed by a return). Who is told is what notices.py tells.
OUTCOMES = {
    "acknowledge": N_("Acknowledged: please answer by %(deadline)s."),
    "start_work": N_("Work started: please answer by %(deadline)s."),
    "answer": N_("Answer sent: waiting for the case's mediator to check it."),
    "accept_answer": N_("Answer accepted: the referral is complete."),
    "return_for_redo": N_("Returned for more work: the department is told and is to answer by %(deadline)s."),
    "withdraw": N_("Referral withdrawn."),
}
DONE = N_("Done: %(state)s.")


def outcome(referral, trigger: str) -> str:
    """The sentence for `trigger` just taken on `referral`, in the request's language."""
    sentence = OUTCOMES.get(trigger)
    if sentence is not None and ("%(deadline)s" not in sentence or referral.answer_by is not None):
        return translate(sentence) % {"deadline": deadline_text(referral.answer_by)}
    return translate(DONE) % {"state": translate(REFERRAL.state(referral.state).label)}
