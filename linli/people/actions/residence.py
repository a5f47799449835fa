"""Residence actions: move in (迁入) and move out (迁出)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.people.actions._common import (
    _ensure_in_scope,
    _field,
    _fresh_person,
    _house_label,
    _person_label,
    _require_edit,
    _today,
)
from linli.people.choices import (
    PersonStatus,
    ResidenceKind,
    Separation,
)
from linli.people.models import Person, PersonTag, Residence
from linli.places.models import House

if TYPE_CHECKING:
    from linli.accounts.models import User

# Residence detail fields move_in accepts (floating, overseas, left-behind details, note).
RESIDENCE_DETAILS = Residence.DETAIL_FIELDS


def _clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if key not in RESIDENCE_DETAILS:
            raise ActionError(_("未知的居住登记字段“%(field)s”。") % {"field": key}, field=key)
        if key.endswith("_on"):
            if value in (None, ""):
                value = None
            elif not isinstance(value, datetime.date):
                raise ActionError(_("日期格式有误。"), field=key)
        else:
            value = str(value or "").strip()
            max_length = _field(Residence, key).max_length
            if max_length and len(value) > max_length:
                label = _field(Residence, key).verbose_name
                raise ActionError(
                    _("%(label)s过长（最多 %(n)s 个字）。") % {"label": label, "n": max_length}, field=key
                )
        cleaned[key] = value
    return cleaned


def _move_in(
    actor: User | None,
    person: Person,
    *,
    house: House,
    kind: str,
    started_on: datetime.date | None,
    separation: str,
    details: Mapping[str, Any],
) -> Residence:
    if kind not in ResidenceKind.values:
        raise ActionError(_("未知的人口类型“%(kind)s”。") % {"kind": kind}, field="kind")
    if separation not in Separation.values:
        raise ActionError(_("未知的人户关系“%(value)s”。") % {"value": separation}, field="separation")
    if person.status in (PersonStatus.DECEASED, PersonStatus.CANCELLED):
        raise ActionError(
            _("%(person)s的状态为“%(status)s”，不能办理迁入。")
            % {"person": _person_label(person), "status": PersonStatus(person.status).label},
            field="person",
        )
    cleaned = _clean_details(details)
    day = _today(started_on)
    current = Residence.objects.select_for_update().filter(person=person, ended_on__isnull=True).first()
    old_address = None
    if current is not None:
        if day < current.started_on:
            raise ActionError(
                _("迁入日期 %(day)s 早于当前居住登记的迁入日期 %(start)s。")
                % {"day": day.isoformat(), "start": current.started_on.isoformat()},
                field="started_on",
            )
        current.ended_on = day
        current.save(update_fields=["ended_on"])
        old_address = current.house.address
    residence = Residence.objects.create(
        person=person,
        house=house,
        region_id=house.region_id,
        region_path=house.region_path,
        kind=kind,
        separation=separation,
        started_on=day,
        **cleaned,
    )
    moved_region = person.region_id != house.region_id
    person.house = house
    person.region_id = house.region_id
    person.region_path = house.region_path
    person.current_address = house.address  # 现住地详址 follows the house lived in
    update = ["house", "region", "region_path", "current_address", "updated_at"]
    if person.status == PersonStatus.MOVED_OUT:
        person.status, person.status_on = PersonStatus.ACTIVE, day
        update += ["status", "status_on"]
    person.save(update_fields=update)
    if moved_region:
        # Tags follow the person so that who may see them follows too.
        PersonTag.objects.filter(person=person).update(region_id=house.region_id, region_path=house.region_path)
    changes: dict[str, Any] = {
        "house": [old_address, house.address],
        "kind": [current.kind if current else None, kind],
        "started_on": [None, day],
        "residence": [current.pk if current else None, residence.pk],
    }
    if separation != Separation.CONSISTENT:
        changes["separation"] = [None, separation]
    audit.record(actor, "move_in", person, changes=changes)
    return residence


@action
def move_in(
    actor: User | None,
    person: Person,
    *,
    house: House,
    kind: str,
    started_on: datetime.date | None = None,
    separation: str = Separation.CONSISTENT,
    **details: Any,
) -> Residence:
    """迁入: the person lives at ``house`` from ``started_on``; the current residence (if any) ends that
    day. The person (and their tags) move to the house's grid. Both the person and the house must be
    inside the actor's scope, so a move between grids needs someone whose scope covers both."""
    person = _fresh_person(person)
    house = House.objects.select_related("region").get(pk=house.pk)
    _require_edit(actor, person.region_path, _person_label(person))
    _require_edit(actor, house.region_path, _house_label(house))
    residence = _move_in(
        actor, person, house=house, kind=kind, started_on=started_on, separation=separation, details=details
    )
    _ensure_in_scope(actor, person.region_path)
    return residence


@action
def move_out(actor: User | None, person: Person, *, on: datetime.date | None = None, note: str = "") -> Person:
    """迁出: the current residence ends ``on``; the person's status becomes 迁出 from that day. They stay
    in their last grid (so the worker can still find them) with no current house."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    if person.status != PersonStatus.ACTIVE:
        raise ActionError(
            _("%(person)s的状态为“%(status)s”，不能办理迁出。")
            % {"person": _person_label(person), "status": PersonStatus(person.status).label},
            field="person",
        )
    day = _today(on)
    note = (note or "").strip()[:200]
    current = Residence.objects.select_for_update().filter(person=person, ended_on__isnull=True).first()
    old_address = None
    if current is not None:
        if day < current.started_on:
            raise ActionError(
                _("迁出日期 %(day)s 早于迁入日期 %(start)s。")
                % {"day": day.isoformat(), "start": current.started_on.isoformat()},
                field="on",
            )
        current.ended_on = day
        fields = ["ended_on"]
        if note:
            current.note = note
            fields.append("note")
        current.save(update_fields=fields)
        old_address = current.house.address
    person.status, person.status_on, person.house = PersonStatus.MOVED_OUT, day, None
    person.save(update_fields=["status", "status_on", "house", "updated_at"])
    audit.record(
        actor,
        "move_out",
        person,
        changes={
            "status": [PersonStatus.ACTIVE, PersonStatus.MOVED_OUT],
            "house": [old_address, None],
            "ended_on": [None, day],
            "residence": [current.pk if current else None, None],
        },
        reason=note,
    )
    _ensure_in_scope(actor, person.region_path)
    return person
