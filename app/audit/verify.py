"""Check the whole audit log: hashes, links, sequences, and that replaying
each workflow entity's events gives its stored state and audited columns."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from workflows import Workflow

from ..extensions import db
from .chain import GENESIS, Digest, chain_key, hash_checker
from .checkpoints import all_checkpoints, describe, is_signed
from .reader import read_events, row_name
from .personal import ERASED, Opener

CREATE = "create"

# entity type -> (its workflow, its model): what verify replays and compares
# with the stored rows. Filled in by whoever binds a workflow to a model (the
# engine's register()), so that the audit core knows no engine and no domain.
REPLAYED: dict[str, tuple[Workflow, type]] = {}


def replay_entity_type(entity_type: str, workflow: Workflow, model: type) -> None:
    """Have verify replay `entity_type`'s events through `workflow` and
    compare the result with the `state` column of `model`'s rows."""
    REPLAYED[entity_type] = (workflow, model)


@dataclass(frozen=True)
class ColumnReplay:
    """How verify rebuilds an entity type's audited columns from its events,
    told by whoever knows the model (the engine's register()).

    settings(trigger, from_state, to_state, data, entity_id) yields
    (row type, row id, values, replace) for what one event sets: the entity's
    own row or a child row (a case's party). With replace, `values` is all
    that is known of the row from then on (columns left out are empty), or
    nothing at all when `values` is None; otherwise `values` updates what
    is known. stored(session) yields (row type, row id, {column: value}) for
    every stored row, values of the same Python types."""

    row_types: Callable[[], tuple[str, ...]]  # the entity's and its children's
    settings: Callable[..., Iterable[tuple[str, int, dict | None, bool]]]
    stored: Callable[..., Iterable[tuple[str, int, dict]]]


COLUMNS: dict[str, ColumnReplay] = {}


def replay_columns(entity_type: str, replay: ColumnReplay) -> None:
    """Have verify rebuild `entity_type`'s audited columns and compare them
    with the stored rows."""
    COLUMNS[entity_type] = replay


def verify(digest: Digest | None = None, session=None, progress=None) -> list[str]:
    """Return one line per problem found; an empty list means intact."""
    session = session or db.session
    check_hash = hash_checker(chain_key())
    problems: list[str] = []
    prev = GENESIS
    last_seq: dict[tuple[str, int], int] = {}
    replayed: dict[tuple[str, int], str] = {}
    # (row type, row id) -> [complete, {column: value}]: what the events say
    # of a row's audited columns; complete means that a column not named is empty.
    columns: dict[tuple[str, int], list] = {}
    # Personal values are sealed in the log: read in the clear while their
    # subject's key exists, as ERASED once it was shredded (then not compared).
    opener = Opener(session)
    count = 0
    digest_hash_at_n = None
    pending = 0
    checkpoints = {cp.events: cp for cp in all_checkpoints(session)}
    for row in read_events(session):
        count += 1
        if progress:
            pending += 1
            if pending == 1000:
                progress(pending)
                pending = 0
        if row.prev_hash != prev:
            problems.append(f"{row_name(row)}: link to the previous row is broken (a row was deleted, inserted or moved before it)")
        if not check_hash(row):
            problems.append(f"{row_name(row)}: hash does not match its content (the row was edited or forged)")
        if digest and count == digest.events:
            digest_hash_at_n = row.hash
        if count in checkpoints:
            problems.extend(_hold_checkpoint(checkpoints.pop(count), row))
        prev = row.hash
        if row.entity_id is None:
            continue
        entity = (row.entity_type, row.entity_id)
        expected_seq = last_seq.get(entity, 0) + 1
        if row.seq != expected_seq:
            problems.append(f"{row_name(row)}: sequence number {row.seq}, expected {expected_seq}")
        last_seq[entity] = max(expected_seq, row.seq or 0)
        if row.to_state is not None or row.from_state is not None:
            problems.extend(_replay_step(row, replayed))
        replay = COLUMNS.get(row.entity_type)
        if replay is not None:
            _replay_columns(row, replay, columns, problems, opener)
    if progress and pending:
        progress(pending)

    problems.extend(f"{describe(cp)}: the log has only {count} events: events were removed"
                    for cp in checkpoints.values())
    problems.extend(_compare_with_stored(session, replayed))
    problems.extend(
        f"{kind} #{subject_id}: its data key does not open with this installation's AUDIT_DATA_KEY "
        "(was the key changed?); its personal values could not be checked"
        for kind, subject_id in sorted(opener.unreadable))
    problems.extend(_compare_columns(session, columns))
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


def _hold_checkpoint(checkpoint, row) -> list[str]:
    """A checkpoint against the event at its position in the chain."""
    if not is_signed(checkpoint):
        return [f"{describe(checkpoint)}: its signature does not match (forged, or AUDIT_CHECKPOINT_KEY changed)"]
    if (row.id, row.hash) != (checkpoint.last_id, checkpoint.head):
        return [f"{describe(checkpoint)} no longer matches the log: events up to it were changed, removed or "
                "inserted"]
    return []


def _replay_step(row, replayed) -> list[str]:
    wf, _ = REPLAYED.get(row.entity_type, (None, None))
    if wf is None or (row.to_state is None and row.from_state is None):
        return []  # not a state change (field edit, reveal, login...)
    entity = (row.entity_type, row.entity_id)
    current = replayed.get(entity)
    if row.trigger == CREATE:
        if current is not None or row.from_state is not None or row.to_state != wf.initial:
            return [f"{row_name(row)}: creation event out of place"]
        replayed[entity] = row.to_state
        return []
    problems = []
    if row.from_state != current:
        problems.append(f"{row_name(row)}: starts from {row.from_state!r} but the replayed state is {current!r}")
    transition = wf.transition(row.trigger, row.from_state or "")
    if transition is None or transition.dest != row.to_state:
        problems.append(f"{row_name(row)}: {row.from_state!r} --{row.trigger}--> {row.to_state!r} is not a transition of {wf.name!r}")
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


def _replay_columns(row, replay: ColumnReplay, columns, problems, opener: Opener) -> None:
    try:
        data = opener.open(row) if row.data else {}
    except ValueError:
        problems.append(f"{row_name(row)}: its data is not JSON")
        return
    if not isinstance(data, dict):
        return
    for row_type, row_id, values, replace in replay.settings(
            row.trigger, row.from_state, row.to_state, data, row.entity_id):
        key = (row_type, row_id)
        if replace:
            columns[key] = [values is not None, dict(values or {})]
        else:
            columns.setdefault(key, [False, {}])[1].update(values or {})


def _compare_columns(session, columns) -> list[str]:
    """One line per audited column whose stored value is not the one its
    events set. Values are not printed: some are personal data."""
    problems = []
    seen = set()
    for entity_type in sorted(COLUMNS):
        replay = COLUMNS[entity_type]
        for row_type, row_id, stored in replay.stored(session):
            seen.add((row_type, row_id))
            known = columns.get((row_type, row_id))
            if known is None:
                continue
            complete, values = known
            for column, value in stored.items():
                if column in values:
                    expected = values[column]
                elif complete:
                    expected = None
                else:
                    continue
                if expected is ERASED:
                    continue  # shredded: the log no longer knows the value
                if value != expected:
                    problems.append(
                        f"{row_type} #{row_id}: column {column} differs from the value its events set"
                    )
    owned = {t for replay in COLUMNS.values() for t in replay.row_types()}
    for key in sorted(k for k in columns.keys() - seen if k[0] in owned):
        if key[0] in COLUMNS:
            continue  # an entity without its row: reported with its state
        problems.append(f"{key[0]} #{key[1]}: its events set columns but the row is gone")
    return problems
