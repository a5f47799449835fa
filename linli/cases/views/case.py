"""The case page: its timeline, its clock, and the buttons ``workflow.allowed_verbs`` gives, each posting
to ``cases:do`` with the version the page was drawn from (``cases.verbs.VERBS`` names each button's form
and the action it calls). A stale version answers 409, a user the action refuses 403, bad input 400 with
the message beside its field. Photos are served by ``cases:attachment`` after the same visibility
check, never from MEDIA_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.cases import workflow as wf
from linli.cases.models import Attachment, Case, Step, Summons, Whistle
from linli.cases.photos import publish
from linli.cases.verbs import VERBS
from linli.cases.views.inbox import case_reader_required, deadline_clock
from linli.core import worktime
from linli.core.actions import ActionError
from linli.core.forms import show_refusal
from linli.core.masking import mask_phone
from linli.core.scope import get_visible_or_404

# --- the case page -------------------------------------------------------------------------------


def _case_for_page(user: Any, pk: int) -> Case:
    queryset = Case.objects.select_related(
        "category",
        "category__parent",
        "holder_region",
        "holder_department",
        "dispatcher_region",
        "handler_region",
        "handler_department",
        "region",
        "reporter_user",
        "merged_into",
    ).prefetch_related(
        Prefetch(
            "steps",
            queryset=Step.objects.select_related("actor", "department").prefetch_related("attachments"),
        ),
        Prefetch("whistles", queryset=Whistle.objects.select_related("blown_by", "region")),
        Prefetch("summonses", queryset=Summons.objects.select_related("department", "checked_in_by")),
        "extensions",
        "attachments",
    )
    return get_visible_or_404(queryset, user, pk=pk)


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    forms: dict[str, Any] | None = None,
    error: str = "",
    conflict: bool = False,
    open_verb: str = "",
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    now = timezone.now()
    verbs = wf.allowed_verbs(user, case)
    forms = forms or {}
    buttons = []
    for verb in verbs:
        form = forms.get(verb) or VERBS[verb].page_form(case, user)
        buttons.append(
            {
                "verb": verb,
                "label": VERBS[verb].label,
                "form": form,
                "primary": VERBS[verb].primary,
                "open": verb == open_verb,
                "multipart": "photos" in form.fields,
            }
        )
    summonses_by_whistle: dict[int, list[Summons]] = {}
    for summons in case.summonses.all():
        summonses_by_whistle.setdefault(summons.whistle_id, []).append(summons)
    whistles = [(w, summonses_by_whistle.get(w.pk, [])) for w in case.whistles.all()]
    steps = [(step, wf.verb_label(step.verb)) for step in case.steps.all()]
    years: list[int] = []
    if case.deadline is not None:
        years = worktime.fallback_years(timezone.localdate(now), timezone.localtime(case.deadline).date())
    report_photos = [a for a in case.attachments.all()]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "clock": deadline_clock(case, now),
            "contact_phone": mask_phone(case.contact_phone),
            "steps": steps,
            "whistles": whistles,
            "extensions": list(case.extensions.all()),
            "photos": report_photos,
            "buttons": buttons,
            "error": error,
            "conflict": conflict,
            "calendar_years": years,
            "now": now,
        },
        status=status,
    )


@case_reader_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _case_for_page(request.user, pk))


@case_reader_required
def case_do(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """POST one button of the case page: 409 for a stale version or a status that no longer allows it,
    403 for a user the action refuses, 400 for bad input; success redirects back to the case."""
    user: Any = request.user
    case = _case_for_page(user, pk)
    entry = VERBS.get(verb)
    if entry is None:
        raise Http404
    if request.method != "POST":
        return redirect("cases:detail", pk=case.pk)
    if not (user.has_capability(Capability.HANDLE_CASES) or user.has_capability(Capability.REPORT_CASES)):
        raise PermissionDenied(_("您的角色不能办理事件。"))
    raw_version = request.POST.get("expected_version", "")
    form = entry.page_form(case, user, request.POST, request.FILES)
    if not raw_version.isdigit():
        form.add_error(None, _("页面缺少版本信息，请刷新后再操作。"))
        return _render_case(request, case, forms={verb: form}, open_verb=verb, status=400)
    version = int(raw_version)
    if not form.is_valid():
        return _render_case(request, case, forms={verb: form}, open_verb=verb, status=400)
    try:
        entry.perform(user, case, form.cleaned_data, request.FILES.getlist(f"{verb}-photos"), version)
    except ActionError as error:
        fresh = _case_for_page(user, pk)
        if error.code in ("conflict", "state"):
            return _render_case(request, fresh, error=error.message, conflict=error.code == "conflict", status=409)
        show_refusal(form, error)
        return _render_case(request, fresh, forms={verb: form}, open_verb=verb, status=400)
    messages.success(request, _("已%(verb)s。") % {"verb": entry.label})
    return redirect("cases:detail", pk=case.pk)


@case_reader_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """A case photo, after the same visibility check as the case page — the only way to a photo.

    Nothing serves MEDIA_ROOT directly. In production the web server sends the bytes after this
    check (settings.LINLI_MEDIA_SERVER: ``nginx`` answers with X-Accel-Redirect to an internal
    location, ``sendfile`` with X-Sendfile; docs/deployment.md), so a worker process is not tied up.
    """
    case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
    photo = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if photo is None:
        raise Http404
    name = photo.stored_name
    path = Path(settings.MEDIA_ROOT) / name
    if not path.exists() and not publish(name):  # committed, but the move after the commit never ran
        raise Http404
    response: HttpResponseBase
    if settings.LINLI_MEDIA_SERVER == "nginx":
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = settings.LINLI_MEDIA_INTERNAL_URL.rstrip("/") + "/" + name
    elif settings.LINLI_MEDIA_SERVER == "sendfile":
        response = HttpResponse(content_type="image/jpeg")
        response["X-Sendfile"] = str(path.resolve())
    else:
        try:
            response = FileResponse(path.open("rb"), content_type="image/jpeg")
        except OSError as exc:
            raise Http404 from exc
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
