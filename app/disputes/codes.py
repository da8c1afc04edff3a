"""Code lists from DOMAIN.md §4, with Chinese and English labels."""

DISPUTE_TYPES = {
    "marriage_family": ("婚姻家庭", "Marriage and family"),
    "neighbour": ("邻里", "Neighbours"),
    "housing_land": ("房屋宅基地", "Housing and homestead"),
    "contract": ("合同", "Contract"),
    "business": ("生产经营", "Production and business"),
    "damages": ("损害赔偿", "Damages"),
    "forest_land": ("山林土地", "Forest and land"),
    "expropriation": ("征地拆迁", "Land expropriation and demolition"),
    "pollution": ("环境污染", "Environmental pollution"),
    "labour": ("劳动争议", "Labour"),
    "consumer": ("消费", "Consumer"),
    "medical": ("医疗", "Medical"),
    "traffic": ("道路交通", "Road traffic"),
    "property_mgmt": ("物业", "Property management"),
    "parking": ("停车", "Parking"),
    "other": ("其他", "Other"),
}

CHANNELS = {
    "photo": ("随手拍", "Resident photo report"),
    "patrol": ("网格员巡查", "Grid patrol"),
    "iot": ("物联网感知", "IoT sensor"),
    "walk_in": ("来访", "Walk-in"),
    "phone": ("电话/12345", "Phone / 12345"),
    "sweep": ("排查", "Screening sweep"),
    "police": ("公安移交", "Handed over by police"),
    "court": ("法院委派", "Referred by court"),
    "government": ("政府交办", "Assigned by government"),
    "lawyer": ("律师咨询转入", "From a lawyer consultation"),
}

PARTY_ROLES = {
    "applicant": ("申请人", "Applicant"),
    "respondent": ("被申请人", "Respondent"),
    "agent": ("代理人", "Agent"),
}

ROUTES = {
    "court": ("告知诉讼", "Court"),
    "arbitration": ("告知仲裁", "Arbitration"),
    "administrative": ("告知行政处理", "Administrative body"),
    "other": ("其他途径", "Other"),
}

RISK_LEVELS = {
    "low": ("低", "Low"),
    "medium": ("中", "Medium"),
    "high": ("高", "High"),
}

AGREEMENT_FORMS = {
    "written": ("书面协议", "Written"),
    "oral": ("口头协议", "Oral"),
}

PARTY_KINDS = {
    "person": ("自然人", "Person"),
    "organisation": ("法人或其他组织", "Organisation"),
}

SEXES = {
    "male": ("男", "Male"),
    "female": ("女", "Female"),
}

ID_TYPES = {
    "resident_id": ("居民身份证", "Resident ID card"),
    "hk_macau_permit": ("港澳居民来往内地通行证", "Mainland travel permit (Hong Kong, Macao)"),
    "taiwan_permit": ("台湾居民来往大陆通行证", "Mainland travel permit (Taiwan)"),
    "passport": ("护照", "Passport"),
    "foreign_permanent": ("外国人永久居留身份证", "Foreigner's permanent residence ID"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "other": ("其他证件", "Other"),
}


def label(codes: dict, code: str | None, locale: str) -> str:
    if code not in codes:
        return code or ""
    zh, en = codes[code]
    return en if str(locale).startswith("en") else zh


def choices(codes: dict, locale: str) -> list[tuple[str, str]]:
    return [(code, label(codes, code, locale)) for code in codes]
