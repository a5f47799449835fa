"""Synthetic residents for the seeded city: persons in households in its houses, with residence and tags.

For ``demo`` about 300 000 persons in 120 000 households (mean size ≈ 2.5, many of one to three
persons), an age pyramid like a Chinese city's in 2020 (≈ 13 % under 15, 66 % 15-59, 21 % 60+),
about 20 % floating population registered in other provinces, a few overseas residents, left-behind
children and elderly in the villages, and tags at realistic rates. Names are composed from common
surnames and given-name characters of each generation; ID numbers are well-formed GB 11643 numbers
whose area code (valid in the birth year, as python-stdnum's table has it), birth date and sex agree
with the person and whose check character is computed — synthetic, never a real person's record.

Like the city (``linli.seed.city``), this is a bulk load of synthetic data into an empty registry,
not a user's change: rows are built as tuples with preassigned ids and written by a ``BulkWriter``
with batched ``executemany``, in one transaction, audited as one ``seed`` event with the counts.
ID numbers still go through ``linli.core.crypto`` (encrypted, keyed digest) and
``linli.core.masking.mask_id``, and names through ``linli.people.search.search_keys`` (cached per
distinct name), so the rows are exactly what the actions would have written.

Deterministic from the seed and the day of seeding (ages and dates are relative to ``today``, so a
demo built today has the right ages); the encrypted tokens differ between runs (Fernet uses a fresh
IV) but decrypt to the same numbers.
"""

from __future__ import annotations

import datetime
import itertools
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from linli.core import audit, crypto
from linli.core.idnumbers import check_character
from linli.core.masking import mask_id
from linli.people.choices import (
    Education,
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
from linli.people.models import Household, Membership, Person, PersonTag, Residence, Tag
from linli.people.search import search_keys
from linli.places.choices import HouseUse
from linli.places.models import House, Region
from linli.seed.city import BulkWriter, SeedError

#: Households per scale; ``city`` people are seeded only when asked for (millions of rows).
HOUSEHOLDS: dict[str, int] = {"tiny": 150, "demo": 120_000, "city": 2_400_000}
SOURCE = "演示数据"

# -- places of registration ------------------------------------------------------------------------
# A county's codes over time as (code, first year, last year), inclusive, None for open: an ID number
# carries the code of the county at the time, and python-stdnum refuses a code outside its years.
Chain = tuple[tuple[str, int | None, int | None], ...]


@dataclass(frozen=True)
class County:
    name: str  # province + county, for 籍贯 and 户籍地
    chain: Chain
    weight: int

    def code_for(self, year: int) -> str:
        for code, first, last in self.chain:
            if (first is None or year >= first) and (last is None or year <= last):
                return code
        raise LookupError(f"{self.name}: no code for {year}")


LOCAL = County("四川省成都市郫都区", (("512722", None, 1982), ("510124", 1983, 2015), ("510117", 2016, None)), 1)
# Registered here but born elsewhere in Sichuan (the ID keeps the birthplace).
SICHUAN: list[County] = [
    County("四川省成都市金堂县", (("510121", None, None),), 5),
    County("四川省自贡市荣县", (("510321", None, None),), 3),
    County("四川省阿坝州汶川县", (("513221", None, None),), 2),
    County("四川省凉山州西昌市", (("513401", None, None),), 2),
    County("四川省甘孜州泸定县", (("513322", None, None),), 1),
]
# Floating population: registered in other provinces.
ELSEWHERE: list[County] = [
    County(
        "重庆市开州区",
        (("512222", None, 1991), ("511221", 1992, 1996), ("500234", 1997, 2015), ("500154", 2016, None)),
        14,
    ),
    County(
        "重庆市永川区",
        (
            ("512125", None, 1982),
            ("510229", 1983, 1991),
            ("510281", 1992, 1996),
            ("500383", 1997, 2005),
            ("500118", 2006, None),
        ),
        10,
    ),
    County("贵州省黔西南州普安县", (("522323", None, None),), 6),
    County("贵州省黔东南州黄平县", (("522622", None, None),), 5),
    County("云南省昆明市富民县", (("530124", None, None),), 5),
    County("云南省楚雄州南华县", (("532324", None, None),), 4),
    County("甘肃省兰州市榆中县", (("620123", None, None),), 5),
    County("甘肃省临夏州康乐县", (("622922", None, None),), 2),
    County("陕西省宝鸡市岐山县", (("610323", None, None),), 5),
    County("湖南省长沙市长沙县", (("430121", None, None),), 4),
    County("湖南省湘西州凤凰县", (("433123", None, None),), 3),
    County("湖北省恩施州建始县", (("422822", None, None),), 4),
    County("安徽省合肥市长丰县", (("340121", None, None),), 3),
    County("江西省南昌市南昌县", (("360121", None, None),), 3),
    County("浙江省杭州市桐庐县", (("330122", None, None),), 2),
    County("宁夏回族自治区银川市永宁县", (("640121", None, None),), 2),
    County("新疆维吾尔自治区昌吉州呼图壁县", (("652323", None, None),), 1),
    County("黑龙江省伊春市嘉荫县", (("230722", None, None),), 1),
]

# -- names -----------------------------------------------------------------------------------------
# Common surnames, most frequent first, with Sichuan's (何 罗 曾 邓 杨) weighted a little up.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_CUM = list(
    itertools.accumulate(
        max(1, 60 - i // 2) + (25 if ch in "何罗曾邓杨刘陈李张王" else 0) for i, ch in enumerate(SURNAMES)
    )
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官")

# Given-name characters by generation (birth year up to the key) and sex, most used first; picked with
# Zipf-like weights, so names repeat as real ones do. The youngest also get whole fashionable names.
GIVEN: list[tuple[int, str, str]] = [
    (1959, "国建志明德福华文永军荣贵成忠家林春海金树兴发庆良全祥富宝有清", "秀英兰芳珍桂玉凤淑华琼翠云素春梅菊芬惠莲"),
    (1979, "伟强军平勇斌峰涛波明辉刚杰建东红林俊海兵亮宏彬鹏志光勤", "丽红艳燕敏霞静芳娟玲萍英琴华梅洁慧丹莉蓉"),
    (1999, "磊杰鹏浩宇超强俊涛斌昊飞凯帅阳晨毅博健龙旭航彬明亮", "婷静丽娜敏雪倩颖琳佳欣莹洁霞蕾丹媛露月晶"),
    (2100, "子宇浩轩梓睿俊杰泽铭博文晨煜辰皓逸一诺嘉奕航佑然", "梓涵欣怡子萱雨桐诗可馨语思彤萌一诺依婷佳琪"),
]
MODERN_NAMES = (
    "子轩 浩然 宇轩 梓睿 俊杰 宇泽 铭轩 博文 晨阳 皓轩 一诺 奕辰 航宇 佑安 沐阳",
    "梓涵 欣怡 子萱 雨桐 诗涵 可馨 语桐 思彤 梓萌 一诺 雨欣 依诺 佳琪 若汐 沐晴",
)


def _zipf(count: int) -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(count)))


GIVEN_POOLS: list[tuple[int, tuple[str, list[float]], tuple[str, list[float]]]] = [
    (year, (male, _zipf(len(male))), (female, _zipf(len(female)))) for year, male, female in GIVEN
]

# Overseas residents: (nationality, passport prefix, [(foreign name, Chinese transliteration)]).
OVERSEAS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("韩国", "M", [("KIM MINJUN", "金敏俊"), ("LEE SEOYEON", "李瑞妍"), ("PARK JIHOON", "朴志勋")]),
    ("日本", "T", [("SATO HARUTO", "佐藤阳翔"), ("SUZUKI YUI", "铃木结衣")]),
    ("德国", "C", [("ANNA MUELLER", "安娜·穆勒"), ("LUKAS SCHMIDT", "卢卡斯·施密特")]),
    ("美国", "A", [("EMILY CARTER", "艾米莉·卡特"), ("DAVID MILLER", "戴维·米勒")]),
    ("泰国", "AA", [("SOMCHAI SUKSAN", "颂猜·素山")]),
    ("巴基斯坦", "BP", [("AHMED KHAN", "艾哈迈德·汗")]),
    ("俄罗斯", "75", [("IVAN PETROV", "伊万·彼得罗夫")]),
]
OVERSEAS_PURPOSES = ("工作", "学习", "探亲", "商务")

# Mobile number blocks (1[3-9]x) of the three carriers.
PHONE_PREFIXES = tuple(
    str(n)
    for n in [*range(130, 140), 150, 151, 152, *range(155, 160), 166, 173, 176, 177, *range(180, 190), 191, 198, 199]
)
OCCUPATIONS = (
    "企业职员",
    "个体工商户",
    "专业技术人员",
    "商业服务人员",
    "生产制造人员",
    "建筑工人",
    "快递员",
    "外卖骑手",
    "网约车司机",
    "教师",
    "医护人员",
    "公务员",
    "自由职业",
    "灵活就业",
    "务农",
)
FLOATING_REASONS = ("务工", "务工", "务工", "经商", "投靠亲友", "就学", "随迁")
MINORITIES = (Ethnicity.YI, Ethnicity.TIBETAN, Ethnicity.QIANG, Ethnicity.HUI, Ethnicity.TUJIA, Ethnicity.MIAO)

# Household size distribution (Chengdu, census 2020: mean ≈ 2.4-2.6, one to three persons common).
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_CUM = list(itertools.accumulate((27, 31, 22, 11, 6, 3)))
SICHUAN_CUM = list(itertools.accumulate(c.weight for c in SICHUAN))
ELSEWHERE_CUM = list(itertools.accumulate(c.weight for c in ELSEWHERE))


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


@dataclass
class PeopleReport:
    households: int
    counts: dict[str, int]
    elapsed_s: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class PeopleWriter(BulkWriter):
    ORDER = (Person, Household, Membership, Residence, PersonTag)
    ROW_FIELDS = {
        Person: (
            "id",
            "region",
            "region_path",
            "id_type",
            "id_number_encrypted",
            "id_digest",
            "id_masked",
            "name",
            "former_names",
            "name_pinyin",
            "name_initials",
            "sex",
            "birth_date",
            "ethnicity",
            "native_place",
            "marital_status",
            "political_status",
            "education",
            "registered_area_code",
            "registered_address",
            "current_address",
            "phone",
            "occupation",
            "employer",
            "house",
            "confirmed_at",
            "created_at",
            "updated_at",
        ),
        Household: ("id", "region", "region_path", "number", "kind", "house", "head"),
        Membership: ("id", "region", "region_path", "household", "person", "relation", "joined_on"),
        Residence: (
            "id",
            "region",
            "region_path",
            "person",
            "house",
            "kind",
            "separation",
            "started_on",
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
        ),
        PersonTag: ("id", "region", "region_path", "person", "tag", "starts_on", "source"),
    }

    def __init__(self, batch_rows: int = 20_000) -> None:
        super().__init__(batch_rows)
        self.dropped_indexes: list[str] = []
        self.copy_statements = {model: copy_statement(sql) for model, (sql, _extra) in self.statements.items()}

    def flush(self) -> None:
        """As BulkWriter's, but with COPY on PostgreSQL (``bulk_insert``)."""
        if connection.vendor != "postgresql":
            super().flush()
            return
        with connection.cursor() as cursor:
            for model in self.ORDER:
                rows = self.buffers[model]
                if rows:
                    _sql, extra = self.statements[model]
                    copy_rows(cursor, self.copy_statements[model], [row + extra for row in rows] if extra else rows)
                    self.counts[model] += len(rows)
                    rows.clear()
        self.buffered = 0

    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the (empty) people tables for the load; ``restore_indexes``
        rebuilds them. Building an index once from sorted rows beats inserting 300 000 random keys into
        ten B-trees: the demo's inserts take about two thirds of the time (docs/performance.md).
        The unique indexes (one current household, one head, one residence) are checked when rebuilt.

        PostgreSQL: the same for every index that backs no constraint (primary keys and foreign keys
        stay), including the search side tables' GIN indexes (tsvector, pg_trgm), which cost the most
        to maintain row by row."""
        tables = [model._meta.db_table for model in self.ORDER]
        marks = ", ".join(["%s"] * len(tables))
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND tbl_name IN ({marks})",
                    tables,
                )
            elif connection.vendor == "postgresql":
                from linli.people.search import FTS_TABLE, PINYIN_TABLE

                tables += [FTS_TABLE, PINYIN_TABLE]
                marks = ", ".join(["%s"] * len(tables))
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                    f"AND i.tablename IN ({marks}) AND NOT EXISTS ("
                    "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    tables,
                )
            else:
                return
            for name, sql in cursor.fetchall():
                self.dropped_indexes.append(sql)
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and self.dropped_indexes:
                # The deferred foreign-key checks of the load must run before an index can be built on
                # their tables ("cannot CREATE INDEX … because it has pending trigger events").
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for sql in self.dropped_indexes:
                cursor.execute(sql)
        self.dropped_indexes.clear()


def copy_statement(insert_sql: str) -> str:
    """``INSERT INTO t (a, b) VALUES (%s, %s)`` → ``COPY t (a, b) FROM STDIN``."""
    head = insert_sql[: insert_sql.index(" VALUES")]
    return "COPY" + head[len("INSERT INTO") :] + " FROM STDIN"


def copy_rows(cursor: Any, copy_sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Write ``rows`` with PostgreSQL's COPY (psycopg 3 ``cursor.copy``): one statement and one stream
    instead of a round of INSERTs, several times the rows per second of ``executemany`` here."""
    raw = getattr(cursor, "cursor", cursor)  # Django's CursorWrapper → the psycopg cursor
    with raw.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)


def bulk_insert(cursor: Any, insert_sql: str, rows: list[tuple[Any, ...]]) -> None:
    """``executemany`` of an INSERT, or on PostgreSQL the same rows through COPY."""
    if connection.vendor == "postgresql":
        copy_rows(cursor, copy_statement(insert_sql), rows)
    else:
        cursor.executemany(insert_sql, rows)


Derived = tuple[list[tuple[Any, ...]], float]  # what _derive returns
Batch = tuple[list[tuple[type[models.Model], Any]], "Future[Derived]"]


def _derive(inputs: list[tuple[str, str, str, str]], with_index: bool) -> tuple[list[tuple[Any, ...]], float]:
    """For each (ID number, name, current address, registered address): the encrypted number, its
    digest, its masked form, the search-index row (or None) and the name's pinyin tails (or ()).
    Returns them with the seconds spent encrypting and digesting."""
    from linli.people.search import index_row, pinyin_rows

    encrypt_s = 0.0
    derived: list[tuple[Any, ...]] = []
    for number, name, current, registered in inputs:
        started = time.perf_counter()
        encrypted, digest = crypto.encrypt(number), crypto.digest(number)
        encrypt_s += time.perf_counter() - started
        index = index_row(name, "", current, registered) if with_index else None
        tails = tuple(tail for _pk, tail in pinyin_rows(0, name)) if with_index else ()
        derived.append((encrypted, digest, mask_id(number), index, tails))
    return derived, encrypt_s


class Deriver:
    """Derives the costly per-person values (``_derive``) in batches, in a worker process when there is
    a second CPU: the main process generates and inserts the next batch meanwhile. The search-index rows
    are written here too, in bulk, instead of a ``rebuild_index`` pass over the finished table — the same
    rows (``linli.people.search.index_row``; the tests compare with ``rebuild_index``)."""

    BATCH = 2000
    PERSON_SLOTS = (4, 5, 6)  # id_number_encrypted, id_digest, id_masked

    def __init__(self, writer: PeopleWriter, parallel: bool) -> None:
        self.writer = writer
        # Every row of a batch waits for the batch's persons: a household, membership, residence or tag
        # must not reach the table before its person (a deferred foreign key whose parent arrives later
        # makes SQLite search the child table, unindexed during the load, for every parent).
        self.rows: list[tuple[type[models.Model], Any]] = []
        self.inputs: list[tuple[str, str, str, str]] = []
        self.in_flight: Batch | None = None
        self.executor = (
            ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) if parallel else None
        )
        self.index_sql = _index_insert_sql()
        self.encrypt_s = 0.0
        self.wait_s = 0.0  # the main process waiting for the worker
        self.indexed = 0

    def add_person(self, row: list[Any], inputs: tuple[str, str, str, str]) -> None:
        self.rows.append((Person, row))
        self.inputs.append(inputs)

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        self.rows.append((model, row))

    def household_done(self) -> None:
        if len(self.inputs) >= self.BATCH:
            self.submit()

    def submit(self) -> None:
        if not self.inputs:
            return
        rows, inputs, with_index = self.rows, self.inputs, self.index_sql is not None
        self.rows, self.inputs = [], []
        future: Future[Derived]
        if self.executor is not None:
            future = self.executor.submit(_derive, inputs, with_index)
        else:
            future = Future()
            future.set_result(_derive(inputs, with_index))
        previous, self.in_flight = self.in_flight, (rows, future)
        if previous is not None:
            self.complete(*previous)

    def complete(self, rows: list[tuple[type[models.Model], Any]], future: Future[Derived]) -> None:
        waiting = time.perf_counter()
        derived, encrypt_s = future.result()
        self.wait_s += time.perf_counter() - waiting
        self.encrypt_s += encrypt_s
        index_rows: list[tuple[Any, ...]] = []
        tail_rows: list[tuple[int, str]] = []
        persons = [row for model, row in rows if model is Person]
        for row, values in zip(persons, derived, strict=True):
            for slot, value in zip(self.PERSON_SLOTS, values, strict=False):
                row[slot] = value
            self.writer.add(Person, tuple(row))
            if values[3] is not None:
                index_rows.append((row[0], *values[3]))
            tail_rows.extend((row[0], tail) for tail in values[4])
        for model, row in rows:
            if model is not Person:
                self.writer.add(model, row)
        if index_rows and self.index_sql is not None:
            from linli.people.search import PINYIN_INSERT

            with connection.cursor() as cursor:
                bulk_insert(cursor, self.index_sql, index_rows)
                if tail_rows:
                    bulk_insert(cursor, PINYIN_INSERT, tail_rows)
            self.indexed += len(index_rows)

    def finish(self) -> None:
        self.submit()
        if self.in_flight is not None:
            self.complete(*self.in_flight)
            self.in_flight = None
        if self.executor is not None:
            self.executor.shutdown()


def _index_insert_sql() -> str | None:
    """The INSERT into linli.people.search's side index (as its ``_write_rows`` writes), or None if none."""
    from linli.people import search

    if not hasattr(search, "FTS_TABLE") or not search.supports_index():
        return None
    key = "rowid" if connection.vendor == "sqlite" else "person_id"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.FTS_TABLE}")  # the registry is empty: so must its index be
        cursor.execute(f"DELETE FROM {search.PINYIN_TABLE}")
    return f"INSERT INTO {search.FTS_TABLE} ({key}, name_chars, former_chars, words) VALUES (%s, %s, %s, %s)"


@dataclass(frozen=True)
class _House:
    id: int
    region_id: int
    region_path: str
    address: str
    rental: bool
    village: bool


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class PeopleFiller:
    """Generates the households of the chosen houses into a PeopleWriter."""

    def __init__(
        self, writer: PeopleWriter, deriver: Deriver, seed: int, today: datetime.date, tags: dict[str, int]
    ) -> None:
        self.writer = writer
        self.deriver = deriver
        self.rng = random.Random(f"{seed}:people")
        self.today = today
        self.tags = tags
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.household_seq = 0
        self.adapt_date = connection.ops.adapt_datefield_value
        self.adapt_datetime = connection.ops.adapt_datetimefield_value
        self.now = timezone.now()
        self.now_db = self.adapt_datetime(self.now)
        self.persons = 0
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
            members = [self.member(Relation.HEAD, self.random_sex(), 20, 45)]
            members += [self.member(Relation.OTHER, self.random_sex(), 18, 45) for _ in range(rng.randint(2, 7))]
            for member in members:
                member.surname = self.surname()
        else:
            size = rng.choices(SIZES, cum_weights=SIZE_CUM)[0]
            if floating and size > 4:
                size = 4
            members = self.compose(size, house.village)
            self.relate(members)
        if floating:
            county = rng.choices(ELSEWHERE, cum_weights=ELSEWHERE_CUM)[0]
            for member in members:
                member.kind, member.separation = ResidenceKind.FLOATING, Separation.REGISTERED_ELSEWHERE
        else:
            county = LOCAL if rng.random() < 0.85 else rng.choices(SICHUAN, cum_weights=SICHUAN_CUM)[0]
            if house.village:
                self.left_behind(members)
        return self.write(house, members, county, HouseholdKind.COLLECTIVE if collective else HouseholdKind.FAMILY)

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
        name = m.surname + self.given_name(m.sex, m.birth.year)
        number = self.id_number(county, m.birth, m.sex)
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
                *self.search_keys(name),
                m.sex,
                self.d(m.birth),
                rng.choice(MINORITIES).value if rng.random() < 0.015 else Ethnicity.HAN.value,
                county.name,
                marital,
                political,
                self.education(m.birth.year, age),
                "510117" if registered_here else county.code_for(today.year),
                registered_address,
                house.address,
                self.phone() if age >= 14 and rng.random() < 0.93 else "",
                self.occupation(age),
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
        birth = self.birth(22, 55)
        arrived = self.today - datetime.timedelta(days=rng.randint(30, 900))
        number = f"{prefix}{rng.randrange(10 ** (9 - len(prefix))):0{9 - len(prefix)}d}"
        self.deriver.add(
            Household, (household_id, *region, f"{self.household_seq:09d}", HouseholdKind.FAMILY, house.id, person_id)
        )
        sex = self.random_sex()
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
                *self.search_keys(name),
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
                self.phone(),
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

    def d(self, value: datetime.date) -> Any:
        return self.adapt_date(value)

    def dt(self, value: datetime.datetime) -> Any:
        return self.adapt_datetime(value)


def _houses() -> Iterator[_House]:
    """Every dwelling of the city in id order (residential and rented houses; not shops or offices)."""
    codes = dict(Region.objects.values_list("id", "code"))
    rows = (
        House.objects.filter(use__in=[HouseUse.RESIDENTIAL, HouseUse.RENTAL])
        .order_by("id")
        .values_list("id", "region_id", "region_path", "address", "use")
        .iterator(chunk_size=20_000)
    )
    for house_id, region_id, path, address, use in rows:
        # Communities numbered 201… are villages (linli.seed.city.plan_regions).
        village = codes[region_id][9:12] >= "201"
        yield _House(house_id, region_id, path, address, use == HouseUse.RENTAL, village)


def seed_people(
    scale_name: str = "demo",
    seed: int = 2026,
    *,
    households: int | None = None,
    today: datetime.date | None = None,
    progress: bool = False,
    log: Callable[[str], Any] | None = None,
    parallel: bool | None = None,
) -> PeopleReport:
    """Fill the seeded city's houses with synthetic residents, in one transaction; return what was made.

    ``households`` overrides the scale's count (benchmarks); when it exceeds the dwellings, some
    houses get a second household (shared flats). ``parallel`` (default: when there are two CPUs or
    more) derives encryption, search keys and index rows in a worker process.
    """
    say = log or (lambda _message: None)
    started = time.perf_counter()
    target = households if households is not None else HOUSEHOLDS[scale_name]
    if Person.objects.exists():
        raise SeedError(f"数据库中已有 {Person.objects.count()} 名人员；演示人口只写入空的人口库。")
    houses = list(_houses())
    if not houses:
        raise SeedError("没有可入住的房屋：请先生成演示城市（linli seed）。")
    tags = dict(Tag.objects.values_list("code", "id"))
    if not tags:
        say("提示：标签表为空（people 迁移 0002_seed_tags 未执行？），演示人口不带标签。")
    today = today or timezone.localdate()
    # Rented flats and village houses are fuller than commodity flats (many of those bought, unlived in).
    weights = [(1.8 if h.rental else 1.4 if h.village else 1.0) for h in houses]
    per_weight = target / sum(weights)
    choose = random.Random(f"{seed}:occupancy")
    chosen: list[_House] = []
    for house, weight in zip(houses, weights, strict=True):
        p = weight * per_weight
        while p > 0 and choose.random() < p:
            chosen.append(house)
            p -= 1

    with transaction.atomic():
        writer = PeopleWriter()
        writer.drop_indexes()
        deriver = Deriver(writer, parallel if parallel is not None else (os.cpu_count() or 1) > 1)
        filler = PeopleFiller(writer, deriver, seed, today, tags)
        bar = tqdm(
            total=len(chosen),
            desc="人口与户",
            unit="户",
            disable=None if progress else True,
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.5,
        )
        with bar:
            for index, house in enumerate(chosen):
                filler.fill(house)
                deriver.household_done()
                if index % 2000 == 1999:
                    bar.update(2000)
                    bar.set_postfix(人=filler.persons, refresh=False)
            bar.update(len(chosen) % 2000)
            deriver.finish()
            writer.flush()
        generated = time.perf_counter()
        writer.restore_indexes()
        writer.reset_sequences()
        indexes_s = time.perf_counter() - generated
        if deriver.indexed:
            say(f"搜索索引：{deriver.indexed} 人（随人员一并写入）")
        counts = {
            "persons": writer.counts[Person],
            "households": writer.counts[Household],
            "memberships": writer.counts[Membership],
            "residences": writer.counts[Residence],
            "person_tags": writer.counts[PersonTag],
        }
        audit.record(
            None,
            "seed",
            object_type="people.person",
            object_id="",
            object_repr="演示人口",
            region_path=houses[0].region_path[:4],
            changes={"scale": scale_name, "seed": seed, "counts": counts, "today": today.isoformat()},
            reason="生成合成演示人口（linli seed）",
        )
    elapsed = time.perf_counter() - started
    timings = {
        "encrypt": deriver.encrypt_s,
        "generate_and_insert": generated - started,
        "indexes": indexes_s,
        "wait": deriver.wait_s,
    }
    return PeopleReport(counts["households"], counts, elapsed, timings)
