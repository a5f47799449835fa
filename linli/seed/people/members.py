"""The members of a generated household, before they are rows: relations, ages, names, ID numbers."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from linli.core.idnumbers import check_character
from linli.people.choices import (
    Education,
    Relation,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.search import search_keys
from linli.seed.people.counties import County
from linli.seed.people.mix import (
    COMPOUND,
    GIVEN_POOLS,
    MODERN_NAMES,
    OCCUPATIONS,
    PHONE_PREFIXES,
    SURNAME_CUM,
    SURNAMES,
)


@dataclass
class Member:
    """One person of a household being generated, before it is a row."""

    relation: str
    sex: str
    birth: datetime.date
    surname: str = ""
    kind: str = ResidenceKind.REGISTERED
    separation: str = Separation.CONSISTENT
    left_behind: str = ""


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class MemberDrawer:
    """Draws who lives in a household and what each person is: relations, sexes and ages, names, ID
    numbers, phones, education and occupation. Shares the filler's random generator, so the draws come
    in the same order as when they were one class."""

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.keys: dict[str, tuple[str, str]] = {}  # pinyin and initials per distinct name

    # -- dates and people ----------------------------------------------------------------------------

    def birth(self, low: int, high: int) -> datetime.date:
        """A birth date for someone aged ``low``-``high`` (inclusive) today."""
        days = self.rng.randint(low * 365 + 1, high * 365 + 364)
        return self.today - datetime.timedelta(days=min(days, (self.today - datetime.date(1905, 1, 1)).days))

    def old_age(self) -> tuple[int, int]:
        low = self.rng.choices((60, 70, 80, 90), weights=(53, 32, 12, 3))[0]
        return low, low + 9

    def member(self, relation: str, sex: str, low: int, high: int, surname: str = "") -> Member:
        return Member(relation, sex, self.birth(max(0, low), max(0, high)), surname)

    def other_sex(self, sex: str) -> str:
        return Sex.FEMALE if sex == Sex.MALE else Sex.MALE

    def random_sex(self) -> str:
        return Sex.MALE if self.rng.random() < 0.51 else Sex.FEMALE

    def compose(self, size: int, village: bool) -> list[Member]:
        """Relations, sexes and ages of one family household of ``size`` persons; the head first."""
        rng = self.rng
        head_sex = Sex.MALE if rng.random() < 0.72 else Sex.FEMALE
        child = lambda lo, hi: self.member("", self.random_sex(), lo, hi)  # noqa: E731
        if size == 1:
            roll = rng.random()
            low, high = self.old_age() if roll < 0.36 else ((20, 34) if roll < 0.80 else (35, 59))
            return [self.member(Relation.HEAD, self.random_sex(), low, high)]
        if size == 2:
            roll = rng.random()
            if roll < 0.38:  # elderly couple (空巢)
                low, high = self.old_age()
                return [self.member(Relation.HEAD, head_sex, low, high), self.spouse(head_sex, low, high)]
            if roll < 0.78:
                low = rng.choice((22, 28, 35, 45))
                return [self.member(Relation.HEAD, head_sex, low, low + 9), self.spouse(head_sex, low, low + 9)]
            if roll < 0.90:  # one parent and a child
                return [self.member(Relation.HEAD, head_sex, 35, 55), child(6, 25)]
            low, high = self.old_age()
            return [self.member(Relation.HEAD, head_sex, low, high), child(max(25, low - 40), low - 22)]
        if size == 3 and rng.random() < 0.22:  # a couple in their fifties or sixties and a grown-up child
            low = rng.choice((50, 55, 60))
            head = self.member(Relation.HEAD, head_sex, low, low + 5)
            return [head, self.spouse(head_sex, low, low + 5), child(low - 32, low - 24)]
        # Three or more: a couple, children, perhaps parents of the head.
        low = rng.choice((27, 32, 37, 42, 47, 52))
        members = [self.member(Relation.HEAD, head_sex, low, low + 5), self.spouse(head_sex, low, low + 5)]
        grandparents = {3: 0, 4: rng.choice((0, 1)), 5: rng.choice((1, 2)), 6: 2}[size]
        if size == 3 and rng.random() < 0.12:
            grandparents = 1
        children = size - 2 - grandparents
        for _ in range(children):
            members.append(child(max(0, low - 42), low - 20))
        for index in range(grandparents):
            sex = Sex.MALE if index == 0 and grandparents == 2 else self.random_sex()
            members.append(self.member(Relation.PARENT, sex, low + 24, low + 34))
        return members

    def spouse(self, sex: str, low: int, high: int) -> Member:
        return self.member(Relation.SPOUSE, self.other_sex(sex), max(18, low - 2), high + 1)

    def relate(self, members: list[Member]) -> None:
        """Children's relation by sex; surnames: children take the head's (or the husband's)."""
        head = members[0]
        head.surname = self.surname()
        for member in members[1:]:
            if member.relation == "":
                member.relation = Relation.SON if member.sex == Sex.MALE else Relation.DAUGHTER
                father = head if head.sex == Sex.MALE else next((m for m in members if m.relation == "10"), head)
                member.surname = head.surname if father is head or self.rng.random() < 0.2 else self.surname()
            elif member.relation == Relation.PARENT and member.sex == Sex.MALE:
                member.surname = head.surname
            else:
                member.surname = self.surname()
        if head.sex == Sex.FEMALE:  # the children mostly carry the husband's surname
            husband = next((m for m in members if m.relation == Relation.SPOUSE), None)
            if husband is not None:
                for member in members:
                    if member.relation in (Relation.SON, Relation.DAUGHTER) and self.rng.random() < 0.8:
                        member.surname = husband.surname

    def surname(self) -> str:
        if self.rng.random() < 0.003:
            return self.rng.choice(COMPOUND)
        return self.rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]

    def given_name(self, sex: str, year: int) -> str:
        rng = self.rng
        if year >= 2005 and rng.random() < 0.5:
            return rng.choice(MODERN_NAMES[0 if sex == Sex.MALE else 1].split())
        generation = next(p for p in GIVEN_POOLS if year <= p[0])
        pool, cum = generation[1] if sex == Sex.MALE else generation[2]
        if rng.random() < (0.14 if year < 2000 else 0.05):  # single-character given names
            return rng.choices(pool, cum_weights=cum)[0]
        first, second = rng.choices(pool, cum_weights=cum, k=2)
        return first + second

    def id_number(self, county: County, birth: datetime.date, sex: str) -> str:
        area = county.code_for(birth.year)
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == Sex.MALE else 0)
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + check_character(first17)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def search_keys(self, name: str) -> tuple[str, str]:
        keys = self.keys.get(name)
        if keys is None:
            keys = self.keys[name] = search_keys(name)
        return keys

    def left_behind(self, members: list[Member]) -> None:
        """Village households: parents working in the cities leave children and elderly behind."""
        ages = [_age(m.birth, self.today) for m in members]
        kids = [m for m, a in zip(members, ages, strict=True) if a < 16]
        adults = [m for m, a in zip(members, ages, strict=True) if 20 <= a < 55]
        elders = [m for m, a in zip(members, ages, strict=True) if a >= 60]
        if kids and adults and self.rng.random() < 0.35:
            for m in adults:
                m.separation = Separation.LIVING_ELSEWHERE
            for m in kids:
                m.kind, m.left_behind = ResidenceKind.LEFT_BEHIND, "留守儿童"
            for m in elders:
                m.kind, m.left_behind = ResidenceKind.LEFT_BEHIND, "留守老人"
        elif elders and len(elders) == len(members) and self.rng.random() < 0.3:
            for m in elders:
                m.kind, m.left_behind = ResidenceKind.LEFT_BEHIND, "留守老人"

    def education(self, year: int, age: int) -> str:
        if age < 7:
            return ""
        if age < 18:
            return Education.PRIMARY if age < 13 else Education.JUNIOR
        weights = (1, 3, 5, 3, 10, 30, 33, 15) if year < 1965 else (6, 22, 20, 8, 16, 20, 7, 1)
        return self.rng.choices([e.value for e in Education], weights=weights)[0]

    def occupation(self, age: int) -> str:
        if age < 6:
            return ""
        if age < 18:
            return "学生"
        if age >= 60:
            return "离退休人员"
        if age < 23 and self.rng.random() < 0.5:
            return "学生"
        return self.rng.choice(OCCUPATIONS) if self.rng.random() < 0.9 else "无业"
