"""Code lists of referrals, with English labels translated through the
catalogue, and the five departments every installation starts with."""
from ..disputes.codes import DISPUTE_TYPES, choices, label  # noqa: F401  (re-exported for the templates)
from ..i18n import N_

REFERRAL_KINDS = {
    "inspect": N_("Inspect and deal with on site"),
    "enforce": N_("Law enforcement"),
    "verify_facts": N_("Check facts or give an opinion"),
    "joint": N_("Joint mediation"),
}

# The "5" of "1+5+X" (DOMAIN.md §1), each covering the whole city; their
# periods are the defaults an administrator may change.
DEFAULT_DEPARTMENTS = ("公安", "行政执法", "应急", "环保", "市场监管")
