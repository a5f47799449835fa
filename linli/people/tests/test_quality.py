"""活户籍 quality checks: each finds what it should, within the region, and only what the user may see."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from linli.people.actions import move_out, register_person, remove_member
from linli.people.models import Person
from linli.people.queries import (
    households_without_head,
    houses_without_residents,
    persons_without_house,
    stale_cutoff,
    stale_records,
    suspected_duplicates,
)
from linli.places.models import House
from linli.testing import TestCity, TestPeople, add_people, grid_houses, resident_id

GRID = "510104001001001"


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


def test_persons_without_house(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    grid = city.region(GRID)
    unplaced = register_person(worker, region=grid, id_number=resident_id(date(1970, 3, 3), 81), name="周游")
    assert list(persons_without_house(worker, grid)) == [unplaced]
    # A moved-out person has no house either, but is no longer the grid's to place.
    move_out(worker, people.persons["王芳"])
    assert list(persons_without_house(worker, grid)) == [unplaced]


def test_houses_without_residents(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    grid = city.region(GRID)
    houses = grid_houses(GRID)
    empty = set(houses_without_residents(worker, grid))
    assert houses[0] not in empty and houses[1] not in empty  # H001 and 王芳 live there
    assert empty == set(houses[2:])
    move_out(worker, people.persons["王芳"])
    assert houses[1] in set(houses_without_residents(worker, grid))
    # A shop is not a dwelling: it is never "vacant" in the registry's sense.
    House.objects.filter(pk=houses[2].pk).update(use="shop")
    assert houses[2] not in set(houses_without_residents(worker, grid))


def test_households_without_head(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    grid = city.region(GRID)
    assert not households_without_head(worker, grid).exists()
    remove_member(worker, people.households["H002"], people.persons["王芳"])
    assert list(households_without_head(worker, grid)) == [people.households["H002"]]


def test_suspected_duplicates_share_an_id_digest(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    grid = city.region(GRID)
    assert not suspected_duplicates(worker, grid).exists()
    # Registration refuses duplicates, but imports and history can hold them: make one directly.
    zhang = people.persons["张伟"]
    copy = Person.objects.create(
        region=zhang.region,
        region_path=zhang.region_path,
        name="张卫",
        id_digest=zhang.id_digest,
        id_masked=zhang.id_masked,
    )
    assert set(suspected_duplicates(worker, grid)) == {zhang, copy}
    # A copy in another district is counted, but only the visible record is listed.
    Person.objects.filter(pk=copy.pk).update(
        region=city.region("510105001001001"), region_path=city.region("510105001001001").path
    )
    assert list(suspected_duplicates(worker, grid)) == [zhang]
    assert list(suspected_duplicates(city.users["outsider"], city.region("510105"))) == [copy]
    # A cancelled record is no longer a duplicate.
    Person.objects.filter(pk=copy.pk).update(status="cancelled")
    assert not suspected_duplicates(worker, grid).exists()


def test_stale_records_are_those_not_confirmed_for_twelve_months(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    grid = city.region(GRID)
    assert not stale_records(worker, grid).exists()
    now = timezone.now()
    wang, zhang = people.persons["王芳"], people.persons["张伟"]
    Person.objects.filter(pk=wang.pk).update(confirmed_at=now - timedelta(days=400))
    Person.objects.filter(pk=zhang.pk).update(confirmed_at=now - timedelta(days=300))
    assert list(stale_records(worker, grid)) == [wang]


def test_stale_cutoff_handles_29_february() -> None:
    leap = timezone.make_aware(datetime(2028, 2, 29, 12, 0))
    assert stale_cutoff(leap).date() == date(2027, 2, 28)


def test_quality_checks_stay_within_scope_and_region(city: TestCity, people: TestPeople) -> None:
    worker, outsider = city.users["grid_worker"], city.users["outsider"]
    theirs = city.region("510105001001001")
    register_person(None, region=theirs, id_number=resident_id(date(1975, 5, 5), 85, "510105"), name="吴用")
    # The grid worker asking about the other district gets nothing, whatever is there.
    for check in (persons_without_house, houses_without_residents, households_without_head, stale_records):
        assert not check(worker, theirs).exists()
    assert [p.name for p in persons_without_house(outsider, theirs)] == ["吴用"]
    # The community worker asking about one grid sees only that grid.
    community_worker = city.users["community_worker"]
    other_grid = city.region("510104001001002")
    assert set(houses_without_residents(community_worker, other_grid)) == set(grid_houses("510104001001002")[1:])
