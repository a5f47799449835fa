"""Households into rows: one household per chosen house (family, collective or overseas), its persons,
memberships, residence and tags, written through the Deriver."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from linli.people.choices import (
    Ethnicity,
    HouseholdKind,
    IdType,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.models import Household, Membership, Person, PersonTag, Residence
from linli.seed.people.counties import ELSEWHERE, ELSEWHERE_CUM, LOCAL, SICHUAN, SICHUAN_CUM, County
from linli.seed.people.derive import Deriver
from linli.seed.people.members import Member, MemberDrawer, _age
from linli.seed.people.mix import FLOATING_REASONS, MINORITIES, OVERSEAS, OVERSEAS_PURPOSES, SIZE_CUM, SIZES
from linli.seed.people.writer import PeopleWriter

SOURCE = "演示数据"


@dataclass(frozen=True)
class _House:
    id: int
    region_id: int
    region_path: str
    address: str
    rental: bool
    village: bool


class PeopleFiller:
    """Generates the households of the chosen houses into a PeopleWriter (through the Deriver); who the
    members are comes from a ``MemberDrawer`` on the same random generator."""

    def __init__(
        self, writer: PeopleWriter, deriver: Deriver, seed: int, today: datetime.date, tags: dict[str, int]
    ) -> None:
        self.writer = writer
        self.deriver = deriver
        self.rng = random.Random(f"{seed}:people")
        self.today = today
        self.tags = tags
        self.draw = MemberDrawer(self.rng, today)
        self.household_seq = 0
        self.adapt_date = connection.ops.adapt_datefield_value
        self.adapt_datetime = connection.ops.adapt_datetimefield_value
        self.now = timezone.now()
        self.now_db = self.adapt_datetime(self.now)
        self.persons = 0

    # -- households ----------------------------------------------------------------------------------

    def fill(self, house: _House) -> int:
        """One household in ``house``; returns the number of persons written."""
        rng = self.rng
        if rng.random() < 0.0015 and not house.village:
            return self.overseas(house)
        collective = not house.village and rng.random() < 0.006
        floating_p = 0.80 if house.rental else (0.04 if house.village else 0.14)
        floating = collective or rng.random() < floating_p
        if collective:
            members = [self.draw.member(Relation.HEAD, self.draw.random_sex(), 20, 45)]
            members += [
                self.draw.member(Relation.OTHER, self.draw.random_sex(), 18, 45) for _ in range(rng.randint(2, 7))
            ]
            for member in members:
                member.surname = self.draw.surname()
        else:
            size = rng.choices(SIZES, cum_weights=SIZE_CUM)[0]
            if floating and size > 4:
                size = 4
            members = self.draw.compose(size, house.village)
            self.draw.relate(members)
        if floating:
            county = rng.choices(ELSEWHERE, cum_weights=ELSEWHERE_CUM)[0]
            for member in members:
                member.kind, member.separation = ResidenceKind.FLOATING, Separation.REGISTERED_ELSEWHERE
        else:
            county = LOCAL if rng.random() < 0.85 else rng.choices(SICHUAN, cum_weights=SICHUAN_CUM)[0]
            if house.village:
                self.draw.left_behind(members)
        return self.write(house, members, county, HouseholdKind.COLLECTIVE if collective else HouseholdKind.FAMILY)

    def write(self, house: _House, members: list[Member], county: County, kind: str) -> int:
        rng, writer, today = self.rng, self.writer, self.today
        self.household_seq += 1
        household_id = writer.new_id(Household)
        person_ids = [writer.new_id(Person) for _ in members]
        region = (house.region_id, house.region_path)
        moved_in = today - datetime.timedelta(days=rng.randint(30, 365 * (3 if county is not LOCAL else 25)))
        self.deriver.add(
            Household,
            (household_id, *region, f"{self.household_seq:09d}", kind, house.id, person_ids[0]),
        )
        only_elders = all(_age(m.birth, today) >= 60 for m in members)
        low_income = rng.random() < (0.022 if county is LOCAL else 0.005)
        has_spouse = any(m.relation == Relation.SPOUSE for m in members)
        for person_id, member in zip(person_ids, members, strict=True):
            joined = max(moved_in, member.birth)
            self.person(person_id, house, member, county, joined, len(members), only_elders, low_income, has_spouse)
            self.deriver.add(
                Membership,
                (writer.new_id(Membership), *region, household_id, person_id, member.relation, self.d(joined)),
            )
        return len(members)

    def person(
        self,
        person_id: int,
        house: _House,
        m: Member,
        county: County,
        joined: datetime.date,
        size: int,
        only_elders: bool,
        low_income: bool,
        has_spouse: bool,
    ) -> None:
        rng, today = self.rng, self.today
        age = _age(m.birth, today)
        name = m.surname + self.draw.given_name(m.sex, m.birth.year)
        number = self.draw.id_number(county, m.birth, m.sex)
        party = age >= 18 and rng.random() < (0.09 if age >= 35 else 0.035)
        political = PoliticalStatus.CPC_MEMBER if party else PoliticalStatus.MASSES
        if not party and 14 <= age <= 28 and rng.random() < 0.3:
            political = PoliticalStatus.CYL_MEMBER
        marital = MaritalStatus.UNMARRIED
        if m.relation == Relation.SPOUSE or (m.relation == Relation.HEAD and has_spouse):
            marital = MaritalStatus.MARRIED
        elif age >= 22:
            marital = rng.choices(
                (MaritalStatus.MARRIED, MaritalStatus.UNMARRIED, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED),
                weights=(60, 20 if age < 40 else 3, 8, 2 if age < 60 else 40),
            )[0]
        confirmed_at = self.dt(self.now - datetime.timedelta(days=rng.randint(0, 480), seconds=rng.randint(0, 86_399)))
        registered_here = county is LOCAL or m.kind != ResidenceKind.FLOATING
        registered_address = house.address if registered_here else county.name
        self.deriver.add_person(
            [
                person_id,
                house.region_id,
                house.region_path,
                IdType.RESIDENT_ID.value,
                None,  # encrypted ID, digest, masked ID: derived in the worker (Deriver)
                None,
                None,
                name,
                "",
                *self.draw.search_keys(name),
                m.sex,
                self.d(m.birth),
                rng.choice(MINORITIES).value if rng.random() < 0.015 else Ethnicity.HAN.value,
                county.name,
                marital,
                political,
                self.draw.education(m.birth.year, age),
                "510117" if registered_here else county.code_for(today.year),
                registered_address,
                house.address,
                self.draw.phone() if age >= 14 and rng.random() < 0.93 else "",
                self.draw.occupation(age),
                "",
                house.id,
                confirmed_at,
                confirmed_at,
                confirmed_at,
            ],
            (number, name, house.address, registered_address),
        )
        self.residence(person_id, house, m, joined)
        self.tag_person(person_id, house, m, age, size, only_elders, low_income, party)
        self.persons += 1

    def residence(self, person_id: int, house: _House, m: Member, joined: datetime.date) -> None:
        floating = m.kind == ResidenceKind.FLOATING
        permit = floating and _age(m.birth, self.today) >= 16 and self.rng.random() < 0.7
        self.deriver.add(
            Residence,
            (
                self.writer.new_id(Residence),
                house.region_id,
                house.region_path,
                person_id,
                house.id,
                m.kind,
                m.separation,
                self.d(joined),
                self.rng.choice(FLOATING_REASONS) if floating else "",
                "居住证" if permit else "",
                f"5101{self.rng.randrange(10**10):010d}" if permit else "",
                self.d(joined + datetime.timedelta(days=365 * 3)) if permit else None,
                "",
                "",
                "",
                None,
                None,
                m.left_behind,
                "",
            ),
        )

    def tag_person(
        self,
        person_id: int,
        house: _House,
        m: Member,
        age: int,
        size: int,
        only_elders: bool,
        low_income: bool,
        party: bool,
    ) -> None:
        rng = self.rng
        codes: list[str] = []
        if low_income:
            codes.append("dibao")
        if rng.random() < (0.015 if age < 15 else 0.045 if age < 60 else 0.13 if age < 80 else 0.25):
            codes.append("disabled")
        if age >= 60 and size == 1:
            codes.append("elderly_alone")
            if m.kind != ResidenceKind.FLOATING and rng.random() < 0.04:
                codes.append("tekun")
        elif age >= 60 and only_elders:
            codes.append("elderly_empty_nest")
        if age >= 80:
            codes.append("elderly_80plus")
        if m.left_behind == "留守儿童":
            codes.append("left_behind_child")
        if party:
            codes.append("party_member")
        if age >= 22 and rng.random() < (0.05 if m.sex == Sex.MALE else 0.004):
            codes.append("veteran")
            if rng.random() < 0.12:
                codes.append("entitled_group")
        for code in codes:
            tag_id = self.tags.get(code)
            if tag_id is not None:
                starts = self.today - datetime.timedelta(days=rng.randint(0, 5 * 365))
                self.deriver.add(
                    PersonTag,
                    (
                        self.writer.new_id(PersonTag),
                        house.region_id,
                        house.region_path,
                        person_id,
                        tag_id,
                        self.d(max(starts, m.birth)),
                        SOURCE,
                    ),
                )

    def overseas(self, house: _House) -> int:
        rng, writer = self.rng, self.writer
        nationality, prefix, names = rng.choice(OVERSEAS)
        foreign_name, name = rng.choice(names)
        self.household_seq += 1
        household_id, person_id = writer.new_id(Household), writer.new_id(Person)
        region = (house.region_id, house.region_path)
        birth = self.draw.birth(22, 55)
        arrived = self.today - datetime.timedelta(days=rng.randint(30, 900))
        number = f"{prefix}{rng.randrange(10 ** (9 - len(prefix))):0{9 - len(prefix)}d}"
        self.deriver.add(
            Household, (household_id, *region, f"{self.household_seq:09d}", HouseholdKind.FAMILY, house.id, person_id)
        )
        sex = self.draw.random_sex()
        self.deriver.add_person(
            [
                person_id,
                *region,
                IdType.PASSPORT.value,
                None,
                None,
                None,
                name,
                "",
                *self.draw.search_keys(name),
                sex,
                self.d(birth),
                Ethnicity.HAN.value,  # the code table has no "foreign"; nationality is on the residence
                nationality,
                MaritalStatus.UNKNOWN,
                PoliticalStatus.MASSES,
                "",
                "",
                "",
                house.address,
                self.draw.phone(),
                rng.choice(("外企职员", "留学生", "外籍教师", "商务人员")),
                "",
                house.id,
                self.now_db,
                self.now_db,
                self.now_db,
            ],
            (number, name, house.address, ""),
        )
        self.deriver.add(
            Membership, (writer.new_id(Membership), *region, household_id, person_id, Relation.HEAD, self.d(arrived))
        )
        self.deriver.add(
            Residence,
            (
                writer.new_id(Residence),
                *region,
                person_id,
                house.id,
                ResidenceKind.OVERSEAS,
                Separation.REGISTERED_ELSEWHERE,
                self.d(arrived),
                "",
                "",
                "",
                None,
                foreign_name,
                nationality,
                rng.choice(OVERSEAS_PURPOSES),
                self.d(arrived),
                self.d(arrived + datetime.timedelta(days=rng.choice((180, 365, 730)))),
                "",
                "",
            ),
        )
        self.persons += 1
        return 1

    def d(self, value: datetime.date) -> Any:
        return self.adapt_date(value)

    def dt(self, value: datetime.datetime) -> Any:
        return self.adapt_datetime(value)
