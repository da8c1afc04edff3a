"""Code lists of sweeps, with English labels translated through the catalogue
(stored codes; the same label helpers as app/disputes/codes.py)."""
from ..disputes.codes import choices, label  # noqa: F401  (re-exported for the templates)
from ..i18n import N_

SWEEP_LEVELS = {
    "community": N_("Community sweep"),
    "street": N_("Street sweep"),
}

SWEEP_CHECKS = {
    "disputes": N_("Disputes between residents"),
    "family": N_("Marriage and family"),
    "neighbours": N_("Neighbour relations"),
    "property": N_("Property management and parking"),
    "labour": N_("Unpaid wages and labour"),
    "land": N_("Housing and land"),
    "safety": N_("Safety hazards"),
    "key_people": N_("People who need attention"),
    "petitions": N_("Signs of petitions"),
}

# Who takes part in a sweep: the screening alliance (联合体, DOMAIN.md §1).
PARTICIPANT_KINDS = {
    "gridworker": N_("Grid worker"),
    "police": N_("Community police"),
    "legal_adviser": N_("Community legal adviser"),
    "cadre": N_("Community cadre"),
    "volunteer": N_("Volunteer"),
    "department": N_("Department staff"),
}
