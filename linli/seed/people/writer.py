"""The rows' writer: ``PeopleWriter`` (batched ``executemany`` on SQLite, COPY on PostgreSQL) and the
secondary indexes dropped for the load and rebuilt after."""

from __future__ import annotations

from typing import Any

from django.db import connection

from linli.people.models import Household, Membership, Person, PersonTag, Residence
from linli.people.search import FTS_TABLE, PINYIN_TABLE
from linli.seed.city import BulkWriter


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
            *Residence.DETAIL_FIELDS,
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
