"""One entry per case verb: its rule, its page form, its API serializer and the one call both make.

A verb used to live in four tables in three files (``RULES``, the page's ``VERB_FORMS`` and
``_perform``, the API's ``TRANSITIONS``) and they drifted: the page took the oldest pending extension
and the API the newest, the page's rating could not record ``contacted``/``solved``. Now:

- ``workflow.RULES[verb]`` — which statuses, which status next, who (the state machine itself, which
  must not know about forms);
- ``VERBS[verb]`` — the page form, the API serializer, and ``call``, the one adapter from validated
  input to the workflow action. The form and the serializer clean their input into the same keys
  (the action's keyword arguments), so the page and the API reach the same outcome by construction;
  a test per verb checks it (tests/test_verbs.py).

``VERBS`` and ``RULES`` have the same keys (checked at import). Adding a verb: its rule in
``workflow/rules.py``, its action in ``workflow/``, then one ``Verb`` here; the case page's button
and the ``POST /api/v1/cases/{id}/<verb>/`` endpoint follow from it (docs/development.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from linli.cases import forms as f
from linli.cases import serializers as s
from linli.cases import workflow as wf
from linli.cases.models import Case

Input = Mapping[str, Any]
Call = Callable[[Any, Case, Input, list[Any], "int | None"], Any]


class CaseForm(Protocol):
    """A verb's page form may build itself from the case (choices, initial values) with ``for_case``."""

    @classmethod
    def for_case(cls, case: Case, user: Any, data: Any = None, files: Any = None, *, prefix: str) -> forms.Form: ...


@dataclass(frozen=True)
class Verb:
    name: str
    form: type[forms.Form]
    serializer: type[serializers.Serializer[Any]]
    call: Call
    description: Promise
    primary: bool = False  # the page shows it as the main button: it ends or hands on the case

    @property
    def rule(self) -> wf.Rule:
        return wf.RULES[self.name]

    @property
    def label(self) -> str:
        return str(self.rule.label)

    def page_form(self, case: Case, user: Any, data: Any = None, files: Any = None) -> forms.Form:
        """The form behind this verb's button on the case page (prefixed by the verb)."""
        builder = getattr(self.form, "for_case", None)
        if builder is not None:
            form: forms.Form = builder(case, user, data, files, prefix=self.name)
            return form
        return self.form(data, files, prefix=self.name)

    def perform(self, user: Any, case: Case, data: Input, photos: list[Any], version: int | None) -> Any:
        """Run the action: the page and the API both end here."""
        return self.call(user, case, data, photos, version)


def _note(data: Input) -> str:
    return str(data.get("note") or "")


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in [
        Verb(
            "accept",
            f.NoteForm,
            s.NoteSerializer,
            lambda u, c, d, p, v: wf.accept_case(u, c, note=_note(d), expected_version=v),
            _("受理：待受理 → 待立案。"),
            primary=True,
        ),
        Verb(
            "reject",
            f.ReasonForm,
            s.ReasonSerializer,
            lambda u, c, d, p, v: wf.reject_case(u, c, reason=d.get("reason") or "", expected_version=v),
            _("不予受理（须填写理由，告知反映人）。"),
        ),
        Verb(
            "register",
            f.RegisterForm,
            s.RegisterSerializer,
            lambda u, c, d, p, v: wf.register_case(
                u, c, category=d.get("category"), priority=d.get("priority") or None, note=_note(d), expected_version=v
            ),
            _("立案：待立案 → 待派遣；可更正分类和紧急程度。"),
            primary=True,
        ),
        Verb(
            "dispatch",
            f.DispatchForm,
            s.DispatchSerializer,
            lambda u, c, d, p, v: wf.dispatch_case(
                u,
                c,
                to_region=d.get("to_region"),
                to_department=d.get("to_department"),
                note=_note(d),
                expected_version=v,
            ),
            _("派遣：默认按分类和事发地派遣，也可指定本级或下级区域、或职能部门；办结时限从此开始计算。"),
            primary=True,
        ),
        Verb(
            "progress",
            f.NotePhotosForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.note_progress(u, c, note=_note(d), photos=p, expected_version=v),
            _("记录处置进展（可附照片，multipart 字段 photos），状态不变。"),
        ),
        Verb(
            "report_back",
            f.NotePhotosForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.report_back(u, c, note=_note(d), photos=p, expected_version=v),
            _("处置反馈（可附照片）：处置中 → 待核查，交回派遣层级核查。"),
            primary=True,
        ),
        Verb(
            "verify",
            f.NoteForm,
            s.NoteSerializer,
            lambda u, c, d, p, v: wf.verify_case(u, c, passed=True, note=_note(d), expected_version=v),
            _("核查通过：待核查 → 待结案。"),
            primary=True,
        ),
        Verb(
            "rework",
            f.NoteForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.verify_case(u, c, passed=False, note=_note(d), expected_version=v),
            _("核查不通过（返工）：退回处置单位，办结时限不变。"),
        ),
        Verb(
            "close",
            f.NoteForm,
            s.NoteSerializer,
            lambda u, c, d, p, v: wf.close_case(u, c, note=_note(d), expected_version=v),
            _("结案：待结案 → 已结案。"),
            primary=True,
        ),
        Verb(
            "rate",
            f.RateForm,
            s.RateSerializer,
            lambda u, c, d, p, v: wf.rate_case(
                u,
                c,
                rating=d["rating"],
                comment=d.get("comment") or "",
                contacted=d.get("contacted", True),
                solved=d.get("solved"),
                expected_version=v,
            ),
            _("评价 / 回访：满意、基本满意、不满意。"),
        ),
        Verb(
            "return",
            f.ReasonForm,
            s.ReasonSerializer,
            lambda u, c, d, p, v: wf.return_case(u, c, reason=d.get("reason") or "", expected_version=v),
            _("退回（派遣有误）：回到派遣层级重新派遣。"),
        ),
        Verb(
            "escalate",
            f.NoteForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.escalate_case(u, c, note=_note(d), expected_version=v),
            _("上报上级：承办层级上移一级。"),
        ),
        Verb(
            "self_handle",
            f.NotePhotosForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.self_handle_case(u, c, note=_note(d), photos=p, expected_version=v),
            _("自行处置：上报的网格员当场解决，直接结案（可附照片）。"),
        ),
        Verb(
            "request_extension",
            f.ExtensionForm,
            s.ExtensionRequestSerializer,
            lambda u, c, d, p, v: wf.request_extension(
                u, c, hours=d["hours"], reason=d.get("reason") or "", expected_version=v
            ),
            _("申请延期（工作小时），由上级审批。"),
        ),
        Verb(
            "decide_extension",
            f.DecideExtensionForm,
            s.ExtensionDecisionSerializer,
            lambda u, c, d, p, v: wf.decide_extension(
                u, wf.pending_extension(c, d.get("extension")), approve=d["approve"], note=_note(d), expected_version=v
            ),
            _("审批延期：批准则办结时限按工作时间顺延。"),
        ),
        Verb(
            "supervise",
            f.NoteForm,
            s.RequiredNoteSerializer,
            lambda u, c, d, p, v: wf.supervise_case(u, c, note=_note(d), expected_version=v),
            _("督办：上级标记并留言。"),
        ),
        Verb(
            "merge",
            f.MergeForm,
            s.MergeSerializer,
            lambda u, c, d, p, v: wf.merge_case(u, c, into=d["into"], note=_note(d), expected_version=v),
            _("合并重复件到另一个未办结的事件。"),
        ),
        Verb(
            "reopen",
            f.ReasonForm,
            s.ReasonSerializer,
            lambda u, c, d, p, v: wf.reopen_case(u, c, reason=d.get("reason") or "", expected_version=v),
            _("重新办理已结案的事件（派遣层级）。"),
        ),
        Verb(
            "whistle",
            f.WhistleForm,
            s.WhistleInputSerializer,
            lambda u, c, d, p, v: wf.whistle_case(
                u, c, departments=list(d["departments"]), kind=d["kind"], note=_note(d), expected_version=v
            ),
            _("吹哨：承办的街道或社区召集职能部门报到。"),
        ),
        Verb(
            "check_in",
            f.NoteForm,
            s.NoteSerializer,
            lambda u, c, d, p, v: wf.check_in(u, c, note=_note(d), expected_version=v),
            _("报到：被吹哨的部门到场；超过报到时限记为迟到。"),
            primary=True,
        ),
        Verb(
            "report_part",
            f.ReportPartForm,
            s.ReportPartSerializer,
            lambda u, c, d, p, v: wf.report_part(u, c, report=d.get("report") or "", expected_version=v),
            _("被吹哨部门反馈承办情况（须先报到）。"),
            primary=True,
        ),
    ]
}

if set(VERBS) != set(wf.RULES):  # a rule without its page form and API input, or the reverse
    raise ImportError(f"cases.verbs and workflow.RULES disagree: {sorted(set(VERBS) ^ set(wf.RULES))}")
