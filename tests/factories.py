"""Small builders for test data. Call them inside an app context."""
import itertools
from datetime import date, timedelta
import re
import secrets

from app import clock, engine
from app.auth.models import User
from app.auth.passwords import hash_password
from app.disputes.models import Dispute, Party, new_tracking_code
from app.disputes.rules import signer_choices
from app.extensions import db
from app.org.models import Community, Grid, Street

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def org(communities: int = 2, grids_per_community: int = 2):
    """A street with communities and grids; returns (street, [community], [grid])."""
    n = next(_counter)
    street = Street(name=f"街道{n}")
    db.session.add(street)
    db.session.flush()
    cs, gs = [], []
    for i in range(communities):
        c = Community(street_id=street.id, name=f"社区{n}-{i + 1}")
        db.session.add(c)
        db.session.flush()
        cs.append(c)
        for j in range(grids_per_community):
            g = Grid(community_id=c.id, name=f"网格{n}-{i + 1}-{j + 1}")
            db.session.add(g)
            gs.append(g)
    db.session.flush()
    db.session.commit()
    return street, cs, gs


def user(role: str, *, community=None, grid=None, street=None, username=None, password=PASSWORD, active=True):
    n = next(_counter)
    u = User(
        # "mediator-10", never "mediator10": the demo's mediators are mediator02, mediator03...
        username=username or f"{role}-{n}", display_name=f"{role.title()} {n}", role=role, active=active,
        password_hash=hash_password(password), session_token=secrets.token_hex(16),
    )
    if grid is not None:
        u.grid_id, community = grid.id, grid.community
    if community is not None:
        u.community_id, street = community.id, community.street
    if street is not None:
        u.street_id = street.id
    db.session.add(u)
    db.session.commit()
    return u


def dispute(creator, grid, *, parties: int = 2, now=None, facts="楼上漏水，双方就维修费用发生争执。"):
    community = grid.community
    d = Dispute(
        tracking_code=new_tracking_code(), channel="walk_in", dispute_type="neighbour",
        street_id=community.street_id, community_id=community.id, grid_id=grid.id, facts=facts,
        created_by_id=creator.id, created_at=now or clock.now(),
    )
    for i in range(parties):
        d.parties.append(Party(role="applicant" if i == 0 else "respondent", name=f"当事人{i + 1}",
                               phone="13812345678"))
    return engine.create(d, creator, {"facts": facts}, now=now)


def resident_report(creator, community, *, now=None, facts="小区东门的共享单车堆了一地。"):
    """A report as a resident's arrives (app/public): typed "Other", in the community, without a grid."""
    d = Dispute(
        tracking_code=new_tracking_code(), channel="photo", dispute_type="other",
        street_id=community.street_id, community_id=community.id, grid_id=None, facts=facts,
        created_by_id=creator.id, created_at=now or clock.now(),
    )
    d.parties.append(Party(role="applicant", name="居民", phone="13812345678"))
    return engine.create(d, creator, {"facts": facts}, now=now)


def walk(d, actor, *triggers, now=None):
    """Fire a series of triggers with plausible data."""
    samples = {
        "route": "court", "outcome": "当场和解", "notice_given": True, "days": 10, "consent_how": "signed",
        "form": "written", "terms": "十日内赔偿两千元", "summary": "已结案",
        "main_facts": "楼上漏水致楼下受损", "matters": "维修费用由谁承担", "responsibilities": "楼上住户负主要责任",
        "perform_how": "一次性现金支付", "perform_where": "社区调解室", "perform_by": date(2026, 12, 31),
    }
    for trigger in triggers:
        t = d.__workflow__.transition(trigger, d.state)
        assert t is not None, f"{trigger} not possible from {d.state}"
        data = {name: samples.get(name) for name in t.required + t.optional if name in samples}
        if "mediator_id" in t.required:
            data["mediator_id"] = actor.id
        if "signers" in t.required:  # everyone signs, on the step's own day
            data["signers"] = [key for key, _name in signer_choices(d)]
            data["signed_on"] = clock.local_date(now or clock.now())
        if "recused_mediator_id" in t.required:
            data["recused_mediator_id"], data["requested_by"] = d.assignee_id, "mediator"
        if "refusing_party" in t.required:
            data["refusing_party"] = d.parties[-1].id
        if "consenting_parties" in t.required:
            data["consenting_parties"] = [p.id for p in d.parties]
        if "perform_by" in data:
            # Within the agreement's own day and three years after (app/disputes/rules.py refuses others).
            day = clock.local_date(now or clock.now())
            if not day <= data["perform_by"] <= day + timedelta(days=3 * 365):
                data["perform_by"] = day + timedelta(days=30)
        engine.fire(d, trigger, actor, "理由" if t.reason_required else None, now=now, **data)
    return d


CSRF_RE = re.compile(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"')


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(2)


def login(client, username, password=PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                       "username": username, "password": password})


TOP_MESSAGE = r'role="alert">(?:请按提示更正标出的填写项。|Please correct the marked fields\.)'


def assert_sent_back(html: str, field: str, anchor: str | None = None) -> None:
    """The page answers a form sent back with its errors as every form does
    (app/form_errors.py): the top message, with a link to the form's
    `anchor` when the form is far down the page (and none otherwise), and
    `autofocus` on `field`, its first marked field, and on no other."""
    message = re.search(TOP_MESSAGE + r'\s*(<a class="alert-link" href="#([\w-]+)">)?', html)
    assert message, "no top message"
    assert message.group(2) == anchor, f"the top message links to {message.group(2)!r}, not {anchor!r}"
    if anchor:
        assert f'id="{anchor}"' in html, f"nothing on the page has the id {anchor}"
    assert re.search(rf'<(?:input|select|textarea)[^>]*autofocus[^>]*name="{re.escape(field)}"', html), \
        f"{field} has no autofocus"
    assert html.count("autofocus") == 1
