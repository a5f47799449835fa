"""Forms of the case pages. Field names match the workflow actions' keyword arguments, so an
``ActionError(field=...)`` lands beside the field it is about.

The forms only carry input: every rule (a leaf category, a point inside the city, photo limits, who may
do what) is the action's to enforce, so the page and the API refuse alike.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import Department
from linli.cases import disputes
from linli.cases.choices import (
    DisputeScale,
    MediationMethod,
    PartyRole,
    Priority,
    Rating,
    WhistleKind,
)
from linli.cases.models import Case, Category
from linli.cases.workflow import route
from linli.core.actions import ActionError
from linli.core.forms import ActionErrorMixin
from linli.places.models import Building, House, Region

# A select with more places than this is useless on a phone: pick a point on the map instead.
MAX_PLACE_CHOICES = 500


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input; the action checks their count, size and type."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"accept": "image/*", "capture": "environment", "multiple": True}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(item, initial) for item in data if item]
        return [data] if data else []


def leaf_categories() -> QuerySet[Category]:
    return (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("parent__sort", "parent__code", "sort", "code")
    )


class CategorySelect(forms.Select):
    """Options carry their keywords (``data-keywords``) for the search box of static/cases/report.js."""

    def __init__(self, keywords: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keywords = keywords or {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: int | str,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        words = self.keywords.get(str(value), "")
        if words:
            option["attrs"]["data-keywords"] = words
        return option


def category_choices(categories: list[Category]) -> list[Any]:
    """Leaf categories grouped by their major class (optgroups)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for category in categories:
        assert category.parent is not None
        groups.setdefault(category.parent.name, []).append((category.pk, category.name))
    return [("", gettext("— 选择事件类别 —")), *groups.items()]


class CategoryField(forms.ModelChoiceField):
    """A leaf category; the form's ``__init__`` calls ``prepare`` (no query runs at import time)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=leaf_categories(), widget=CategorySelect(), **kwargs)

    def prepare(self) -> None:
        categories = list(leaf_categories())
        widget: Any = self.widget
        widget.keywords = {
            str(c.pk): f"{c.name} {c.parent.name if c.parent else ''} {c.keywords} {c.code}" for c in categories
        }
        self.choices = category_choices(categories)


class ReportForm(ActionErrorMixin, forms.Form):
    """上报问题 — one screen: what, where (a building or house of my grid, or a map point), photos."""

    field_aliases = {"lat": "lng"}

    category = CategoryField(label=_("事件类别"))
    title = forms.CharField(label=_("标题"), max_length=100, min_length=2)
    description = forms.CharField(label=_("描述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    house = forms.ModelChoiceField(label=_("房屋（可选）"), queryset=House.objects.none(), required=False)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("事发地址"), max_length=200, required=False)
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL)
    contact_name = forms.CharField(label=_("联系人（可选）"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话（可选）"), max_length=20, required=False)
    photos = PhotosField(label=_("现场照片"))
    self_handled = forms.BooleanField(label=_("已现场自行处置"), required=False)
    self_note = forms.CharField(
        label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("勾选自行处置时必填")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].prepare()  # type: ignore[attr-defined]
        buildings = Building.objects.visible_to(user).order_by("address", "pk")
        houses = House.objects.visible_to(user).select_related("building").order_by("address", "pk")
        building_field: Any = self.fields["building"]
        house_field: Any = self.fields["house"]
        building_field.queryset = buildings
        house_field.queryset = houses
        building_list = list(buildings[: MAX_PLACE_CHOICES + 1])
        house_list = list(houses[: MAX_PLACE_CHOICES + 1])
        # Too many to choose from on a phone: only the map is offered (validation still accepts any visible one).
        building_field.choices = [("", gettext("— 选择楼栋 —"))] + (
            [(b.pk, b.address or b.number) for b in building_list] if len(building_list) <= MAX_PLACE_CHOICES else []
        )
        house_field.choices = [("", gettext("— 选择房屋 —"))] + (
            [(h.pk, h.address or h.number) for h in house_list] if len(house_list) <= MAX_PLACE_CHOICES else []
        )
        self.place_choices_capped = len(building_list) > MAX_PLACE_CHOICES


# --- the forms behind the buttons of the case page ---------------------------------------------


class NoteForm(ActionErrorMixin, forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(ActionErrorMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NotePhotosForm(ActionErrorMixin, forms.Form):
    note = forms.CharField(label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("照片"))


class RegisterForm(ActionErrorMixin, forms.Form):
    category = CategoryField(label=_("事件类别"), required=False)
    priority = forms.TypedChoiceField(label=_("紧急程度"), choices=Priority.choices, required=False, empty_value=None)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].prepare()  # type: ignore[attr-defined]

    @classmethod
    def for_case(cls, case: Case, user: Any, data: Any = None, files: Any = None, *, prefix: str) -> RegisterForm:
        return cls(data, files, prefix=prefix, initial={"category": case.category_id, "priority": case.priority})


class DispatchForm(ActionErrorMixin, forms.Form):
    """派遣 — a level of the dispatcher's subtree that contains the place, or a department."""

    field_aliases = {"to_region": "target", "to_department": "target"}

    target = forms.ChoiceField(label=_("派遣给"))
    note = forms.CharField(label=_("派遣意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, targets: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets or []  # type: ignore[attr-defined]

    @classmethod
    def for_case(cls, case: Case, user: Any, data: Any = None, files: Any = None, *, prefix: str) -> DispatchForm:
        targets, default = dispatch_targets(case)
        return cls(data, files, prefix=prefix, targets=targets, initial={"target": default})

    def clean(self) -> dict[str, Any]:
        """``target`` ("r:<id>" or "d:<id>", one of the choices) → ``to_region`` / ``to_department``, the
        action's own arguments (the API's field names)."""
        data = super().clean() or {}
        kind, _sep, raw = str(data.get("target") or "").partition(":")
        data["to_region"] = Region.objects.filter(pk=int(raw)).first() if kind == "r" and raw.isdigit() else None
        data["to_department"] = (
            Department.objects.filter(pk=int(raw)).first() if kind == "d" and raw.isdigit() else None
        )
        return data


def dispatch_targets(case: Case) -> tuple[list[tuple[str, str]], str]:
    """The levels of the dispatcher's subtree that contain the place, then the departments; and the routed one."""
    holder = case.holder_region
    prefixes = [case.region_path[:n] for n in range(len(holder.path), len(case.region_path) + 1, 4)]
    levels = Region.objects.filter(path__in=prefixes).order_by("depth", "path")
    choices: list[tuple[str, str]] = [(f"r:{r.pk}", f"{r.name}（{r.get_kind_display()}）") for r in levels]
    choices += [(f"d:{d.pk}", f"{d.name}（{gettext('职能部门')}）") for d in Department.objects.order_by("code")]
    try:
        region, department = route(case)
    except ActionError:
        return choices, f"r:{holder.pk}"
    if department is not None:
        default = f"d:{department.pk}"
    elif region.path.startswith(holder.path):
        default = f"r:{region.pk}"
    else:
        default = f"r:{holder.pk}"
    return choices, default


class RateForm(ActionErrorMixin, forms.Form):
    """评价 / 回访 — what the API's rate takes: the rating, a comment, whether the reporter was reached
    and whether they say the problem is solved (unset: judged from the rating)."""

    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contacted = forms.TypedChoiceField(
        label=_("回访联系"),
        choices=[("1", _("已联系上反映人")), ("0", _("未能联系上"))],
        coerce=lambda value: value == "1",
        empty_value=True,  # type: ignore[arg-type]  # no field in the post (an older page): "contacted", the default
        required=False,
        initial="1",
    )
    solved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("", _("按评价判断")), ("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )


class ExtensionForm(ActionErrorMixin, forms.Form):
    hours = forms.FloatField(label=_("延期（工作小时）"), min_value=0.5, max_value=70, initial=7)
    reason = forms.CharField(label=_("延期理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecideExtensionForm(ActionErrorMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(ActionErrorMixin, forms.Form):
    """合并 — the page names the case by its number (what a worker reads off a slip); cleaned into the
    case itself, as the API's id is."""

    into = forms.CharField(label=_("合并到（事件编号）"), max_length=20)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    @classmethod
    def for_case(cls, case: Case, user: Any, data: Any = None, files: Any = None, *, prefix: str) -> MergeForm:
        return cls(data, files, prefix=prefix, user=user)

    def clean_into(self) -> Case:
        number = (self.cleaned_data.get("into") or "").strip()
        target = Case.objects.visible_to(self.user).filter(number=number).first() if self.user else None
        if target is None:
            raise forms.ValidationError(gettext("没有找到您可查看的事件 %(number)s。") % {"number": number})
        return target


class WhistleForm(ActionErrorMixin, forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("被吹哨部门"), queryset=Department.objects.order_by("code"), widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_("哨型"), choices=WhistleKind.choices, initial=WhistleKind.ROUTINE)
    note = forms.CharField(label=_("吹哨事由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReportPartForm(ActionErrorMixin, forms.Form):
    report = forms.CharField(label=_("承办情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- the dispute page's forms (cases/views/disputes.py) -------------------------------------------

EMPTY_PARTY_ROWS = 2
MAX_PERSON_CHOICES = 300


class DisputeForm(forms.Form):
    scale = forms.ChoiceField(label=_("纠纷规模"), choices=DisputeScale.choices)
    people_involved = forms.IntegerField(label=_("涉及人数"), initial=2)
    amount = forms.CharField(label=_("涉及金额（元）"), required=False, max_length=20, help_text=_("不涉及金额可留空"))


class PartyForm(forms.Form):
    party_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person_id = forms.ChoiceField(label=_("人口库人员"), required=False)
    name = forms.CharField(
        label=_("姓名/名称"),
        required=False,
        max_length=100,
        help_text=_("选择了人口库人员时可留空"),
    )
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices, initial=PartyRole.OTHER)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)

    def __init__(self, *args: Any, person_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person_field = self.fields["person_id"]
        assert isinstance(person_field, forms.ChoiceField)
        person_field.choices = [("", gettext("（不从人口库选择）")), *(person_choices or [])]


class BasePartyFormSet(forms.BaseFormSet[PartyForm]):
    def __init__(self, *args: Any, person_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        self.person_choices = person_choices or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"person_choices": self.person_choices}


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=0, max_num=disputes.MAX_PARTIES, absolute_max=disputes.MAX_PARTIES
)


def make_party_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None, person_choices: list[tuple[str, str]]
) -> BasePartyFormSet:
    formset_class: Any = PartyFormSet
    formset: BasePartyFormSet = formset_class(data, initial=initial, prefix="p", person_choices=person_choices)
    return formset


class MediationForm(forms.Form):
    mediating_org = forms.CharField(label=_("调解组织"), max_length=100, required=False)
    method = forms.ChoiceField(label=_("调解方式"), choices=MediationMethod.choices)
    mediator = forms.CharField(label=_("调解员"), max_length=50, required=False)
    success = forms.TypedChoiceField(
        label=_("调解结果"),
        choices=[("yes", _("调解成功")), ("no", _("调解未成功"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    agreement = forms.CharField(
        label=_("协议内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("调解成功时必填"),
    )
    follow_up_on = forms.DateField(label=_("回访日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(forms.Form):
    result = forms.CharField(
        label=_("回访结果"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
