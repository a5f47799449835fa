"""Who acts on a seeded case: the demo user who acts for the level or department holding it.

This is the seed's copy of "who holds a case" (``linli.cases.workflow.holds``, and the cases app's
``held_by`` queryset filter, read from the other side): a case held by a region with no department
is acted on by a user whose staff role is the one ``workflow.LEVEL_ROLE`` gives that region's kind;
a case held by a department by that department's staff. Unlike ``workflow.holds`` it does not check
that the department user's region lies above the holding region (the demo city has one department
user per department). Kept apart in ``load_case_actors`` so it can give way to the cases app's one
``held_by`` without touching the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

from linli.accounts.models import Assignment
from linli.accounts.roles import Role
from linli.cases import workflow
from linli.places.models import Region


@dataclass(frozen=True)
class CaseActors:
    """The first demo user (by assignment id) acting for each level and department, and the resident
    reporting from each grid through the portal. Elsewhere a step's actor is left empty."""

    level_user: dict[int, int]  # region id -> user id
    department_user: dict[int, int]  # department id -> user id
    resident_user: dict[int, int]  # grid id -> user id

    def for_holder(self, region: int, department: int | None = None) -> int | None:
        """The user who acts for the holder (``region``, ``department``) of a case, or None."""
        if department is not None:
            return self.department_user.get(department)
        return self.level_user.get(region)


def load_case_actors(district: Region, region_kind: dict[int, str]) -> CaseActors:
    """The seed's rule of who acts on a case held by each level or department of ``district`` (its
    city's assignments; ``region_kind`` gives the kind of each region of the district)."""
    level_user: dict[int, int] = {}
    department_user: dict[int, int] = {}
    resident_user: dict[int, int] = {}
    for user_id, role, region_id, department_id in (
        Assignment.objects.active()
        .filter(region__path__startswith=district.path[:4])
        .order_by("id")
        .values_list("user_id", "role", "region_id", "department_id")
    ):
        if role == Role.DEPARTMENT_STAFF and department_id:
            department_user.setdefault(department_id, user_id)
        elif role == Role.RESIDENT:
            resident_user.setdefault(region_id, user_id)
        elif role in workflow.STAFF_ROLES and workflow.LEVEL_ROLE.get(region_kind.get(region_id, "")) == role:
            level_user.setdefault(region_id, user_id)
    return CaseActors(level_user, department_user, resident_user)
