"""The places pages, one module per subject: ``browser`` (region → grid → building → house, search),
``tree`` (区域树管理: create, rename, move, merge, split, history, coverage), ``home`` (the home
page's place sections) and ``overview`` (counts and breadcrumbs both of them show). This package
re-exports every public name, so callers import from ``linli.places.views``.
"""

from __future__ import annotations

from linli.places.views.browser import (
    BUILDING_SORTS,
    BUILDINGS_PER_PAGE,
    MAX_MAP_MARKERS,
    SEARCH_RESULTS_PER_PAGE,
    UnitGroup,
    View,
    browse,
    building_detail,
    house_detail,
    places_viewer_required,
    region_detail,
    region_geojson,
    search,
    top_regions,
)
from linli.places.views.home import HOME_PLACE_ROLES, HomeSection, home_sections
from linli.places.views.overview import ChildRow, Crumb, PlaceCounts, RegionOverview, region_crumbs, region_overview
from linli.places.views.tree import (
    REGION_DATALIST_LIMIT,
    TREE_DEPTH,
    TreeNode,
    nest_by_parent,
    nest_by_path,
    tree_coverage,
    tree_create,
    tree_index,
    tree_merge,
    tree_move,
    tree_rename,
    tree_split,
)

__all__ = [
    "BUILDINGS_PER_PAGE",
    "BUILDING_SORTS",
    "HOME_PLACE_ROLES",
    "MAX_MAP_MARKERS",
    "REGION_DATALIST_LIMIT",
    "SEARCH_RESULTS_PER_PAGE",
    "TREE_DEPTH",
    "ChildRow",
    "Crumb",
    "HomeSection",
    "PlaceCounts",
    "RegionOverview",
    "TreeNode",
    "UnitGroup",
    "View",
    "browse",
    "building_detail",
    "home_sections",
    "house_detail",
    "nest_by_parent",
    "nest_by_path",
    "places_viewer_required",
    "region_crumbs",
    "region_detail",
    "region_geojson",
    "region_overview",
    "search",
    "top_regions",
    "tree_coverage",
    "tree_create",
    "tree_index",
    "tree_merge",
    "tree_move",
    "tree_rename",
    "tree_split",
]
