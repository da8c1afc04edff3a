"""What a rota step did, said after its button: a sentence per step with
the duty's day ("You declined the swap of the duty of Dec 26, 2026."), not
the button's imperative label after "Done:", which read as an order."""
from ..dates import day_text
from ..i18n import N_, translate

# (entity type, trigger) -> the sentence; %(day)s is the duty's day. A step
# some role other than the actor's own may take says what happened, not who.
OUTCOMES = {
    ("lawyer_duty", "publish"): N_("The duty of %(day)s is published."),
    ("lawyer_duty", "check_in"): N_("You checked in for the duty of %(day)s."),
    ("lawyer_duty", "complete"): N_("The duty of %(day)s is finished."),
    ("lawyer_duty", "cancel"): N_("The duty of %(day)s is cancelled."),
    ("lawyer_duty", "correct_no_show"): N_("The duty of %(day)s is recorded as sat: it counts as completed, no "
                                           "longer as a no-show, and its lawyer is told."),
    ("duty_swap", "accept"): N_("You offered to take the duty of %(day)s: it is yours once the coordinator "
                                "approves the swap."),
    ("duty_swap", "decline"): N_("You declined the swap of the duty of %(day)s."),
    ("duty_swap", "approve"): N_("You approved the swap: the duty of %(day)s has changed hands."),
    ("duty_swap", "refuse"): N_("You refused the swap of the duty of %(day)s."),
    ("duty_swap", "withdraw"): N_("You withdrew your swap request for the duty of %(day)s."),
}
DONE = N_("Done: %(action)s.")


def outcome(entity, trigger: str) -> str:
    """The sentence for `trigger` just taken on `entity` (a duty or a swap
    request), in the request's language."""
    duty = getattr(entity, "duty", entity)
    sentence = OUTCOMES.get((entity.__entity_type__, trigger))
    if sentence is not None:
        return translate(sentence) % {"day": day_text(duty.day)}
    t = next((t for t in entity.__workflow__.transitions if t.trigger == trigger), None)
    return translate(DONE) % {"action": translate(t.label) if t else trigger}
