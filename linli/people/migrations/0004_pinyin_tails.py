"""The pinyin side table of person search (see linli/people/search.py): one row per syllable after the
first of each name, the pinyin from there on, so that a given-name pinyin query is an index range."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TABLE IF NOT EXISTS people_person_pinyin ("
    "tail text NOT NULL, person_id integer NOT NULL, PRIMARY KEY (tail, person_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS people_person_pinyin_person ON people_person_pinyin (person_id)",
]
POSTGRES_FORWARD = [
    "CREATE TABLE IF NOT EXISTS people_person_pinyin ("
    'tail text COLLATE "C" NOT NULL, '
    "person_id bigint NOT NULL REFERENCES people_person (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "
    "PRIMARY KEY (tail, person_id))",
    "CREATE INDEX IF NOT EXISTS people_person_pinyin_person ON people_person_pinyin (person_id)",
]
BACKWARD = ["DROP TABLE IF EXISTS people_person_pinyin"]


def forward(apps: Any, schema_editor: Any) -> None:
    from linli.people.search import rebuild_pinyin_index

    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)
    if statements:
        rebuild_pinyin_index(using=connection.alias)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_search_index")]

    operations = [migrations.RunPython(forward, backward)]
