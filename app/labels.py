"""Labels for the data fields that transitions and edits record, so that the
history and the diagram pages speak the user's language, not field codes."""

FIELD_LABELS = {
    "route": ("告知途径", "Route told"),
    "outcome": ("现场化解结果", "On-the-spot outcome"),
    "mediator_id": ("调解员", "Mediator"),
    "co_mediator_ids": ("协助调解员", "Co-mediators"),
    "main_facts": ("主要事实", "Main facts"),
    "matters": ("争议事项", "Matters in dispute"),
    "responsibilities": ("各方责任", "Responsibilities"),
    "perform_how": ("履行方式", "How performed"),
    "perform_where": ("履行地点", "Where performed"),
    "perform_by": ("履行期限", "Performed by"),
    "notice_given": ("已告知权利义务", "Notice of rights given"),
    "days": ("延长天数", "Extra days"),
    "consent": ("双方同意", "Both parties consent"),
    "form": ("协议形式", "Form of agreement"),
    "terms": ("协议内容", "Agreed terms"),
    "summary": ("结案小结", "Closing summary"),
    "channel": ("来源渠道", "Channel"),
    "dispute_type": ("纠纷类型", "Type of dispute"),
    "place": ("地点", "Place"),
    "arose_on": ("发生日期", "Date it arose"),
    "facts": ("简要案情", "Brief facts"),
    "amount": ("涉及金额", "Amount involved"),
    "people_count": ("涉及人数", "People involved"),
    "risk": ("风险等级", "Risk level"),
    "grid_id": ("网格", "Grid"),
    "applicant_name": ("申请人姓名", "Applicant's name"),
    "applicant_phone": ("申请人电话", "Applicant's phone"),
    "applicant_id_number": ("申请人身份证号", "Applicant's ID number"),
    "respondent_name": ("被申请人姓名", "Respondent's name"),
    "respondent_phone": ("被申请人电话", "Respondent's phone"),
    "party_id": ("当事人", "Party"),
    "attachment_id": ("附件编号", "Attachment no."),
    "name": ("名称", "Name"),
    "size": ("大小（字节）", "Size (bytes)"),
    "sha256": ("SHA-256 校验值", "SHA-256 checksum"),
    "community_id": ("社区", "Community"),
    "reporter_name": ("反映人姓名", "Reporter's name"),
    "reporter_phone": ("反映人电话", "Reporter's phone"),
    "fields": ("字段", "Fields"),
    "address": ("地址", "Address"),
    "username": ("用户名", "Username"),
}


def field_label(name: str, locale: str) -> str:
    zh, en = FIELD_LABELS.get(name, (name, name))
    return en if str(locale).startswith("en") else zh
