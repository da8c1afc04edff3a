"""Check the whole audit log: hashes, links, sequences, and that replaying
each workflow entity's events gives its stored state."""
from __future__ import annotations

from sqlalchemy import select

from workflows import Workflow

from ..extensions import db
from .chain import GENESIS, Digest, chain_key, fields_of, row_hash
from .models import AuditEvent

CREATE = "create"

# entity type -> (its workflow, its model): what verify replays and compares
# with the stored rows. Filled in by whoever binds a workflow to a model (the
# engine's register()), so that the audit core knows no engine and no domain.
REPLAYED: dict[str, tuple[Workflow, type]] = {}


def replay_entity_type(entity_type: str, workflow: Workflow, model: type) -> None:
    """Have verify replay `entity_type`'s events through `workflow` and
    compare the result with the `state` column of `model`'s rows."""
    REPLAYED[entity_type] = (workflow, model)


def verify(digest: Digest | None = None, session=None, progress=None) -> list[str]:
    """Return one line per problem found; an empty list means intact."""
    session = session or db.session
    key = chain_key()
    problems: list[str] = []
    prev = GENESIS
    last_seq: dict[tuple[str, int], int] = {}
    replayed: dict[tuple[str, int], str] = {}
    count = 0
    digest_hash_at_n = None
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)).scalars()
    for row in rows:
        count += 1
        if progress:
            progress(1)
        name = f"audit row id={row.id} ({row.entity_type} #{row.entity_id}, {row.trigger})"
        if row.prev_hash != prev:
            problems.append(f"{name}: link to the previous row is broken (a row was deleted, inserted or moved before it)")
        if row.hash != row_hash(key, fields_of(row), row.prev_hash):
            problems.append(f"{name}: hash does not match its content (the row was edited or forged)")
        if digest and count == digest.events:
            digest_hash_at_n = row.hash
        prev = row.hash
        if row.entity_id is None:
            continue
        entity = (row.entity_type, row.entity_id)
        expected_seq = last_seq.get(entity, 0) + 1
        if row.seq != expected_seq:
            problems.append(f"{name}: sequence number {row.seq}, expected {expected_seq}")
        last_seq[entity] = max(expected_seq, row.seq or 0)
        problems.extend(_replay_step(name, row, replayed))

    problems.extend(_compare_with_stored(session, replayed))
    if digest is not None:
        if count < digest.events:
            problems.append(
                f"the log has {count} events but the digest covered {digest.events}: events were removed"
            )
        elif digest_hash_at_n != digest.head:
            problems.append(
                f"audit row number {digest.events} no longer has the digest's head hash: "
                "events the digest covered were changed or removed"
            )
    return problems


def _replay_step(name, row, replayed) -> list[str]:
    wf, _ = REPLAYED.get(row.entity_type, (None, None))
    if wf is None or (row.to_state is None and row.from_state is None):
        return []  # not a state change (field edit, reveal, login...)
    entity = (row.entity_type, row.entity_id)
    current = replayed.get(entity)
    if row.trigger == CREATE:
        if current is not None or row.from_state is not None or row.to_state != wf.initial:
            return [f"{name}: creation event out of place"]
        replayed[entity] = row.to_state
        return []
    problems = []
    if row.from_state != current:
        problems.append(f"{name}: starts from {row.from_state!r} but the replayed state is {current!r}")
    transition = wf.transition(row.trigger, row.from_state or "")
    if transition is None or transition.dest != row.to_state:
        problems.append(f"{name}: {row.from_state!r} --{row.trigger}--> {row.to_state!r} is not a transition of {wf.name!r}")
    replayed[entity] = row.to_state
    return problems


def _compare_with_stored(session, replayed) -> list[str]:
    problems = []
    for entity_type, (_, model) in sorted(REPLAYED.items()):
        for entity_id, state in session.execute(select(model.id, model.state).order_by(model.id)):
            replay = replayed.pop((entity_type, entity_id), None)
            if replay != state:
                problems.append(
                    f"{entity_type} #{entity_id}: stored state {state!r} but replaying its events gives {replay!r}"
                )
    for (entity_type, entity_id), state in replayed.items():
        problems.append(f"{entity_type} #{entity_id}: has events (last state {state!r}) but no row")
    return problems
