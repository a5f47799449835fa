"""Household actions: create (立户), members in and out, change of head, split (分户), merge (并户),
and registering a whole family in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.people.actions._common import (
    _ensure_in_scope,
    _fresh_household,
    _fresh_person,
    _house_label,
    _person_label,
    _region_name,
    _require_edit,
    _today,
)
from linli.people.actions.persons import register_person
from linli.people.choices import (
    HouseholdKind,
    Relation,
)
from linli.people.models import Household, Membership, Person
from linli.places.models import House

if TYPE_CHECKING:
    from linli.accounts.models import User


class FamilyMemberError(ActionError):
    """A refusal about one member of ``register_family``: ``index`` is the member's position (0-based)."""

    def __init__(self, message: str, *, index: int, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message, field=field, code=code)
        self.index = index


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
    actor: User | None,
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
    actor: User | None, household: Household, person: Person, *, relation: str, joined_on: datetime.date | None = None
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
    actor: User | None, household: Household, person: Person, *, left_on: datetime.date | None = None
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
    actor: User | None,
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
    actor: User | None,
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
    actor: User | None,
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
    actor: User | None,
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
