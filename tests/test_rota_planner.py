"""The pure planner (app/rota/planner.py): fairness, availability,
determinism and the seats it cannot fill. No database."""
import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from app.rota.days import saturdays
from app.rota.planner import Assignment, Candidate, Seat, plan

YEAR = 2027
HOLIDAYS = {date(2027, 2, 6), date(2027, 5, 1), date(2027, 10, 2), date(2027, 10, 9)}
ROOMS = ((1, 2), (2, 1))  # (room id, seats per Saturday): three seats a Saturday


def year_seats():
    days = [d for d in saturdays(date(YEAR, 1, 1), date(YEAR, 12, 31)) if d not in HOLIDAYS]
    return days, [Seat(d, room, n) for d in days for room, seats in ROOMS for n in range(1, seats + 1)]


def lawyers_with_dates(days, count=22, seed=5):
    """22 lawyers; most mark a few Saturdays, some many, a few none."""
    rng = random.Random(seed)
    marked = [0, 0, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 26]
    return [Candidate(i, frozenset(rng.sample(days, rng.choice(marked)))) for i in range(1, count + 1)]


def check_invariants(result, seats, lawyers):
    by_id = {c.id: c for c in lawyers}
    seen_seats = set()
    per_day = defaultdict(list)
    for a in result.assignments:
        assert (a.day, a.room_id, a.seat) not in seen_seats, "a seat was filled twice"
        seen_seats.add((a.day, a.room_id, a.seat))
        assert a.day not in by_id[a.lawyer_id].unavailable, f"lawyer {a.lawyer_id} sits on an unavailable date"
        per_day[a.day].append(a.lawyer_id)
    for day, ids in per_day.items():
        assert len(ids) == len(set(ids)), f"a lawyer sits twice on {day}"
    assert seen_seats | {(u.day, u.room_id, u.seat) for u in result.unfilled} == {(s.day, s.room_id, s.seat)
                                                                                  for s in seats}


@pytest.mark.parametrize("seed", [5, 11, 2027])
def test_a_year_for_22_lawyers_is_fair_within_each_availability_class(seed):
    days, seats = year_seats()
    lawyers = lawyers_with_dates(days, seed=seed)
    result = plan(seats, lawyers)

    check_invariants(result, seats, lawyers)
    assert result.unfilled == []  # 22 lawyers always cover three seats
    assert len(result.assignments) == len(seats) == 3 * len(days)
    classes = defaultdict(list)
    for c in lawyers:
        assert result.available_days[c.id] == len(days) - len(c.unavailable)
        classes[result.available_days[c.id]].append(result.counts[c.id])
    assert len(classes) > 5  # the generated dates really make several classes
    for available, counts in classes.items():
        assert max(counts) - min(counts) <= 1, f"lawyers free on {available} Saturdays sit {sorted(counts)}"
    # And across everyone, as the dates allow here.
    assert max(result.counts.values()) - min(result.counts.values()) <= 1
    assert sum(result.counts.values()) == len(seats)


def test_the_same_inputs_in_any_order_give_the_same_plan():
    days, seats = year_seats()
    lawyers = lawyers_with_dates(days)
    first = plan(seats, lawyers)
    shuffled_seats, shuffled_lawyers = list(seats), list(lawyers)
    random.Random(1).shuffle(shuffled_seats)
    random.Random(2).shuffle(shuffled_lawyers)
    again = plan(shuffled_seats, shuffled_lawyers)
    assert again.assignments == first.assignments
    assert again.counts == first.counts
    assert plan(seats, lawyers).assignments == first.assignments


def test_back_to_back_saturdays_are_avoided_where_the_roster_allows():
    days, seats = year_seats()
    lawyers = [Candidate(i) for i in range(1, 23)]  # nobody unavailable: no back-to-back is needed
    result = plan(seats, lawyers)
    assert result.back_to_back == 0
    # With unavailable dates too, almost none remain.
    crowded = plan(seats, lawyers_with_dates(days))
    assert crowded.back_to_back <= 3


def test_back_to_back_is_accepted_when_the_roster_leaves_no_choice():
    days = saturdays(date(YEAR, 3, 1), date(YEAR, 3, 31))
    seats = [Seat(d, 1, 1) for d in days]
    result = plan(seats, [Candidate(1), Candidate(2, frozenset(days[1:]))])
    assert [a.lawyer_id for a in result.assignments] == [2, 1, 1, 1, 1][:len(days)]
    assert result.back_to_back == len(days) - 2


def test_more_seats_than_lawyers_says_which_saturdays_cannot_be_filled():
    days = saturdays(date(YEAR, 4, 1), date(YEAR, 4, 30))
    seats = [Seat(d, room, n) for d in days for room, n in ((1, 1), (1, 2), (2, 1))]
    short_day = days[1]
    lawyers = [Candidate(1), Candidate(2), Candidate(3, frozenset({short_day})), Candidate(4, frozenset({short_day}))]
    result = plan(seats, lawyers)

    check_invariants(result, seats, lawyers)
    assert {u.day for u in result.unfilled} == {short_day}
    assert len(result.unfilled) == 1  # three seats, two lawyers free that Saturday
    assert result.unfilled[0].available == 2 and result.unfilled[0].free_seats == 3
    assert result.unfilled[0].reason == "too_few_available"
    assert sorted(a.lawyer_id for a in result.assignments if a.day == short_day) == [1, 2]

    nobody = plan([Seat(days[0], 1, 1)], [Candidate(1, frozenset({days[0]}))])
    assert nobody.assignments == []
    assert nobody.unfilled[0].reason == "nobody_available"


def test_kept_duties_stay_and_count_towards_fairness():
    days = saturdays(date(YEAR, 6, 1), date(YEAR, 8, 31))
    seats = [Seat(d, 1, 1) for d in days]
    kept = [Assignment(days[0], 1, 1, 1), Assignment(days[1], 1, 1, 1), Assignment(days[2], 1, 1, 1)]
    lawyers = [Candidate(i) for i in (1, 2, 3)]
    result = plan(seats, lawyers, held=kept)

    assert result.kept == sorted(kept)
    assert not any(a.day in days[:3] for a in result.assignments)  # kept seats are not planned again
    assert max(result.counts.values()) - min(result.counts.values()) <= 1
    assert sum(result.counts.values()) == len(days)


def test_past_duties_decide_who_gets_the_odd_extra_duty():
    days = saturdays(date(YEAR, 9, 1), date(YEAR, 9, 30))[:4]
    seats = [Seat(d, 1, 1) for d in days]
    # Four Saturdays for three lawyers: one sits twice; not the one who sat most before.
    lawyers = [Candidate(1, past=9), Candidate(2, past=3), Candidate(3, past=6)]
    result = plan(seats, lawyers)
    assert result.counts == {1: 1, 2: 2, 3: 1}


def test_a_lawyer_with_a_duty_just_before_the_range_does_not_open_it():
    days = saturdays(date(YEAR, 11, 1), date(YEAR, 11, 30))
    seats = [Seat(d, 1, 1) for d in days]
    lawyers = [Candidate(1, last_before=days[0] - timedelta(days=7)), Candidate(2), Candidate(3)]
    result = plan(seats, lawyers)
    assert result.assignments[0].lawyer_id != 1
