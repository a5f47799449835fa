"""The audit browser: auditors and administrators read the audit trail of their subtree.

Which rows a reader sees: ``AuditEvent.objects.visible_to(user)``, i.e. events whose
``region_path`` lies in the reader's scope. Events with no place in the tree (sign-in, sign-out,
failed sign-in, account administration of a user with no assignment) carry an empty
``region_path``; they are shown only to readers whose scope is a whole tree (a root region, the
city), because nothing says which district they belong to and a district auditor must not read
another district's sign-ins.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.actors import VIEW_AUDIT
from linli.core.audit import compute_hash
from linli.core.models import AuditEvent
from linli.core.permissions import capability_required
from linli.core.scope import covers_whole_tree, scope_paths

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor

PAGE_SIZE = 50

audit_reader_required = capability_required(VIEW_AUDIT, message=gettext_lazy("您没有查看审计日志的权限。"))


def sees_unplaced_events(user: MaybeActor) -> bool:
    """Whether the reader's scope includes a root region (the whole city)."""
    return covers_whole_tree(user)


def audit_events_for(user: MaybeActor) -> QuerySet[AuditEvent]:
    """The audit events this reader may see (see the module docstring), newest first."""
    if not sees_unplaced_events(user):
        return AuditEvent.objects.visible_to(user).order_by("-seq")
    condition = Q(region_path="")
    for prefix in scope_paths(user):
        condition |= Q(region_path__subtree=prefix)
    return AuditEvent.objects.filter(condition).order_by("-seq")


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("操作人账号"), required=False, max_length=150)
    object_type = forms.CharField(label=gettext_lazy("对象类型"), required=False, max_length=100)
    object_id = forms.CharField(label=gettext_lazy("对象编号"), required=False, max_length=64)
    verb = forms.CharField(label=gettext_lazy("操作"), required=False, max_length=64)
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return cleaned

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if data.get("user"):
            events = events.filter(actor_name=data["user"].strip())
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"].strip().lower())
        if data.get("object_id"):
            events = events.filter(object_id=data["object_id"].strip())
        if data.get("verb"):
            events = events.filter(verb=data["verb"].strip())
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
        if data.get("date_to"):
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=tz)
            events = events.filter(at__lt=end)
        return events


@audit_reader_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """审计日志 — filterable, paginated, newest first."""
    form = AuditFilterForm(request.GET or None)
    events = audit_events_for(request.user)
    if form.is_bound and form.is_valid():
        events = form.apply(events)
    elif form.is_bound:
        events = events.none()
    page: Page[AuditEvent] = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Verb names are code, not data: the unscoped distinct list is an index-only scan.
    verbs = AuditEvent.objects.order_by().values_list("verb", flat=True).distinct()
    return render(
        request,
        "core/audit/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "verbs": sorted(verbs)},
    )


@audit_reader_required
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """One audit event: masked changes, reason, and its place in the hash chain."""
    event = audit_events_for(request.user).filter(seq=seq).first()
    if event is None:
        raise Http404(_("找不到该审计记录，或它不在您的管辖范围内。"))
    changes = event.changes if isinstance(event.changes, dict) else {}
    rows = [
        (field, value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (field, None, value)
        for field, value in sorted(changes.items())
    ]
    return render(
        request,
        "core/audit/detail.html",
        {
            "event": event,
            "change_rows": rows,
            "changes_json": json.dumps(event.changes, ensure_ascii=False, indent=2, default=str),
            "hash_ok": compute_hash(event) == event.hash,
        },
    )
