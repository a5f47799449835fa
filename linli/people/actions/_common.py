"""Helpers shared by the people actions: permission and scope checks, labels for messages, field cleaning."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.core.actions import ActionError, require
from linli.core.masking import mask_phone
from linli.core.phones import validate_phone
from linli.core.scope import ensure_in_scope, path_in_scope, scope_paths
from linli.people.choices import (
    Education,
    Ethnicity,
    MaritalStatus,
    PoliticalStatus,
)
from linli.people.models import Household, Person
from linli.places.models import House, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Person fields a caller may set directly (identity, name and place go through their own rules).
PERSON_FIELDS: dict[str, type[Any] | None] = {
    "former_names": None,
    "ethnicity": Ethnicity,
    "native_place": None,
    "marital_status": MaritalStatus,
    "political_status": PoliticalStatus,
    "education": Education,
    "registered_area_code": None,
    "registered_address": None,
    "current_address": None,
    "phone": None,
    "occupation": None,
    "employer": None,
}


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def acting_user(user: User | AnonymousUser) -> User:
    """The user a page or API request acts as. Never ``None`` (the system, which skips the checks):
    an anonymous request is refused here, though the middleware and page guards stop it first."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def _require_edit(actor: User | None, path: str, what: str) -> None:
    """The actor may edit people and ``path`` (where the write lands) is inside their scope."""
    if actor is None:
        return
    require(
        getattr(actor, "is_authenticated", False) and actor.has_capability(Capability.EDIT_PEOPLE),
        _("您没有登记和维护实有人口的权限。"),
    )
    require(path_in_scope(path, scope_paths(actor)), _("%(what)s不在您的管辖范围内。") % {"what": what})


def _ensure_in_scope(actor: User | None, path: str) -> None:
    if actor is not None:
        ensure_in_scope(actor, path)


def _person_label(person: Person) -> str:
    return _("“%(name)s”（证件号 %(id)s）") % {"name": person.name, "id": person.id_masked or _("无")}


def _house_label(house: House) -> str:
    return _("房屋“%(address)s”") % {"address": house.address}


def _fresh_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _fresh_household(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


def _region_name(path: str) -> str:
    """成都市 / 锦江区 / … / 第1网格 — where a row sits, for messages."""
    steplen = Region.steplen
    names = Region.objects.filter(path__in=[path[:i] for i in range(steplen, len(path) + 1, steplen)]).order_by("depth")
    return " / ".join(r.name for r in names) or path


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", (name or "").strip())
    if not name:
        raise ActionError(_("姓名不能为空。"), field="name")
    if len(name) > 50:
        raise ActionError(_("姓名过长（最多 50 个字）。"), field="name")
    return name


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the plain person fields: known names, choice values in their code tables."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ActionError(_("未知的人员字段“%(field)s”。") % {"field": name}, field=name)
        choices = PERSON_FIELDS[name]
        value = "" if value is None else value
        if name == "phone":
            value = validate_phone(str(value))
        elif choices is not None:
            if value not in choices.values and not (value == "" and name == "education"):
                label = _field(Person, name).verbose_name
                raise ActionError(
                    _("%(label)s的代码“%(value)s”不在代码表中。") % {"label": label, "value": value}, field=name
                )
        else:
            value = str(value).strip()
            max_length = _field(Person, name).max_length
            if max_length and len(value) > max_length:
                label = _field(Person, name).verbose_name
                raise ActionError(
                    _("%(label)s过长（最多 %(n)s 个字）。") % {"label": label, "n": max_length}, field=name
                )
        cleaned[name] = value
    return cleaned


def _masked_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Audit ``changes`` with sensitive values masked: [old, new] for each changed field."""
    result: dict[str, Any] = {}
    for key, new in after.items():
        old = before.get(key)
        if old == new:
            continue
        if key == "phone":
            old, new = (mask_phone(old) if old else old), (mask_phone(new) if new else new)
        result[key] = [old, new]
    return result


def _snapshot(person: Person, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(person, name) for name in names}
