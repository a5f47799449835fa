"""上报 — the first step of every case, from any channel (pages, the API, Open311, the seed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.cases.choices import (
    CaseStatus,
    Priority,
    Source,
)
from linli.cases.models import Case, Category, Step
from linli.cases.photos import save_photos
from linli.cases.workflow.common import _clean_note, _now, ancestor_of_kind, grid_for_point, next_number, stage_deadline
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.masking import mask_phone
from linli.core.phones import validate_phone
from linli.core.scope import ensure_in_scope
from linli.places.choices import RegionKind
from linli.places.models import Building, House

S = CaseStatus


# --- report ----------------------------------------------------------------------------------------

# Who does not handle cases (a resident, an integration account) reports through a channel that fixes
# the source: they may not file a complaint as 网格巡查 or 上级交办, which would skew the source counts.
CHANNEL_SOURCES = frozenset({Source.PORTAL, Source.API})


def _source_for(actor: User, source: str | None) -> str:
    """The source a report is stored with: the staff member's choice, else the reporter's channel."""
    staff = actor.has_capability(Capability.HANDLE_CASES)
    if source is None or source == "":
        return Source.PATROL if staff else Source.PORTAL
    if source not in Source.values:
        raise ActionError(_("来源“%(value)s”不存在。") % {"value": source}, field="source")
    if not staff and source not in CHANNEL_SOURCES:
        raise ActionError(
            _("来源由上报渠道决定，居民不能指定为“%(value)s”。") % {"value": Source(source).label}, field="source"
        )
    return source


@action
def report_case(
    actor: User | None,
    *,
    category: Category,
    title: str,
    description: str = "",
    source: str | None = None,
    priority: str = Priority.NORMAL,
    house: House | None = None,
    building: Building | None = None,
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    reporter_person: Any = None,
    photos: Sequence[Any] = (),
    at: datetime | None = None,
) -> Case:
    """上报 — a new case at the place's grid, held by its community for acceptance (社区受理)."""
    require(actor is not None and actor.has_capability(Capability.REPORT_CASES), _("您的角色不能上报事件。"))
    at = _now(at)
    if not category.active or category.parent_id is None:
        raise ActionError(_("请选择一个具体的事件小类。"), field="category")
    title = (title or "").strip()
    if not 2 <= len(title) <= 100:
        raise ActionError(_("标题须为 2 到 100 个字。"), field="title")
    description = _clean_note(description, required=False, what=_("描述"), field="description")
    source = _source_for(cast(User, actor), source)
    if priority not in Priority.values:
        raise ActionError(_("紧急程度“%(value)s”不存在。") % {"value": priority}, field="priority")
    if house is not None:
        building = house.building
        grid = house.region
        address = address or house.address
    elif building is not None:
        grid = building.region
        address = address or building.address
    else:
        grid = grid_for_point(lng, lat)
        address = (address or "").strip()
        if not address:
            raise ActionError(_("请填写事发地址。"), field="address")
    if grid.kind != RegionKind.GRID:
        raise ActionError(_("%(place)s不在任何网格内，请联系管理员划入网格。") % {"place": address}, field="building")
    if building is not None and lat is None:
        lat, lng = building.lat, building.lng
    contact_phone = validate_phone(contact_phone, field="contact_phone")
    community = ancestor_of_kind(grid, RegionKind.COMMUNITY)
    case = Case(
        number=next_number(at),
        region=grid,
        region_path=grid.path,
        source=source,
        category=category,
        title=title,
        description=description,
        priority=priority,
        building=building,
        house=house,
        lat=lat,
        lng=lng,
        address=address[:200],
        reporter_user=actor,
        reporter_person=reporter_person,
        contact_name=(contact_name or "").strip()[:50],
        contact_phone=contact_phone,
        status=S.REPORTED,
        holder_region=community,
        deadline=stage_deadline(at, category.accept_hours),
        reported_at=at,
    )
    case.save()
    ensure_in_scope(actor, case.region_path)
    step = Step.objects.create(
        case=case,
        verb="report",
        actor=actor,
        status_after=case.status,
        holder_after=case.holder_label,
        note=description[:2000],
        deadline=case.deadline,
        created_at=at,
    )
    if photos:
        save_photos(actor, case, step, photos)
    audit.record(
        actor,
        "case_report",
        case,
        changes={
            "category": [None, category.code],
            "title": [None, title],
            "contact_phone": [None, mask_phone(contact_phone)] if contact_phone else [None, ""],
        },
    )
    return case
