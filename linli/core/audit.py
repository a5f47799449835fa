"""Audit (DESIGN.md mechanism 4): one append-only, hash-chained table.

Every row stores ``prev_hash`` (the previous row's hash) and ``hash`` = SHA-256 over its own
canonical content and ``prev_hash``. Editing, deleting or inserting a row anywhere breaks the
chain from that row on, and ``linli audit verify`` names the first broken row.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the
IMMEDIATE transactions the settings ask for (one writer at a time). ``record`` must run inside
the action's transaction so the audit row commits or rolls back with the change it describes.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from linli.core.actors import is_signed_in

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor
    from linli.core.models import AuditEvent

# Set per request by RequestContextMiddleware so actions need not thread the request through.
current_ip: contextvars.ContextVar[str] = contextvars.ContextVar("linli_current_ip", default="")

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 7_411_2024  # any constant shared by all writers of the chain


def canonical_content(event: Any) -> str:
    """The exact bytes that are hashed; field order and formatting are fixed forever."""
    at: datetime = event.at
    content = {
        "seq": event.seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "region_path": event.region_path,
        "ip": event.ip,
        "changes": event.changes,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(event: Any) -> str:
    return hashlib.sha256(canonical_content(event).encode("utf-8")).hexdigest()


def record(
    actor: MaybeActor,
    verb: str,
    obj: models.Model | None = None,
    *,
    region_path: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one audit event. ``changes`` must already be masked (never clear sensitive values)."""
    # Imported here, not at the top: core.masking imports this module while logging is configured,
    # before the app registry is ready, when no model may be imported yet.
    from linli.core.models import AuditEvent

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        region_path = region_path or str(getattr(obj, "region_path", "") or getattr(obj, "path", "") or "")
    actor_id: int | None = None
    actor_name = ""
    if is_signed_in(actor) and actor.pk is not None:
        actor_id, actor_name = actor.pk, actor.get_username()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        event = AuditEvent(
            seq=(last["seq"] + 1) if last else 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_name=actor_name,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            region_path=region_path,
            ip=current_ip.get(),
            changes=changes or {},
            reason=reason,
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        # Round-trip through JSON so the hash sees what the database will give back on verify.
        event.changes = json.loads(json.dumps(event.changes, ensure_ascii=False, default=str))
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first row whose link or content does not hold."""
    from linli.core.models import AuditEvent  # see record()

    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, f"missing or reordered row: expected seq {expected_seq}, found {event.seq}"
            )
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "prev_hash does not match the previous row's hash")
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.seq, "content does not match its hash (row edited)")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, "")
