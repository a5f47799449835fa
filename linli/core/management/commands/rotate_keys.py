"""``linli rotate_keys``: rewrite every encrypted field under the current (first) field key.

Key rotation: put the new key first in LINLI_FIELD_KEYS (keep the old ones after it), restart, run
this command, then drop the old keys. Rows already under the current key are skipped, so the command
can be interrupted and run again. The clear values never leave ``crypto.reencrypt``; digests do not
change (they use LINLI_DIGEST_KEY). A maintenance command, not a user action: it writes with
``bulk_update`` in batches (no signals, no per-row audit) and records one audit event per model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils.translation import gettext as _

from linli.core import audit, crypto

SUFFIX = "_encrypted"


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with text fields named ``*_encrypted`` and those fields' names."""
    found = []
    for model in apps.get_models():
        names = [
            f.name for f in model._meta.get_fields() if f.name.endswith(SUFFIX) and isinstance(f, models.TextField)
        ]
        if names:
            found.append((model, names))
    return found


def rotate_model(model: type[models.Model], fields: list[str], *, batch_size: int, dry_run: bool) -> tuple[int, int]:
    """Re-encrypt ``fields`` of every row of ``model`` not yet under the current key: (rows seen, rows rewritten)."""
    seen = rewritten = 0
    last_pk: Any = None
    manager = model._default_manager
    while True:
        batch_qs = manager.order_by("pk").only("pk", *fields)
        if last_pk is not None:
            batch_qs = batch_qs.filter(pk__gt=last_pk)
        batch = list(batch_qs[:batch_size])
        if not batch:
            return seen, rewritten
        changed = []
        for row in batch:
            dirty = False
            for name in fields:
                token = getattr(row, name)
                if token and not crypto.is_current(token):
                    setattr(row, name, crypto.reencrypt(token))
                    dirty = True
            if dirty:
                changed.append(row)
        if changed and not dry_run:
            with transaction.atomic():
                manager.bulk_update(changed, fields, batch_size=batch_size)
        seen += len(batch)
        rewritten += len(changed)
        last_pk = batch[-1].pk


class Command(BaseCommand):
    help = "用当前（第一个）字段密钥重新加密所有加密字段，用于密钥轮换；已是当前密钥的记录跳过。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000, help="每批处理的记录数")
        parser.add_argument("--dry-run", action="store_true", help="只统计需要重新加密的记录，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        for model, fields in encrypted_fields():
            seen, rewritten = rotate_model(model, fields, batch_size=options["batch_size"], dry_run=options["dry_run"])
            label = model._meta.label_lower
            if rewritten and not options["dry_run"]:
                audit.record(
                    None,
                    "rotate_keys",
                    object_type=label,
                    object_repr=str(model._meta.verbose_name_plural),
                    changes={"fields": fields, "rows": rewritten},
                )
            self.stdout.write(
                _("%(model)s：检查 %(seen)d 条，重新加密 %(rewritten)d 条%(dry)s")
                % {
                    "model": label,
                    "seen": seen,
                    "rewritten": rewritten,
                    "dry": _("（试运行，未写入）") if options["dry_run"] else "",
                }
            )
