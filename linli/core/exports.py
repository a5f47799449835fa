"""Exports (DESIGN.md mechanism 3): masked by default, and every export is an audit event with a reason.

``record_export`` is the action every export calls before it streams a byte; ``csv_response`` writes
UTF-8 with a byte-order mark so Excel on a government desktop opens the Chinese columns correctly.
Values handed to ``csv_response`` must already be masked — exports never decrypt.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.core.masking import MIN_REASON_LENGTH, redact
from linli.core.scope import scope_paths

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor


@action
def record_export(actor: MaybeActor, *, object_type: str, count: int, reason: str, filters: dict[str, Any]) -> Any:
    """Refuse an export without a reason; otherwise audit who exported how many rows of what, and why."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ActionError(_("导出前请填写用途（至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH}, field="reason")
    paths = scope_paths(actor)
    return audit.record(
        actor,
        "export",
        object_type=object_type,
        object_repr=_("%(n)d 条") % {"n": count},
        region_path=paths[0] if len(paths) == 1 else "",
        changes={"count": count, "filters": {k: redact(str(v)) for k, v in filters.items()}},
        reason=reason,
    )


# A cell a spreadsheet would read as a formula (=HYPERLINK(…) in a name): OWASP's CSV-injection rule.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A text cell that would start a formula gets a leading apostrophe, so Excel and WPS show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([inert(cell) for cell in header])
    writer.writerows([inert(cell) for cell in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
