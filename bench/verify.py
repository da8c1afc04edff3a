"""How fast `flask audit verify` checks the audit log.

    .venv/bin/python bench/verify.py [--events 500000] [--database-url URL]

Builds a log of about --events events on a temporary SQLite file (or a schema
of its own on the PostgreSQL database given, dropped at the end): one case is
taken through the engine (registration, acceptance, assignment, mediation,
agreement, performance, then non-performance and urging in turn) and its row
and events are copied to as many cases as it takes, each copy's events
hash-chained as record() chains them, so that verify has real work: hashes,
links, sequences, the replayed states and the audited columns of every case,
compared with the stored rows. Then it times verify() over the whole log in
one read-only snapshot, as the command does, and checks that it found
nothing wrong: first in one process (the baseline, measured in the same run),
then with one worker process per CPU, as `flask audit verify` runs it; then
times the hashes and links alone (what the routine check does after the
newest checkpoint). The last line is `verify_events_per_s=N`, the full
check's rate with workers (the backend is named on the line before).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from config import database_url  # noqa: E402

STEPS = ("accept", "assign", "start_mediation", "agree", "start_performance",
         "breach", "urge", "breach", "urge", "breach", "urge")


def admin(url: str, *statements: str) -> None:
    engine = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def build(events_wanted: int) -> int:
    from app import clock, engine
    from app.audit.chain import GENESIS, canonical_json, chain_key, row_hash
    from app.audit.models import AuditEvent
    from app.disputes.models import Dispute, Party, new_tracking_code
    from app.extensions import db
    from tests import factories as f

    street, (community, _), grids = f.org()
    mediator = f.user("mediator", community=community)
    grid = grids[0]
    template = Dispute(tracking_code=new_tracking_code(), channel="walk_in", dispute_type="neighbour",
                       street_id=grid.community.street_id, community_id=grid.community_id, grid_id=grid.id,
                       facts="楼上漏水，双方就维修费用发生争执。", created_by_id=mediator.id, created_at=clock.now())
    # Parties without phone or ID number: sealed values are bound to their own case and would not open in a copy.
    template.parties += [Party(role="applicant", name="当事人甲"), Party(role="respondent", name="当事人乙")]
    engine.create(template, mediator, {"facts": template.facts})
    f.walk(template, mediator, *STEPS)
    cases, parties, events = Dispute.__table__, Party.__table__, AuditEvent.__table__
    row = dict(db.session.execute(select(cases).where(cases.c.id == template.id)).mappings().one())
    party_rows = [dict(p) for p in db.session.execute(select(parties).where(parties.c.dispute_id == template.id)
                                                       .order_by(parties.c.id)).mappings()]
    first_party = db.session.execute(select(func.max(parties.c.id))).scalar() + 1
    history = db.session.execute(select(events).where(events.c.entity_type == "dispute",
                                                      events.c.entity_id == template.id)
                                 .order_by(events.c.id)).mappings().all()
    prev = db.session.execute(select(events.c.hash).order_by(events.c.id.desc()).limit(1)).scalar() or GENESIS
    db.session.commit()
    key = chain_key()
    copies = max(1, (events_wanted - len(history)) // len(history))
    first_id = db.session.execute(select(func.max(cases.c.id))).scalar() + 1
    del row["id"]
    chunk = max(1, 20000 // len(history))
    for start in range(0, copies, chunk):
        ids = range(first_id + start, first_id + min(start + chunk, copies))
        db.session.execute(insert(cases), [
            dict(row, id=i, tracking_code=f"V{i:015d}", file_no=f"{row['file_no']}-{i}", submission_token=None)
            for i in ids])
        new_party = {}  # (case id, template party id) -> the copy's party id
        copied = []
        for i in ids:
            for n, party in enumerate(party_rows):
                new_party[(i, party["id"])] = first_party + (i - first_id) * len(party_rows) + n
                copied.append(dict(party, id=new_party[(i, party["id"])], dispute_id=i))
        db.session.execute(insert(parties), copied)
        batch = []
        for i in ids:
            for event in history:
                fields = {k: event[k] for k in ("entity_type", "seq", "trigger", "from_state", "to_state",
                                                "actor_id", "actor_role", "reason")}
                fields["entity_id"] = i
                data = event["data"].replace(row["file_no"], f"{row['file_no']}-{i}")
                if "_children" in data:
                    loaded = json.loads(data)
                    loaded["_children"] = {kind: {str(new_party[(i, int(pid))]): values for pid, values in rows.items()}
                                           for kind, rows in loaded["_children"].items()}
                    data = canonical_json(loaded)
                fields["data"] = data
                fields["at"] = event["at"].isoformat(timespec="microseconds")
                digest = row_hash(key, fields, prev)
                batch.append(dict(fields, at=event["at"], prev_hash=prev, hash=digest))
                prev = digest
        db.session.execute(insert(events), batch)
        db.session.commit()
        print(f"\r{start + len(ids):,} of {copies:,} cases", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return db.session.execute(select(func.count()).select_from(events)).scalar()


def timed(check) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (this process and its workers) of
    check() in one read-only snapshot; it must find nothing wrong."""
    from app.database import read_only

    before = os.times()
    start = time.perf_counter()
    with read_only():
        problems = check()
    elapsed = time.perf_counter() - start
    after = os.times()
    if problems:
        raise SystemExit(f"verify found problems in the built log: {problems[:5]}")
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500000, help="events in the log (default 500000)")
    parser.add_argument("--database-url", help="a PostgreSQL database (a schema of its own is made and dropped)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-verify-")
    schema = None
    if args.database_url:
        schema = f"bench_verify_{os.getpid()}"
        admin(args.database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
        os.environ["PGOPTIONS"] = f"-c search_path={schema}"
        url = database_url(args.database_url)
    else:
        url = f"sqlite:///{workdir}/verify.sqlite3"
    from app import create_app
    from app.audit import guard
    from app.audit.chain import GENESIS
    from app.audit.checkpoints import check_chain
    from app.audit.verify import verify
    from app.database import read_only
    from app.extensions import db

    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{workdir}/uploads")
        with app.app_context():
            db.create_all()
            with db.engine.begin() as conn:
                guard.install(conn)
            print(f"building a log of {args.events:,} events ...", file=sys.stderr, flush=True)
            total = build(args.events)
            db.session.remove()
            workers = os.cpu_count() or 1
            # The baseline, in the same process and on the same log: the full check in one process.
            single, single_cpu = timed(lambda: verify(workers=1))
            elapsed, cpu = timed(lambda: verify(workers=workers))
            start = time.perf_counter()
            with read_only():
                found, _, _ = check_chain(db.session, after_id=0, prev=GENESIS, count=0, every=10000)
            chain_elapsed = time.perf_counter() - start
            if found:
                raise SystemExit(f"the chain check found problems in the built log: {found[:5]}")
            print(f"hashes and links alone, one process (the routine check's work after a checkpoint): "
                  f"{total / chain_elapsed:,.0f} events/s")
            print(f"full check in one process: {total / single:,.0f} events/s, {total / single_cpu:,.0f} per CPU "
                  "second")
            print(f"{db.engine.dialect.name}: verify() checked {total:,} events in {elapsed:.1f} s with {workers} "
                  f"worker processes, nothing wrong (hashes, links, sequences, checkpoints, replayed states and "
                  f"audited columns); {total / cpu:,.0f} events per CPU second (all processes); "
                  f"{single / elapsed:.2f}x the one-process check; load {os.getloadavg()[0]:.1f}")
            db.session.remove()
            db.engine.dispose()
        print(f"verify_events_per_s={total / elapsed:.0f}")
    finally:
        if schema:
            admin(args.database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        shutil.rmtree(workdir, ignore_errors=True)  # the SQLite log: hundreds of megabytes


if __name__ == "__main__":
    main()
