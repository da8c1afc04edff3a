import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import DISPUTE

from ..auth.models import User
from ..engine import UrgedMixin, WorkflowMixin, register
from ..engine.columns import Children
from ..extensions import db
from ..org.models import Community, Grid
from .scope_rule import can_see


# The applicant of a resident's report who left no name: stored data, the
# same whatever language the resident used.
ANONYMOUS_REPORTER = "群众（随手拍）"

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# The open states in which a case has no lead mediator and any mediator of its
# community takes its next step (DISPUTE: accept or reject, assign, close).
UNLED_STATES = ("submitted", "accepted", "resolved_on_spot")


def new_tracking_code() -> str:
    """The code a resident uses to follow their case; unguessable, no personal data."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


@register
class Dispute(WorkflowMixin, UrgedMixin, db.Model):
    __tablename__ = "disputes"
    __workflow__ = DISPUTE
    __entity_type__ = "dispute"
    # Rebuilt from the log and checked by `flask audit verify` (see the README,
    # "What verify checks"); the parties too, set below once Party is defined.
    __audited__ = (
        "channel", "dispute_type", "street_id", "community_id", "grid_id", "place", "arose_on", "facts", "amount",
        "people_count", "risk", "file_no", "assignee_id", "route", "outcome", "agreement_form", "agreement_terms",
        "agreement_facts", "agreement_matters", "agreement_responsibilities", "perform_how", "perform_where",
        "perform_by", "agreed_at", "agreed_amount", "signed_on", "signed_by", "summary", "closed_at", "due_at",
        "extension_count", "extension_days", "refused_at",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    file_year: Mapped[int | None]
    file_seq: Mapped[int | None]
    file_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    dispute_type: Mapped[str] = mapped_column(String(20))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    arose_on: Mapped[date | None] = mapped_column(Date)
    facts: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    people_count: Mapped[int | None] = mapped_column(Integer)
    risk: Mapped[str] = mapped_column(String(10), default="low")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Guards against a double-submitted intake form creating two cases.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    route: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    agreement_form: Mapped[str | None] = mapped_column(String(10))
    agreement_terms: Mapped[str | None] = mapped_column(Text)
    # The written agreement's legal contents (People's Mediation Law art. 29).
    agreement_facts: Mapped[str | None] = mapped_column(Text)
    agreement_matters: Mapped[str | None] = mapped_column(Text)
    agreement_responsibilities: Mapped[str | None] = mapped_column(Text)
    perform_how: Mapped[str | None] = mapped_column(Text)
    perform_where: Mapped[str | None] = mapped_column(String(200))
    perform_by: Mapped[date | None] = mapped_column(Date)
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The amount the parties agreed on, apart from the amount claimed at
    # intake (`amount`).
    agreed_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # A written agreement takes effect on the day every party and the
    # mediator signed it; who signed, as their names stood that day.
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Extensions of the mediation period agreed so far, and their days in
    # all: the settings DISPUTE_MAX_EXTENSIONS / DISPUTE_MAX_EXTENSION_DAYS cap them.
    extension_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extension_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When a party's clear refusal ended the mediation (Mediation Law art. 26):
    # an outcome of its own, counted apart from failed mediation.
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The screening sweep (排查) that found the dispute, if one did.
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"), index=True)

    # Every relationship the engine never writes through is viewonly: the unit
    # of work runs dependency actions for each writable relationship of a row
    # it flushes, changed or not, and a case is flushed on every step
    # (bench/engine.py). Rows name their case and places by id
    # (dispute_id=…, community_id=…); parties and co-mediators stay writable.
    community: Mapped[Community] = relationship(viewonly=True)
    grid: Mapped[Grid | None] = relationship(viewonly=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], viewonly=True)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], viewonly=True)
    parties: Mapped[list["Party"]] = relationship(
        back_populates="dispute", order_by="Party.id", cascade="all, delete-orphan"
    )
    co_mediators: Mapped[list[User]] = relationship(secondary="dispute_mediators", order_by="User.id")
    sessions: Mapped[list["MediationSession"]] = relationship(
        back_populates="dispute", order_by="MediationSession.held_at", viewonly=True
    )
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="dispute", order_by="Attachment.id", viewonly=True)
    recusals: Mapped[list["Recusal"]] = relationship(order_by="Recusal.id", viewonly=True)

    __table_args__ = (
        Index("ix_disputes_community_state", "community_id", "state"),
        Index("ix_disputes_grid_state", "grid_id", "state"),
        Index("ix_disputes_street_state", "street_id", "state"),
        Index("ix_disputes_assignee_state", "assignee_id", "state"),
        # The case lists: newest first within the user's scope (id breaks ties).
        Index("ix_disputes_community_created", "community_id", "created_at", "id"),
        # On PostgreSQL it also carries what the grid map counts of each grid (open, overdue, registered and
        # resolved on the spot in a period), which it then reads from the index alone (migration 0025).
        Index("ix_disputes_grid_created", "grid_id", "created_at", "id",
              postgresql_include=["state", "due_at", "file_seq", "agreed_at"]),
        Index("ix_disputes_street_created", "street_id", "created_at", "id"),
        Index("ix_disputes_created", "created_at", "id"),
        # The colour filter: due_at ranges within the scope, warn_at read from the index.
        Index("ix_disputes_community_due", "community_id", "due_at", "warn_at"),
        Index("ix_disputes_grid_due", "grid_id", "due_at", "warn_at"),
        Index("ix_disputes_street_due", "street_id", "due_at", "warn_at"),
        # Search by file number: "15", "2026-15" or "(2026)莱人调字第15号".
        Index("ix_disputes_file_seq", "file_seq", "file_year"),
        # The type and channel filters, newest first (migration 0022): without
        # them the capped count read a street's every row (250 ms at a million
        # cases) and the city's by a sequential scan.
        Index("ix_disputes_street_type_created", "street_id", "dispute_type", "created_at", "id"),
        Index("ix_disputes_street_channel_created", "street_id", "channel", "created_at", "id"),
        Index("ix_disputes_type_created", "dispute_type", "created_at", "id"),
    )

    def visible_to(self, user) -> bool:
        return can_see(user, self)

    def works_on(self, user) -> bool:
        """The lead or a co-mediator of the case."""
        return user.id == self.assignee_id or any(m.id == user.id for m in self.co_mediators)

    def recused_ids(self) -> set[int]:
        """The mediators who stepped aside from this case, for good."""
        return {r.mediator_id for r in self.recusals}

    def may_reveal_to(self, user) -> bool:
        """Personal data in full only for those who work the case (PIPL): its
        mediators, the grid worker or mediator who registered it, and, while
        no lead mediator is named and the next step is any of them to take
        (accept or reject a report, assign it, close it after an on-the-spot
        resolution), every mediator of the case's community: they call the
        party back before taking the case up."""
        if user.role not in ("mediator", "gridworker"):
            return False
        if self.works_on(user) or user.id == self.created_by_id:
            return True
        return (user.role == "mediator" and self.assignee_id is None and self.state in UNLED_STATES
                and can_see(user, self))

    @property
    def title(self) -> str:
        return self.title_of(self.file_no, self.id)

    @staticmethod
    def title_of(file_no: str | None, case_id: int) -> str:
        """A case's title from its columns (for lists read as rows, not objects)."""
        return file_no or f"#{case_id}"


class Party(db.Model):
    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12), default="person")
    name: Mapped[str] = mapped_column(String(80))
    sex: Mapped[str | None] = mapped_column(String(8))
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    age: Mapped[int | None]
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(40))
    occupation: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    # An agent's principal: another party of the same case.
    acts_for_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    dispute: Mapped[Dispute] = relationship(back_populates="parties")
    acts_for: Mapped["Party | None"] = relationship(remote_side=[id], foreign_keys=[acts_for_id])

    # Search by the start of a name; on PostgreSQL text_pattern_ops lets
    # LIKE 'prefix%' use the index whatever the database's collation. The
    # case's id too, so that a search matching many parties (a surname: 50,000
    # of 2 million) reads the index alone (migration 0022).
    __table_args__ = (Index("ix_parties_name", "name", "dispute_id", postgresql_ops={"name": "text_pattern_ops"}),)


Dispute.__audited_children__ = (
    Children("party", Party, "parties",
             ("role", "kind", "name", "sex", "ethnicity", "age", "id_type", "id_number", "occupation", "address",
              "phone", "acts_for_id"),
             adds=("add_party",), edits=("edit_party",), id_key="party_id"),
)


dispute_mediators = Table(
    "dispute_mediators",
    db.metadata,
    Column("dispute_id", ForeignKey("disputes.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),  # "my cases"
)


class MediationSession(db.Model):
    """One mediation session's working record (调解记录)."""

    __tablename__ = "mediation_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    dispute: Mapped[Dispute] = relationship(back_populates="sessions")
    recorded_by: Mapped[User] = relationship()


class Attachment(db.Model):
    """A photo or document of a case, stored outside the static folder."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    dispute: Mapped[Dispute] = relationship(back_populates="attachments")


class Recusal(db.Model):
    """A mediator stepped aside (回避) from a case, at their own or a party's
    request: never again its lead or co-mediator. Written by the `recuse`
    step's effect, whose audit event keeps the same (and the reason). One
    row per mediator and case: a second recusal of the same mediator is
    refused by the rule and, should two requests race, by the key."""

    __tablename__ = "dispute_recusals"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The party who asked for it; None when the mediator asked to step aside.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    # Why is the recusal step's reason, in the case's history.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recused_at: Mapped[datetime] = mapped_column(DateTime)
    mediator: Mapped[User] = relationship(foreign_keys=[mediator_id])
    party: Mapped[Party | None] = relationship()

    __table_args__ = (UniqueConstraint("dispute_id", "mediator_id", name="uq_dispute_recusals_dispute_mediator"),)


class FileCounter(db.Model):
    """Last case-file number used per year; bumped inside the accepting
    transaction so numbers have no gaps and no duplicates."""

    __tablename__ = "file_counters"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
