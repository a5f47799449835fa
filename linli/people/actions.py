"""Writes to the population registry: persons, residence, households and their members, tags.

Every function here is an ``@action``: one transaction, a permission check (capability
``EDIT_PEOPLE`` and the place written to inside the actor's scope), the write, an audit event, then
``ensure_in_scope`` on what was written. A refusal raises ``ActionError`` (or ``PermissionDenied``)
with a Chinese message naming the field and the rule; nothing is left changed.

``actor=None`` means the system itself (seed, fixtures, imports run by the CLI): no permission or
scope check, and the audit row has no actor. Views and the API always pass ``request.user``.

Sensitive values never reach the audit table in clear: ID numbers appear as ``id_masked``, phones
through ``mask_phone``. Error messages name the masked number, never the clear one.

Rules worth knowing:

- A person's ``region`` is their current house's grid; until they have a house, the region given
  when they were registered. ``move_in`` moves the person (and their tags) to the new grid; the
  household keeps its own region and house (a household moves only when its house changes, which
  is a separate decision of the 户籍 office, not a side effect of one member moving).
- History is never deleted: residences end (``ended_on``), memberships end (``left_on``) and new
  rows begin; households are dissolved (``dissolved_on``), not deleted; tags end (``ends_on``).
- A tag ``untag_person(..., on=d)`` no longer applies from day ``d``: ``ends_on`` (inclusive) is the
  day before. A tag removed on the day it started therefore never counts as current.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.crypto import digest, encrypt
from linli.core.idnumbers import IdNumberError, normalise_id, parse_resident_id
from linli.core.masking import mask_id, mask_phone
from linli.core.scope import ensure_in_scope, path_in_scope, scope_paths
from linli.people.choices import (
    Education,
    Ethnicity,
    HouseholdKind,
    IdType,
    MaritalStatus,
    PersonStatus,
    PoliticalStatus,
    Relation,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.models import Household, Membership, Person, PersonTag, Residence, Tag
from linli.people.search import search_keys
from linli.places.models import House, Region

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

# Residence detail fields move_in accepts (floating, overseas, left-behind details, note).
RESIDENCE_DETAILS = (
    "floating_reason",
    "permit_type",
    "permit_number",
    "permit_expires_on",
    "foreign_name",
    "nationality",
    "purpose",
    "arrived_on",
    "planned_departure_on",
    "left_behind_type",
    "note",
)

_PHONE_CHARS = re.compile(r"^\+?[0-9]{3,20}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")

# Flag codes stored in Person.flags.
FLAG_SEX_MISMATCH = "sex_mismatch"
FLAG_BIRTH_DATE_MISMATCH = "birth_date_mismatch"
FLAG_CONVERTED_FROM_15 = "converted_from_15"


class FamilyMemberError(ActionError):
    """A refusal about one member of ``register_family``: ``index`` is the member's position (0-based)."""

    def __init__(self, message: str, *, index: int, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message, field=field, code=code)
        self.index = index


# --- helpers ---------------------------------------------------------------------------------------


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def _require_edit(actor: Any, path: str, what: str) -> None:
    """The actor may edit people and ``path`` (where the write lands) is inside their scope."""
    if actor is None:
        return
    require(
        getattr(actor, "is_authenticated", False) and actor.has_capability(Capability.EDIT_PEOPLE),
        _("您没有登记和维护实有人口的权限。"),
    )
    require(path_in_scope(path, scope_paths(actor)), _("%(what)s不在您的管辖范围内。") % {"what": what})


def _ensure_in_scope(actor: Any, path: str) -> None:
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


def _clean_phone(phone: str) -> str:
    phone = _PHONE_SEPARATORS.sub("", phone or "")
    if phone and not _PHONE_CHARS.match(phone):
        raise ActionError(_("联系电话只能包含数字（可带国际区号 +），长度 3 到 20 位。"), field="phone")
    return phone


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
            value = _clean_phone(str(value))
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


class _Identity:
    """The outcome of checking an ID number against what the caller stated."""

    def __init__(self) -> None:
        self.number = ""
        self.sex: str = Sex.UNKNOWN
        self.birth_date: datetime.date | None = None
        self.flags: list[dict[str, Any]] = []


def _check_identity(
    *,
    id_type: str,
    id_number: str,
    sex: str | None,
    birth_date: datetime.date | None,
    accept_mismatch: bool,
) -> _Identity:
    """Normalise and validate the number; derive sex and birth date; refuse or flag disagreements."""
    if id_type not in IdType.values:
        raise ActionError(_("未知的证件类型“%(type)s”。") % {"type": id_type}, field="id_type")
    result = _Identity()
    stated_sex = sex if sex not in (None, "", Sex.UNKNOWN) else None
    if stated_sex is not None and stated_sex not in Sex.values:
        raise ActionError(_("性别代码“%(sex)s”不在代码表中。") % {"sex": stated_sex}, field="sex")
    if id_type != IdType.RESIDENT_ID:
        # Passports and permits follow their issuers' rules; only the typing noise is removed.
        result.number = normalise_id(id_number or "")
        if len(result.number) > 64:
            raise ActionError(_("证件号码过长（最多 64 位）。"), field="id_number")
        result.sex = stated_sex or Sex.UNKNOWN
        result.birth_date = birth_date
        return result
    if not (id_number or "").strip():
        raise ActionError(_("居民身份证号码不能为空。"), field="id_number")
    try:
        parsed = parse_resident_id(id_number)
    except IdNumberError as exc:
        raise ActionError(_("身份证号码有误：%(rule)s") % {"rule": str(exc)}, field="id_number") from exc
    result.number = parsed.number
    result.sex = parsed.sex
    result.birth_date = parsed.birth_date
    if parsed.converted_from_15:
        result.flags.append(
            {"code": FLAG_CONVERTED_FROM_15, "field": "id_number", "message": _("15 位旧号码已按规则升为 18 位。")}
        )
    if stated_sex is not None and stated_sex != parsed.sex:
        message = _("填写的性别（%(stated)s）与身份证号码所示性别（%(derived)s）不一致。") % {
            "stated": Sex(stated_sex).label,
            "derived": Sex(parsed.sex).label,
        }
        if not accept_mismatch:
            raise ActionError(message, field="sex", code="mismatch")
        result.sex = stated_sex
        result.flags.append({"code": FLAG_SEX_MISMATCH, "field": "sex", "message": message})
    if birth_date is not None and birth_date != parsed.birth_date:
        message = _("填写的出生日期（%(stated)s）与身份证号码所示出生日期（%(derived)s）不一致。") % {
            "stated": birth_date.isoformat(),
            "derived": parsed.birth_date.isoformat(),
        }
        if not accept_mismatch:
            raise ActionError(message, field="birth_date", code="mismatch")
        result.birth_date = birth_date
        result.flags.append({"code": FLAG_BIRTH_DATE_MISMATCH, "field": "birth_date", "message": message})
    return result


def _refuse_duplicate(id_digest: str, *, exclude_pk: int | None = None) -> None:
    """One person per ID number: a second record of the same number is refused, naming the first."""
    if not id_digest:
        return
    others = Person.objects.filter(id_digest=id_digest).exclude(status=PersonStatus.CANCELLED)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.first()
    if existing is not None:
        raise ActionError(
            _("证件号码 %(id)s 已登记在%(where)s（人员编号 %(pk)s），同一证件号码不能重复登记。")
            % {"id": existing.id_masked, "where": _region_name(existing.region_path), "pk": existing.pk},
            field="id_number",
            code="duplicate",
        )


def _identity_fields(identity: _Identity, id_type: str) -> dict[str, Any]:
    number = identity.number
    return {
        "id_type": id_type,
        "id_number_encrypted": encrypt(number) if number else "",
        "id_digest": digest(number) if number else "",
        "id_masked": mask_id(number),
        "sex": identity.sex,
        "birth_date": identity.birth_date,
    }


def _merge_flags(existing: Sequence[Any], new: Sequence[dict[str, Any]], replace_codes: Iterable[str]) -> list[Any]:
    codes = set(replace_codes)
    kept = [f for f in existing if not (isinstance(f, dict) and f.get("code") in codes)]
    return kept + list(new)


# --- persons ---------------------------------------------------------------------------------------


@action
def register_person(
    actor: Any,
    *,
    house: House | None = None,
    region: Region | None = None,
    id_type: str = IdType.RESIDENT_ID,
    id_number: str,
    name: str,
    sex: str | None = None,
    birth_date: datetime.date | None = None,
    accept_mismatch: bool = False,
    residence_kind: str = ResidenceKind.REGISTERED,
    separation: str = Separation.CONSISTENT,
    started_on: datetime.date | None = None,
    **fields: Any,
) -> Person:
    """登记人员. Sex and birth date come from a resident ID; a stated value that disagrees is refused
    (``field="sex"``/``"birth_date"``) unless ``accept_mismatch``, when it is kept and flagged.

    With ``house`` the person lives there from ``started_on`` (a Residence of ``residence_kind``) and
    belongs to its grid; without, ``region`` says where they are registered.
    """
    if house is not None:
        house = House.objects.select_related("region").get(pk=house.pk)
        _require_edit(actor, house.region_path, _house_label(house))
        target_region = house.region
    elif region is not None:
        target_region = Region.objects.get(pk=region.pk)
        _require_edit(actor, target_region.path, _("区域“%(name)s”") % {"name": target_region.name})
    else:
        raise ActionError(_("请选择现住房屋或所属区域。"), field="house")
    name = _clean_name(name)
    cleaned = _clean_fields(fields)
    identity = _check_identity(
        id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date, accept_mismatch=accept_mismatch
    )
    identity_fields = _identity_fields(identity, id_type)
    _refuse_duplicate(identity_fields["id_digest"])
    pinyin, initials = search_keys(name)
    person = Person(
        region=target_region,
        region_path=target_region.path,
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        flags=identity.flags,
        **identity_fields,
        **cleaned,
    )
    person.save(force_insert=True)
    changes: dict[str, Any] = {
        "name": [None, name],
        "id_type": [None, id_type],
        "id_number": [None, person.id_masked],
        "sex": [None, person.sex],
        "birth_date": [None, person.birth_date],
        "region": [None, target_region.name],
    }
    changes.update(_masked_changes({}, cleaned))
    if identity.flags:
        changes["flags"] = [None, [f["code"] for f in identity.flags]]
    audit.record(actor, "register_person", person, changes=changes)
    if house is not None:
        _move_in(
            actor, person, house=house, kind=residence_kind, started_on=started_on, separation=separation, details={}
        )
    _ensure_in_scope(actor, person.region_path)
    return person


@action
def update_person(actor: Any, person: Person, **fields: Any) -> Person:
    """Change a person's record. ``name``, ``id_type``/``id_number``/``sex``/``birth_date`` (checked as
    on registration, ``accept_mismatch`` allowed) and the plain fields of ``PERSON_FIELDS``.
    Place changes go through ``move_in``/``move_out``."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    accept_mismatch = bool(fields.pop("accept_mismatch", False))
    identity_keys = {"id_type", "id_number", "sex", "birth_date"} & fields.keys()
    before = _snapshot(person, ["name", "id_type", "id_masked", "sex", "birth_date", *PERSON_FIELDS])
    update_fields: list[str] = []

    if "name" in fields:
        person.name = _clean_name(fields.pop("name"))
        person.name_pinyin, person.name_initials = search_keys(person.name)
        update_fields += ["name", "name_pinyin", "name_initials"]

    if identity_keys:
        id_type = fields.pop("id_type", person.id_type)
        if "id_number" in fields:
            id_number = fields.pop("id_number")
        elif id_type != person.id_type:
            raise ActionError(_("更改证件类型时请同时填写证件号码。"), field="id_number")
        else:
            id_number = _decrypt_number(person)
        sex = fields.pop("sex", person.sex)
        birth_date = fields.pop("birth_date", person.birth_date)
        identity = _check_identity(
            id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date, accept_mismatch=accept_mismatch
        )
        identity_fields = _identity_fields(identity, id_type)
        _refuse_duplicate(identity_fields["id_digest"], exclude_pk=person.pk)
        for key, value in identity_fields.items():
            setattr(person, key, value)
        person.flags = _merge_flags(
            person.flags,
            identity.flags,
            (FLAG_SEX_MISMATCH, FLAG_BIRTH_DATE_MISMATCH, FLAG_CONVERTED_FROM_15),
        )
        update_fields += [*identity_fields, "flags"]

    cleaned = _clean_fields(fields)
    for key, value in cleaned.items():
        setattr(person, key, value)
    update_fields += list(cleaned)
    if not update_fields:
        return person
    person.save(update_fields=[*dict.fromkeys(update_fields), "updated_at"])
    after = _snapshot(person, before)
    changes = _masked_changes(before, after)
    if "id_masked" in changes:
        changes["id_number"] = changes.pop("id_masked")
    if changes:
        audit.record(actor, "update_person", person, changes=changes)
    _ensure_in_scope(actor, person.region_path)
    return person


def _decrypt_number(person: Person) -> str:
    from linli.core.crypto import decrypt

    return decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""


@action
def confirm_person(actor: Any, person: Person) -> Person:
    """核实: a worker has checked the record against the person; resets the 12-month staleness clock."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    previous = person.confirmed_at
    person.confirmed_at = timezone.now()
    person.save(update_fields=["confirmed_at", "updated_at"])
    audit.record(actor, "confirm_person", person, changes={"confirmed_at": [previous, person.confirmed_at]})
    _ensure_in_scope(actor, person.region_path)
    return person


# --- residence -------------------------------------------------------------------------------------


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
    actor: Any,
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
    actor: Any,
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
def move_out(actor: Any, person: Person, *, on: datetime.date | None = None, note: str = "") -> Person:
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


# --- households ------------------------------------------------------------------------------------


def _household_label(household: Household) -> str:
    return _("户“%(number)s”") % {"number": household.number}


def _current_membership(person: Person) -> Membership | None:
    return Membership.objects.select_related("household").filter(person=person, left_on__isnull=True).first()


def _refuse_if_in_household(person: Person, *, as_head: bool) -> None:
    """A person belongs to one household at a time, and heads at most one."""
    membership = _current_membership(person)
    if membership is None:
        return
    if membership.relation == Relation.HEAD:
        raise ActionError(
            _("%(person)s已是户“%(number)s”的户主，不能再成为其他户的%(role)s。")
            % {
                "person": _person_label(person),
                "number": membership.household.number,
                "role": _("户主") if as_head else _("成员"),
            },
            field="head" if as_head else "person",
            code="already_head",
        )
    raise ActionError(
        _("%(person)s已是户“%(number)s”的成员，请先办理离户。")
        % {"person": _person_label(person), "number": membership.household.number},
        field="head" if as_head else "person",
        code="already_member",
    )


def _check_relation(relation: str) -> None:
    if relation not in Relation.values:
        raise ActionError(_("与户主关系代码“%(code)s”不在代码表中。") % {"code": relation}, field="relation")


def _join(household: Household, person: Person, relation: str, day: datetime.date) -> Membership:
    return Membership.objects.create(
        household=household,
        person=person,
        region_id=household.region_id,
        region_path=household.region_path,
        relation=relation,
        joined_on=day,
    )


def _leave(membership: Membership, day: datetime.date) -> None:
    if day < membership.joined_on:
        raise ActionError(
            _("离户日期 %(day)s 早于入户日期 %(joined)s。")
            % {"day": day.isoformat(), "joined": membership.joined_on.isoformat()},
            field="left_on",
        )
    membership.left_on = day
    membership.save(update_fields=["left_on"])


def _require_open(household: Household) -> None:
    if household.dissolved_on is not None:
        raise ActionError(
            _("%(household)s已于 %(day)s 撤销。")
            % {"household": _household_label(household), "day": household.dissolved_on.isoformat()},
            field="household",
        )


@action
def create_household(
    actor: Any,
    *,
    number: str,
    house: House | None,
    kind: str = HouseholdKind.FAMILY,
    head: Person,
    joined_on: datetime.date | None = None,
) -> Household:
    """立户: a household at ``house`` (or, without one, in the head's region) with ``head`` as 户主."""
    number = (number or "").strip()
    if not number:
        raise ActionError(_("户号不能为空。"), field="number")
    if len(number) > 32:
        raise ActionError(_("户号过长（最多 32 位）。"), field="number")
    if kind not in HouseholdKind.values:
        raise ActionError(_("未知的户类型“%(kind)s”。") % {"kind": kind}, field="kind")
    head = _fresh_person(head)
    _require_edit(actor, head.region_path, _person_label(head))
    if house is not None:
        house = House.objects.get(pk=house.pk)
        _require_edit(actor, house.region_path, _house_label(house))
        region_id, region_path = house.region_id, house.region_path
    else:
        region_id, region_path = head.region_id, head.region_path
    existing = Household.objects.filter(number=number, dissolved_on__isnull=True).first()
    if existing is not None:
        raise ActionError(
            _("户号“%(number)s”已被%(where)s的户使用。")
            % {"number": number, "where": _region_name(existing.region_path)},
            field="number",
            code="duplicate",
        )
    _refuse_if_in_household(head, as_head=True)
    household = Household.objects.create(
        number=number, kind=kind, house=house, head=head, region_id=region_id, region_path=region_path
    )
    membership = _join(household, head, Relation.HEAD, _today(joined_on))
    audit.record(
        actor,
        "create_household",
        household,
        changes={
            "number": [None, number],
            "kind": [None, kind],
            "house": [None, house.address if house else None],
            "head": [None, head.name],
        },
    )
    audit.record(
        actor, "add_member", membership, changes={"household": [None, number], "relation": [None, Relation.HEAD]}
    )
    _ensure_in_scope(actor, household.region_path)
    return household


@action
def add_member(
    actor: Any, household: Household, person: Person, *, relation: str, joined_on: datetime.date | None = None
) -> Membership:
    """入户: ``person`` joins ``household`` with ``relation`` to the head (户主 only when it has none)."""
    household = _fresh_household(household)
    person = _fresh_person(person)
    _require_edit(actor, household.region_path, _household_label(household))
    _require_edit(actor, person.region_path, _person_label(person))
    _require_open(household)
    _check_relation(relation)
    if (
        relation == Relation.HEAD
        and household.memberships.filter(left_on__isnull=True, relation=Relation.HEAD).exists()
    ):
        raise ActionError(
            _("%(household)s已有户主，请使用“变更户主”。") % {"household": _household_label(household)},
            field="relation",
        )
    _refuse_if_in_household(person, as_head=relation == Relation.HEAD)
    membership = _join(household, person, relation, _today(joined_on))
    if relation == Relation.HEAD:
        household.head = person
        household.save(update_fields=["head"])
    audit.record(
        actor,
        "add_member",
        membership,
        changes={"household": [None, household.number], "relation": [None, relation]},
    )
    _ensure_in_scope(actor, membership.region_path)
    return membership


@action
def remove_member(
    actor: Any, household: Household, person: Person, *, left_on: datetime.date | None = None
) -> Membership:
    """离户: the membership ends ``left_on``. The head may leave only as the last member (the household
    is then headless, which the quality page lists); otherwise change the head first."""
    household = _fresh_household(household)
    _require_edit(actor, household.region_path, _household_label(household))
    membership = (
        Membership.objects.select_for_update().filter(household=household, person=person, left_on__isnull=True).first()
    )
    if membership is None:
        raise ActionError(
            _("“%(name)s”不是%(household)s的现有成员。")
            % {"name": person.name, "household": _household_label(household)},
            field="person",
        )
    if membership.relation == Relation.HEAD and household.memberships.filter(left_on__isnull=True).count() > 1:
        raise ActionError(
            _("“%(name)s”是%(household)s的户主，请先变更户主再办理离户。")
            % {"name": person.name, "household": _household_label(household)},
            field="person",
        )
    _leave(membership, _today(left_on))
    if household.head_id == person.pk:
        household.head = None
        household.save(update_fields=["head"])
    audit.record(actor, "remove_member", membership, changes={"left_on": [None, membership.left_on]})
    _ensure_in_scope(actor, household.region_path)
    return membership


@action
def set_head(
    actor: Any,
    household: Household,
    person: Person,
    *,
    former_head_relation: str = Relation.OTHER,
    on: datetime.date | None = None,
) -> Membership:
    """变更户主: ``person`` (a current member) becomes head from ``on``; the former head stays a member
    with ``former_head_relation``. Both changes are dated memberships; the old rows are kept."""
    household = _fresh_household(household)
    _require_edit(actor, household.region_path, _household_label(household))
    _require_open(household)
    _check_relation(former_head_relation)
    if former_head_relation == Relation.HEAD:
        raise ActionError(_("原户主的新关系不能仍为“户主”。"), field="former_head_relation")
    day = _today(on)
    current = {
        m.person_id: m for m in Membership.objects.select_for_update().filter(household=household, left_on__isnull=True)
    }
    target = current.get(person.pk)
    if target is None:
        raise ActionError(
            _("“%(name)s”不是%(household)s的现有成员，请先办理入户。")
            % {"name": person.name, "household": _household_label(household)},
            field="person",
        )
    if target.relation == Relation.HEAD:
        raise ActionError(_("“%(name)s”已是户主。") % {"name": person.name}, field="person")
    old_head = next((m for m in current.values() if m.relation == Relation.HEAD), None)
    if old_head is not None:
        _leave(old_head, day)
        _join(household, old_head.person, former_head_relation, day)
    _leave(target, day)
    membership = _join(household, person, Relation.HEAD, day)
    household.head = person
    household.save(update_fields=["head"])
    audit.record(
        actor,
        "set_head",
        household,
        changes={"head": [old_head.person.name if old_head else None, person.name], "on": [None, day]},
    )
    _ensure_in_scope(actor, household.region_path)
    return membership


def _as_member_relations(members: Sequence[Person | tuple[Person, str]]) -> list[tuple[Person, str | None]]:
    result: list[tuple[Person, str | None]] = []
    for item in members:
        if isinstance(item, tuple):
            person, relation = item
            _check_relation(relation)
            result.append((person, relation))
        else:
            result.append((item, None))
    return result


@action
def split_household(
    actor: Any,
    household: Household,
    *,
    members: Sequence[Person | tuple[Person, str]],
    new_number: str,
    head: Person,
    house: House | None = None,
    on: datetime.date | None = None,
) -> Household:
    """分户: ``members`` (current members, ``head`` among them) leave ``household`` on ``on`` and form a
    new household ``new_number`` at ``house`` (default: the same house). A member given as
    ``(person, relation)`` takes that relation to the new head; a bare person keeps their relation.
    The old household's head cannot be split off (change the head first)."""
    household = _fresh_household(household)
    _require_edit(actor, household.region_path, _household_label(household))
    _require_open(household)
    day = _today(on)
    pairs = _as_member_relations(members)
    if head.pk not in {p.pk for p, _r in pairs}:
        raise ActionError(_("新户主必须是分出的成员之一。"), field="head")
    current = {
        m.person_id: m for m in Membership.objects.select_for_update().filter(household=household, left_on__isnull=True)
    }
    for person, _relation in pairs:
        membership = current.get(person.pk)
        if membership is None:
            raise ActionError(
                _("“%(name)s”不是%(household)s的现有成员。")
                % {"name": person.name, "household": _household_label(household)},
                field="members",
            )
        if membership.relation == Relation.HEAD:
            raise ActionError(
                _("“%(name)s”是原户户主，不能分出；请先变更户主。") % {"name": person.name}, field="members"
            )
    if len(pairs) >= len(current):
        raise ActionError(_("分户后原户不能没有成员。"), field="members")
    for person, _relation in pairs:
        _leave(current[person.pk], day)
    new_house = house if house is not None else household.house
    new = create_household(actor, number=new_number, house=new_house, kind=household.kind, head=head, joined_on=day)
    for person, relation in pairs:
        if person.pk == head.pk:
            continue
        _join(new, person, relation or current[person.pk].relation, day)
    audit.record(
        actor,
        "split_household",
        household,
        changes={"into": [None, new.number], "members": [None, [p.name for p, _r in pairs]], "on": [None, day]},
    )
    _ensure_in_scope(actor, household.region_path)
    return new


@action
def merge_households(
    actor: Any,
    source: Household,
    *,
    into: Household,
    relations: Mapping[int, str] | None = None,
    on: datetime.date | None = None,
) -> Household:
    """并户: every current member of ``source`` leaves it on ``on`` and joins ``into``; ``source`` is
    dissolved. ``relations`` maps person id → relation to ``into``'s head (default: 其他 for the
    former head, the same relation for the others)."""
    source = _fresh_household(source)
    into = _fresh_household(into)
    if source.pk == into.pk:
        raise ActionError(_("不能把户并入它自己。"), field="into")
    _require_edit(actor, source.region_path, _household_label(source))
    _require_edit(actor, into.region_path, _household_label(into))
    _require_open(source)
    _require_open(into)
    relations = dict(relations or {})
    for relation in relations.values():
        _check_relation(relation)
        if relation == Relation.HEAD:
            raise ActionError(_("并入的成员不能成为户主；并户后可再变更户主。"), field="relations")
    day = _today(on)
    moved = []
    for membership in Membership.objects.select_for_update().filter(household=source, left_on__isnull=True):
        _leave(membership, day)
        default = Relation.OTHER if membership.relation == Relation.HEAD else membership.relation
        _join(into, membership.person, relations.get(membership.person_id, default), day)
        moved.append(membership.person.name)
    source.dissolved_on = day
    source.head = None
    source.save(update_fields=["dissolved_on", "head"])
    audit.record(actor, "merge_households", source, changes={"into": [None, into.number], "members": [None, moved]})
    audit.record(actor, "merge_households", into, changes={"from": [None, source.number], "members": [None, moved]})
    _ensure_in_scope(actor, into.region_path)
    return into


@action
def register_family(
    actor: Any,
    *,
    house: House,
    kind: str,
    household_number: str,
    members: Sequence[Mapping[str, Any]],
    household_kind: str = HouseholdKind.FAMILY,
    started_on: datetime.date | None = None,
) -> Household:
    """一户一登: several persons move into ``house`` (residence ``kind``, a ResidenceKind) and form a
    household, all in one transaction. Each member dict holds ``register_person``'s fields plus
    ``relation``; exactly one is 户主. A refusal about one member is a ``FamilyMemberError``
    naming them (its ``index`` says which) and leaves nothing written."""
    if not members:
        raise ActionError(_("请至少登记一名家庭成员。"), field="members")
    heads = [i for i, m in enumerate(members) if m.get("relation") == Relation.HEAD]
    if len(heads) != 1:
        raise ActionError(_("一户必须有且只有一名户主（现有 %(n)s 名）。") % {"n": len(heads)}, field="relation")
    house = House.objects.get(pk=house.pk)
    _require_edit(actor, house.region_path, _house_label(house))
    persons: list[tuple[Person, str]] = []
    for index, member in enumerate(members):
        data = dict(member)
        relation = data.pop("relation", "")
        data.setdefault("residence_kind", kind)
        data.setdefault("started_on", started_on)
        try:
            _check_relation(relation)
            person = register_person(actor, house=house, **data)
        except ActionError as exc:
            who = str(data.get("name") or "").strip() or _("（未填姓名）")
            raise FamilyMemberError(
                _("第 %(n)s 位成员“%(name)s”：%(message)s") % {"n": index + 1, "name": who, "message": exc.message},
                index=index,
                field=exc.field,
                code=exc.code,
            ) from exc
        persons.append((person, relation))
    head = persons[heads[0]][0]
    household = create_household(
        actor, number=household_number, house=house, kind=household_kind, head=head, joined_on=started_on
    )
    for person, relation in persons:
        if person.pk != head.pk:
            add_member(actor, household, person, relation=relation, joined_on=started_on)
    return household


# --- tags ------------------------------------------------------------------------------------------


def may_see_tag(user: Any, tag: Tag) -> bool:
    """Open and audited tags are seen by everyone who sees the person; protected ones only by the
    roles listed on the tag. ``None`` (the system) sees all."""
    if user is None or tag.visibility != "protected":
        return True
    roles = user.roles() if hasattr(user, "roles") else set()
    return bool(roles & set(tag.visible_roles or []))


@action
def tag_person(
    actor: Any,
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
def untag_person(actor: Any, person_tag: PersonTag, *, on: datetime.date | None = None) -> PersonTag:
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
