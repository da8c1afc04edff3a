"""A department's referral list (the liaison's, app/referrals/views.py
`index`) on a long history, against a primary-key lookup measured in the
same run.

    .venv/bin/python bench/referral_list.py [--referrals 20000] [--urged 5] [--urged-before 0.1]
                                            [--repeat 15] [--plans]
                                            [--database-url postgresql://postgres@127.0.0.1:5432/test]

Builds a temporary SQLite file (or a schema of its own in the PostgreSQL
database) with the project's schema (db.create_all()) and fills it with bulk
Core INSERTs (no engine): 2,000 cases, one department with N referrals over
two years and their audit events (made, sent, acknowledged, worked on,
answered, accepted: six or so each), most of them accepted long ago (a
tenth of those escalated and urged on their way: urgings in the log that no
longer stand), a few hundred still open, some escalated, `--urged` of those
urged (one twice) and one urged and acknowledged since. Then times what the
list runs (app/paging.py: the capped count, then one page) for the "open"
filter and for "all": the page statement in the list's order without the
urged term (the floor), with the term as it was (a correlated EXISTS over
the audit log with the row's last step, a nested MAX) and as it is now (the
row's `urged_at`, kept by the engine), taken in turns, checking that both
terms give the same page; then the count and the page as the view runs
them now.

Baseline: `SELECT ... WHERE id = ?` for one referral. Each figure is the
median of --repeat runs, in milliseconds, and its ratio to the baseline.
The machine is shared and noisy: quote ratios.
"""
from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, case, exists, func, literal, select, text  # noqa: E402
from sqlalchemy.orm import aliased, contains_eager  # noqa: E402

from app.audit.models import AuditEvent  # noqa: E402
from app.disputes.models import Dispute  # noqa: E402
from app.engine import urgings  # noqa: E402
from app.engine.deadlines import urgency_order, warn_time  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org.models import Community, Department, Grid, Street  # noqa: E402
from app.paging import count_upto, page_of  # noqa: E402
from app.referrals.models import DRAFT, Referral  # noqa: E402
from bench.support import drop_schema, fresh_app, load, timed, vacuum_analyze  # noqa: E402
from workflows.referral import OPEN  # noqa: E402

NOW = datetime(2026, 11, 20, 2, 0)
PG_SCHEMA = "bench_referral_list"
PER_PAGE = 50
CASES = 2000
# Where a department's referrals are: most long since accepted.
STATES = ["verified"] * 940 + ["withdrawn"] * 40 + ["acknowledged"] * 5 + ["in_progress"] * 6 + ["answered"] * 5 \
    + ["sent"] * 2 + ["ack_escalated"] * 1 + ["answer_escalated"] * 1
# The steps that lead to each state, after "create" (to draft) and "send".
PATHS = {
    "sent": [],
    "ack_escalated": [("escalate_unacknowledged", "ack_escalated")],
    "acknowledged": [("acknowledge", "acknowledged")],
    "in_progress": [("acknowledge", "acknowledged"), ("start_work", "in_progress")],
    "answer_escalated": [("acknowledge", "acknowledged"), ("escalate_overdue", "answer_escalated")],
    "answered": [("acknowledge", "acknowledged"), ("start_work", "in_progress"), ("answer", "answered")],
    "verified": [("acknowledge", "acknowledged"), ("start_work", "in_progress"), ("answer", "answered"),
                 ("accept_answer", "verified")],
    "withdrawn": [("withdraw", "withdrawn")],
}


def standing_in_log():
    """The condition on an AuditEvent: an urging of its row after the row's
    last other step (app/engine/urgings.py reads the marks with it)."""
    step = aliased(AuditEvent)
    last_step = (select(func.max(step.seq))
                 .where(step.entity_type == AuditEvent.entity_type, step.entity_id == AuditEvent.entity_id,
                        step.to_state.is_not(None), step.trigger != urgings.URGE)
                 .correlate(AuditEvent).scalar_subquery())
    return and_(AuditEvent.trigger == urgings.URGE, AuditEvent.seq > last_step)


def old_urged_first(model):
    """The ORDER BY term as it was before `urged_at`: whether the log holds an
    urging of the row after its last other step, asked for every row."""
    urged = exists().where(AuditEvent.entity_type == model.__entity_type__, AuditEvent.entity_id == model.id,
                           standing_in_log())
    states = sorted(urgings.urgeable_states(model.__workflow__))
    return case((and_(model.state.in_(states), urged), 0), else_=1) if states else literal(1)


def build(path: Path, referrals: int, urged: int, urged_before: float, seed: int = 5,
          database_url: str | None = None):
    rng = random.Random(seed)
    # A PostgreSQL database: in a schema of its own, dropped afterwards.
    app = fresh_app(path, database_url, PG_SCHEMA)
    with app.app_context():
        street = Street(name="城厢街道")
        db.session.add(street)
        db.session.flush()
        community = Community(street_id=street.id, name="社区1")
        db.session.add(community)
        db.session.flush()
        grid = Grid(community_id=community.id, name="网格1")
        department = Department(name="环保")
        db.session.add_all([grid, department])
        db.session.commit()
        department_id = department.id
        start = NOW - timedelta(days=730)
        cases = [dict(id=i, tracking_code=f"T{i:09d}", channel="walk_in", dispute_type="neighbour",
                      street_id=street.id, community_id=community.id, grid_id=grid.id, place="", facts="纠纷",
                      risk="low", created_at=start, version=3, changed_at=start, state_entered_at=start,
                      state="mediating") for i in range(1, CASES + 1)]
        load((Dispute.__table__, cases))
        has_column = "urged_at" in Referral.__table__.c
        rows, events = [], []
        late = []
        for i in range(1, referrals + 1):
            state = rng.choice(STATES)
            if state in OPEN:  # the open ones are recent
                made = NOW - timedelta(days=rng.uniform(1, 20))
            else:
                made = start + timedelta(seconds=rng.randrange(700 * 86400))
            sent = made + timedelta(hours=1)
            ack_by, answer_by = sent + timedelta(hours=24), sent + timedelta(days=10)
            due = {"sent": ack_by, "acknowledged": answer_by, "in_progress": answer_by}.get(state)
            row = dict(id=i, dispute_id=rng.randrange(1, CASES + 1), department_id=department_id, kind="inspect",
                       request="请现场处理。", created_by_id=None, created_at=made, sent_at=sent, ack_by=ack_by,
                       answer_by=answer_by, returns=0, state=state, version=2 + len(PATHS[state]),
                       state_entered_at=sent, due_at=due, deadline_started_at=sent if due else None,
                       warn_at=warn_time(due, sent, 0.2) if due else None, changed_at=sent, changed_by_id=None)
            if has_column:
                row["urged_at"] = None
            rows.append(row)
            steps = [("create", None, DRAFT), ("send", DRAFT, "sent")]
            path = PATHS[state]
            if path[:1] == [("acknowledge", "acknowledged")] and rng.random() < urged_before:
                # Escalated, urged, then acknowledged: an urging in the log that no longer stands.
                path = [("escalate_unacknowledged", "ack_escalated"), ("urge", "ack_escalated"), *path]
            for trigger, to in path:
                steps.append((trigger, steps[-1][2], to))
            for seq, (trigger, source, to) in enumerate(steps, 1):
                events.append(_event(i, seq, trigger, source, to, sent + timedelta(minutes=seq)))
            if state in urgings.urgeable_states(Referral.__workflow__):
                late.append(row)
            if len(rows) >= 5000:
                _flush(rows, events)
        _flush(rows, events)
        # The urgings: `urged` late rows urged (the first of them twice), and one more urged, then acknowledged.
        seqs = dict(db.session.execute(select(AuditEvent.entity_id, func.max(AuditEvent.seq))
                                       .where(AuditEvent.entity_type == "referral")
                                       .group_by(AuditEvent.entity_id)).all())
        urged = min(urged, len(late) - 1)
        for k, row in enumerate(late[:urged + 1]):
            times = 2 if k == 0 else 1
            for _ in range(times):
                seqs[row["id"]] += 1
                events.append(_event(row["id"], seqs[row["id"]], "urge", row["state"], row["state"],
                                     NOW - timedelta(hours=times)))
            if k == urged:  # this one's urging no longer stands
                seqs[row["id"]] += 1
                events.append(_event(row["id"], seqs[row["id"]], "acknowledge", row["state"],
                                     "acknowledged", NOW - timedelta(minutes=30)))
                db.session.execute(Referral.__table__.update().where(Referral.id == row["id"])
                                   .values(state="acknowledged", due_at=row["answer_by"]))
        _flush([], events)
        if has_column:  # as migration 0033 fills it in from the log
            urged_at = (select(func.max(AuditEvent.at))
                        .where(AuditEvent.entity_type == "referral", AuditEvent.entity_id == Referral.id,
                               standing_in_log())
                        .scalar_subquery())
            db.session.execute(Referral.__table__.update().values(urged_at=urged_at))
        db.session.commit()
        db.session.remove()
    return app, department_id, len(late), urged


_numbers = itertools.count()


def _event(entity_id, seq, trigger, source, to, at):
    n = next(_numbers)
    return dict(entity_type="referral", entity_id=entity_id, seq=seq, trigger=trigger, from_state=source,
                to_state=to, actor_id=None, actor_role="system", at=at, reason=None, data="{}",
                prev_hash=f"{n:064x}", hash=f"{n + 1:064x}")


def _flush(rows, events):
    load((Referral.__table__, rows), (AuditEvent.__table__, events))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=20_000)
    parser.add_argument("--urged", type=int, default=5)
    parser.add_argument("--urged-before", type=float, default=0.1,
                        help="the share of the answered referrals that were escalated and urged on their way")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="a PostgreSQL URL (the bench works in a schema of its own)")
    parser.add_argument("--plans", action="store_true", help="print each page statement's plan")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        app, department_id, late, urged = build(Path(tmp) / "bench.sqlite3", args.referrals, args.urged,
                                                args.urged_before, database_url=args.database_url)
        print(f"built {args.referrals:,} referrals of one department ({late} late, {urged} urged) in "
              f"{time.perf_counter() - started:.0f} s on {'PostgreSQL' if args.database_url else 'SQLite'}")
        with app.app_context():
            session = db.session
            if args.database_url:
                vacuum_analyze()
            middle = args.referrals // 2

            def lookup():
                session.execute(select(Referral.id, Referral.state).where(Referral.id == middle)).one()

            def query_of(states):
                query = (select(Referral).join(Dispute, Dispute.id == Referral.dispute_id)
                         .options(contains_eager(Referral.dispute))
                         .where(Referral.department_id == department_id, Referral.state != DRAFT))
                return query.where(Referral.state.in_(states)) if states else query

            def ordered(states, term):
                rank, *rest = urgency_order(Referral, NOW)
                urged = (term(Referral),) if term else ()
                return query_of(states).order_by(rank, *urged, *rest).limit(PER_PAGE)

            base = timed(lookup, args.repeat * 20)
            print(f"baseline: primary-key lookup {base:.3f} ms")
            terms = {"no urged term (the floor)": None,
                     "the urged term as it was": old_urged_first, "the urged term now": urgings.urged_first}
            for name, states in (("open", OPEN), ("all", None)):
                ms = timed(lambda: count_upto(query_of(states)), args.repeat)
                print(f"list '{name}': the capped count {ms:9.2f} ms  x{ms / base:,.0f}")
                pages, statements = {}, {}
                for how, term in terms.items():
                    statements[how] = ordered(states, term)
                    pages[how] = [r.id for r in session.execute(statements[how]).scalars()]
                    session.rollback()
                assert pages["the urged term as it was"] == pages["the urged term now"], "the two orders differ"
                # Taken in turns, so that the machine's load falls on each alike.
                runs = {how: [] for how in terms}
                for _ in range(args.repeat):
                    for how, statement in statements.items():
                        runs[how].append(timed(lambda: session.execute(statement).scalars().all(), 1))
                for how, statement in statements.items():
                    ms = statistics.median(runs[how])
                    print(f"list '{name}': page 1, {how:27s} {ms:9.2f} ms  x{ms / base:,.0f}")
                    if args.plans:
                        _plan(session, statement, args.database_url)
                ms = timed(lambda: page_of(query_of(states), (urgency_order(Referral, NOW)[0],
                                                               urgings.urged_first(Referral),
                                                               *urgency_order(Referral, NOW)[1:]),
                                           1, PER_PAGE), args.repeat)
                print(f"list '{name}': count and page as the view runs them now {ms:9.2f} ms  x{ms / base:,.0f}")
            if args.database_url:
                drop_schema(PG_SCHEMA)


def _plan(session, statement, postgresql):
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if postgresql else "EXPLAIN QUERY PLAN "
    for row in session.execute(text(prefix + str(compiled))):
        print("    " + " | ".join(str(v) for v in row))
    session.rollback()


if __name__ == "__main__":
    main()
