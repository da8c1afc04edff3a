"""The public rota board for residents: who sits on which Saturday, by name
and firm only (no phones, no planned or cancelled duties), and its feed."""
from flask import render_template, request

from .. import clock
from ..auth.access import public
from .days import month_bounds, parse_month
from .grid import grid
from .models import SAT_STATES
from .views import _month_links


@public
def board():
    today = clock.today()
    year, number = parse_month(request.args.get("m"), today)
    first, last = month_bounds(year, number)
    rows = grid(first, last, SAT_STATES)
    return render_template("rota/board.html", rows=rows, first=first, today=today, **_month_links(first))
