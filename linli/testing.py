"""A small, fully known city for tests and browser journeys: the standard cast of users.

District 锦江区 (510104) is "ours"; 青羊区 (510105) is where the outsider works. Every grid is a
rectangle; the grids of a community tile it exactly. Built through the same actions users call
where they exist, so fixtures exercise the real write path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from linli.accounts.models import Assignment, Department, User
from linli.accounts.roles import Role
from linli.core.idnumbers import check_character
from linli.people.actions import register_family, register_person, tag_person
from linli.people.models import Person, Tag
from linli.places.actions import create_region
from linli.places.models import Building, House, Region, Unit

TEST_PASSWORD = "Linli-test-pass-2026"
TREE_DATE = date(2020, 1, 1)  # the test city's regions exist, with history, from this day

Box = tuple[float, float, float, float]  # west, south, east, north


def box_polygon(box: Box) -> dict[str, Any]:
    w, s, e, n = box
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def split_box(box: Box, parts: int) -> list[Box]:
    """Cut a box into ``parts`` vertical strips that tile it exactly."""
    w, s, e, n = box
    step = (e - w) / parts
    edges = [w + i * step for i in range(parts)] + [e]
    return [(edges[i], s, edges[i + 1], n) for i in range(parts)]


@dataclass
class TestCity:
    __test__ = False  # not a pytest test class despite the name
    regions: dict[str, Region] = field(default_factory=dict)  # by code
    users: dict[str, User] = field(default_factory=dict)  # by role name (plus "outsider")
    houses: list[House] = field(default_factory=list)

    def region(self, code: str) -> Region:
        return Region.objects.get(pk=self.regions[code].pk)


def _add(parent: Region | None, kind: str, code: str, name: str, box: Box) -> Region:
    # actor=None is the system (no user exists yet); the same checks, history and audit users get.
    return create_region(None, parent=parent, kind=kind, code=code, name=name, boundary=box_polygon(box), on=TREE_DATE)


def _populate_grid(grid: Region, box: Box, city: TestCity) -> None:
    w, s, e, n = box
    for b in range(2):
        lng, lat = w + (e - w) * (0.3 + 0.4 * b), (s + n) / 2
        building = Building.objects.create(
            region=grid,
            region_path=grid.path,
            number=f"{b + 1}",
            address=f"{grid.name}{b + 1}栋",
            floors=6,
            lat=lat,
            lng=lng,
        )
        for u in range(2):
            unit = Unit.objects.create(building=building, region=grid, region_path=grid.path, number=str(u + 1))
            for h in range(4):
                number = f"{h // 2 + 1}0{h % 2 + 1}"
                city.houses.append(
                    House.objects.create(
                        building=building,
                        unit=unit,
                        region=grid,
                        region_path=grid.path,
                        number=number,
                        floor=h // 2 + 1,
                        address=f"{building.address}{u + 1}单元{number}",
                        lat=lat,
                        lng=lng,
                    )
                )


def build_test_city() -> TestCity:
    city = TestCity()
    root = _add(None, "city", "510100", "成都市", (103.9, 30.5, 104.2, 30.8))
    city.regions[root.code] = root
    layout = {
        ("510104", "锦江区", (104.0, 30.6, 104.1, 30.7)): {
            ("510104001", "春熙路街道"): {("510104001001", "红星路社区"): 2, ("510104001002", "东大街社区"): 2},
            ("510104002", "书院街街道"): {("510104002001", "和平街社区"): 2},
        },
        ("510105", "青羊区", (103.9, 30.6, 104.0, 30.7)): {
            ("510105001", "少城街道"): {("510105001001", "宽窄巷子社区"): 1},
        },
    }
    for (dcode, dname, dbox), subdistricts in layout.items():
        district = _add(root, "district", dcode, dname, dbox)
        city.regions[dcode] = district
        for (scode, sname), sbox in zip(subdistricts, split_box(dbox, len(subdistricts)), strict=True):
            sub = _add(district, "subdistrict", scode, sname, sbox)
            city.regions[scode] = sub
            communities = subdistricts[(scode, sname)]
            for (ccode, cname), cbox in zip(communities, split_box(sbox, len(communities)), strict=True):
                community = _add(sub, "community", ccode, cname, cbox)
                city.regions[ccode] = community
                grids = communities[(ccode, cname)]
                for g, gbox in enumerate(split_box(cbox, grids), start=1):
                    grid = _add(community, "grid", f"{ccode}{g:03d}", f"{cname}第{g}网格", gbox)
                    city.regions[grid.code] = grid
                    _populate_grid(grid, gbox, city)

    chengguan, _created = Department.objects.get_or_create(
        code="cg", defaults={"name": "城市管理局", "short_name": "城管"}
    )
    cast = [
        ("resident", Role.RESIDENT, "510104001001001", None),
        ("grid_worker", Role.GRID_WORKER, "510104001001001", None),
        ("community_worker", Role.COMMUNITY_WORKER, "510104001001", None),
        ("subdistrict_staff", Role.SUBDISTRICT_STAFF, "510104001", None),
        ("district_leader", Role.DISTRICT_LEADER, "510104", None),
        ("department_staff", Role.DEPARTMENT_STAFF, "510104", chengguan),
        ("auditor", Role.AUDITOR, "510104", None),
        ("administrator", Role.ADMINISTRATOR, "510100", None),
        ("outsider", Role.DISTRICT_LEADER, "510105", None),
    ]
    for username, role, code, department in cast:
        user = User.objects.create_user(username=username, password=TEST_PASSWORD, display_name=username)
        region = city.regions[code]
        Assignment.objects.create(user=user, role=role, region=region, region_path=region.path, department=department)
        city.users[username] = user
    return city


# --- people (issue 3): a few persons and households registered through the people actions ---------


def resident_id(birth: date, seq: int, area: str = "510104") -> str:
    """A valid 18-character resident ID for tests: ``seq`` odd for a man, even for a woman."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


@dataclass
class TestPeople:
    __test__ = False
    persons: dict[str, Any] = field(default_factory=dict)  # by name
    households: dict[str, Any] = field(default_factory=dict)  # by household number
    id_numbers: dict[str, str] = field(default_factory=dict, repr=False)  # name -> clear ID (tests only)


def grid_houses(code: str) -> list[House]:
    """The houses of one test grid, in creation order."""
    return list(House.objects.filter(region__code=code).order_by("pk"))


def add_people(city: TestCity) -> TestPeople:
    """Register a few persons and households in the test city through the people actions.

    - 510104001001001 (the grid worker's grid): household H001 — 张伟 (head), 李娜 (spouse), 张子涵
      (son) in the grid's first house; 王芳, an elderly woman living alone (tag 独居老人), in the
      second house, household H002.
    - 510104001001002 (same community, the other grid): 刘洋 (floating, no household).
    - 510105001001001 (青羊区, the outsider's): 陈静, household H101.
    """
    people = TestPeople()
    grid_worker = city.users["grid_worker"]
    community_worker = city.users["community_worker"]
    ours = grid_houses("510104001001001")
    neighbour = grid_houses("510104001001002")
    theirs = grid_houses("510105001001001")
    Member = tuple[str, date, int, str, dict[str, str]]
    families: list[tuple[User | None, House, str, str, list[Member]]] = [
        (
            grid_worker,
            ours[0],
            "registered",
            "H001",
            [
                ("张伟", date(1980, 5, 12), 11, "02", {"phone": "13800138000"}),
                ("李娜", date(1982, 8, 3), 22, "10", {"phone": "13900139000"}),
                ("张子涵", date(2015, 3, 9), 31, "20", {}),
            ],
        ),
        (grid_worker, ours[1], "registered", "H002", [("王芳", date(1944, 1, 20), 42, "02", {})]),
        (None, theirs[0], "registered", "H101", [("陈静", date(1990, 11, 30), 62, "02", {})]),
    ]
    for actor, house, kind, number, members in families:
        rows = []
        for name, birth, seq, relation, extra in members:
            area = "510105" if house.region_path.startswith(city.regions["510105"].path) else "510104"
            people.id_numbers[name] = resident_id(birth, seq, area)
            rows.append({"name": name, "id_number": people.id_numbers[name], "relation": relation, **extra})
        household = register_family(
            actor, house=house, kind=kind, household_number=number, members=rows, started_on=date(2021, 6, 1)
        )
        people.households[number] = household
    people.id_numbers["刘洋"] = resident_id(date(1995, 2, 14), 71, "420102")
    liu = register_person(
        community_worker,
        house=neighbour[0],
        id_number=people.id_numbers["刘洋"],
        name="刘洋",
        residence_kind="floating",
        started_on=date(2024, 3, 1),
    )
    for person in Person.objects.order_by("pk"):
        people.persons[person.name] = person
    people.persons["刘洋"] = liu
    tag_person(grid_worker, people.persons["王芳"], Tag.objects.get(code="elderly_alone"), source="网格员走访")
    return people
