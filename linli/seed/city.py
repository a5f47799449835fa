"""The synthetic city: region plan, then buildings, units and houses streamed into bulk inserts.

See ``linli.seed`` for why this bypasses the per-row actions.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from tqdm import tqdm

from linli.core import audit
from linli.places.choices import BuildingKind, HouseUse, RegionKind
from linli.places.models import Building, Estate, House, Region, RegionVersion, Unit
from linli.seed import geometry, names
from linli.seed.geometry import Point, Quad
from linli.seed.users import DemoLogin, create_demo_users, create_departments

VALID_FROM = datetime.date(2020, 1, 1)
CITY_BOX = (103.80, 30.45, 104.25, 30.85)  # west, south, east, north: around Chengdu's centre
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4

# One unassigned and one misplaced building in every twelfth community (see Irregularity).
IRREGULAR_EVERY = 12


@dataclass(frozen=True)
class Scale:
    name: str
    districts: int
    streets: int  # 街道 per district
    towns: int  # 镇 per district
    communities: int  # per district
    grids_per_community: tuple[int, int]
    buildings_per_grid: tuple[int, int]


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 1, 1, 4, (3, 3), (3, 4)),
    "demo": Scale("demo", 1, 6, 2, 60, (8, 12), (42, 58)),
    "city": Scale("city", 20, 6, 2, 60, (8, 12), (42, 58)),
}


class SeedError(Exception):
    """The seed cannot run (e.g. the database already holds regions)."""


@dataclass(eq=False)
class RegionSpec:
    """One region of the plan, before it is a row."""

    id: int
    kind: str
    code: str
    name: str
    path: str
    quad: Quad
    parent: RegionSpec | None = None
    children: list[RegionSpec] = field(default_factory=list)
    is_village: bool = False
    roads: list[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path) // STEPLEN

    def ancestor(self, kind: str) -> RegionSpec:
        node: RegionSpec | None = self
        while node is not None and node.kind != kind:
            node = node.parent
        if node is None:
            raise LookupError(kind)
        return node

    def to_row(self) -> Region:
        lng, lat = self.quad.centroid()
        return Region(
            id=self.id,
            path=self.path,
            depth=self.depth,
            numchild=len(self.children),
            kind=self.kind,
            code=self.code,
            name=self.name,
            boundary=self.quad.geojson(),
            centroid_lat=lat,
            centroid_lng=lng,
            created_on=VALID_FROM,
        )


@dataclass
class SeedReport:
    scale: str
    seed: int
    counts: dict[str, int]
    unassigned_buildings: list[str]  # addresses of buildings left on their community (no grid)
    misplaced_buildings: list[str]  # addresses of buildings whose point lies in a sibling grid
    logins: list[DemoLogin]
    elapsed_s: float

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def path_step(index: int) -> str:
    """Treebeard's path segment for the ``index``-th child (1-based): base 36, 4 characters."""
    digits = ""
    while index:
        index, rem = divmod(index, len(PATH_ALPHABET))
        digits = PATH_ALPHABET[rem] + digits
    return digits.rjust(STEPLEN, "0")


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def plan_regions(scale: Scale, seed: int, first_id: int, root_path: str) -> RegionSpec:
    """The whole region tree: codes, names, paths, polygons. Deterministic from ``seed``."""
    rng = random.Random(f"{seed}:regions")
    next_id = iter(range(first_id, 10**12))
    city_code, city_name = names.CITY
    root = RegionSpec(next(next_id), RegionKind.CITY, city_code, city_name, root_path, geometry.box(*CITY_BOX))
    district_cells = geometry.subdivide(root.quad, len(names.DISTRICTS), rng)
    subdistrict_pool = names.NamePool(rng)

    def add(parent: RegionSpec, kind: str, code: str, name: str, quad: Quad) -> RegionSpec:
        child = RegionSpec(
            next(next_id), kind, code, name, parent.path + path_step(len(parent.children) + 1), quad, parent
        )
        parent.children.append(child)
        return child

    # 郫都区 lies towards the north-west; for `demo` and `tiny` it is the one district built.
    for (dcode, dname), dquad in zip(names.DISTRICTS[: scale.districts], _district_order(district_cells), strict=False):
        district = add(root, RegionKind.DISTRICT, dcode, dname, dquad)
        local_pool = names.NamePool(rng)  # communities and roads are unique within a district
        street_names, town_names = names.subdistrict_names(dcode, scale.streets, scale.towns, subdistrict_pool)
        subdistricts = [(f"{dcode}{i:03d}", n, False) for i, n in enumerate(street_names, start=1)]
        subdistricts += [(f"{dcode}{100 + i:03d}", n, True) for i, n in enumerate(town_names, start=1)]
        community_counts = geometry.split_counts(scale.communities, len(subdistricts), rng)
        sub_cells = geometry.subdivide(dquad, len(subdistricts), rng)
        for (scode, sname, is_town), squad, ncomm in zip(subdistricts, sub_cells, community_counts, strict=True):
            sub = add(district, RegionKind.SUBDISTRICT, scode, sname, squad)
            sub.roads = [local_pool.take(rng.choice(names.ROAD_SUFFIXES)) for _ in range(max(3, ncomm * 2))]
            # A town has a residents' committee at its seat (001…) and villages (201…) around it.
            residents = max(1, ncomm // 3) if is_town else ncomm
            for c, cquad in enumerate(geometry.subdivide(squad, ncomm, rng)):
                village = c >= residents
                number = 201 + c - residents if village else c + 1
                cname = local_pool.take("村" if village else "社区")
                community = add(sub, RegionKind.COMMUNITY, f"{scode}{number:03d}", cname, cquad)
                community.is_village = village
                community.roads = rng.sample(sub.roads, 3)
                ngrids = rng.randint(*scale.grids_per_community)
                for g, gquad in enumerate(geometry.subdivide(cquad, ngrids, rng), start=1):
                    add(community, RegionKind.GRID, f"{community.code}{g:03d}", f"{cname}第{g}网格", gquad)
    return root


def _district_order(cells: list[Quad]) -> list[Quad]:
    """Cells from the north-west corner outwards, so the first district (郫都区) sits north-west."""
    west, _s, _e, north = CITY_BOX
    return sorted(cells, key=lambda q: (q.centroid()[0] - west) ** 2 + (north - q.centroid()[1]) ** 2)


def walk(node: RegionSpec) -> Iterator[RegionSpec]:
    yield node
    for child in node.children:
        yield from walk(child)


# The fields each streamed row supplies, in tuple order; any other concrete field gets its default.
ROW_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Estate: ("id", "region", "region_path", "name", "address"),
    Building: ("id", "region", "region_path", "estate", "number", "name", "kind", "address", "floors", "lat", "lng"),
    Unit: ("id", "building", "region", "region_path", "number"),
    House: (
        "id",
        "building",
        "unit",
        "region",
        "region_path",
        "number",
        "floor",
        "use",
        "floor_area",
        "address",
        "lat",
        "lng",
    ),
}


def progress_bar(total: int, *, desc: str, unit: str, shown: bool, mininterval: float = 0.1) -> tqdm[NoReturn]:
    """The seeds' progress bar on stderr: only when ``shown`` (the command's default; ``--no-progress``
    turns it off), and then only on a terminal (tqdm's ``disable=None``)."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=None if shown else True,
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=mininterval,
    )


class BulkWriter:
    """Buffers rows (tuples with preassigned ids) and flushes them parents-first in batches.

    Rows are inserted with ``executemany`` on Django's connection rather than ``bulk_create``:
    bulk_create builds a model instance and compiles every value of every row (about 150 µs a row
    here, ten times the insert itself), which would put the demo seed past two minutes on SQLite.
    The values are plain ints, strings, floats and Decimals that both SQLite and psycopg adapt;
    fields a row does not supply are filled with their model default, so new fields with a
    default do not break the seed.
    """

    ORDER: tuple[type[models.Model], ...] = (Estate, Building, Unit, House)
    ROW_FIELDS: dict[type[models.Model], tuple[str, ...]] = ROW_FIELDS  # subclasses name their own models

    def __init__(self, batch_rows: int = 20_000) -> None:
        self.batch_rows = batch_rows
        self.buffers: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model in self.ORDER}
        self.next_ids = {model: _next_id(model) for model in self.ORDER}
        self.counts = {model: 0 for model in self.ORDER}
        self.buffered = 0
        self.statements = {model: self._statement(model) for model in self.ORDER}

    def _statement(self, model: type[models.Model]) -> tuple[str, tuple[Any, ...]]:
        """The INSERT for ``model`` and the constant default values appended to every row."""
        meta = model._meta
        by_name = {f.name: f for f in meta.concrete_fields}
        supplied = [by_name[name] for name in self.ROW_FIELDS[model]]
        defaults = [f for f in meta.concrete_fields if f not in supplied]
        quote = connection.ops.quote_name
        for f in defaults:
            if not f.has_default() and not f.null:
                raise SeedError(f"{meta.label}.{f.name} has no default; teach linli.seed.city to fill it")
        columns = ", ".join(quote(str(f.column)) for f in [*supplied, *defaults])
        placeholders = ", ".join(["%s"] * (len(supplied) + len(defaults)))
        extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in defaults)
        return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", extra

    def new_id(self, model: type[models.Model]) -> int:
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        self.buffers[model].append(row)
        self.buffered += 1
        if self.buffered >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        with connection.cursor() as cursor:
            for model in self.ORDER:
                rows = self.buffers[model]
                if rows:
                    sql, extra = self.statements[model]
                    cursor.executemany(sql, [row + extra for row in rows] if extra else rows)
                    self.counts[model] += len(rows)
                    rows.clear()
        self.buffered = 0

    def reset_sequences(self) -> None:
        """Ids were assigned here, so PostgreSQL's sequences must be moved past them."""
        statements = connection.ops.sequence_reset_sql(no_style(), [Region, *self.ORDER])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@dataclass
class _Counters:
    """Door numbers already handed out, per road of a subdistrict and per village group."""

    doors: dict[tuple[str, str], int] = field(default_factory=dict)

    def door(self, scope: str, road: str, rng: random.Random) -> int:
        key = (scope, road)
        value = self.doors.get(key, 0) + rng.choice((1, 2, 2, 3))
        self.doors[key] = value
        return value


def _area(rng: random.Random, low: float, mode: float, high: float) -> Decimal:
    return Decimal(round(rng.triangular(low, high, mode) * 100)).scaleb(-2)


RESIDENTIAL_USES = [HouseUse.RESIDENTIAL.value] * 84 + [HouseUse.VACANT.value] * 8 + [HouseUse.RENTAL.value] * 8
URBAN_KINDS = (
    [BuildingKind.RESIDENTIAL] * 50
    + [BuildingKind.BUNGALOW] * 30
    + [BuildingKind.MIXED] * 10
    + [BuildingKind.COMMERCIAL] * 6
    + [BuildingKind.PUBLIC] * 4
)
VILLAGE_KINDS = (
    [BuildingKind.BUNGALOW] * 75
    + [BuildingKind.RESIDENTIAL] * 15
    + [BuildingKind.MIXED] * 5
    + [BuildingKind.PUBLIC] * 5
)


@dataclass(frozen=True)
class _Building:
    """What the units and houses of a building need to know about it."""

    id: int
    address: str
    lng: float
    lat: float


class GridFiller:
    """Generates the estates, buildings, units and houses of one grid into a BulkWriter."""

    def __init__(self, writer: BulkWriter, scale: Scale, seed: int) -> None:
        self.writer = writer
        self.scale = scale
        self.seed = seed
        self.counters = _Counters()

    def fill(self, grid: RegionSpec, grid_number: int) -> None:
        rng = random.Random(f"{self.seed}:{grid.code}")
        community = grid.ancestor(RegionKind.COMMUNITY)
        pool = VILLAGE_KINDS if community.is_village else URBAN_KINDS
        kinds = [rng.choice(pool) for _ in range(rng.randint(*self.scale.buildings_per_grid))]
        # Residential buildings stand in estates of 4-12; the rest each have their own door number.
        residential = sum(1 for k in kinds if k == BuildingKind.RESIDENTIAL)
        while residential > 0:
            size = min(residential, rng.randint(4, 12))
            self._estate(grid, size, rng)
            residential -= size
        for kind in kinds:
            if kind != BuildingKind.RESIDENTIAL:
                self._standalone(grid, grid, kind, geometry.interior_point(grid.quad, rng), grid_number, rng)

    def irregular(self, grid: RegionSpec, sibling: RegionSpec, grid_number: int, unassigned: bool) -> str:
        """One deliberate coverage problem for the coverage report; returns the building's address.

        ``unassigned``: a building inside ``grid`` left on the community (no grid has taken it);
        otherwise a building assigned to ``grid`` whose point lies inside ``sibling``.
        """
        rng = random.Random(f"{self.seed}:{grid.code}:irregular")
        if unassigned:
            owner, point = grid.ancestor(RegionKind.COMMUNITY), geometry.interior_point(grid.quad, rng)
        else:
            owner, point = grid, geometry.interior_point(sibling.quad, rng)
        return self._standalone(grid, owner, BuildingKind.BUNGALOW, point, grid_number, rng)

    # -- buildings -------------------------------------------------------------------------------

    def _estate(self, grid: RegionSpec, size: int, rng: random.Random) -> None:
        community = grid.ancestor(RegionKind.COMMUNITY)
        sub = grid.ancestor(RegionKind.SUBDISTRICT)
        district = grid.ancestor(RegionKind.DISTRICT)
        road = rng.choice(community.roads)
        address = f"{district.name}{sub.name}{road}{self.counters.door(sub.code, road, rng)}号"
        name = f"{rng.choice(names.PLACE_WORDS)}{rng.choice(names.ESTATE_SUFFIXES)}"
        estate_id = self.writer.new_id(Estate)
        self.writer.add(Estate, (estate_id, grid.id, grid.path, name, address))
        high_rise = rng.random() < 0.12
        for number in range(1, size + 1):
            lng, lat = geometry.interior_point(grid.quad, rng)
            floors = rng.randint(11, 18) if high_rise else rng.choice((4, 5, 6, 6, 7))
            building = _Building(self.writer.new_id(Building), f"{address}{number}栋", lng, lat)
            self.writer.add(
                Building,
                (
                    building.id,
                    grid.id,
                    grid.path,
                    estate_id,
                    str(number),
                    f"{name}{number}栋",
                    BuildingKind.RESIDENTIAL.value,
                    building.address,
                    floors,
                    lat,
                    lng,
                ),
            )
            self._units(building, grid, rng.randint(1, 2), 1, floors, rng)

    def _standalone(
        self, grid: RegionSpec, owner: RegionSpec, kind: str, point: Point, grid_number: int, rng: random.Random
    ) -> str:
        community = grid.ancestor(RegionKind.COMMUNITY)
        sub = grid.ancestor(RegionKind.SUBDISTRICT)
        district = grid.ancestor(RegionKind.DISTRICT)
        prefix = f"{district.name}{sub.name}"
        if community.is_village:
            prefix += community.name
        if community.is_village and kind == BuildingKind.BUNGALOW:
            # Village houses are numbered within their 组 (here: one 组 per grid).
            door = self.counters.door(community.code, str(grid_number), rng)
            label = f"{grid_number}组{door}号"
        else:
            road = rng.choice(community.roads)
            door = self.counters.door(sub.code, road, rng)
            label = f"{road}{door}号"
        address = f"{prefix}{label}"
        floors = {
            BuildingKind.BUNGALOW: rng.randint(1, 3),
            BuildingKind.MIXED: rng.randint(4, 7),
            BuildingKind.COMMERCIAL: rng.randint(3, 8),
            BuildingKind.PUBLIC: rng.randint(1, 3),
        }[BuildingKind(kind)]
        lng, lat = point
        building = _Building(self.writer.new_id(Building), address, lng, lat)
        self.writer.add(
            Building,
            (
                building.id,
                owner.id,
                owner.path,
                None,
                str(door),
                label,
                str(kind),
                address,
                floors,
                lat,
                lng,
            ),
        )
        if kind == BuildingKind.BUNGALOW:
            for i in range(1, rng.randint(1, 3) + 1):
                house_address = address if i == 1 else f"{address}附{i - 1}号"
                use = rng.choice(RESIDENTIAL_USES)
                self._house(building, owner, None, str(i), 1, use, _area(rng, 60, 110, 160), house_address)
        elif kind == BuildingKind.PUBLIC:
            self._house(building, owner, None, "1", 1, HouseUse.PUBLIC, _area(rng, 80, 120, 160), address)
        else:
            self._shops(building, owner, rng.randint(2, 5), rng)
            if kind == BuildingKind.MIXED:
                self._units(building, owner, 1, 2, floors, rng)
            else:
                for floor in range(2, floors + 1):
                    for i in range(1, rng.randint(2, 4) + 1):
                        number = f"{floor}{i:02d}"
                        self._house(
                            building,
                            owner,
                            None,
                            number,
                            floor,
                            HouseUse.OFFICE,
                            _area(rng, 60, 100, 160),
                            f"{address}{number}室",
                        )
        return address

    # -- units and houses ------------------------------------------------------------------------

    def _units(
        self, building: _Building, owner: RegionSpec, units: int, first_floor: int, floors: int, rng: random.Random
    ) -> None:
        for u in range(1, units + 1):
            unit_id = self.writer.new_id(Unit)
            self.writer.add(Unit, (unit_id, building.id, owner.id, owner.path, str(u)))
            for floor in range(first_floor, floors + 1):
                for i in (1, 2):
                    number = f"{floor}{i:02d}"
                    self._house(
                        building,
                        owner,
                        unit_id,
                        number,
                        floor,
                        rng.choice(RESIDENTIAL_USES),
                        _area(rng, 40, 90, 160),
                        f"{building.address}{u}单元{number}",
                    )

    def _shops(self, building: _Building, owner: RegionSpec, count: int, rng: random.Random) -> None:
        for i in range(1, count + 1):
            number = f"1{i:02d}"
            use = HouseUse.VACANT if rng.random() < 0.1 else HouseUse.SHOP
            self._house(
                building, owner, None, number, 1, use, _area(rng, 40, 60, 120), f"{building.address}附{number}号"
            )

    def _house(
        self,
        building: _Building,
        owner: RegionSpec,
        unit_id: int | None,
        number: str,
        floor: int,
        use: str,
        area: Decimal,
        address: str,
    ) -> None:
        self.writer.add(
            House,
            (
                self.writer.new_id(House),
                building.id,
                unit_id,
                owner.id,
                owner.path,
                number,
                floor,
                str(use),
                area,
                address,
                building.lat,
                building.lng,
            ),
        )


def seed_city(
    scale_name: str, seed: int = 2026, *, progress: bool = False, log: Callable[[str], Any] | None = None
) -> SeedReport:
    """Build the synthetic city into an empty region table, in one transaction; return what was made."""
    say = log or (lambda _message: None)
    scale = SCALES[scale_name]
    started = time.perf_counter()
    if Region.objects.exists():
        raise SeedError(
            f"数据库中已有 {Region.objects.count()} 个区域；`linli seed` 只向没有区域的空库写入演示数据。"
            "如需重建，请先换用新的数据库（删除 var/linli.sqlite3 后重新 migrate）。"
        )
    with transaction.atomic():
        root = plan_regions(scale, seed, _next_id(Region), path_step(1))
        regions = list(walk(root))
        say(f"区域：{len(regions)} 个（{_kind_summary(regions)}）")
        Region.objects.bulk_create([spec.to_row() for spec in regions], batch_size=500)
        RegionVersion.objects.bulk_create(
            [
                RegionVersion(
                    region_id=spec.id,
                    kind=spec.kind,
                    code=spec.code,
                    name=spec.name,
                    parent_region_id=spec.parent.id if spec.parent else None,
                    path=spec.path,
                    valid_from=VALID_FROM,
                    change="create",
                    note="演示数据",
                )
                for spec in regions
            ],
            batch_size=500,
        )
        writer = BulkWriter()
        filler = GridFiller(writer, scale, seed)
        unassigned: list[str] = []
        misplaced: list[str] = []
        communities = [spec for spec in regions if spec.kind == RegionKind.COMMUNITY]
        grid_total = sum(len(c.children) for c in communities)
        bar = progress_bar(grid_total, desc="楼栋与房屋", unit="网格", shown=progress)
        with bar:
            for index, community in enumerate(communities):
                for number, grid in enumerate(community.children, start=1):
                    filler.fill(grid, number)
                    bar.update(1)
                bar.set_postfix(房屋=writer.counts[House] + len(writer.buffers[House]), refresh=False)
                first, second = community.children[0], community.children[1 % len(community.children)]
                if index % IRREGULAR_EVERY == 1:
                    unassigned.append(filler.irregular(first, second, 1, unassigned=True))
                if index % IRREGULAR_EVERY == 3 and first is not second:
                    misplaced.append(filler.irregular(second, first, 2, unassigned=False))
            writer.flush()
        writer.reset_sequences()

        departments = create_departments()
        path = [root]
        while path[-1].children:
            path.append(path[-1].children[0])
        by_level = {spec.kind: Region.objects.get(pk=spec.id) for spec in path}
        logins = create_demo_users(by_level, departments)

        counts = {
            "regions": len(regions),
            "estates": writer.counts[Estate],
            "buildings": writer.counts[Building],
            "units": writer.counts[Unit],
            "houses": writer.counts[House],
            "region_versions": len(regions),
        }
        audit.record(
            None,
            "seed",
            object_type="places.region",
            object_id=str(root.id),
            object_repr=root.name,
            region_path=root.path,
            changes={
                "scale": scale.name,
                "seed": seed,
                "counts": counts,
                "unassigned_buildings": len(unassigned),
                "misplaced_buildings": len(misplaced),
            },
            reason="生成合成演示数据（linli seed）",
        )
    return SeedReport(scale.name, seed, counts, unassigned, misplaced, logins, time.perf_counter() - started)


def _kind_summary(regions: list[RegionSpec]) -> str:
    counts: dict[str, int] = {}
    for spec in regions:
        counts[spec.kind] = counts.get(spec.kind, 0) + 1
    return "，".join(f"{RegionKind(kind).label} {n}" for kind, n in counts.items())
