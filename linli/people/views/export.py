"""The person list as CSV: the list's filters, masked, with a stated reason, audited before a byte is sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Capability
from linli.core.exports import csv_response, record_export
from linli.core.forms import run_action
from linli.core.masking import mask_phone
from linli.core.permissions import capability_required
from linli.people.choices import PersonStatus, Sex
from linli.people.views._common import VIEW_REFUSED
from linli.people.views.persons import filtered_persons

EXPORT_LIMIT = 50_000


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
@require_POST
def person_export(request: HttpRequest) -> HttpResponse:
    """The filtered person list as CSV: masked, with a stated reason, audited before a byte is sent."""
    user = request.user
    today = timezone.localdate()
    filterset = filtered_persons(request, request.POST)
    chosen = filterset.chosen()
    persons = filterset.qs.select_related("house").defer("id_number_encrypted").order_by("region_path", "name", "pk")
    rows = list(persons[:EXPORT_LIMIT])
    recorded = run_action(
        request,
        lambda: record_export(
            user, object_type="people.person", count=len(rows), reason=request.POST.get("reason", ""), filters=chosen
        ),
    )
    if not recorded.ok:  # no reason given: back to the list, the refusal shown there
        return redirect("people:list")
    sexes = dict(Sex.choices)
    statuses = dict(PersonStatus.choices)
    return csv_response(
        f"persons-{today:%Y%m%d}.csv",
        [_("姓名"), _("性别"), _("出生日期"), _("证件号码"), _("联系电话"), _("现住地详址"), _("状态")],
        (
            [
                p.name,
                sexes.get(p.sex, ""),
                p.birth_date or "",
                p.id_masked,
                mask_phone(p.phone) if p.phone else "",
                p.current_address,
                statuses.get(p.status, ""),
            ]
            for p in rows
        ),
    )
