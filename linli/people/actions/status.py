"""Status actions: a death (死亡) and a cancelled record (注销) take a person out of the living registry.

Both end the person's current residence and household membership on the day (so the house and the
household no longer count them) and keep every row as history. A deceased or cancelled head leaves
their household without a head; the 活户籍 page lists such households for the worker to settle
(change the head, or dissolve). Tags are left as they are: they say what was true while the person
was in the registry, and lists of active persons no longer show them.

Only an active (在册) person can die or be cancelled here: a moved-out person is another grid's or
another city's business, and a deceased or cancelled record is final (a wrong one is corrected by
the office that keeps the records, not undone from a phone).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.people.actions._common import _ensure_in_scope, _fresh_person, _person_label, _require_edit
from linli.people.choices import PersonStatus, Relation
from linli.people.models import Household, Membership, Person, Residence

if TYPE_CHECKING:
    from linli.accounts.models import User

MIN_CANCEL_REASON = 2
MAX_NOTE = 200


def _check_day(person: Person, day: datetime.date | None, *, field: str, label: str) -> datetime.date:
    """``day`` is given, not after today and not before the person's birth."""
    if day is None:
        raise ActionError(_("请填写%(label)s。") % {"label": label}, field=field)
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ActionError(_("%(label)s格式有误。") % {"label": label}, field=field)
    today = timezone.localdate()
    if day > today:
        raise ActionError(
            _("%(label)s %(day)s 晚于今天（%(today)s），不能登记将来的日期。")
            % {"label": label, "day": day.isoformat(), "today": today.isoformat()},
            field=field,
        )
    if person.birth_date is not None and day < person.birth_date:
        raise ActionError(
            _("%(label)s %(day)s 早于出生日期 %(birth)s。")
            % {"label": label, "day": day.isoformat(), "birth": person.birth_date.isoformat()},
            field=field,
        )
    return day


def _require_active(person: Person, what: str) -> None:
    if person.status != PersonStatus.ACTIVE:
        raise ActionError(
            _("%(person)s的状态为“%(status)s”，只有在册人员才能%(what)s。")
            % {"person": _person_label(person), "status": PersonStatus(person.status).label, "what": what},
            field="person",
            code="not_active",
        )


def _leave_registry(
    actor: User | None, person: Person, day: datetime.date, *, field: str, label: str, reason: str
) -> dict[str, Any]:
    """End the current residence and membership on ``day``; a head leaves the household headless.
    Returns the audit ``changes`` describing it. Refuses a day before either began."""
    residence = (
        Residence.objects.select_for_update()
        .select_related("house")
        .filter(person=person, ended_on__isnull=True)
        .first()
    )
    membership = (
        Membership.objects.select_for_update()
        .select_related("household")
        .filter(person=person, left_on__isnull=True)
        .first()
    )
    for started, what in (
        (residence.started_on if residence else None, _("当前居住登记的迁入日期")),
        (membership.joined_on if membership else None, _("入户日期")),
    ):
        if started is not None and day < started:
            raise ActionError(
                _("%(label)s %(day)s 早于%(what)s %(start)s。")
                % {"label": label, "day": day.isoformat(), "what": what, "start": started.isoformat()},
                field=field,
            )
    changes: dict[str, Any] = {}
    if residence is not None:
        residence.ended_on = day
        residence.save(update_fields=["ended_on"])
        changes["house"] = [residence.house.address, None]
        changes["residence"] = [residence.pk, None]
    if membership is not None:
        household = Household.objects.select_for_update().get(pk=membership.household_id)
        membership.left_on = day
        membership.save(update_fields=["left_on"])
        member_changes: dict[str, Any] = {"left_on": [None, day]}
        if membership.relation == Relation.HEAD or household.head_id == person.pk:
            household.head = None
            household.save(update_fields=["head"])
            member_changes["head"] = [person.name, None]
        audit.record(actor, "remove_member", membership, changes=member_changes, reason=reason)
        changes["number"] = [household.number, None]
    return changes


def _end(
    actor: User | None,
    person: Person,
    *,
    status: str,
    day: datetime.date,
    field: str,
    label: str,
    verb: str,
    reason: str,
) -> Person:
    changes = _leave_registry(actor, person, day, field=field, label=label, reason=reason)
    previous = person.status
    person.status, person.status_on, person.house = status, day, None
    person.save(update_fields=["status", "status_on", "house", "updated_at"])
    audit.record(
        actor,
        verb,
        person,
        changes={"status": [previous, status], "status_on": [None, day], **changes},
        reason=reason,
    )
    _ensure_in_scope(actor, person.region_path)
    return person


@action
def record_death(actor: User | None, person: Person, *, died_on: datetime.date, note: str = "") -> Person:
    """死亡: the person died on ``died_on`` (not in the future, not before birth). Status becomes 死亡
    from that day; their residence and household membership end that day. ``note`` (up to 200
    characters: how it was learned, e.g. 死亡医学证明) is the audit event's reason."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    _require_active(person, _("登记死亡"))
    label = _("死亡日期")
    day = _check_day(person, died_on, field="died_on", label=label)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ActionError(_("备注过长（最多 %(n)s 个字）。") % {"n": MAX_NOTE}, field="note")
    return _end(
        actor,
        person,
        status=PersonStatus.DECEASED,
        day=day,
        field="died_on",
        label=label,
        verb="record_death",
        reason=note,
    )


@action
def cancel_person(actor: User | None, person: Person, *, on: datetime.date, reason: str) -> Person:
    """注销: the record is withdrawn from ``on`` — a duplicate registration, a record made in error.
    ``reason`` is required (at least 2 characters) and kept as the audit event's reason. Like a death,
    the residence and membership end that day; a cancelled record no longer counts as a duplicate."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    _require_active(person, _("注销"))
    reason = (reason or "").strip()
    if len(reason) < MIN_CANCEL_REASON:
        raise ActionError(
            _("请填写注销原因（至少 %(n)s 个字），如“重复登记”。") % {"n": MIN_CANCEL_REASON}, field="reason"
        )
    if len(reason) > MAX_NOTE:
        raise ActionError(_("注销原因过长（最多 %(n)s 个字）。") % {"n": MAX_NOTE}, field="reason")
    label = _("注销日期")
    day = _check_day(person, on, field="on", label=label)
    return _end(
        actor,
        person,
        status=PersonStatus.CANCELLED,
        day=day,
        field="on",
        label=label,
        verb="cancel_person",
        reason=reason,
    )
