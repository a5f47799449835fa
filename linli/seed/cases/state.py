"""The state of the simulation: a case while it is simulated (``_Case``), the places, grids, categories
and reports it is drawn from, and the ``Tally`` of the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from types import SimpleNamespace
from typing import Any

from linli.cases.choices import CaseStatus, Priority, Source
from linli.seed.clock import Minute

S = SimpleNamespace(**{status.name: status.value for status in CaseStatus})  # plain str values for the rows
_OPEN = frozenset((S.REPORTED, S.ACCEPTED, S.REGISTERED, S.HANDLING, S.HANDLED, S.VERIFIED))


class _Stop(Exception):
    """The next act would happen after "now": the case stays where it is."""


@dataclass(frozen=True)
class _Place:
    building_id: int | None
    name: str  # for the title: "锦城花园3栋" or "校园路88号"
    address: str
    lat: float | None
    lng: float | None


@dataclass(frozen=True)
class _Grid:
    id: int
    path: str
    community: int
    subdistrict: int
    district: int
    places: tuple[_Place, ...]


@dataclass(frozen=True)
class _Report:
    at: Minute
    key: int
    grid: int  # index into Simulator.grids
    category: _Category
    place: int  # index into the grid's places
    duplicate_of: int | None  # the key of the report this one repeats


@dataclass(frozen=True)
class _Category:
    id: int
    code: str
    major: str
    kind: str
    level: str
    department: int | None
    accept: float
    dispatch: float
    handle: float
    verify: float


def _cum(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    return [value for value, _w in pairs], list(accumulate(w for _v, w in pairs))


@dataclass(slots=True, eq=False)
class _Case:
    """The state of one case while it is simulated: the fields of ``Case`` that change, times in minutes."""

    id: int
    number: str
    key: int
    duplicate_of: int | None
    grid: _Grid
    category: _Category
    place: _Place
    reported_at: Minute
    source: str = Source.PATROL.value
    priority: str = Priority.NORMAL.value
    title: str = ""
    description: str = ""
    reporter: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    status: str = CaseStatus.REPORTED.value
    holder: int = 0
    holder_dept: int | None = None
    dispatcher: int = 0  # region ids; 0 until dispatched
    handler: int = 0
    handler_dept: int | None = None
    deadline: Minute | None = None
    due_at: Minute | None = None
    accepted_at: Minute | None = None
    registered_at: Minute | None = None
    dispatched_at: Minute | None = None
    handled_at: Minute | None = None
    closed_at: Minute | None = None
    closed_on_time: bool | None = None
    handling_hours: float | None = None
    self_handled: bool = False
    escalation_count: int = 0
    supervised: bool = False
    extension_count: int = 0
    rework_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    rating: str = ""
    rating_comment: str = ""
    rated_at: Minute | None = None
    contacted: bool | None = None
    solved: bool | None = None
    merged_into: int | None = None
    version: int = 0
    last: Minute = 0
    summonses: list[list[Any]] = field(default_factory=list)
    extensions: list[list[Any]] = field(default_factory=list)
    whistles: list[tuple[Any, ...]] = field(default_factory=list)
    dispute: list[Any] | None = None  # the Dispute row of a dispute case, once recorded
    parties: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Tally:
    """What the run counts and remembers across cases: statuses and notable paths for the report, the
    reports that were repeated and, for those, the case a later duplicate is merged into."""

    paths: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    # report key -> (case id, number, closed_at or None while open)
    originals: dict[int, tuple[int, str, Minute | None]] = field(default_factory=dict)
    repeated: set[int] = field(default_factory=set)
