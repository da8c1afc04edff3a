"""Code lists of follow-ups, with English labels translated through the
catalogue (stored codes; the same label helpers as app/disputes/codes.py)."""
from ..disputes.codes import choices, label  # noqa: F401  (re-exported for the templates)
from ..i18n import N_

FOLLOWUP_KINDS = {
    "after_agreement": N_("After the agreement"),
    "perform_by": N_("On the performance deadline"),
    "after_urging": N_("After pressing for performance"),
    "extra": N_("Additional"),
}

METHODS = {
    "visit": N_("Home visit"),
    "phone": N_("Phone call"),
}

FULFILMENT = {
    "fully": N_("Fully performed"),
    "partly": N_("Partly performed"),
    "not": N_("Not performed"),
    "unreachable": N_("Could not be reached"),
}

SATISFACTION = {
    "satisfied": N_("Satisfied"),
    "basic": N_("Mostly satisfied"),
    "dissatisfied": N_("Dissatisfied"),
}
