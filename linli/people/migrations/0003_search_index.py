"""The person search index (see linli/people/search.py): an FTS5 side table on SQLite; on
PostgreSQL a side table with tsvector GIN indexes plus pg_trgm indexes on people_person."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5("
    "name_chars, former_chars, words, tokenize='unicode61')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS people_person_fts"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS people_person_fts ("
    "person_id bigint PRIMARY KEY REFERENCES people_person (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "
    "name_chars text NOT NULL DEFAULT '', former_chars text NOT NULL DEFAULT '', words text NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS people_person_fts_name_idx ON people_person_fts "
    "USING gin (to_tsvector('simple', name_chars))",
    "CREATE INDEX IF NOT EXISTS people_person_fts_former_idx ON people_person_fts "
    "USING gin (to_tsvector('simple', former_chars))",
    "CREATE INDEX IF NOT EXISTS people_person_fts_words_idx ON people_person_fts "
    "USING gin (to_tsvector('simple', words))",
    "CREATE INDEX IF NOT EXISTS people_person_name_trgm ON people_person USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS people_person_pinyin_trgm ON people_person USING gin (name_pinyin gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS people_person_address_trgm ON people_person USING gin (current_address gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS people_person_address_trgm",
    "DROP INDEX IF EXISTS people_person_pinyin_trgm",
    "DROP INDEX IF EXISTS people_person_name_trgm",
    "DROP TABLE IF EXISTS people_person_fts",
]


def forward(apps: Any, schema_editor: Any) -> None:
    from linli.people.search import rebuild_index

    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)
    if statements:
        rebuild_index(using=connection.alias, pinyin=False)  # its table arrives in 0004


def backward(apps: Any, schema_editor: Any) -> None:
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_seed_tags")]

    operations = [migrations.RunPython(forward, backward)]
