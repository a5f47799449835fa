"""Demo departments and one demo user per role, each assigned to a concrete region of the seeded city."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from linli.accounts.models import Assignment, Department, User
from linli.accounts.roles import Role
from linli.places.models import Region

# Printed by `linli seed` and documented in README.md; a demo database only.
DEMO_PASSWORD = "linli-demo-2026"
ASSIGNED_FROM = datetime.date(2020, 1, 1)

# (code, name, short name): the departments of DOMAIN.md §1, as data.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("mz", "民政局", "民政"),
    ("cl", "残疾人联合会", "残联"),
    ("rs", "人力资源和社会保障局", "人社"),
    ("wj", "卫生健康局", "卫健"),
    ("ga", "公安分局", "公安"),
    ("sf", "司法局", "司法"),
    ("cg", "城市管理局", "城管"),
    ("zj", "住房和城乡建设局", "住建"),
    ("sj", "市场监督管理局", "市场监管"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    level: str  # which region of the demo path: city, district, subdistrict, community, grid
    department: str = ""  # Department.code


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "演示管理员", Role.ADMINISTRATOR, "city"),
    DemoUser("district", "演示区级领导", Role.DISTRICT_LEADER, "district"),
    DemoUser("auditor", "演示审计员", Role.AUDITOR, "district"),
    DemoUser("street", "演示街道工作人员", Role.SUBDISTRICT_STAFF, "subdistrict"),
    DemoUser("community", "演示社区工作者", Role.COMMUNITY_WORKER, "community"),
    DemoUser("grid", "演示网格员", Role.GRID_WORKER, "grid"),
    DemoUser("resident", "演示居民", Role.RESIDENT, "grid"),
    DemoUser("chengguan", "演示城管队员", Role.DEPARTMENT_STAFF, "district", "cg"),
    DemoUser("minzheng", "演示民政专干", Role.DEPARTMENT_STAFF, "district", "mz"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_label: str
    region_name: str
    department: str


def create_departments() -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for code, name, short_name in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": short_name}
        )
        departments[code] = department
    return departments


def create_demo_users(regions_by_level: dict[str, Region], departments: dict[str, Department]) -> list[DemoLogin]:
    """Create (or refresh) the demo users; ``regions_by_level`` is one region per level along one path.

    The password is hashed once and the encoded hash reused: Argon2 is deliberately slow and the
    users share the one demo password anyway.
    """
    encoded = make_password(DEMO_PASSWORD)
    logins: list[DemoLogin] = []
    for spec in DEMO_USERS:
        user, _created = User.objects.update_or_create(
            username=spec.username, defaults={"display_name": spec.display_name, "password": encoded, "is_active": True}
        )
        region = regions_by_level[spec.level]
        department = departments[spec.department] if spec.department else None
        Assignment.objects.get_or_create(
            user=user,
            role=spec.role,
            region=region,
            department=department,
            defaults={"region_path": region.path, "starts_on": ASSIGNED_FROM},
        )
        logins.append(
            DemoLogin(
                spec.username, str(Role(spec.role).label), region.name, department.short_name if department else ""
            )
        )
    return logins


def existing_demo_logins() -> list[DemoLogin]:
    """The demo users already in the database (for `--if-empty` runs that skip seeding)."""
    logins: list[DemoLogin] = []
    assignments = (
        Assignment.objects.filter(user__username__in=[spec.username for spec in DEMO_USERS])
        .select_related("user", "region", "department")
        .order_by("user__username")
    )
    by_username = {a.user.username: a for a in assignments}
    for spec in DEMO_USERS:
        found = by_username.get(spec.username)
        if found is not None:
            department = found.department.short_name if found.department else ""
            logins.append(DemoLogin(spec.username, str(Role(found.role).label), found.region.name, department))
    return logins
