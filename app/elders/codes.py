"""Code lists of the council of elders, with English labels translated
through the catalogue (read with app.disputes.codes.label / choices)."""
from ..i18n import N_

# The five kinds of elders (五老).
CATEGORIES = {
    "cadre": N_("Retired cadre"),
    "veteran": N_("Veteran"),
    "expert": N_("Retired expert"),
    "teacher": N_("Retired teacher"),
    "model_worker": N_("Model worker"),
}

# Which kinds of elders suit which types of dispute, as the centre's practice
# has it: retired cadres know land, housing and the policies behind them;
# experts (engineers, doctors, accountants) the technical and money matters;
# teachers and model workers are trusted in family and neighbourhood quarrels;
# veterans carry weight where tempers run high.
CATEGORY_FIT = {
    "marriage_family": ("teacher", "model_worker"),
    "neighbour": ("teacher", "veteran", "model_worker"),
    "housing_land": ("cadre",),
    "contract": ("expert", "cadre"),
    "business": ("expert",),
    "damages": ("expert", "veteran"),
    "forest_land": ("cadre",),
    "expropriation": ("cadre",),
    "pollution": ("expert",),
    "labour": ("cadre", "model_worker"),
    "consumer": ("expert",),
    "medical": ("expert",),
    "traffic": ("expert", "veteran"),
    "property_mgmt": ("cadre", "model_worker"),
    "parking": ("cadre", "veteran"),
    "other": (),
}

# A declared relation: someone the elder must not mediate for.
RELATIONS = {
    "relative": N_("Relative"),
    "friend": N_("Friend"),
    "colleague": N_("Colleague or former colleague"),
    "neighbour": N_("Neighbour"),
    "business": N_("Business or money ties"),
    "other": N_("Other interest"),
}

# What the elder's report says came of the session.
REPORT_OUTCOMES = {
    "settled": N_("Helped the parties settle"),
    "partly": N_("Partly resolved"),
    "continue": N_("Needs further mediation"),
    "not_settled": N_("Not resolved"),
}
