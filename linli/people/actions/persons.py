"""Person actions: register, update, confirm (核实); the ID number checks behind them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.core.crypto import decrypt, digest, encrypt
from linli.core.idnumbers import IdNumberError, normalise_id, parse_resident_id
from linli.core.masking import mask_id
from linli.people.actions._common import (
    PERSON_FIELDS,
    _clean_fields,
    _clean_name,
    _ensure_in_scope,
    _fresh_person,
    _house_label,
    _masked_changes,
    _person_label,
    _region_name,
    _require_edit,
    _snapshot,
)
from linli.people.actions.residence import _move_in
from linli.people.choices import (
    IdType,
    PersonStatus,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.models import Person
from linli.people.search import search_keys
from linli.places.models import House, Region

if TYPE_CHECKING:
    from linli.accounts.models import User

# Flag codes stored in Person.flags.
FLAG_SEX_MISMATCH = "sex_mismatch"
FLAG_BIRTH_DATE_MISMATCH = "birth_date_mismatch"
FLAG_CONVERTED_FROM_15 = "converted_from_15"


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
    actor: User | None,
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
def update_person(actor: User | None, person: Person, **fields: Any) -> Person:
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
    return decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""


@action
def confirm_person(actor: User | None, person: Person) -> Person:
    """核实: a worker has checked the record against the person; resets the 12-month staleness clock."""
    person = _fresh_person(person)
    _require_edit(actor, person.region_path, _person_label(person))
    previous = person.confirmed_at
    person.confirmed_at = timezone.now()
    person.save(update_fields=["confirmed_at", "updated_at"])
    audit.record(actor, "confirm_person", person, changes={"confirmed_at": [previous, person.confirmed_at]})
    _ensure_in_scope(actor, person.region_path)
    return person
