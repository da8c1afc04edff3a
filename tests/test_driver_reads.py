"""Rows read past the ORM (app/driver.py's `get` and `loaded`): the objects
must be what `session.get` gives, in fewer of SQLAlchemy's steps."""
from contextlib import contextmanager

from sqlalchemy import String, event, inspect, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app import driver
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f


@contextmanager
def statements():
    """The statements sent meanwhile (not SQLite's BEGIN, which PostgreSQL's driver sends itself)."""
    sent = []

    def listen(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def a_case():
    street, (community, _), (grid, *_) = f.org()
    mediator = f.user("mediator", community=community)
    d = f.walk(f.dispute(mediator, grid), mediator, "accept")
    case_id = d.id
    db.session.commit()
    db.session.remove()  # later reads begin with an empty session, as a request does
    return case_id


def column_values(obj) -> dict:
    return {prop.key: getattr(obj, prop.key) for prop in inspect(type(obj)).column_attrs}


def test_a_row_is_read_in_one_statement_as_the_object_session_get_gives(app, ctx):
    case_id = a_case()
    with statements() as sent:
        case = driver.get(db.session(), Dispute, case_id)
        state = inspect(case)
        assert state.persistent and state.session is db.session() and not state.expired_attributes
        values = column_values(case)  # all loaded: reading them sends nothing
        assert len(sent) == 1 and sent[0].startswith("SELECT")
    assert db.session.get(Dispute, case_id) is case  # the session's own object from now on
    db.session.remove()
    assert column_values(db.session.get(Dispute, case_id)) == values
    db.session.remove()
    case = driver.get(db.session(), Dispute, case_id)
    assert [p.name for p in case.parties] == ["当事人1", "当事人2"]  # relationships are read when first used
    assert case.community.name


def test_a_row_the_session_holds_is_its_own_object_and_an_expired_one_is_read_again(app, ctx):
    case_id = a_case()
    held = db.session.get(Dispute, case_id)
    with statements() as sent:
        assert driver.get(db.session(), Dispute, case_id) is held
        assert sent == []
    db.session.execute(update(Dispute).where(Dispute.id == case_id).values(place="新的地点"))
    db.session.commit()  # expires what the session holds
    assert driver.get(db.session(), Dispute, case_id) is held
    assert held.place == "新的地点"


def test_a_row_that_is_not_there_is_none(app, ctx):
    case_id = a_case()
    assert driver.get(db.session(), Dispute, case_id + 1000) is None


def test_loaded_makes_values_an_object_of_the_session_without_writing_them(app, ctx):
    case_id = a_case()
    values = column_values(db.session.get(Dispute, case_id))
    db.session.remove()
    case = driver.loaded(db.session(), inspect(Dispute), dict(values))
    assert inspect(case).persistent and not db.session.dirty and not db.session.new
    assert column_values(case) == values
    assert driver.loaded(db.session(), inspect(Dispute), dict(values, place="别处")) is case  # the session's own
    assert case.place == values["place"]


class _Other(DeclarativeBase):
    pass


class _Pair(_Other):
    """A model of a shape `loaded` does not make: a primary key of two columns."""
    __tablename__ = "driver_reads_pairs"
    left: Mapped[int] = mapped_column(primary_key=True)
    right: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


def test_a_model_loaded_does_not_make_is_left_to_session_get(app, ctx):
    _Pair.__table__.create(db.session.connection())
    db.session.add(_Pair(left=1, right=2, label="一对"))
    db.session.flush()
    db.session.expunge_all()
    pair = driver.get(db.session(), _Pair, (1, 2))
    assert pair.label == "一对" and inspect(pair).persistent
    assert driver.get(db.session(), _Pair, (2, 1)) is None
    db.session.rollback()


def test_row_values_reads_a_row_by_a_key_of_several_columns_in_one_statement(app, ctx):
    """The engine re-reads an expired row by its identity key, whatever its
    primary key's columns (app/engine/core.py), with this statement."""
    _Pair.__table__.create(db.session.connection())
    db.session.add(_Pair(left=1, right=2, label="一对"))
    db.session.flush()
    mapper = inspect(_Pair)
    with statements() as sent:
        found = driver.row_values(db.session.connection(), mapper, (1, 2))
        missing = driver.row_values(db.session.connection(), mapper, (2, 1))
    assert found == {"left": 1, "right": 2, "label": "一对"} and missing is None
    assert len(sent) == 2
    db.session.rollback()
