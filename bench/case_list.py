"""The case lists on a large database: how long each list query takes,
against a primary-key lookup measured in the same run.

    .venv/bin/python bench/case_list.py [--cases 200000] [--repeat 15] [--analyze] [--plans]

Builds a temporary SQLite file with the project's schema (db.create_all(),
the same indexes as the migrations) and fills it with bulk Core INSERTs (no
engine: these rows need no audit trail): one street, 18 communities, 369
grids, N disputes spread over two years, most of them closed or archived,
the open ones with deadlines of every colour, and two parties per case. Then
times the statements the list pages run (app/disputes/lists.py): the count
(capped at 10,000) plus one page, for a supervisor (the whole street) and a
mediator (one community), on the first page and on the deepest page offered,
with filters, with the colour filter, with a party-name search, and "my
cases". For comparison, the list as it was before this work (an exact
COUNT(*), ORDER BY the deadline with NULLs last, a substring search). Also
whole pages through the test client (login, queries, template), against the
case page of one case.

Baseline: `SELECT ... WHERE id = ?` for one dispute through the same session
(the cheapest query a page runs). Each figure is the median of --repeat
runs, in milliseconds, and its ratio to the baseline. The machine is shared
and noisy: quote ratios. --analyze runs ANALYZE first (the app never does);
--plans prints SQLite's query plan for each statement.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, or_, select, text  # noqa: E402

from app import clock, paging  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.auth.passwords import hash_password  # noqa: E402
from app.disputes import codes, lists  # noqa: E402
from app.disputes.models import Dispute, Party, dispute_mediators  # noqa: E402
from app.disputes.scope import scope_clause  # noqa: E402
from app.engine.deadlines import warn_time  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org.models import Community, Grid, Street  # noqa: E402
from bench.support import fresh_app, load, timed  # noqa: E402
from workflows import DISPUTE  # noqa: E402

NOW = datetime(2026, 11, 20, 2, 0)
PASSWORD = "bench-password"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文凤梅琴云海波宁斌宇浩鑫鹏辉"
# Where cases are: most are history, a tenth are open.
STATES = (["archived"] * 50 + ["closed"] * 25 + ["withdrawn"] * 3 + ["rejected"] * 2 + ["submitted"] * 2
          + ["accepted"] * 2 + ["assigned"] * 2 + ["mediating"] * 6 + ["extended"] * 1 + ["agreed"] * 2
          + ["performing"] * 3 + ["resolved_on_spot"] * 1 + ["fulfilled"] * 1)


def build(path: Path, cases: int, seed: int = 7):
    """The database; returns (app, ids of the users by role, a party name to search for)."""
    rng = random.Random(seed)
    app = fresh_app(path)
    with app.app_context():
        street = Street(name="城厢街道")
        db.session.add(street)
        db.session.flush()
        communities, grids = [], []
        for c in range(18):
            community = Community(street_id=street.id, name=f"社区{c + 1}")
            db.session.add(community)
            db.session.flush()
            communities.append(community)
            for g in range(21 if c < 9 else 20):
                grids.append(Grid(community_id=community.id, name=f"网格{c + 1}-{g + 1}"))
        db.session.add_all(grids[:369])
        db.session.flush()
        grids = grids[:369]
        password = hash_password(PASSWORD)
        c1 = communities[0]
        g1 = next(g for g in grids if g.community_id == c1.id)
        users = {
            "supervisor": User(username="sup", display_name="督导", role="supervisor", street_id=street.id),
            "mediator": User(username="med", display_name="调解员", role="mediator", street_id=street.id,
                             community_id=c1.id),
            "gridworker": User(username="gw", display_name="网格员", role="gridworker", street_id=street.id,
                               community_id=c1.id, grid_id=g1.id),
        }
        for u in users.values():
            u.password_hash, u.session_token, u.active = password, "t" * 32, True
        db.session.add_all(users.values())
        db.session.commit()
        ids = {role: u.id for role, u in users.items()}
        grid_community = [(g.id, g.community_id) for g in grids]
        mediator_id = ids["mediator"]

        deadlines = {s.code: s.deadline for s in DISPUTE.states}
        types, channels = list(codes.DISPUTE_TYPES), list(codes.CHANNELS)
        start = NOW - timedelta(days=730)
        disputes, parties, co = [], [], []
        seq = 0
        for i in range(1, cases + 1):
            grid_id, community_id = rng.choice(grid_community)
            state = rng.choice(STATES)
            created = start + timedelta(seconds=rng.randrange(730 * 86400))
            due = started = warn = None
            if deadlines[state] is not None:
                # Open cases are recent: somewhere in their deadline, some overdue.
                started = NOW - deadlines[state] * rng.uniform(0.0, 1.3)
                created = min(created, started)
                due = started + deadlines[state]
                warn = warn_time(due, started, 0.2)
            file_no = None
            if state not in ("submitted", "rejected", "resolved_on_spot"):
                seq += 1
                file_no = f"({created.year})莱人调字第{seq}号"
            assignee = None
            if community_id == c1.id and state in ("assigned", "mediating", "extended", "agreed", "performing"):
                assignee = mediator_id if rng.random() < 0.3 else None
            disputes.append({
                "id": i, "tracking_code": f"T{i:09d}", "file_year": created.year if file_no else None,
                "file_seq": seq if file_no else None, "file_no": file_no,
                "channel": rng.choice(channels), "dispute_type": rng.choice(types),
                "street_id": street.id, "community_id": community_id, "grid_id": grid_id, "place": "",
                "facts": "邻里之间因漏水、噪音或停车发生纠纷，需要调解。", "risk": "low",
                "created_by_id": None, "created_at": created, "assignee_id": assignee,
                "state": state, "version": 3, "state_entered_at": started or created, "due_at": due,
                "deadline_started_at": started, "warn_at": warn, "changed_at": started or created,
                "changed_by_id": None,
            })
            if community_id == c1.id and assignee is None and rng.random() < 0.02 and deadlines[state]:
                co.append({"dispute_id": i, "user_id": mediator_id})
            for role in ("applicant", "respondent"):
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                parties.append({"dispute_id": i, "role": role, "kind": "person", "name": name,
                                "phone": f"138{rng.randrange(10**8):08d}"})
            if len(disputes) >= 20000:
                _flush(disputes, parties)
        _flush(disputes, parties)
        load((dispute_mediators, co))
        db.session.remove()
    return app, ids


def _flush(disputes, parties):
    load((Dispute.__table__, disputes), (Party.__table__, parties))


def median_ms(fn, repeat: int) -> float:
    """Median milliseconds of fn() over `repeat` runs (after one warm-up), each on an empty session."""
    return timed(fn, repeat, warm_up=True, before=db.session.expunge_all)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE before timing")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-cases-") as tmp:
        path = Path(tmp) / "cases.sqlite3"
        t0 = time.perf_counter()
        app, ids = build(path, args.cases)
        print(f"built {args.cases:,} disputes and {2 * args.cases:,} parties in {time.perf_counter() - t0:.1f} s"
              f" ({path.stat().st_size / 2**20:.0f} MB); Python {sys.version.split()[0]},"
              f" SQLite {sqlite3.sqlite_version}{', ANALYZE run' if args.analyze else ', no ANALYZE'}")
        clock.set_now(NOW)
        with app.test_request_context():
            if args.analyze:
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            users = {role: db.session.get(User, uid) for role, uid in ids.items()}
            for u in users.values():
                db.session.expunge(u)
            sup, med = users["supervisor"], users["mediator"]
            per_page = app.config["CASES_PER_PAGE"]
            deepest = paging.max_page(per_page)
            sample_ids = random.Random(1).sample(range(1, args.cases + 1), 200)
            name = db.session.execute(select(Party.name).where(Party.dispute_id == sample_ids[0])).scalar()
            F = lists.Filters

            def pk_lookup(it=iter(sample_ids * 1000)):
                db.session.execute(select(Dispute).where(Dispute.id == next(it))).scalar_one()

            def community(user, filters, number=1):
                def run():
                    query, order = lists.community_query(user, filters, NOW)
                    return lists.cases_page(db.session, query, order, number, per_page)
                return run

            def previous_list(user, q=None):
                """The list as it was before: an exact COUNT(*), deadline order, substring search."""
                def run():
                    query = select(Dispute).where(scope_clause(user))
                    if q:
                        party_match = select(Party.dispute_id).where(Party.name.contains(q, autoescape=True))
                        query = query.where(or_(Dispute.file_no.contains(q, autoescape=True),
                                                Dispute.id.in_(party_match)))
                    db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
                    db.session.execute(query.order_by(Dispute.due_at.is_(None), Dispute.due_at, Dispute.id.desc())
                                       .limit(per_page)).scalars().all()
                return run

            cases = [
                ("supervisor (whole street), page 1", community(sup, F())),
                (f"supervisor, page {deepest} (deepest offered)", community(sup, F(), deepest)),
                ("mediator (one community), page 1", community(med, F())),
                (f"mediator, page {deepest}", community(med, F(), deepest)),
                ("supervisor, state = mediating", community(sup, F(state="mediating"))),
                ("supervisor, type + channel + 3 months", community(sup, F(
                    dispute_type="neighbour", channel="walk_in", date_from=(NOW - timedelta(days=90)).date(),
                    date_to=NOW.date()))),
                ("supervisor, grid filter", community(sup, F(grid_id=users["gridworker"].grid_id))),
                ("supervisor, colour red", community(sup, F(colour="red"))),
                ("supervisor, colour yellow", community(sup, F(colour="yellow"))),
                ("supervisor, colour blue, page 20", community(sup, F(colour="blue"), 20)),
                ("mediator, colour red", community(med, F(colour="red"))),
                (f"supervisor, party name “{name}”", community(sup, F(q=name))),
                ("mediator, party name", community(med, F(q=name))),
                (f"supervisor, surname “{name[0]}”", community(sup, F(q=name[0]))),
                ("supervisor, file number", community(sup, F(q="莱人调字第1234号"))),
                ("my cases (mediator)", lambda: lists.my_cases(db.session, med, NOW, 1, per_page)),
                ("my cases (grid worker)", lambda: lists.my_cases(db.session, users["gridworker"], NOW, 1,
                                                                  per_page)),
                ("before: supervisor, page 1", previous_list(sup)),
                (f"before: supervisor, party name “{name}”", previous_list(sup, name)),
            ]
            base = median_ms(pk_lookup, args.repeat * 20)
            print(f"\nbaseline: one dispute by primary key {base:.3f} ms (median of {args.repeat * 20})")
            print(f"\n{'query (count up to 10,000 + one page of 25)':<52} {'ms':>8} {'x baseline':>11}  rows")
            for title, fn in cases:
                ms = median_ms(fn, args.repeat)
                result = fn()
                shown = (f"{result.total:,}{'+' if result.capped else ''}" if isinstance(result, paging.Page)
                         else "")
                print(f"{title:<52} {ms:>8.2f} {ms / base:>11.0f}  {shown}")
            if args.plans:
                print()
                for user, filters, label in ((sup, F(), "street"), (med, F(), "community"),
                                             (sup, F(colour="red"), "red"), (sup, F(q=name), "name"),
                                             (sup, F(state="mediating"), "state")):
                    query, order = lists.community_query(user, filters, NOW)
                    query = query.order_by(*order).limit(25)
                    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
                    plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                    print(label, "|", " ; ".join(row[-1] for row in plan))
        http = http_timings(app, ids, args.repeat)
        print()
        for title, ms, base_ms in http:
            print(f"{title:<52} {ms:>8.2f} {ms / base_ms:>11.2f}  (x the case page)")
        with app.app_context():
            db.engine.dispose()
    clock.set_now(None)
    return 0


def http_timings(app, ids, repeat):
    """Whole pages through the test client, against one case page."""
    from tests.factories import login

    out = []
    for role in ("supervisor", "mediator"):
        client = app.test_client()
        with app.app_context():
            username = db.session.get(User, ids[role]).username
            case_id = db.session.execute(
                select(Dispute.id).where(Dispute.community_id == 1).limit(1)).scalar()
        login(client, username, PASSWORD)

        def get(url):
            def run():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            return run

        def ms(fn):
            return timed(fn, repeat, warm_up=True)

        base = ms(get(f"/cases/{case_id}"))
        out.append((f"HTTP {role}: GET /cases/{case_id} (the baseline page)", base, base))
        out.append((f"HTTP {role}: GET /cases/", ms(get("/cases/")), base))
        out.append((f"HTTP {role}: GET /cases/?colour=red&page=2", ms(get("/cases/?colour=red&page=2")), base))
        if role == "mediator":
            out.append(("HTTP mediator: GET /cases/mine", ms(get("/cases/mine")), base))
    return out


if __name__ == "__main__":
    sys.exit(main())
