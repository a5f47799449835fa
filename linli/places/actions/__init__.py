"""Writes to the place tree: regions (create, rename, move, merge, split) and estates, buildings,
units and houses. See docs/places.md for the rules.

Every function here is an ``@action``: one transaction, a permission check, the write, an audit
event, then ``ensure_in_scope`` on what was written. A refusal raises ``ActionError`` with a
Chinese message naming what and where; nothing is left changed.

``actor=None`` means the system itself (the seed, fixtures, a migration, the CLI bootstrapping an
empty database): no permission or scope check, and the audit row has no actor. Views and the API
always pass ``request.user`` (an ``AnonymousUser`` is refused, never treated as the system).

Region paths are copied onto every scoped row (``region`` + ``region_path``). When a region's
path changes, every scoped model's ``region_path`` under the old prefix is rewritten to the new
prefix with one UPDATE per table, in the same transaction as treebeard's move.

The actions live in one module per subject (``regions`` — create and rename, ``moves`` — move,
merge and split, ``buildings`` — estates and buildings, ``houses`` — units and houses); the tree's
history in ``history``, the path rewrite of scoped rows in ``scoped_rows``, shared helpers in
``_common``. This package re-exports every public name, so callers import from
``linli.places.actions``.
"""

from __future__ import annotations

from linli.places.actions._common import STEPLEN
from linli.places.actions.buildings import create_building, create_estate, reassign_building
from linli.places.actions.history import (
    CHANGE_BASELINE,
    CHANGE_CREATE,
    CHANGE_MERGE,
    CHANGE_MERGED_INTO,
    CHANGE_MOVE,
    CHANGE_RENAME,
    CHANGE_SPLIT,
    HISTORY_START,
    ensure_baseline_versions,
)
from linli.places.actions.houses import create_house, create_unit
from linli.places.actions.moves import merge_regions, move_region, split_region
from linli.places.actions.regions import create_region, rename_region
from linli.places.actions.scoped_rows import scoped_models

__all__ = [
    "CHANGE_BASELINE",
    "CHANGE_CREATE",
    "CHANGE_MERGE",
    "CHANGE_MERGED_INTO",
    "CHANGE_MOVE",
    "CHANGE_RENAME",
    "CHANGE_SPLIT",
    "HISTORY_START",
    "STEPLEN",
    "create_building",
    "create_estate",
    "create_house",
    "create_region",
    "create_unit",
    "ensure_baseline_versions",
    "merge_regions",
    "move_region",
    "reassign_building",
    "rename_region",
    "scoped_models",
    "split_region",
]
