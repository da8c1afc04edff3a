"""Code lists of the council of elders, with Chinese and English labels
(read with app.disputes.codes.label / choices)."""

# The five kinds of elders (五老).
CATEGORIES = {
    "cadre": ("老干部", "Retired cadre"),
    "veteran": ("老战士", "Veteran"),
    "expert": ("老专家", "Retired expert"),
    "teacher": ("老教师", "Retired teacher"),
    "model_worker": ("老模范", "Model worker"),
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
    "relative": ("亲属", "Relative"),
    "friend": ("朋友", "Friend"),
    "colleague": ("同事或原同事", "Colleague or former colleague"),
    "neighbour": ("邻居", "Neighbour"),
    "business": ("经济往来", "Business or money ties"),
    "other": ("其他利害关系", "Other interest"),
}

# What the elder's report says came of the session.
REPORT_OUTCOMES = {
    "settled": ("促成和解", "Helped the parties settle"),
    "partly": ("部分化解", "Partly resolved"),
    "continue": ("需继续调解", "Needs further mediation"),
    "not_settled": ("未能化解", "Not resolved"),
}
