"""Read-only questions about the registry: a person's change history, which tags a user may see, and
the "活户籍" quality checks per region.

Every function that takes a user returns a queryset already restricted by ``visible_to(user)``;
callers narrow further (pagination, ordering) but never widen.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.people.choices import PersonStatus, Relation, TagVisibility
from linli.people.models import Household, Membership, Person, PersonQuerySet, PersonTag, Residence, Tag
from linli.places.choices import HouseUse
from linli.places.models import House, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User

# Houses nobody is expected to live in are not "vacant" in the registry's sense.
NON_DWELLING_USES = (HouseUse.SHOP, HouseUse.OFFICE, HouseUse.PUBLIC)

STALE_AFTER_MONTHS = 12


# --- tags ------------------------------------------------------------------------------------------


def tags_visible_to(user: User | AnonymousUser | None) -> QuerySet[Tag]:
    """Tags this user may see on a person: open and audited ones, and protected ones naming one of
    their roles. (The tag table is small; the role check runs in Python so it works on SQLite,
    whose JSON fields have no ``contains``.)"""
    roles_of = getattr(user, "roles", None)  # a signed-in User's; nobody else has roles
    roles: set[str] = roles_of() if roles_of is not None and getattr(user, "is_authenticated", False) else set()
    allowed = [
        pk
        for pk, roles_allowed in Tag.objects.filter(visibility=TagVisibility.PROTECTED).values_list(
            "pk", "visible_roles"
        )
        if roles & set(roles_allowed or [])
    ]
    return Tag.objects.filter(~Q(visibility=TagVisibility.PROTECTED) | Q(pk__in=allowed))


def person_tags_visible_to(user: User | AnonymousUser | None) -> QuerySet[PersonTag]:
    """PersonTag rows in the user's scope whose tag the user may see."""
    return PersonTag.objects.visible_to(user).filter(tag__in=tags_visible_to(user))


# --- history ---------------------------------------------------------------------------------------


def person_history(person: Person, user: User | AnonymousUser | None = None) -> QuerySet[AuditEvent]:
    """Every audit event about ``person``: on the person, their memberships, residences and tags,
    oldest first. With ``user``, events on tags that user may not see are left out."""
    tags = PersonTag.objects.filter(person=person)
    if user is not None:
        tags = tags.filter(tag__in=tags_visible_to(user))
    condition = Q(object_type=Person._meta.label_lower, object_id=str(person.pk))
    related: list[tuple[str, QuerySet[Any]]] = [
        (Membership._meta.label_lower, Membership.objects.filter(person=person)),
        (Residence._meta.label_lower, Residence.objects.filter(person=person)),
        (PersonTag._meta.label_lower, tags),
    ]
    for label, queryset in related:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        if ids:
            condition |= Q(object_type=label, object_id__in=ids)
    return AuditEvent.objects.filter(condition).order_by("seq")


def household_history(household: Household) -> QuerySet[AuditEvent]:
    """Every audit event about ``household`` and its memberships, oldest first."""
    ids = [str(pk) for pk in Membership.objects.filter(household=household).values_list("pk", flat=True)]
    condition = Q(object_type=Household._meta.label_lower, object_id=str(household.pk))
    if ids:
        condition |= Q(object_type=Membership._meta.label_lower, object_id__in=ids)
    return AuditEvent.objects.filter(condition).order_by("seq")


# --- 活户籍 quality checks ---------------------------------------------------------------------------


def _persons(user: User | AnonymousUser | None, region: Region) -> PersonQuerySet:
    return Person.objects.visible_to(user).within(region.path)


def persons_without_house(user: User | AnonymousUser | None, region: Region) -> PersonQuerySet:
    """Active persons under ``region`` with no current house (registered but not placed)."""
    return _persons(user, region).active().filter(house__isnull=True).order_by("region_path", "name")


def houses_without_residents(user: User | AnonymousUser | None, region: Region) -> QuerySet[House]:
    """Dwellings under ``region`` where nobody currently lives (no open Residence): vacant, or stale."""
    current = Residence.objects.filter(house=OuterRef("pk"), ended_on__isnull=True)
    return (
        House.objects.visible_to(user)
        .within(region.path)
        .exclude(use__in=NON_DWELLING_USES)
        .filter(~Exists(current))
        .order_by("region_path", "address")
    )


def households_without_head(user: User | AnonymousUser | None, region: Region) -> QuerySet[Household]:
    """Existing (not dissolved) households under ``region`` with no current member as 户主."""
    head = Membership.objects.filter(household=OuterRef("pk"), left_on__isnull=True, relation=Relation.HEAD)
    return (
        Household.objects.visible_to(user)
        .within(region.path)
        .filter(dissolved_on__isnull=True)
        .filter(~Exists(head))
        .order_by("region_path", "number")
    )


def suspected_duplicates(user: User | AnonymousUser | None, region: Region) -> PersonQuerySet:
    """Persons under ``region`` whose ID digest is on another (not cancelled) person anywhere — the
    other record may lie outside the user's scope, so it is not returned, but this one is listed.
    Ordered by digest so the visible copies of one number sit together."""
    shared = (
        Person.objects.exclude(id_digest="")
        .exclude(status=PersonStatus.CANCELLED)
        .values("id_digest")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("id_digest")
    )
    return (
        _persons(user, region)
        .exclude(status=PersonStatus.CANCELLED)
        .filter(id_digest__in=shared)
        .order_by("id_digest", "pk")
    )


def stale_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment 12 months before ``now`` (29 February steps back to 28 February)."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - 1)
    except ValueError:
        return now.replace(year=now.year - 1, day=28)


def stale_records(
    user: User | AnonymousUser | None, region: Region, *, now: datetime.datetime | None = None
) -> PersonQuerySet:
    """Active persons under ``region`` not confirmed (核实) for 12 months, least recently confirmed first."""
    return _persons(user, region).active().filter(confirmed_at__lt=stale_cutoff(now)).order_by("confirmed_at")
