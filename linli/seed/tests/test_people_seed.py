"""Demo residents (`linli.seed.people`): valid ID numbers that agree with the person, one head per
household, regions from the house, realistic shares, determinism, and the `linli seed` hook."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q
from stdnum.cn import ric

from linli.accounts.models import User
from linli.core import crypto
from linli.core.idnumbers import check_character, parse_resident_id
from linli.core.masking import mask_id
from linli.core.models import AuditEvent
from linli.people.choices import IdType, Relation, ResidenceKind, Separation
from linli.people.models import Household, Membership, Person, PersonTag, Residence
from linli.people.search import FTS_TABLE, PINYIN_TABLE, rebuild_index, search_keys, search_persons
from linli.places.models import House
from linli.seed import seed_city
from linli.seed.people import ELSEWHERE, LOCAL, SICHUAN, PeopleReport, seed_people

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def people(db: Any) -> PeopleReport:
    seed_city("tiny", 7)
    return seed_people("tiny", 7, today=TODAY)


def age(born: datetime.date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def snapshot() -> list[tuple[Any, ...]]:
    """Everything generated about each person, without ids or ciphertexts (Fernet tokens differ per run)."""
    rows = []
    memberships = {m.person_id: m for m in Membership.objects.select_related("household")}
    residences = {r.person_id: r for r in Residence.objects.all()}
    tags = Counter(PersonTag.objects.values_list("person_id", "tag__code"))
    for person in Person.objects.order_by("id"):
        membership, residence = memberships[person.pk], residences[person.pk]
        rows.append(
            (
                person.name,
                person.sex,
                person.birth_date,
                crypto.decrypt(person.id_number_encrypted),
                person.phone,
                person.house_id,
                person.political_status,
                membership.relation,
                membership.household.number,
                residence.kind,
                residence.separation,
                sorted(code for (pid, code) in tags if pid == person.pk),
            )
        )
    return rows


def test_every_id_number_validates_and_agrees_with_the_person(people: PeopleReport) -> None:
    persons = list(Person.objects.filter(id_type=IdType.RESIDENT_ID))
    assert 250 <= len(persons) <= 600
    digests = set()
    for person in persons:
        number = crypto.decrypt(person.id_number_encrypted)
        parsed = parse_resident_id(number, today=TODAY)
        assert parsed.number == number
        assert parsed.birth_date == person.birth_date, person.name
        assert parsed.sex == person.sex, person.name
        ric.validate(number)  # python-stdnum also checks the area code existed in the birth year
        assert person.id_digest == crypto.digest(number)
        assert person.id_masked == mask_id(number)
        digests.add(person.id_digest)
    assert len(digests) == len(persons), "ID numbers must be unique"


def test_area_codes_are_valid_in_every_birth_year() -> None:
    for county in [LOCAL, *SICHUAN, *ELSEWHERE]:
        for year in range(1915, 2027):
            first17 = f"{county.code_for(year)}{year}0101001"
            ric.validate(first17 + check_character(first17))


def test_every_household_has_exactly_one_current_head(people: PeopleReport) -> None:
    households = Household.objects.annotate(
        heads=Count("memberships", filter=Q(memberships__relation=Relation.HEAD, memberships__left_on__isnull=True))
    )
    assert households.count() == people.counts["households"] > 100
    for household in households:
        assert household.heads == 1, household.number
        head = Membership.objects.get(household=household, relation=Relation.HEAD)
        assert household.head_id == head.person_id
    # Everyone is in exactly one current household and has one current residence.
    assert Membership.objects.current().count() == Person.objects.count() == Residence.objects.current().count()


def test_every_row_takes_its_region_from_the_house(people: PeopleReport) -> None:
    houses = {h.pk: (h.region_id, h.region_path) for h in House.objects.all()}
    for person in Person.objects.all():
        assert person.house_id is not None
        assert (person.region_id, person.region_path) == houses[person.house_id], person.name
    for residence in Residence.objects.all():
        assert (residence.region_id, residence.region_path) == houses[residence.house_id]
    assert not Membership.objects.exclude(region_path=F("person__region_path")).exists()
    assert not Household.objects.exclude(region_path=F("house__region_path")).exists()
    assert not PersonTag.objects.exclude(region_path=F("person__region_path")).exists()


def test_names_carry_their_search_keys(people: PeopleReport) -> None:
    for name, pinyin, initials in Person.objects.values_list("name", "name_pinyin", "name_initials"):
        assert 2 <= len(name) <= 6
        assert (pinyin, initials) == search_keys(name)


def test_the_seed_is_deterministic(people: PeopleReport) -> None:
    first = snapshot()
    for model in (PersonTag, Residence, Membership, Household):
        model.objects.all().delete()
    Person.objects.all().delete()
    seed_people("tiny", 7, today=TODAY)
    assert snapshot() == first
    seed_again = snapshot()
    for model in (PersonTag, Residence, Membership, Household):
        model.objects.all().delete()
    Person.objects.all().delete()
    seed_people("tiny", 8, today=TODAY)
    assert snapshot() != seed_again


def test_shares_look_like_a_chengdu_district(db: Any) -> None:
    """A few thousand households: household sizes, age pyramid, floating share, tags at their rates."""
    seed_city("tiny", 3)
    report = seed_people("tiny", 3, households=3000, today=TODAY)
    persons = report.counts["persons"]
    assert 2.2 <= persons / report.counts["households"] <= 2.8
    ages = [age(b) for b in Person.objects.values_list("birth_date", flat=True) if b is not None]
    assert len(ages) == persons
    assert 0.09 <= sum(a < 15 for a in ages) / persons <= 0.17
    assert 0.58 <= sum(15 <= a < 60 for a in ages) / persons <= 0.74
    assert 0.16 <= sum(a >= 60 for a in ages) / persons <= 0.27
    kinds = Counter(Residence.objects.values_list("kind", flat=True))
    assert 0.14 <= kinds[ResidenceKind.FLOATING] / persons <= 0.27
    floating = Person.objects.filter(residences__kind=ResidenceKind.FLOATING)
    assert (
        not floating.filter(registered_area_code__startswith="51")
        .exclude(registered_area_code__startswith="510")
        .exists()
    )
    for number in [crypto.decrypt(t) for t in floating.values_list("id_number_encrypted", flat=True)[:200]]:
        assert not number.startswith("5101"), "floating residents are registered in other places"
    tags = Counter(PersonTag.objects.values_list("tag__code", flat=True))
    adults = sum(a >= 18 for a in ages)
    assert 0.04 <= tags["party_member"] / adults <= 0.11
    assert 0.03 <= tags["disabled"] / persons <= 0.09
    assert 0.01 <= tags["dibao"] / persons <= 0.04
    # 独居老人: exactly the 60+ who live alone.
    alone = Household.objects.annotate(n=Count("memberships")).filter(n=1).values_list("head_id", flat=True)
    elderly_alone = set(
        Person.objects.filter(pk__in=list(alone), birth_date__lte=TODAY.replace(year=TODAY.year - 60)).values_list(
            "pk", flat=True
        )
    )
    tagged_alone = set(PersonTag.objects.filter(tag__code="elderly_alone").values_list("person_id", flat=True))
    assert tagged_alone == elderly_alone and elderly_alone
    # Villages have left-behind children whose parents live elsewhere (人户分离).
    assert Residence.objects.filter(kind=ResidenceKind.LEFT_BEHIND, left_behind_type="留守儿童").exists()
    assert Residence.objects.filter(separation=Separation.LIVING_ELSEWHERE).exists()
    assert tags["left_behind_child"] == Residence.objects.filter(left_behind_type="留守儿童").count()
    assert Person.objects.filter(id_type=IdType.PASSPORT).count() <= persons * 0.01


def test_linli_seed_builds_residents_and_the_demo_grid_has_some(db: Any) -> None:
    out = StringIO()
    call_command("seed", "--scale", "tiny", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "已生成实有人口" in text and "人/秒" in text
    grid_worker = User.objects.get(username="grid")
    assert Person.objects.visible_to(grid_worker).count() > 0
    assert AuditEvent.objects.filter(verb="seed", object_type="people.person").count() == 1


def test_linli_seed_without_people_and_if_empty_adds_them_later(db: Any) -> None:
    call_command("seed", "--scale", "tiny", "--no-progress", "--no-people", stdout=StringIO())
    assert not Person.objects.exists()
    out = StringIO()
    call_command("seed", "--scale", "tiny", "--no-progress", "--if-empty", stdout=out)
    assert "跳过生成演示城市" in out.getvalue()
    assert Person.objects.count() > 200
    call_command("seed", "--scale", "tiny", "--no-progress", "--if-empty", stdout=StringIO())  # nothing again
    assert AuditEvent.objects.filter(verb="seed", object_type="people.person").count() == 1


def test_the_search_index_written_with_the_persons_is_what_rebuild_index_writes(people: PeopleReport) -> None:
    key = "rowid" if connection.vendor == "sqlite" else "person_id"

    def rows() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {key}, name_chars, former_chars, words FROM {FTS_TABLE} ORDER BY {key}")
            index = cursor.fetchall()
            cursor.execute(f"SELECT person_id, tail FROM {PINYIN_TABLE} ORDER BY person_id, tail")
            return [*index, *cursor.fetchall()]

    written = rows()
    assert len([row for row in written if len(row) == 4]) == Person.objects.count()
    assert len(written) > Person.objects.count()  # and the pinyin tails
    rebuild_index()
    assert rows() == written
    person = Person.objects.filter(name__regex=r"^..$").first()
    assert person is not None
    assert person in search_persons(Person.objects.all(), person.name)


def test_the_seed_without_a_worker_process_gives_the_same_people(people: PeopleReport) -> None:
    first = snapshot()
    for model in (PersonTag, Residence, Membership, Household):
        model.objects.all().delete()
    Person.objects.all().delete()
    seed_people("tiny", 7, today=TODAY, parallel=False)
    assert snapshot() == first
