"""The council of elders: its roster (Elder with unavailable periods and
declared relations) and the invitations of elders to cases (ElderAssignment,
run by the elder_assignment workflow)."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from workflows import ELDER_ASSIGNMENT

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..org.models import Community, Grid
from .scope import covers_street

# The states in which an invitation counts against the elder's limit.
LOAD_STATES = ("invited", "accepted", "in_session")
# ... and in which the elder is "on the case" (cannot be invited again).
ON_CASE_STATES = ("suggested",) + LOAD_STATES + ("reported",)
# ... and in which the elder's part ended with their help given (not
# "no_show": they accepted and did not come).
TOOK_PART = ("done", "took_part")
# ... and in which the elder accepted and did not come.
NO_SHOW = "no_show"


class Elder(db.Model):
    """A member of the council (五老成员). Roster edits are version checked
    and audited as events of entity type "elder"."""

    __tablename__ = "elders"
    __entity_type__ = "elder"
    __workflow__ = None  # not a workflow entity: every event is a word in the timeline's WORDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # Where the elder lives: the conflict check compares it with the parties'.
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Tells the elder apart from a party of the same name (the conflict check).
    id_number: Mapped[str | None] = mapped_column(String(40))
    # Dispute type codes (app/disputes/codes.py DISPUTE_TYPES) the elder is good at.
    expertise: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[str | None] = mapped_column(String(200))
    max_concurrent: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(Integer)

    community: Mapped[Community] = relationship()
    grid: Mapped[Grid | None] = relationship()
    user: Mapped[User | None] = relationship()
    unavailable: Mapped[list["ElderUnavailability"]] = relationship(
        back_populates="elder", order_by="ElderUnavailability.start_on", cascade="all, delete-orphan"
    )
    relations: Mapped[list["ElderRelation"]] = relationship(
        back_populates="elder", order_by="ElderRelation.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_elders_street_active", "street_id", "active"),)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    @property
    def can_log_in(self) -> bool:
        """Whether the elder answers and reports themselves: a linked login
        that is not deactivated. Otherwise a mediator records their steps."""
        return self.user is not None and self.user.active

    def unavailable_on(self, day: date) -> "ElderUnavailability | None":
        return next((u for u in self.unavailable if u.start_on <= day <= u.end_on), None)

    def editable_by(self, user) -> bool:
        """Coordinators keep the roster of their own street (one of the whole city, every street's)."""
        return user.role in ("admin", "coordinator") and covers_street(user, self.street_id)


class ElderUnavailability(db.Model):
    """A period (whole days, both ends included) the elder cannot take part."""

    __tablename__ = "elder_unavailability"
    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"), index=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    elder: Mapped[Elder] = relationship(back_populates="unavailable")


class ElderRelation(db.Model):
    """Someone the elder has declared a relation to, and so must not mediate for."""

    __tablename__ = "elder_relations"
    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    relation: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    elder: Mapped[Elder] = relationship(back_populates="relations")



def staff_see_invitations(dispute, user) -> bool:
    """Who sees a case's elder invitations on its page and in its history:
    an administrator, and the mediators and supervisors who see the case; not
    the others who may open the case page (a grid worker). An elder reads
    their own invitations on their pages, a coordinator their street's."""
    role = getattr(user, "role", None)
    return role == "admin" or (role in ("mediator", "supervisor") and dispute.visible_to(user))


@register
class ElderAssignment(WorkflowMixin, db.Model):
    """One elder asked to help with one case."""

    __tablename__ = "elder_assignments"
    __workflow__ = ELDER_ASSIGNMENT
    __entity_type__ = "elder_assignment"
    __audited__ = ("dispute_id", "elder_id", "override_reason", "session_at", "session_place", "invited_by_id",
                   "invited_at", "answer", "answered_at", "session_started_at", "report_work_done", "report_advice",
                   "report_outcome", "reported_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"))
    # The suggestion as it stood when the elder was picked: rank in the list,
    # score, the score's parts (ranking.Factor as dicts) and the conflicts found.
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    factors: Mapped[list] = mapped_column(JSON, default=list)
    conflicts: Mapped[list] = mapped_column(JSON, default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    session_at: Mapped[datetime | None] = mapped_column(DateTime)
    session_place: Mapped[str | None] = mapped_column(String(200))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime)
    # How the invitation was answered: accepted, declined or expired (for the
    # coordinator's rates), and when.
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    session_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    report_work_done: Mapped[str | None] = mapped_column(Text)
    report_advice: Mapped[str | None] = mapped_column(Text)
    report_outcome: Mapped[str | None] = mapped_column(String(20))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    dispute: Mapped[Dispute] = relationship()
    elder: Mapped[Elder] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    __table_args__ = (
        # An elder's load and history, the latest first.
        Index("ix_elder_assignments_elder_state", "elder_id", "state"),
        Index("ix_elder_assignments_elder_invited", "elder_id", "invited_at"),
    )

    def visible_to(self, user) -> bool:
        role = getattr(user, "role", None)
        if role == "elder":
            return self.elder.user_id == user.id
        if role == "coordinator":
            return covers_street(user, self.elder.street_id)
        return staff_see_invitations(self.dispute, user)

    @property
    def is_open(self) -> bool:
        return self.state in ON_CASE_STATES
