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
    "file_name": ("文件名", "File name"),
    "size": ("大小（字节）", "Size (bytes)"),
    "sha256": ("SHA-256 校验值", "SHA-256 checksum"),
    "community_id": ("社区", "Community"),
    "reporter_name": ("反映人姓名", "Reporter's name"),
    "reporter_phone": ("反映人电话", "Reporter's phone"),
    "fields": ("字段", "Fields"),
    "address": ("工作单位或住址", "Employer or address"),
    "role": ("当事人身份", "Role"),
    "kind": ("主体类型", "Person or organisation"),
    "name": ("姓名", "Name"),
    "sex": ("性别", "Sex"),
    "ethnicity": ("民族", "Ethnicity"),
    "age": ("年龄", "Age"),
    "id_type": ("证件类型", "ID type"),
    "id_number": ("证件号码", "ID number"),
    "occupation": ("职业", "Occupation"),
    "phone": ("联系电话", "Phone"),
    "username": ("用户名", "Username"),
    "session_id": ("调解记录编号", "Session no."),
    "held_at": ("调解时间", "Held at"),
    "attendees": ("参加人员", "Who attended"),
    "record": ("调解经过", "Record of what was said"),
    "party_ids": ("当事人", "Parties"),
    # Follow-ups, sweeps and notification settings (app/followups)
    "followup_kind": ("回访类型", "Kind of follow-up"),
    "planned_for": ("计划回访日期", "Planned for"),
    "method": ("回访方式", "How"),
    "reached": ("回访对象", "Who was reached"),
    "fulfilment": ("履行情况", "Performance"),
    "satisfaction": ("满意度", "Satisfaction"),
    "visited_on": ("回访日期", "Date of the visit"),
    "notes": ("备注", "Notes"),
    "mark_fulfilled": ("确认已履行", "Marked fulfilled"),
    "sweep_level": ("排查类别", "Kind of sweep"),
    "period_start": ("排查周期开始", "Period from"),
    "period_end": ("排查周期结束", "Period until"),
    "street_id": ("街道", "Street"),
    "held_on": ("排查日期", "Date of the sweep"),
    "checked": ("排查内容", "What was checked"),
    "findings": ("排查发现", "Findings"),
    "participants": ("参加人员", "Who took part"),
    "sweep_id": ("排查记录", "Sweep"),
    "email_set": ("已填写邮箱", "E-mail address given"),
    "email_on": ("邮件通知", "E-mail notifications"),
    # 五老和事会 (app/elders)
    "elder": ("五老成员", "Elder"),
    "elder_id": ("五老成员编号", "Elder no."),
    "rank": ("推荐排名", "Rank in the list"),
    "score": ("推荐得分", "Score"),
    "conflicts": ("利益冲突提示", "Possible conflicts of interest"),
    "override_reason": ("仍予邀请的理由", "Why invited despite the conflict"),
    "session_at": ("计划调解时间", "Planned session"),
    "session_place": ("调解地点", "Session place"),
    "work_done": ("所做工作", "What was done"),
    "advice": ("意见建议", "Advice"),
    "report_outcome": ("调解结果", "Outcome of the session"),
    # Supervision: sign-off reviews and exports (app/supervision)
    "comment": ("审核意见", "Comment"),
    "signoff_id": ("结案审核编号", "Review no."),
    "round": ("第几次结案", "Closure no."),
    "closed_as": ("结案方式", "Closed as"),
    "export": ("导出内容", "Exported"),
    "format": ("文件格式", "File format"),
    "filters": ("筛选条件", "Filters"),
    "rows": ("行数", "Rows"),
    # The lawyers' Saturday rota (app/rota)
    "day": ("值班日期", "Duty date"),
    "room_id": ("工作室编号", "Room no."),
    "seat": ("席位", "Seat"),
    "lawyer_id": ("值班律师", "Lawyer on duty"),
    "by_hand": ("手工排班", "Set by hand"),
    "swap_id": ("换班申请编号", "Swap request no."),
    "target_id": ("请求接班的同事", "Colleague asked"),
    "duty_id": ("值班编号", "Duty no."),
    "note": ("留言", "Note"),
    "service_type": ("服务类型", "Service"),
    "topic": ("咨询事项", "Topic"),
    "first_day": ("起始日期", "First day"),
    "last_day": ("截止日期", "Last day"),
    "created": ("新排", "New"),
    "changed": ("调整", "Changed"),
    "cancelled": ("取消", "Cancelled"),
    "kept": ("保留", "Kept"),
    "unfilled": ("无人可排的席位", "Seats left empty"),
    "published": ("发布数", "Published"),
    "unavailable": ("不便值班的日期", "Unavailable dates"),
    "firm": ("律师事务所", "Law firm"),
    "practice_areas": ("执业领域", "Practice areas"),
    "user_id": ("登录账号", "Login"),
    "active": ("在册", "Active"),
    "seats": ("每周六席位", "Seats per Saturday"),
    "opens": ("开放时间", "Opens"),
    "closes": ("结束时间", "Closes"),
    "consultation_id": ("咨询记录编号", "Consultation no."),
    "dispute_id": ("案件编号", "Case no."),
    "visitor_consent": ("来访人同意", "The visitor consented"),
}


def field_label(name: str, locale: str) -> str:
    zh, en = FIELD_LABELS.get(name, (name, name))
    return en if str(locale).startswith("en") else zh


def _code_lists() -> dict:
    from .disputes import codes
    from .followups import codes as fu
    from .sweeps import codes as sweep_codes
    from .elders.codes import REPORT_OUTCOMES

    return {
        "route": codes.ROUTES, "form": codes.AGREEMENT_FORMS, "channel": codes.CHANNELS,
        "dispute_type": codes.DISPUTE_TYPES, "risk": codes.RISK_LEVELS, "role": codes.PARTY_ROLES,
        "followup_kind": fu.FOLLOWUP_KINDS, "method": fu.METHODS, "fulfilment": fu.FULFILMENT,
        "satisfaction": fu.SATISFACTION, "sweep_level": sweep_codes.SWEEP_LEVELS, "checked": sweep_codes.SWEEP_CHECKS,
        "report_outcome": REPORT_OUTCOMES,
    }


def field_value(name: str, value, locale: str, users: dict | None = None):
    """A recorded value as a person reads it: yes/no, a code's label, a
    user's name instead of an id."""
    english = str(locale).startswith("en")
    if isinstance(value, bool):
        return ("yes" if value else "no") if english else ("是" if value else "否")
    if users is not None and name.endswith("mediator_id") and isinstance(value, int):
        return users.get(value, value)
    if users is not None and name.endswith("mediator_ids") and isinstance(value, list):
        return "、".join(str(users.get(v, v)) for v in value) if value else "—"
    codes = _code_lists().get(name)
    if codes and isinstance(value, list) and value and all(isinstance(v, str) and v in codes for v in value):
        return (", " if english else "、").join(codes[v][1 if english else 0] for v in value)
    if codes and isinstance(value, str) and value in codes:
        zh, en = codes[value]
        return en if english else zh
    return value


def user_ids_in(data: dict) -> set[int]:
    ids = set()
    for name, value in data.items():
        if name.endswith("mediator_id") and isinstance(value, int):
            ids.add(value)
        elif name.endswith("mediator_ids") and isinstance(value, list):
            ids.update(v for v in value if isinstance(v, int))
    return ids
