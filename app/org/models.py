"""The organisation tree: street (街道) → community (社区) → grid (网格).

Communities are also grouped into areas (片区). The tree scopes what a user
sees: a mediator their community, a grid worker their grid, a supervisor
their street.
"""
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Street(db.Model):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    communities: Mapped[list["Community"]] = relationship(back_populates="street", order_by="Community.id")


class Area(db.Model):
    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))


class Community(db.Model):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    street: Mapped[Street] = relationship(back_populates="communities")
    area: Mapped[Area | None] = relationship()
    grids: Mapped[list["Grid"]] = relationship(back_populates="community", order_by="Grid.id")


class Grid(db.Model):
    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    households: Mapped[int | None]
    # The code a GeoJSON file names the grid by, and its outline as a GeoJSON
    # geometry in longitude/latitude (WGS 84), imported by `flask org
    # import-geojson` (geo.py); a grid without one is left off the map.
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    shape: Mapped[str | None] = mapped_column(Text)
    community: Mapped[Community] = relationship(back_populates="grids")


class Department(db.Model):
    """A government department the centre refers work to (the "5" of
    "1+5+X": 公安, 行政执法, 应急, 环保, 市场监管, and others an administrator
    adds). It covers one street, or the whole city when `street_id` is None.
    Its liaisons (users with role `liaison`) answer the referrals sent to it.
    `ack_hours` and `answer_days` are its default periods; a kind of referral
    may have its own (DepartmentDeadline)."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    ack_hours: Mapped[int] = mapped_column(default=24)
    answer_days: Mapped[int] = mapped_column(default=7)
    active: Mapped[bool] = mapped_column(default=True)
    street: Mapped[Street | None] = relationship()
    deadlines: Mapped[list["DepartmentDeadline"]] = relationship(order_by="DepartmentDeadline.kind",
                                                                   cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("name", "street_id", name="uq_departments_name_street"),)

    def covers(self, street_id) -> bool:
        return self.street_id is None or self.street_id == street_id


class DepartmentDeadline(db.Model):
    """A department's own periods for one kind of referral."""

    __tablename__ = "department_deadlines"
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    ack_hours: Mapped[int]
    answer_days: Mapped[int]
