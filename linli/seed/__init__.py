"""The synthetic demo city behind ``linli seed --scale tiny|demo|city``.

A district modelled on 郫都区 (real subdistrict names; composed community, estate and road names;
no real people): city 成都市 → district(s) → subdistricts (街道 001-…, 镇 101-…) → communities
(社区 001-…, 村 201-…) → grids, each with a GeoJSON polygon that tiles its parent exactly
(``geometry``), then estates, buildings (points strictly inside their grid), units and houses with
standard addresses such as "郫都区犀浦街道校园路88号3栋2单元501". Deterministic from ``--seed``.

Why this bypasses the per-row actions (DESIGN.md mechanism 2): seeding is a bulk load of synthetic
data into an empty database, not a user's change. Going through ``create_region``/``create_house``
would mean 300 000 permission checks, scope checks and audit rows for rows nobody entered, and
treebeard's ``add_child`` re-reads and updates the parent for every node; even plain ``bulk_create``
of model instances took 102 s for the demo here, against about 25 s for this path. Instead the data
is valid by construction (codes follow ``codes.validate_region_code``,
polygons tile, points lie inside their grid — all checked by the seed tests), ids and tree paths
are assigned here and written in one transaction (regions with ``bulk_create``; buildings, units
and houses with batched ``executemany``, see ``city.BulkWriter`` for why), each region gets its
``RegionVersion`` (change "create"), and the whole load is audited as one ``seed`` event with the
counts. Deliberate irregularities for the coverage report (a building left on its community, a
building whose point lies in the neighbouring grid) are listed in the report.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linli.seed.city import SCALES, SeedError, SeedReport, seed_city
    from linli.seed.users import DEMO_PASSWORD, DEMO_USERS

# linli.seed is an installed app (for its ``seed`` management command), so Django imports this
# package while it loads the apps, before any model may be imported; the city and the users import
# models. The public names are therefore loaded on first use (PEP 562), and
# ``from linli.seed import seed_city`` keeps working.
_EXPORTS = {
    "DEMO_PASSWORD": "linli.seed.users",
    "DEMO_USERS": "linli.seed.users",
    "SCALES": "linli.seed.city",
    "SeedError": "linli.seed.city",
    "SeedReport": "linli.seed.city",
    "seed_city": "linli.seed.city",
}


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SCALES", "SeedError", "SeedReport", "seed_city"]
