"""The organisation tree: street (街道) → community (社区) → grid (网格).

Communities are also grouped into areas (片区). The tree scopes what a user
sees: a mediator their community, a grid worker their grid, a supervisor
their street.
"""
from sqlalchemy import ForeignKey, String, Text
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
