"""The home page's place sections: a block per region the user works on, shown the way their role needs it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from linli.places.choices import RegionKind
from linli.places.models import Building, House, Region
from linli.places.views.overview import RegionOverview, region_overview

if TYPE_CHECKING:
    from linli.accounts.models import Assignment, User


@dataclass
class HomeSection:
    """One block of the home page: a region the user works on, shown the way their role needs it."""

    layout: str  # "grid": the grid's map and buildings; "overview": children with counts and a map
    role_label: str
    region: Region
    geojson_url: str
    overview: RegionOverview | None = None
    building_total: int = 0
    house_total: int = 0


# Roles whose home page opens on the registry of their region; auditors, administrators and
# residents get links and text instead (their home is their tools, not the map).
HOME_PLACE_ROLES = ("grid_worker", "community_worker", "subdistrict_staff", "district_leader", "department_staff")


def home_sections(assignments: Iterable[Assignment], user: User | AnonymousUser) -> list[HomeSection]:
    """A section per distinct region among the user's place-working assignments."""
    sections: list[HomeSection] = []
    seen: set[int] = set()
    for assignment in assignments:
        region = assignment.region
        if assignment.role not in HOME_PLACE_ROLES or region.pk in seen:
            continue
        seen.add(region.pk)
        section = HomeSection(
            layout="grid" if region.kind == RegionKind.GRID else "overview",
            role_label=str(assignment.get_role_display()),
            region=region,
            geojson_url=reverse("places:region_geojson", args=[region.pk]),
        )
        if section.layout == "grid":
            section.building_total = Building.objects.visible_to(user).filter(region=region).count()
            section.house_total = House.objects.visible_to(user).filter(region=region).count()
        else:
            section.overview = region_overview(region, user)
        sections.append(section)
    return sections
