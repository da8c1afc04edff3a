"""Code lists of the rota, with English labels translated through the
catalogue."""
from ..i18n import N_

# The services of a public legal-service room (DOMAIN.md §1).
SERVICE_TYPES = {
    "consultation": N_("Legal consultation"),
    "legal_aid": N_("Legal aid"),
    "mediation": N_("People's mediation"),
    "notary": N_("Notarisation"),
    "appraisal": N_("Forensic appraisal guidance"),
}
