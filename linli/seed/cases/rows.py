"""The rows: the columns each row tuple supplies, the ``CasesWriter`` (with the SQLite index drop for
the load), and ``write_case``, a simulated case into its case, whistle, summons, extension, dispute
and party rows."""

from __future__ import annotations

from django.db import connection

from linli.cases.models import Case, CaseParty, Dispute, Extension, Step, Summons, Whistle
from linli.seed.cases.moments import SimTime
from linli.seed.cases.state import _OPEN, S, Tally, _Case
from linli.seed.city import BulkWriter

# fmt: off
# The columns each row tuple supplies, in order (the writer fills any other field with its default).
CASE_FIELDS = (
    "id", "number", "region", "region_path", "source", "category", "title", "description", "priority",
    "building", "house", "lat", "lng", "address", "reporter_user", "reporter_person", "contact_name",
    "contact_phone", "status", "holder_region", "holder_department", "dispatcher_region", "handler_region",
    "handler_department", "deadline", "due_at", "reported_at", "accepted_at", "registered_at", "dispatched_at",
    "handled_at", "closed_at", "closed_on_time", "is_overdue", "overdue_since", "warned_at", "self_handled",
    "escalation_count", "supervised", "extension_count", "rework_count", "return_count", "reopen_count",
    "rating", "rating_comment", "rated_at", "contacted", "solved", "merged_into", "version", "updated_at",
    "handling_hours",
)
STEP_FIELDS = (
    "id", "case", "verb", "actor", "status_before", "status_after", "holder_before", "holder_after",
    "department", "note", "deadline", "created_at",
)
WHISTLE_FIELDS = ("id", "case", "kind", "region", "note", "blown_by", "blown_at")
SUMMONS_FIELDS = (
    "id", "whistle", "case", "department", "check_in_deadline", "checked_in_at", "checked_in_by", "late",
    "reported_at", "report",
)
EXTENSION_FIELDS = (
    "id", "case", "hours", "reason", "status", "requested_by", "requested_at", "decided_by", "decided_at",
)
DISPUTE_FIELDS = (
    "id", "case", "scale", "people_involved", "amount", "mediating_org", "method", "mediator", "agreement",
    "success", "follow_up_on", "follow_up_result",
)
PARTY_FIELDS = ("id", "case", "person", "name", "role", "phone")
# fmt: on


class CasesWriter(BulkWriter):
    ORDER = (Case, Step, Whistle, Summons, Extension, Dispute, CaseParty)
    ROW_FIELDS = {
        Case: CASE_FIELDS,
        Step: STEP_FIELDS,
        Whistle: WHISTLE_FIELDS,
        Summons: SUMMONS_FIELDS,
        Extension: EXTENSION_FIELDS,
        Dispute: DISPUTE_FIELDS,
        CaseParty: PARTY_FIELDS,
    }

    def __init__(self, batch_rows: int = 20_000) -> None:
        super().__init__(batch_rows)
        self.dropped_indexes: list[str] = []

    def drop_indexes(self) -> None:
        """SQLite: drop the secondary indexes of the (empty) case tables for the load; rebuilt after
        by ``restore_indexes`` (one sorted build beats a million random inserts into each B-tree)."""
        if connection.vendor != "sqlite":
            return
        tables = [model._meta.db_table for model in self.ORDER]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
            for name, sql in cursor.fetchall():
                self.dropped_indexes.append(sql)
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            for sql in self.dropped_indexes:
                cursor.execute(sql)
        self.dropped_indexes.clear()


def write_case(c: _Case, writer: CasesWriter, time: SimTime, tally: Tally) -> None:
    """The case row (after its steps: the writer flushes cases first, so steps find their case)."""
    open_ = c.status in _OPEN
    overdue_since = None
    if open_ and c.deadline is not None and c.deadline < time.now:
        overdue_since = c.deadline
    elif c.status == S.CLOSED and c.closed_on_time is False and c.due_at is not None:
        overdue_since = c.due_at  # the deadline task had flagged it before it closed
    place, db = c.place, time.db
    writer.add(
        Case,
        (
            c.id, c.number, c.grid.id, c.grid.path, c.source, c.category.id, c.title, c.description,
            c.priority, place.building_id, None, place.lat, place.lng, place.address[:200], c.reporter, None,
            c.contact_name, c.contact_phone, c.status, c.holder, c.holder_dept, c.dispatcher or None,
            c.handler or None, c.handler_dept, db(c.deadline), db(c.due_at), db(c.reported_at), db(c.accepted_at),
            db(c.registered_at), db(c.dispatched_at), db(c.handled_at), db(c.closed_at), c.closed_on_time,
            overdue_since is not None, db(overdue_since), None, c.self_handled, c.escalation_count,
            c.supervised, c.extension_count, c.rework_count, c.return_count, c.reopen_count, c.rating,
            c.rating_comment, db(c.rated_at), c.contacted, c.solved, c.merged_into, c.version, db(c.last),
            c.handling_hours,
        ),
    )  # fmt: skip
    for row in c.whistles:
        writer.add(Whistle, row)
    for summons in c.summonses:
        writer.add(Summons, tuple(summons))
    for extension in c.extensions:
        writer.add(Extension, tuple(extension))
    if c.dispute is not None:
        writer.add(Dispute, tuple(c.dispute))
        for party in c.parties:
            writer.add(CaseParty, party)
    tally.statuses[c.status] += 1
    if overdue_since is not None:
        tally.paths["open_overdue" if open_ else "closed_late"] += 1
    if c.key in tally.repeated and (c.status in _OPEN or c.status == S.CLOSED):
        tally.originals[c.key] = (c.id, c.number, c.closed_at if c.status == S.CLOSED else None)
