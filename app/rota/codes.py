"""Code lists of the rota, with Chinese and English labels."""

# The services of a public legal-service room (DOMAIN.md §1).
SERVICE_TYPES = {
    "consultation": ("法律咨询", "Legal consultation"),
    "legal_aid": ("法律援助", "Legal aid"),
    "mediation": ("人民调解", "People's mediation"),
    "notary": ("公证", "Notarisation"),
    "appraisal": ("鉴定指引和联系", "Forensic appraisal guidance"),
}
