"""Roles and what each may do. Roles are code (permissions are code); departments are data.

Two tables say what a role may do, side by side: ``ROLE_CAPABILITIES`` (which pages and actions)
and ``UNMASK_RULES`` (which sensitive fields it may see in clear, given a reason). The user object
reads both (``User.has_capability``, ``User.unmask_paths``); core asks the user, never these tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core import actors


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    SUBDISTRICT_STAFF = "subdistrict_staff", _("街道工作人员")
    DISTRICT_LEADER = "district_leader", _("区级领导")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    AUDITOR = "auditor", _("审计员")
    ADMINISTRATOR = "administrator", _("管理员")


class Capability(models.TextChoices):
    VIEW_PLACES = "view_places", _("查看区域与房屋")
    EDIT_PLACES = "edit_places", _("维护楼栋、单元、房屋")
    MANAGE_TREE = "manage_tree", _("调整区域树（新建、改名、迁移、合并、拆分）")
    MANAGE_USERS = "manage_users", _("管理账号与授权")
    VIEW_AUDIT = actors.VIEW_AUDIT, _("查看审计日志")
    VIEW_PEOPLE = "view_people", _("查看实有人口")
    EDIT_PEOPLE = "edit_people", _("登记和维护实有人口（人员、户、居住、标签）")
    MANAGE_CALENDAR = actors.MANAGE_CALENDAR, _("维护工作日历（节假日、调休）")
    VIEW_CASES = "view_cases", _("查看事件")
    REPORT_CASES = "report_cases", _("上报事件")
    HANDLE_CASES = "handle_cases", _("受理、派遣、处置、核查事件")
    MANAGE_CATEGORIES = "manage_categories", _("维护事件分类与时限")


_CASE_WORK = frozenset({Capability.VIEW_CASES, Capability.REPORT_CASES, Capability.HANDLE_CASES})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({Capability.REPORT_CASES}),
    Role.GRID_WORKER: frozenset(
        {Capability.VIEW_PLACES, Capability.EDIT_PLACES, Capability.VIEW_PEOPLE, Capability.EDIT_PEOPLE}
    )
    | _CASE_WORK,
    Role.COMMUNITY_WORKER: frozenset(
        {Capability.VIEW_PLACES, Capability.EDIT_PLACES, Capability.VIEW_PEOPLE, Capability.EDIT_PEOPLE}
    )
    | _CASE_WORK,
    Role.SUBDISTRICT_STAFF: frozenset(
        {Capability.VIEW_PLACES, Capability.EDIT_PLACES, Capability.VIEW_PEOPLE, Capability.EDIT_PEOPLE}
    )
    | _CASE_WORK,
    Role.DISTRICT_LEADER: frozenset({Capability.VIEW_PLACES, Capability.VIEW_PEOPLE}) | _CASE_WORK,
    Role.DEPARTMENT_STAFF: frozenset(
        {Capability.VIEW_PLACES, Capability.VIEW_PEOPLE, Capability.VIEW_CASES, Capability.HANDLE_CASES}
    ),
    Role.AUDITOR: frozenset(
        {Capability.VIEW_PLACES, Capability.VIEW_AUDIT, Capability.VIEW_PEOPLE, Capability.VIEW_CASES}
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Capability.VIEW_PLACES,
            Capability.EDIT_PLACES,
            Capability.MANAGE_TREE,
            Capability.MANAGE_USERS,
            Capability.VIEW_AUDIT,
            Capability.VIEW_PEOPLE,
            Capability.EDIT_PEOPLE,
            Capability.VIEW_CASES,
            Capability.MANAGE_CATEGORIES,
            Capability.MANAGE_CALENDAR,
        }
    ),
}

# Which region kinds an assignment of each role may point at.
ROLE_REGION_KINDS: dict[str, tuple[str, ...]] = {
    Role.RESIDENT: ("grid", "community"),
    Role.GRID_WORKER: ("grid",),
    Role.COMMUNITY_WORKER: ("community",),
    Role.SUBDISTRICT_STAFF: ("subdistrict",),
    Role.DISTRICT_LEADER: ("district", "city"),
    Role.DEPARTMENT_STAFF: ("district", "subdistrict", "city"),
    Role.AUDITOR: ("district", "subdistrict", "city"),
    Role.ADMINISTRATOR: ("district", "city"),
}

# --- unmasking -------------------------------------------------------------------------------------

PERSON_ID_NUMBER = ("people.person", "id_number")
PERSON_PHONE = ("people.person", "phone")

# Who may see the clear value of which field (model label, field name), by role. The role must be
# held over a region whose subtree contains the object, and the object must be visible to the user
# (core.masking.may_unmask). Program access levels (open / audited / protected) refine this when
# programs land.
UNMASK_RULES: dict[str, set[tuple[str, str]]] = {
    Role.RESIDENT: set(),
    Role.GRID_WORKER: {PERSON_PHONE},
    Role.COMMUNITY_WORKER: {PERSON_ID_NUMBER, PERSON_PHONE},
    Role.SUBDISTRICT_STAFF: {PERSON_ID_NUMBER, PERSON_PHONE},
    Role.DISTRICT_LEADER: set(),
    Role.DEPARTMENT_STAFF: set(),
    Role.AUDITOR: set(),
    Role.ADMINISTRATOR: {PERSON_ID_NUMBER, PERSON_PHONE},
}
