"""Finding persons: search keys for names, the full-text side index, and the query router.

``search_keys(name)`` gives the pinyin and initials stored on Person (``name_pinyin``,
``name_initials``) so that a worker typing "wangfang" or "wf" on a phone finds 王芳. pypinyin
(0.55) has no surname style, so the first character (or a compound surname: 欧阳, 尉迟 …) is read
from a small table of surname readings that differ from the character's common reading
(单 shan, 曾 zeng, 解 xie, 仇 qiu …).

``search_persons(queryset, q)`` routes the query by its shape:

- an ID number (15 or 18 characters after ``normalise_id``) → exact match on ``id_digest``
  (the keyed HMAC; the clear number is stored nowhere searchable);
- digits that look like a phone → ``phone`` exact (11 digits, +86 dropped) or by its tail (尾号, 4–10 digits);
- ASCII letters → ``name_initials`` prefix or ``name_pinyin`` prefix, and from three letters on also
  the pinyin from a later syllable (``people_person_pinyin``: "wangfang" finds 李王芳) — every one an
  index range, so an initials query costs what its matches cost, not a scan of the registry;
- Chinese → the name (exact, prefix, any substring), former names, and the addresses in full text.

The full-text index is a side table, ``people_person_fts``, one row per person keyed by the
person's id, written by ``index_persons(ids)`` (called from a post_save signal on Person, and by
bulk writers that bypass signals: seeding, imports). Why a side table and not triggers or model
fields: triggers cannot segment Chinese, and a segmented copy on the model would double every
write path; the side table keeps the registry model clean and the index rebuildable
(``rebuild_index``). Each row holds three texts:

- ``name_chars``/``former_chars``: the name and former names one character per token
  ("王 芳 芳"). A phrase query of the query's characters ("王 芳") is then exactly "contains
  this substring", answered from the index: two-character names are found with recall 1.0,
  which trigram indexes cannot do (a trigram needs three characters);
- ``words``: name, former names, current and registered address segmented by jieba
  (``cut_for_search``, so 红星路 is also indexed as 红星). The query is segmented with jieba's
  precise mode and every word must match as a prefix.

SQLite: the side table is an FTS5 virtual table (``tokenize='unicode61'``: with the spaces we
insert, every character or jieba word is one token). PostgreSQL: a plain table with GIN indexes on
``to_tsvector('simple', …)`` of each column (phrase queries with ``<->``, prefix with ``:*``), and
pg_trgm GIN indexes on people_person's name, current_address and name_pinyin so that ad-hoc
LIKE '%…%' queries use an index as well (search itself no longer issues one).

Pinyin: ``name_pinyin`` and ``name_initials`` are answered by prefix on their own indexes. A pinyin
query that starts inside the name — the given name typed alone, "wangfang" for 李王芳 — is answered
from a second side table, ``people_person_pinyin`` (person_id, tail): one row per syllable after the
first, holding the pinyin from there to the end ("wangfang", "fang"), primary key (tail, person_id),
binary / C collation, so "tail starts with q" is an index range on both databases. It replaced
``name_pinyin LIKE '%q%'``, a scan of the registry on SQLite (654 ms at a million persons for a
three-letter initials query; docs/performance.md); a match must now begin at a syllable, not anywhere
("angfa" no longer finds 王芳), which is what a person typing a name means. Written with the other
side-index rows (``index_persons``, ``rebuild_index``, the seed).

Ranking: exact name (or exact pinyin/initials) first, then prefix, then any other hit; ties by name.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from pypinyin import Style, lazy_pinyin

from linli.core import crypto
from linli.core.idnumbers import IdNumberError, normalise_id, parse_resident_id
from linli.core.phones import normalise_phone
from linli.people.models import Person

FTS_TABLE = "people_person_fts"
PINYIN_TABLE = "people_person_pinyin"
#: Above every character in binary (SQLite) and C-collation (PostgreSQL) order: ``q <= x < q + TOP`` is "starts with q".
TOP = "\U0010ffff"

#: Compound surnames whose reading differs from, or must be kept apart from, the common reading.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "皇甫": ("huang", "fu"),
    "令狐": ("ling", "hu"),
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"),
    "宇文": ("yu", "wen"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "呼延": ("hu", "yan"),
    "司徒": ("si", "tu"),
    "西门": ("xi", "men"),
    "南宫": ("nan", "gong"),
}

#: Single-character surnames read differently from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "召": "shao",
    "秘": "bi",
    "繁": "po",
    "折": "she",
    "种": "chong",
    "员": "yun",
    "宓": "fu",
    "尉": "yu",
    "隗": "wei",
    "句": "gou",
    "能": "nai",
    "么": "yao",
    "眭": "sui",
    "阚": "kan",
    "佘": "she",
    "柏": "bai",
    "华": "hua",
    "任": "ren",
    "燕": "yan",
    "纪": "ji",
    "黑": "he",
    "薄": "bo",
    "重": "chong",
    "长": "chang",
    "调": "diao",
    "祭": "zhai",
    "藏": "zang",
    "车": "che",
    "沈": "shen",
    "石": "shi",
    "相": "xiang",
    "应": "ying",
    "过": "guo",
    "费": "fei",
    "哈": "ha",
    "阿": "a",
    "卜": "bu",
    "暴": "bao",
    "贲": "ben",
    "郇": "xun",
    "雍": "yong",
    "殷": "yin",
    "莘": "shen",
    "谌": "chen",
    "蕃": "pi",
    "寻": "xun",
    "洗": "xian",
    "冼": "xian",
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _is_han(char: str) -> bool:
    return bool(_HAN.fullmatch(char))


def _clean(name: str) -> str:
    """NFKC (full-width letters to half-width), single spaces, lower case for Latin letters."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).lower()


def _syllables(name: str) -> list[str]:
    """The name's readings in order: one per Chinese character, one per Latin word (see ``search_keys``)."""
    text = _clean(name)
    if not text:
        return []
    syllables: list[str] = []
    rest = text
    compound = COMPOUND_SURNAMES.get(text[:2]) if len(text) > 2 else None
    if compound is not None:
        syllables.extend(compound)
        rest = text[2:]
    elif _is_han(text[0]) and text[0] in SURNAME_READINGS:
        syllables.append(SURNAME_READINGS[text[0]])
        rest = text[1:]
    # Runs of Chinese characters go through pypinyin together (phrase context helps);
    # everything else is kept as Latin words.
    for run in _RUNS.findall(rest):
        if _is_han(run[0]):
            syllables.extend(r.lower() for r in lazy_pinyin(run, style=Style.NORMAL, v_to_u=False))
        else:
            syllables.extend(_WORD.findall(run))
    return [s for s in syllables if s]


def search_keys(name: str) -> tuple[str, str]:
    """Return (pinyin, initials) for a person's name, e.g. "张三" → ("zhangsan", "zs").

    Lowercase, no tones, no spaces; ü is written "v" (吕 → "lv"), as pypinyin writes it.
    The surname is read as a surname (单 → "shan", 曾 → "zeng", 尉迟 → "yuchi").
    Latin letters and digits in the name are kept; each Latin word adds its first letter to
    the initials. Other characters (·, punctuation) are dropped.
    """
    syllables = _syllables(name)
    return "".join(syllables), "".join(s[0] for s in syllables)


def pinyin_tails(name: str) -> list[str]:
    """The name's pinyin from each syllable after the first: "李王芳" → ["wangfang", "fang"].

    Stored in the side table ``people_person_pinyin`` so that a pinyin query that starts inside the
    name (the given name, "wangfang" → 李王芳) is an index range like the full pinyin, not a scan.
    """
    syllables = _syllables(name)
    return list(dict.fromkeys("".join(syllables[i:]) for i in range(1, len(syllables))))


# --- the full-text side index ---------------------------------------------------------------------

_NON_WORD = re.compile(r"[^\w]+")


def _jieba() -> Any:
    """jieba, imported on first use (its dictionary loads in about a second), quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its regexes use invalid escapes
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _segment(text: str) -> list[str]:
    """jieba words of ``text`` for the index (search mode: long words also give their parts)."""
    jieba = _jieba()
    cleaned = _clean(text)
    return [w for w in (_NON_WORD.sub("", token) for token in jieba.cut_for_search(cleaned)) if w]


def _query_words(text: str) -> list[str]:
    """jieba words of a query (precise mode); each must match an indexed word as a prefix."""
    jieba = _jieba()
    cleaned = _clean(text)
    return [w for w in (_NON_WORD.sub("", token) for token in jieba.cut(cleaned)) if w]


def _chars(text: str) -> str:
    """One token per character (letters and digits only): "王 芳"."""
    return " ".join(ch for ch in _clean(text) if ch.isalnum())


@functools.lru_cache(maxsize=65_536)
def _segment_part(text: str) -> tuple[str, ...]:
    # jieba segments each whitespace-separated block on its own, so segmenting the texts one by one
    # gives the same words as segmenting them joined; cached, because addresses repeat (a household,
    # a building) and a bulk rebuild of the demo's 300 000 persons otherwise spends minutes in jieba.
    return tuple(_segment(text))


def index_row(name: str, former_names: str, current_address: str, registered_address: str) -> tuple[str, str, str]:
    """The three indexed texts of one person: (name_chars, former_chars, words)."""
    words = [w for t in (name, former_names, current_address, registered_address) if t for w in _segment_part(t)]
    return _chars(name), _chars(former_names), " ".join(words)


@functools.lru_cache(maxsize=65_536)
def _cached_tails(name: str) -> tuple[str, ...]:
    return tuple(pinyin_tails(name))


def pinyin_rows(person_id: int, name: str) -> list[tuple[int, str]]:
    """The ``people_person_pinyin`` rows of one person: (person_id, tail)."""
    return [(person_id, tail) for tail in _cached_tails(name)]


PINYIN_INSERT = f"INSERT INTO {PINYIN_TABLE} (person_id, tail) VALUES (%s, %s)"


def _write_rows(
    using: str, rows: Sequence[tuple[int, str, str, str, str]], ids: Sequence[int], *, pinyin: bool = True
) -> None:
    conn = connections[using]
    key = "rowid" if conn.vendor == "sqlite" else "person_id"
    with conn.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE {key} IN ({marks})", chunk)
            if pinyin:
                cursor.execute(f"DELETE FROM {PINYIN_TABLE} WHERE person_id IN ({marks})", chunk)
        values = [(pk, *index_row(name, former, current, registered)) for pk, name, former, current, registered in rows]
        if values:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} ({key}, name_chars, former_chars, words) VALUES (%s, %s, %s, %s)", values
            )
        tails = [row for pk, name, *_rest in rows for row in pinyin_rows(pk, name)] if pinyin else []
        if tails:
            cursor.executemany(PINYIN_INSERT, tails)


def index_persons(ids: Iterable[int], *, using: str = "default") -> None:
    """(Re)write the search-index rows of these persons; persons that no longer exist are dropped.

    Call it after any write that changes a person's name, former names or addresses without
    ``Person.save()`` (bulk_create, queryset.update); ``save()`` is covered by a post_save signal.
    """
    id_list = sorted({int(pk) for pk in ids})
    if not id_list or not supports_index(using):
        return
    rows: list[tuple[int, str, str, str, str]] = []
    for start in range(0, len(id_list), 2000):
        rows.extend(
            Person.objects.using(using)
            .filter(pk__in=id_list[start : start + 2000])
            .values_list("pk", "name", "former_names", "current_address", "registered_address")
        )
    _write_rows(using, rows, id_list)


def unindex_persons(ids: Iterable[int], *, using: str = "default") -> None:
    """Drop these persons' rows from the search index (after a delete)."""
    id_list = sorted({int(pk) for pk in ids})
    if id_list and supports_index(using):
        _write_rows(using, [], id_list)


def rebuild_index(*, using: str = "default", batch_size: int = 5000, pinyin: bool = True) -> int:
    """Empty the side index (and the pinyin tails, unless ``pinyin=False``: migration 0003 runs before
    their table exists) and fill it from people_person (raw SQL, so migrations may call it)."""
    conn = connections[using]
    if not supports_index(using):
        return 0
    count = 0
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        if pinyin:
            cursor.execute(f"DELETE FROM {PINYIN_TABLE}")
        last = 0
        while True:
            cursor.execute(
                "SELECT id, name, former_names, current_address, registered_address FROM people_person "
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch_size],
            )
            batch = cursor.fetchall()
            if not batch:
                break
            _write_rows(using, batch, [], pinyin=pinyin)
            last = batch[-1][0]
            count += len(batch)
    return count


def rebuild_pinyin_index(*, using: str = "default", batch_size: int = 20_000) -> int:
    """Empty ``people_person_pinyin`` and fill it from people_person's names (migration 0004)."""
    if not supports_index(using):
        return 0
    count = 0
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {PINYIN_TABLE}")
        last = 0
        while True:
            cursor.execute("SELECT id, name FROM people_person WHERE id > %s ORDER BY id LIMIT %s", [last, batch_size])
            batch = cursor.fetchall()
            if not batch:
                break
            tails = [row for pk, name in batch for row in pinyin_rows(pk, name)]
            if tails:
                cursor.executemany(PINYIN_INSERT, tails)
            last = batch[-1][0]
            count += len(batch)
    return count


def supports_index(using: str = "default") -> bool:
    return connections[using].vendor in ("sqlite", "postgresql")


# --- queries ---------------------------------------------------------------------------------------

_ID_SHAPE = re.compile(r"\d{15}|\d{17}[\dX]")
_LETTERS = re.compile(r"[a-z]+")


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _name_contains_sql(q: str, *, vendor: str) -> RawSQL | None:
    """Ids whose name or former names contain ``q`` as a substring (a phrase of characters)."""
    chars = _chars(q).split()
    if not chars:
        return None
    if vendor == "sqlite":
        expr = "{name_chars former_chars} : " + _fts_quote(" ".join(chars))
        return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expr])
    phrase = " ".join(chars)
    return RawSQL(
        f"SELECT person_id FROM {FTS_TABLE} WHERE to_tsvector('simple', name_chars) @@ phraseto_tsquery('simple', %s) "
        f"OR to_tsvector('simple', former_chars) @@ phraseto_tsquery('simple', %s)",
        [phrase, phrase],
    )


def _words_sql(q: str, *, vendor: str) -> RawSQL | None:
    """Ids whose name/addresses contain every jieba word of ``q`` (each as a word prefix)."""
    words = _query_words(q)
    if not words:
        return None
    if vendor == "sqlite":
        expr = "words : (" + " AND ".join(_fts_quote(w) + "*" for w in words) + ")"
        return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expr])
    tsquery = " & ".join("'" + w.replace("'", "''") + "':*" for w in words)
    return RawSQL(
        f"SELECT person_id FROM {FTS_TABLE} WHERE to_tsvector('simple', words) @@ to_tsquery('simple', %s)", [tsquery]
    )


def _id_digests(q: str) -> list[str] | None:
    """The digests to look up when ``q`` is shaped like an ID number, else None."""
    number = normalise_id(q)
    if not _ID_SHAPE.fullmatch(number):
        return None
    candidates = {number}
    with contextlib.suppress(IdNumberError):  # a 15-digit number is stored as its 18-digit form
        candidates.add(parse_resident_id(number).number)
    return sorted(crypto.digest(c) for c in candidates)


def _phone_digits(q: str) -> str | None:
    text = normalise_phone(q)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text if text.isdigit() and 4 <= len(text) <= 12 else None


def _prefix(field: str, value: str, vendor: str) -> Q:
    """``field`` starts with ``value``, answered from the field's index.

    SQLite: the range ``value <= field < value + TOP`` (its LIKE is case-insensitive and cannot use the
    binary index). PostgreSQL: ``startswith`` (LIKE 'value%'), which uses the ``varchar_pattern_ops``
    index Django adds to every indexed CharField whatever the database's collation; a range would
    depend on the collation.
    """
    if vendor == "postgresql":
        return Q(**{f"{field}__startswith": value})
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + TOP})


def _pinyin_tail_sql(q: str) -> RawSQL:
    """Ids whose name's pinyin, from some syllable after the first, starts with ``q`` (an index range)."""
    return RawSQL(f"SELECT person_id FROM {PINYIN_TABLE} WHERE tail >= %s AND tail < %s", [q, q + TOP])


def _prefix_sql(column: str, value: str, vendor: str) -> RawSQL:
    """Ids of persons whose ``column`` starts with ``value``, from the column's index (as ``_prefix``)."""
    if vendor == "postgresql":
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return RawSQL(f"SELECT id FROM people_person WHERE {column} LIKE %s", [escaped + "%"])
    return RawSQL(f"SELECT id FROM people_person WHERE {column} >= %s AND {column} < %s", [value, value + TOP])


def _any_of(parts: Iterable[RawSQL | None]) -> Q:
    """``pk IN (a UNION b UNION …)``: one id set from index-driven branches.

    Written as one subquery rather than ``cond_a OR pk IN (…) OR pk IN (…)``: PostgreSQL cannot combine
    a subquery with other conditions through indexes and scans the whole registry with hashed subplans
    (≈ 200 ms at 200 000 persons for a name or initials, 10-14 ms as a union; docs/performance.md).
    SQLite answers both forms from the indexes, in about the same time."""
    branches = [part for part in parts if part is not None]
    sql = " UNION ".join(branch.sql for branch in branches)
    params: list[Any] = [param for branch in branches for param in branch.params]
    return Q(pk__in=RawSQL(sql, params))


def search_persons(queryset: QuerySet[Any], q: str) -> QuerySet[Any]:
    """Persons of ``queryset`` that match ``q``, best first (annotated ``search_rank``: 0 best).

    ``queryset`` is already scoped (``Person.objects.visible_to(user)``); this only narrows and
    orders it. An empty query returns the queryset unchanged.
    """
    text = " ".join(unicodedata.normalize("NFKC", q or "").split())
    if not text:
        return queryset
    vendor = connections[queryset.db].vendor

    digests = _id_digests(text)
    if digests is not None:
        return queryset.filter(id_digest__in=digests).annotate(search_rank=Value(0, output_field=IntegerField()))

    phone = _phone_digits(text)
    if phone is not None:
        if len(phone) == 11:
            matched = queryset.filter(phone=phone)
        else:
            matched = queryset.filter(Q(phone=phone) | Q(phone__endswith=phone))
        rank = Case(When(phone=phone, then=Value(0)), default=Value(1), output_field=IntegerField())
        return matched.annotate(search_rank=rank).order_by("search_rank", "name", "pk")

    letters = text.lower().replace(" ", "")
    if _LETTERS.fullmatch(letters):
        starts = _prefix("name_initials", letters, vendor) | _prefix("name_pinyin", letters, vendor)
        if supports_index(queryset.db):
            # The given name's pinyin ("wangfang" → 李王芳) from three letters on, from the side table.
            condition = _any_of(
                [
                    _prefix_sql("name_initials", letters, vendor),
                    _prefix_sql("name_pinyin", letters, vendor),
                    _pinyin_tail_sql(letters) if len(letters) >= 3 else None,
                ]
            )
        else:
            condition = starts | (Q(name_pinyin__contains=letters) if len(letters) >= 3 else Q(pk__in=[]))
        rank = Case(
            When(Q(name_initials=letters) | Q(name_pinyin=letters), then=Value(0)),
            When(starts, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return queryset.filter(condition).annotate(search_rank=rank).order_by("search_rank", "name", "pk")

    compact = text.replace(" ", "")
    if supports_index(queryset.db):
        condition = _any_of(
            [
                _prefix_sql("name", compact, vendor),
                _name_contains_sql(compact, vendor=vendor),
                _words_sql(text, vendor=vendor),
            ]
        )
    else:  # another backend: plain scans
        condition = (
            Q(name=compact)
            | _prefix("name", compact, vendor)
            | Q(name__contains=compact)
            | Q(former_names__contains=compact)
            | Q(current_address__contains=compact)
            | Q(registered_address__contains=compact)
        )
    rank = Case(
        When(name=compact, then=Value(0)),
        When(_prefix("name", compact, vendor), then=Value(1)),
        When(Q(name__contains=compact), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return queryset.filter(condition).annotate(search_rank=rank).order_by("search_rank", "name", "pk")
