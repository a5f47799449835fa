"""Tag actions: tag (打标签) and untag (去标签) a person; who may use which tag."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.people.actions._common import (
    _ensure_in_scope,
    _fresh_person,
    _person_label,
    _require_edit,
    _today,
)
from linli.people.models import Person, PersonTag, Tag

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User


def may_see_tag(user: User | AnonymousUser | None, tag: Tag) -> bool:
    """Open and audited tags are seen by everyone who sees the person; protected ones only by the
    roles listed on the tag. ``None`` (the system) sees all."""
    if user is None or tag.visibility != "protected":
        return True
    roles = user.roles() if hasattr(user, "roles") else set()
    return bool(roles & set(tag.visible_roles or []))


@action
def tag_person(
    actor: User | None,
    person: Person,
    tag: Tag,
    *,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    source: str = "",
) -> PersonTag:
    """打标签: ``tag`` applies to ``person`` from ``starts_on`` (through ``ends_on``, if given)."""
    person = _fresh_person(person)
    tag = Tag.objects.get(pk=tag.pk)
    _require_edit(actor, person.region_path, _person_label(person))
    if not may_see_tag(actor, tag):
        raise PermissionDenied(_("您的角色不能使用标签“%(tag)s”。") % {"tag": tag.name})
    day = _today(starts_on)
    if ends_on is not None and ends_on < day:
        raise ActionError(_("结束日期不能早于开始日期。"), field="ends_on")
    source = (source or "").strip()
    if len(source) > 100:
        raise ActionError(_("来源过长（最多 100 个字）。"), field="source")
    overlapping = PersonTag.objects.filter(person=person, tag=tag, starts_on__lte=ends_on or datetime.date.max)
    overlapping = overlapping.exclude(ends_on__lt=day)
    if overlapping.exists():
        raise ActionError(
            _("“%(name)s”在该期间已有标签“%(tag)s”。") % {"name": person.name, "tag": tag.name}, field="tag"
        )
    person_tag = PersonTag.objects.create(
        person=person,
        tag=tag,
        region_id=person.region_id,
        region_path=person.region_path,
        starts_on=day,
        ends_on=ends_on,
        source=source,
    )
    audit.record(
        actor,
        "tag_person",
        person_tag,
        changes={
            "tag": [None, tag.code],
            "starts_on": [None, day],
            "ends_on": [None, ends_on],
            "source": [None, source],
        },
    )
    _ensure_in_scope(actor, person_tag.region_path)
    return person_tag


@action
def untag_person(actor: User | None, person_tag: PersonTag, *, on: datetime.date | None = None) -> PersonTag:
    """去标签: the tag no longer applies from ``on`` (default today): ``ends_on`` becomes the day before.
    The row is kept as history."""
    person_tag = PersonTag.objects.select_for_update().select_related("tag", "person").get(pk=person_tag.pk)
    _require_edit(actor, person_tag.region_path, _person_label(person_tag.person))
    if not may_see_tag(actor, person_tag.tag):
        raise PermissionDenied(_("您的角色不能使用标签“%(tag)s”。") % {"tag": person_tag.tag.name})
    day = _today(on)
    last_day = day - datetime.timedelta(days=1)
    if person_tag.ends_on is not None and person_tag.ends_on <= last_day:
        raise ActionError(
            _("标签“%(tag)s”已于 %(day)s 结束。") % {"tag": person_tag.tag.name, "day": person_tag.ends_on.isoformat()},
            field="on",
        )
    # Started on or after ``on``: it never applied; keep the row with an empty period.
    new_end = max(last_day, person_tag.starts_on - datetime.timedelta(days=1))
    previous = person_tag.ends_on
    person_tag.ends_on = new_end
    person_tag.save(update_fields=["ends_on"])
    audit.record(actor, "untag_person", person_tag, changes={"ends_on": [previous, new_end]})
    _ensure_in_scope(actor, person_tag.region_path)
    return person_tag
