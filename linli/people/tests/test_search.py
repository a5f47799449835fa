"""Person search: name (full, partial, two-character), pinyin, initials, ID by digest, phone, address."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from linli.core import crypto
from linli.core.idnumbers import check_character
from linli.people.models import Person
from linli.people.search import index_persons, rebuild_index, search_keys, search_persons
from linli.places.models import Region
from linli.testing import TestCity

GRID = "510104001001001"  # the grid worker's grid
OTHER_GRID = "510104002001001"  # 书院街街道 和平街社区: inside the district, outside the grid


def resident_id(first17: str) -> str:
    return first17 + check_character(first17)


def make_person(
    region: Region, name: str, *, id_number: str = "", phone: str = "", address: str = "", former: str = ""
) -> Person:
    """A person written through the ORM with the encrypted fields filled as the actions fill them."""
    pinyin, initials = search_keys(name)
    return Person.objects.create(
        region=region,
        region_path=region.path,
        name=name,
        former_names=former,
        name_pinyin=pinyin,
        name_initials=initials,
        id_number_encrypted=crypto.encrypt(id_number) if id_number else "",
        id_digest=crypto.digest(id_number) if id_number else "",
        id_masked=f"{id_number[:6]}{'*' * 8}{id_number[-4:]}" if id_number else "",
        phone=phone,
        current_address=address,
    )


def names(result: Any) -> list[str]:
    return [p.name for p in result]


@pytest.fixture
def people(city: TestCity) -> dict[str, Person]:
    grid = city.region(GRID)
    other = city.region(OTHER_GRID)
    return {
        "王芳": make_person(grid, "王芳", id_number=resident_id("51010419800101002"), phone="13800138000"),
        "王芳芳": make_person(grid, "王芳芳", address="成都市锦江区春熙路街道红星路社区1栋1单元101"),
        "李王芳": make_person(grid, "李王芳", former="李芳"),
        "王小芳": make_person(grid, "王小芳"),
        "张三": make_person(other, "张三", phone="02861234567", address="锦江区书院街88号"),
        "单雄信": make_person(other, "单雄信"),
    }


def all_persons() -> Any:
    return Person.objects.all()


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("张三", ("zhangsan", "zs")),
        ("王芳", ("wangfang", "wf")),
        ("单雄信", ("shanxiongxin", "sxx")),
        ("曾国藩", ("zengguofan", "zgf")),
        ("解缙", ("xiejin", "xj")),
        ("尉迟恭", ("yuchigong", "ycg")),
        ("吕布", ("lvbu", "lb")),
        ("阿依古丽·买买提", ("ayigulimaimaiti", "ayglmmt")),
        ("ＪＯＨＮ Smith", ("johnsmith", "js")),
        ("", ("", "")),
    ],
)
def test_search_keys(name: str, keys: tuple[str, str]) -> None:
    assert search_keys(name) == keys


def test_full_name_ranks_the_exact_name_first(people: dict[str, Person]) -> None:
    result = names(search_persons(all_persons(), "王芳"))
    assert result[0] == "王芳"


def test_two_character_name_recall_is_one(people: dict[str, Person]) -> None:
    """Every name containing 王芳 is found (trigram indexes miss two-character names), nothing else."""
    assert set(names(search_persons(all_persons(), "王芳"))) == {"王芳", "王芳芳", "李王芳"}


def test_partial_name_single_character(people: dict[str, Person]) -> None:
    assert set(names(search_persons(all_persons(), "芳"))) == {"王芳", "王芳芳", "李王芳", "王小芳"}
    assert names(search_persons(all_persons(), "王"))[:3] == ["王小芳", "王芳", "王芳芳"]  # prefix hits first


def test_former_name(people: dict[str, Person]) -> None:
    assert names(search_persons(all_persons(), "李芳")) == ["李王芳"]


def test_pinyin_full_and_contains(people: dict[str, Person]) -> None:
    result = names(search_persons(all_persons(), "wangfang"))
    assert result[0] == "王芳"
    assert set(result) == {"王芳", "王芳芳", "李王芳"}
    assert names(search_persons(all_persons(), "WangFang"))[0] == "王芳"


def test_pinyin_initials(people: dict[str, Person]) -> None:
    result = names(search_persons(all_persons(), "wf"))
    assert result == ["王芳", "王芳芳"]
    assert names(search_persons(all_persons(), "sxx")) == ["单雄信"]  # 单 read as a surname
    assert names(search_persons(all_persons(), "shanxiongxin")) == ["单雄信"]


def test_id_number_exact_by_digest(people: dict[str, Person]) -> None:
    number = resident_id("51010419800101002")
    assert names(search_persons(all_persons(), number)) == ["王芳"]
    spaced = f" {number[:6]} {number[6:14]} {number[14:]} ".replace("0", "０")  # full-width and spaces
    assert names(search_persons(all_persons(), spaced)) == ["王芳"]
    other = resident_id("51010419800101003")
    assert names(search_persons(all_persons(), other)) == []


def test_fifteen_digit_number_finds_the_converted_record(city: TestCity) -> None:
    old = "510104800101002"
    new = resident_id("51010419800101002")
    make_person(city.region(GRID), "老号码", id_number=new)
    assert names(search_persons(all_persons(), old)) == ["老号码"]


def test_clear_id_number_is_not_in_the_search_index(people: dict[str, Person]) -> None:
    number = resident_id("51010419800101002")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person_fts")
        rows = cursor.fetchall()
    assert rows
    dump = repr(rows)
    assert number not in dump and number[-8:] not in dump.replace(" ", "")


def test_phone_exact_and_tail(people: dict[str, Person]) -> None:
    assert names(search_persons(all_persons(), "13800138000")) == ["王芳"]
    assert names(search_persons(all_persons(), "138-0013-8000")) == ["王芳"]
    assert names(search_persons(all_persons(), "+86 138 0013 8000")) == ["王芳"]
    assert names(search_persons(all_persons(), "8000")) == ["王芳"]
    assert names(search_persons(all_persons(), "028-61234567")) == ["张三"]


def test_address_full_text(people: dict[str, Person]) -> None:
    assert names(search_persons(all_persons(), "红星路")) == ["王芳芳"]
    assert names(search_persons(all_persons(), "红星")) == ["王芳芳"]
    assert names(search_persons(all_persons(), "书院街")) == ["张三"]
    assert set(names(search_persons(all_persons(), "锦江区"))) == {"王芳芳", "张三"}
    assert names(search_persons(all_persons(), "春熙路 101")) == ["王芳芳"]
    assert names(search_persons(all_persons(), "不存在的路")) == []


def test_results_are_scoped_by_visible_to(people: dict[str, Person], city: TestCity) -> None:
    worker = city.users["grid_worker"]
    visible = Person.objects.visible_to(worker)
    assert names(search_persons(visible, "zs")) == []
    assert names(search_persons(visible, "书院街")) == []
    assert names(search_persons(visible, "02861234567")) == []
    assert set(names(search_persons(visible, "王芳"))) == {"王芳", "王芳芳", "李王芳"}
    outsider = city.users["outsider"]
    assert names(search_persons(Person.objects.visible_to(outsider), "王芳")) == []
    leader = city.users["district_leader"]
    assert names(search_persons(Person.objects.visible_to(leader), "zs")) == ["张三"]


def test_empty_query_returns_the_queryset(people: dict[str, Person]) -> None:
    assert search_persons(all_persons(), "  ").count() == len(people)


def test_index_follows_save_and_delete(people: dict[str, Person]) -> None:
    person = people["王小芳"]
    person.name = "赵敏"
    person.save()
    assert names(search_persons(all_persons(), "赵敏")) == ["赵敏"]
    assert names(search_persons(all_persons(), "小芳")) == []
    person.delete()
    assert names(search_persons(all_persons(), "赵敏")) == []


def test_bulk_writes_are_indexed_by_index_persons(city: TestCity) -> None:
    grid = city.region(GRID)
    created = Person.objects.bulk_create(
        [Person(region=grid, region_path=grid.path, name=f"批量{i}号", current_address="东大街9号") for i in range(3)]
    )
    assert names(search_persons(all_persons(), "东大街")) == []  # bulk_create sends no signals
    assert names(search_persons(all_persons(), "量1")) == []
    index_persons(p.pk for p in created)
    assert names(search_persons(all_persons(), "量1")) == ["批量1号"]
    assert rebuild_index() == 3
    assert len(names(search_persons(all_persons(), "东大街"))) == 3


def test_pinyin_from_a_later_syllable_finds_the_given_name(people: dict[str, Person]) -> None:
    """Typing the given name's pinyin alone finds the person; a match must begin at a syllable."""
    assert set(names(search_persons(all_persons(), "xiongxin"))) == {"单雄信"}
    assert set(names(search_persons(all_persons(), "xiaofang"))) == {"王小芳"}
    assert set(names(search_persons(all_persons(), "fangfang"))) == {"王芳芳"}
    assert set(names(search_persons(all_persons(), "fang"))) == {"王芳", "王芳芳", "李王芳", "王小芳"}
    assert names(search_persons(all_persons(), "angfa")) == []  # inside a syllable: not a name anyone types


def test_pinyin_tails_follow_renames_and_deletes(people: dict[str, Person]) -> None:
    person = people["王小芳"]
    person.name = "赵敏"
    person.name_pinyin, person.name_initials = search_keys(person.name)
    person.save()
    assert names(search_persons(all_persons(), "xiaofang")) == []
    assert names(search_persons(all_persons(), "min")) == ["赵敏"]
    person.delete()
    assert names(search_persons(all_persons(), "min")) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM people_person_pinyin WHERE person_id = %s", [person.pk or 0])
        assert cursor.fetchone()[0] == 0


def test_rebuild_index_rewrites_the_pinyin_tails(people: dict[str, Person]) -> None:
    def tails() -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT person_id, tail FROM people_person_pinyin ORDER BY person_id, tail")
            return [(row[0], row[1]) for row in cursor.fetchall()]

    written = tails()
    assert (people["李王芳"].pk, "wangfang") in written and (people["李王芳"].pk, "fang") in written
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_person_pinyin")
    assert rebuild_index() == len(people)
    assert tails() == written


def test_pinyin_and_initials_queries_use_indexes_not_a_scan(people: dict[str, Person]) -> None:
    """At a million persons a scan costs ~0.6 s a query (docs/performance.md): every branch is an index range."""
    for q in ("wf", "sxx", "wangfang"):
        sql, params = search_persons(all_persons(), q).query.sql_with_params()
        if connection.vendor == "sqlite":
            assert " LIKE " not in sql
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN people_person " not in plan + " " and "SCAN people_person_pinyin" not in plan, plan
        else:
            assert "%" + q not in repr(params)  # no LIKE '%q%'
