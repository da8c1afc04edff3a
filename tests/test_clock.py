"""The one clock: stored moments are naive UTC, the centre counts days in its
own zone (BABEL_DEFAULT_TIMEZONE), and tests move time with set_now()."""
from datetime import date, datetime, time

from app import clock, create_app


def test_outside_an_app_the_centre_is_in_shanghai():
    assert str(clock.zone()) == "Asia/Shanghai"
    assert clock.local_date(datetime(2026, 3, 1, 15, 59)) == date(2026, 3, 1)
    assert clock.local_date(datetime(2026, 3, 1, 16, 0)) == date(2026, 3, 2)  # midnight in Shanghai


def test_local_days_begin_and_end_at_local_midnight():
    assert clock.day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0)
    assert clock.day_end(date(2026, 3, 2)) == datetime(2026, 3, 2, 16, 0)
    assert clock.at_local(date(2026, 3, 7), time(9, 30)) == datetime(2026, 3, 7, 1, 30)
    assert clock.utc_offset_hours() == 8


def test_to_utc_and_to_local_are_inverse():
    stored = datetime(2026, 12, 31, 17, 5)
    local = clock.to_local(stored)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2027, 1, 1, 1, 5)
    assert clock.to_utc(local) == stored
    assert clock.to_utc(local.replace(tzinfo=None)) == stored  # a naive value is local time (a form's)


def test_set_now_moves_every_helper():
    clock.set_now(datetime(2026, 6, 30, 16, 30))  # 00:30 on 1 July in Shanghai
    try:
        assert clock.now() == datetime(2026, 6, 30, 16, 30)
        assert clock.today() == date(2026, 7, 1)
        assert clock.local_now() == datetime(2026, 7, 1, 0, 30)
    finally:
        clock.set_now(None)


def test_the_zone_comes_from_the_apps_config_once(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'clock.db'}",
                     BABEL_DEFAULT_TIMEZONE="Asia/Tokyo")
    with app.app_context():
        assert str(clock.zone()) == "Asia/Tokyo"
        assert clock.day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 15, 0)
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Paris"
        assert str(clock.zone()) == "Asia/Tokyo"  # read once, not per call


def test_a_date_of_today_is_not_in_the_future_before_eight_in_beijing():
    from types import SimpleNamespace

    import pytest
    from wtforms.validators import ValidationError

    from app.validators import not_in_future

    clock.set_now(datetime(2026, 6, 30, 16, 30))  # 00:30 on 1 July in Shanghai, still 30 June in UTC
    try:
        not_in_future(None, SimpleNamespace(data=date(2026, 7, 1)))
        with pytest.raises(ValidationError):
            not_in_future(None, SimpleNamespace(data=date(2026, 7, 2)))
    finally:
        clock.set_now(None)


def test_the_local_month_and_day_expressions_are_cached_once_per_offset():
    """Their offset is written into the SQL, so it is part of the cache key:
    a statement using them is compiled once per offset, not at every view of
    the statistics (uncached, as they were until 6 December)."""
    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite

    from app.disputes.models import Dispute
    from app.supervision.sql import local_day, local_month

    for expression in (local_month, local_day):
        eight, again, nine = (select(expression(Dispute.created_at, hours)) for hours in (8, 8, 9))
        assert eight._generate_cache_key() is not None
        assert eight._generate_cache_key() == again._generate_cache_key() != nine._generate_cache_key()
        assert "'+8 hours'" in str(eight.compile(dialect=sqlite.dialect()))
        assert "'+9 hours'" in str(nine.compile(dialect=sqlite.dialect()))
