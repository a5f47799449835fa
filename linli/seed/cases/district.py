"""The district the cases happen in, loaded once: its regions, grids and their places, the case
categories and their weights by month, departments, who acts for each level, and names for reporters."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from linli.accounts.models import Department
from linli.cases.models import Category
from linli.places.choices import RegionKind
from linli.places.models import Building, Region
from linli.seed.cases.actors import CaseActors, load_case_actors
from linli.seed.cases.mix import CATEGORY_WEIGHTS, SEASONS, SOURCES
from linli.seed.cases.state import _Category, _cum, _Grid, _Place
from linli.seed.city import SeedError


@dataclass(frozen=True)
class District:
    region_name: dict[int, str]
    region_path: dict[int, str]
    region_kind: dict[int, str]
    parent: dict[int, int | None]
    grids: list[_Grid]  # by path
    grid_cum: list[float]  # busy grids (a market, a school gate) report more than quiet ones
    departments: dict[int, str]
    department_by_code: dict[str, int]
    categories: list[_Category]
    category_cum: list[list[float]]  # per month
    categories_by_id: dict[int, _Category]
    sources: dict[str, tuple[list[Any], list[float]]]
    whistle_pool: list[int]  # departments a whistle summons besides the category's own
    actors: CaseActors
    worker_name: dict[int, str]  # a name per grid worker (for patrol reports without a user behind them)
    surnames: str
    given: str


def load_district(district: Region, rng: random.Random) -> District:
    """Everything the simulation reads from the database, in one pass; draws the grids' weights and the
    grid workers' names from ``rng`` (in that order)."""
    regions = list(Region.objects.filter(path__startswith=district.path).values_list("id", "path", "kind", "name"))
    by_path = {path: rid for rid, path, _kind, _name in regions}
    region_name = {rid: name for rid, _path, _kind, name in regions}
    region_path = {rid: path for rid, path, _kind, _name in regions}
    region_kind = {rid: kind for rid, _path, kind, _name in regions}
    parent = {rid: by_path.get(path[:-4]) for rid, path, _kind, _name in regions}
    places: dict[int, list[_Place]] = {}
    for bid, region_id, name, number, address, lat, lng in Building.objects.filter(
        region_path__startswith=district.path, region__kind=RegionKind.GRID
    ).values_list("id", "region_id", "name", "number", "address", "lat", "lng"):
        label = name or address or number
        places.setdefault(region_id, []).append(_Place(bid, label, address, lat, lng))
    grids: list[_Grid] = []
    for rid, path, kind, name in regions:
        if kind != RegionKind.GRID:
            continue
        community = parent[rid]
        subdistrict = parent.get(community) if community else None
        district_id = parent.get(subdistrict) if subdistrict else None
        if community is None or subdistrict is None or district_id is None:
            continue
        found = places.get(rid) or [_Place(None, name, name, None, None)]
        grids.append(_Grid(rid, path, community, subdistrict, district_id, tuple(found)))
    if not grids:
        raise SeedError(f"{district.name}没有网格：请先生成演示城市（linli seed）。")
    grids.sort(key=lambda g: g.path)
    # Busy grids (a market, a school gate) report more than quiet ones.
    grid_rng = random.Random(f"{rng.random()}")
    grid_cum = list(accumulate(grid_rng.uniform(0.4, 1.6) for _g in grids))

    departments = {pk: str(d) for pk, d in ((d.pk, d) for d in Department.objects.all())}
    department_by_code = dict(Department.objects.values_list("code", "id"))
    categories = []
    for c in Category.objects.filter(active=True, parent__isnull=False).select_related("parent"):
        categories.append(
            _Category(
                c.pk,
                c.code,
                c.parent.code if c.parent else "",
                c.kind,
                c.handling_level,
                c.department_id,
                c.accept_hours,
                c.dispatch_hours,
                c.handle_hours,
                c.verify_hours,
            )
        )
    if not categories:
        raise SeedError("没有事件分类：请先执行 migrate（cases 迁移 0002 载入分类目录）。")
    category_cum = []
    for month in range(12):
        weights = [CATEGORY_WEIGHTS.get(c.code, 0.5) * SEASONS.get(c.code, (1.0,) * 12)[month] for c in categories]
        category_cum.append(list(accumulate(weights)))
    whistle_pool = [
        department_by_code[code] for code in ("cg", "zj", "sj", "ga", "hb", "sw") if code in department_by_code
    ] or list(departments)

    # Demo users act for their level; elsewhere the step's actor is left empty.
    actors = load_case_actors(district, region_kind)
    # A name per grid worker (for patrol reports without a user behind them).
    names_rng = random.Random(f"{rng.random()}:names")
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳燕鹏辉"
    worker_name = {
        g.id: names_rng.choice(surnames) + "".join(names_rng.choices(given, k=names_rng.choice((1, 2)))) for g in grids
    }
    return District(
        region_name=region_name,
        region_path=region_path,
        region_kind=region_kind,
        parent=parent,
        grids=grids,
        grid_cum=grid_cum,
        departments=departments,
        department_by_code=department_by_code,
        categories=categories,
        category_cum=category_cum,
        categories_by_id={c.id: c for c in categories},
        sources={kind: _cum(pairs) for kind, pairs in SOURCES.items()},
        whistle_pool=whistle_pool,
        actors=actors,
        worker_name=worker_name,
        surnames=surnames,
        given=given,
    )
