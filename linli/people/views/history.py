"""A person's change history as timeline lines: audit events shown with labels, not codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from linli.core.models import AuditEvent
from linli.people.choices import IdType, PersonStatus, Relation, ResidenceKind, Separation, Sex

VERB_LABELS: dict[str, Any] = {
    "register_person": gettext_lazy("登记"),
    "update_person": gettext_lazy("修改信息"),
    "confirm_person": gettext_lazy("核实"),
    "move_in": gettext_lazy("迁入"),
    "move_out": gettext_lazy("迁出"),
    "record_death": gettext_lazy("登记死亡"),
    "cancel_person": gettext_lazy("注销"),
    "create_household": gettext_lazy("立户"),
    "add_member": gettext_lazy("入户"),
    "remove_member": gettext_lazy("离户"),
    "set_head": gettext_lazy("变更户主"),
    "split_household": gettext_lazy("分户"),
    "merge_households": gettext_lazy("并户"),
    "tag_person": gettext_lazy("添加标签"),
    "untag_person": gettext_lazy("撤销标签"),
    "unmask": gettext_lazy("查看原文"),
}


# Audit ``changes`` keys shown in the timeline, with their labels; others (internal ids) are left out.
CHANGE_LABELS: dict[str, Any] = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("证件号码"),
    "id_type": gettext_lazy("证件类型"),
    "sex": gettext_lazy("性别"),
    "birth_date": gettext_lazy("出生日期"),
    "phone": gettext_lazy("联系电话"),
    "house": gettext_lazy("房屋"),
    "kind": gettext_lazy("人口类型"),
    "status": gettext_lazy("状态"),
    "status_on": gettext_lazy("状态日期"),
    "relation": gettext_lazy("与户主关系"),
    "separation": gettext_lazy("人户关系"),
    "tag": gettext_lazy("标签"),
    "field": gettext_lazy("字段"),
    "region": gettext_lazy("区域"),
    "number": gettext_lazy("户号"),
    "current_address": gettext_lazy("现住地详址"),
    "registered_address": gettext_lazy("户籍地详址"),
    "occupation": gettext_lazy("职业"),
    "employer": gettext_lazy("服务处所"),
}


@dataclass
class HistoryEntry:
    at: datetime
    label: str
    actor: str
    summary: str
    reason: str


# Coded values in audit ``changes`` shown by their labels.
CHANGE_CODES: dict[str, dict[str, Any]] = {
    "relation": dict(Relation.choices),
    "kind": dict(ResidenceKind.choices),
    "id_type": dict(IdType.choices),
    "sex": dict(Sex.choices),
    "status": dict(PersonStatus.choices),
    "separation": dict(Separation.choices),
    "field": {"id_number": gettext_lazy("证件号码"), "phone": gettext_lazy("联系电话")},
}


def _display(key: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    return str(CHANGE_CODES.get(key, {}).get(str(value), value))


def _change_text(key: str, value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        old, new = (_display(key, v) for v in value)
        return f"{CHANGE_LABELS[key]}：{new}" if old == "—" else f"{CHANGE_LABELS[key]}：{old} → {new}"
    return f"{CHANGE_LABELS[key]}：{_display(key, value)}"


def history_entries(events: Iterable[AuditEvent]) -> list[HistoryEntry]:
    """Audit events as timeline lines. The changes were masked when recorded; only known keys are shown."""
    entries = []
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        summary = "；".join(_change_text(k, v) for k, v in changes.items() if k in CHANGE_LABELS)
        entries.append(
            HistoryEntry(
                at=event.at,
                label=str(VERB_LABELS.get(event.verb, event.verb)),
                actor=event.actor_name,
                summary=summary,
                reason=event.reason,
            )
        )
    return entries
