"""How the demo cases are spread (``linli.seed.cases``): category mix, seasons, sources, hours, paths.

Shares are of all reports unless said otherwise; the figures a seeded demo actually shows are in
docs/performance.md ("Cases").
"""

from __future__ import annotations

import datetime

import chinese_calendar

from linli.cases.choices import Rating, WhistleKind
from linli.core.worktime import is_workday

# Share of all reports, per leaf category code (others an administrator added: 0.5 each).
CATEGORY_WEIGHTS: dict[str, float] = {
    # 八乱 ≈ 40
    "L0101": 7, "L0102": 3, "L0103": 7, "L0104": 7, "L0105": 8, "L0106": 2, "L0107": 4, "L0108": 2,
    # 市容 ≈ 20
    "E0101": 6, "E0102": 2.5, "E0103": 3, "E0201": 4, "E0202": 0.5, "C0301": 2.5, "C0302": 1.5,
    # 纠纷 ≈ 8, 隐患 ≈ 10, 帮扶 ≈ 5, 咨询 ≈ 5
    "L0201": 4, "L0202": 1.2, "L0203": 2, "L0204": 0.6, "L0205": 0.2,
    "L0301": 4.5, "L0302": 2.5, "L0303": 2, "L0304": 1,
    "L0401": 2.5, "L0402": 1.5, "L0403": 1,
    "L0501": 3, "L0502": 2,
    # components and other events ≈ 12
    "C0101": 1.5, "C0102": 2, "C0103": 1, "C0104": 0.5, "C0201": 1.5, "C0202": 0.5, "C0203": 1,
    "C0401": 0.6, "C0402": 0.6, "C0501": 0.4, "E0301": 1.2, "E0302": 0.5, "E0401": 0.1, "E0402": 0.1,
    "E0501": 0.5, "E0502": 1,
}  # fmt: skip
# Volume by month (1-12): a summer peak, the Spring Festival month low.
MONTH_VOLUME = (0.85, 0.75, 0.95, 1.0, 1.05, 1.15, 1.2, 1.2, 1.05, 0.95, 0.95, 0.9)
# Category seasons: multiplier by month for the categories that have one.
SEASONS: dict[str, tuple[float, ...]] = {
    "L0101": (0.7, 0.6, 0.8, 0.9, 1.3, 1.8, 1.9, 1.9, 1.3, 0.9, 0.8, 0.7),  # 油烟: summer evenings outdoors
    "E0102": (0.2, 0.2, 0.4, 0.7, 1.6, 3.0, 4.0, 3.5, 1.6, 0.6, 0.3, 0.2),  # 积水: the rainy season
    "C0401": (0.6, 0.6, 0.8, 1.0, 1.2, 1.6, 2.0, 1.8, 1.0, 0.8, 0.6, 0.6),  # 树木倒伏: summer storms
    "E0301": (0.8, 0.5, 1.0, 1.1, 1.2, 1.3, 1.3, 1.2, 1.1, 1.0, 1.0, 0.9),
    "L0401": (1.4, 1.5, 1.1, 0.9, 0.9, 1.0, 1.1, 1.1, 0.9, 0.9, 1.1, 1.3),  # 独居老人: cold and heat
}
# Sources by category kind, as (value, weight).
SOURCES: dict[str, list[tuple[str, float]]] = {
    "event": [
        ("patrol", 70), ("portal", 10), ("hotline", 12), ("video", 4), ("inspection", 2), ("hall", 1), ("visit", 1)
    ],
    "component": [("patrol", 72), ("portal", 8), ("hotline", 12), ("video", 4), ("inspection", 4)],
    "dispute": [("patrol", 25), ("visit", 20), ("hall", 20), ("hotline", 25), ("portal", 10)],
    "hazard": [("patrol", 75), ("visit", 10), ("hotline", 10), ("portal", 8), ("inspection", 2)],
    "help": [("visit", 35), ("hotline", 30), ("hall", 20), ("portal", 10), ("patrol", 5)],
    "consult": [("hall", 40), ("hotline", 40), ("portal", 20)],
}  # fmt: skip
# What a grid worker can solve on the spot (自行处置), and how often they do when they found it.
SELF_HANDLEABLE = frozenset(
    (
        "L0102",
        "L0103",
        "L0104",
        "L0105",
        "L0107",
        "L0108",
        "E0101",
        "E0103",
        "E0201",
        "E0502",
        "C0301",
        "L0301",
        "L0302",
    )
)
SELF_HANDLE_P = 0.93
# Reports by hour of day (0-23): grid workers patrol in office hours; residents call any time.
PATROL_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 10, 8, 3, 4, 9, 10, 9, 6, 2, 1, 1, 0, 0, 0)
RESIDENT_HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 5, 5, 6, 6, 6, 5, 5, 7, 7, 5, 3, 2)

# Path probabilities (of the cases that are not self-handled, unless said otherwise).
P_REJECT = 0.045
P_DUPLICATE = 0.02  # a second report of the same problem at the same place, merged when the first is open
P_ESCALATE_REGISTERED = 0.06  # community passes a registered case to the subdistrict
P_WHISTLE_AFTER_ESCALATION = 0.45  # of those: the subdistrict whistles departments
P_COMMUNITY_CALL = 0.004  # 社区呼叫: the community whistles on its own case
P_ESCALATE_HANDLING = 0.07  # the grid or community handler passes the case up while handling
P_RETURN = 0.02  # of department dispatches: wrong department, returned
P_EXTENSION = 0.045
P_EXTENSION_APPROVED = 0.85
P_REWORK = 0.045
P_LATE = 0.008  # handled after due_at (closed late)
P_STUCK = 0.01  # handling drags for months: open and overdue at "now" when recent
P_SUPERVISE = 0.015
P_PROGRESS = 0.15
P_RATED = 0.60
RATINGS = ((Rating.SATISFIED.value, 0.85), (Rating.BASIC.value, 0.10), (Rating.UNSATISFIED.value, 0.05))
P_REOPEN_UNSATISFIED = 0.15
P_LATE_CHECK_IN = 0.15
WHISTLE_KINDS = ((WhistleKind.ROUTINE.value, 0.65), (WhistleKind.HARD.value, 0.25), (WhistleKind.EMERGENCY.value, 0.10))


def day_weight(day: datetime.date) -> float:
    """How many reports a day gets, relative: month, working day or not, the Spring Festival dip."""
    weight = MONTH_VOLUME[day.month - 1] * (1.0 if is_workday(day) else 0.6)
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return weight
    if on_holiday and name == chinese_calendar.Holiday.spring_festival.value:
        weight *= 0.45
    elif on_holiday and name is not None:
        weight *= 0.8
    return weight
