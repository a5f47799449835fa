"""Forms of the population registry pages. Field names match the people actions' keyword arguments,
so an ``ActionError(field=...)`` lands beside the field it is about.

ID numbers are validated by the action (``register_person`` / ``update_person`` call
linli.core.idnumbers); the form only carries them. On the edit form a blank ID number means
"unchanged": the clear number is never put back into a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorMixin
from linli.core.masking import mask_phone
from linli.people.choices import (
    Education,
    Ethnicity,
    HouseholdKind,
    IdType,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.filters import AGE_BANDS  # noqa: F401  (moved to filters.py; importable here as before)
from linli.people.models import Person, Residence
from linli.places.models import House

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User

# A select with more houses than this is useless on a phone; open the form from the house page instead.
MAX_HOUSE_CHOICES = 1000


def house_choices(houses: QuerySet[House]) -> list[Any]:
    """The houses as a select's choices, grouped by building (optgroups), capped at MAX_HOUSE_CHOICES."""
    groups: dict[str, list[tuple[int | str, str]]] = {}
    for house in houses.select_related("building").order_by("building__address", "building_id", "number", "pk")[
        :MAX_HOUSE_CHOICES
    ]:
        label = house.building.address or house.building.number
        # "红星路1栋1单元101" under the optgroup "红星路1栋" reads "1单元101".
        short = house.address[len(label) :] if house.address.startswith(label) else house.address
        groups.setdefault(label, []).append((house.pk, short or house.number))
    choices: list[Any] = [("", gettext("— 选择房屋 —"))]
    choices.extend(groups.items())
    return choices


class HouseField(forms.ModelChoiceField):
    """A house among those the user may see; the rendered list is capped, validation is not."""

    def __init__(self, user: User | AnonymousUser | None, *, preselected: House | None = None, **kwargs: Any) -> None:
        visible = House.objects.visible_to(user)
        super().__init__(queryset=visible, **kwargs)
        choices = house_choices(visible)
        if preselected is not None and not any(
            isinstance(group, list) and any(pk == preselected.pk for pk, _label in group) for _name, group in choices
        ):
            choices.append((preselected.pk, str(preselected)))
        self.widget.choices = choices

    def label_from_instance(self, obj: Model) -> str:
        return str(obj)


class PersonForm(ActionErrorMixin, forms.Form):
    """登记 / 编辑人员. ``id_number`` is checked live by people.js against people:check_id."""

    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "data-id-check": ""}),
        help_text=_("居民身份证填 18 位（15 位旧号自动转换）；出生日期和性别据此自动填写。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices, required=False)
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=Ethnicity.choices, initial=Ethnicity.HAN)
    native_place = forms.CharField(label=_("籍贯"), max_length=100, required=False)
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), choices=MaritalStatus.choices, initial=MaritalStatus.UNKNOWN
    )
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=PoliticalStatus.choices, initial=PoliticalStatus.MASSES
    )
    education = forms.ChoiceField(label=_("文化程度"), choices=[("", "—"), *Education.choices], required=False)
    registered_address = forms.CharField(label=_("户籍地详址"), max_length=200, required=False)
    current_address = forms.CharField(label=_("现住地详址"), max_length=200, required=False)
    occupation = forms.CharField(label=_("职业"), max_length=100, required=False)
    employer = forms.CharField(label=_("服务处所"), max_length=200, required=False)
    accept_mismatch = forms.BooleanField(
        label=_("性别或出生日期与证件不一致时仍按填写的保存（记为待核实）"), required=False
    )

    # Fields passed to the actions as they are (the rest is handled by the view).
    PERSON_FIELDS = (
        "id_type",
        "name",
        "sex",
        "birth_date",
        "phone",
        "ethnicity",
        "native_place",
        "marital_status",
        "political_status",
        "education",
        "registered_address",
        "current_address",
        "occupation",
        "employer",
    )

    def __init__(
        self, *args: Any, user: User | AnonymousUser | None, person: Person | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.person = person
        if person is not None:
            # Never the clear number: leave blank to keep it; the masked form shows what is stored.
            self.fields["id_number"].help_text = gettext("当前：%(masked)s。留空表示不修改。") % {
                "masked": person.id_masked or "—"
            }
            self.fields["id_number"].widget.attrs["placeholder"] = person.id_masked
            # The phone is sensitive too: shown masked, blank keeps it.
            self.fields["phone"].help_text = gettext("当前：%(masked)s。留空表示不修改。") % {
                "masked": mask_phone(person.phone) or "—"
            }
            self.fields["phone"].widget.attrs["placeholder"] = mask_phone(person.phone)
            self.initial.pop("phone", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = self.person is None and not (data.get("id_number") or "").strip()
        if missing and data.get("id_type") == IdType.RESIDENT_ID:
            self.add_error("id_number", gettext("请填写居民身份证号码。"))
        return data

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.PERSON_FIELDS}
        if self.person is not None and not (data.get("phone") or "").strip():
            del fields["phone"]
        if not fields["sex"]:
            fields["sex"] = None
        number = (data.get("id_number") or "").strip()
        if number:
            fields["id_number"] = number
        elif self.person is None:
            fields["id_number"] = ""
        if data.get("accept_mismatch"):
            fields["accept_mismatch"] = True
        return fields


class RegisterPersonForm(PersonForm):
    """登记新人员: optionally straight into a house of the worker's grid."""

    house = forms.ModelChoiceField(label=_("现住房屋"), queryset=House.objects.none(), required=False)
    residence_kind = forms.ChoiceField(
        label=_("人口类型"), choices=ResidenceKind.choices, initial=ResidenceKind.REGISTERED
    )

    def __init__(
        self, *args: Any, user: User | AnonymousUser | None, house: House | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["house"] = HouseField(user, preselected=house, label=_("现住房屋"), required=False)
        if house is not None:
            self.fields["house"].initial = house.pk
        self.order_fields(["house", "residence_kind"])  # where first: it decides the grid


class MemberForm(forms.Form):
    """One row of the newcomer-family form."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "data-id-check": ""}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    # A blank first choice keeps an untouched added row "unchanged", so it is skipped, not refused.
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[("", "—"), *Relation.choices])

    def member(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id_type": IdType.RESIDENT_ID,
            "id_number": data["id_number"].strip(),
            "name": data["name"].strip(),
            "phone": (data.get("phone") or "").strip(),
            "relation": data["relation"],
        }


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [form for form in self.forms if form.has_changed()]
        if not rows:
            raise forms.ValidationError(gettext("请至少登记一名家庭成员。"))
        heads = [form for form in rows if form.cleaned_data.get("relation") == Relation.HEAD]
        if len(heads) != 1:
            raise forms.ValidationError(gettext("一户须有且只有一名户主（与户主关系选“户主”）。"))


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, max_num=20)


class FamilyForm(ActionErrorMixin, forms.Form):
    """新迁入家庭: the house, the household, how they live here; the members come in MemberFormSet."""

    household_number = forms.CharField(label=_("户号"), max_length=32)
    household_kind = forms.ChoiceField(label=_("户类型"), choices=HouseholdKind.choices, initial=HouseholdKind.FAMILY)
    kind = forms.ChoiceField(label=_("人口类型"), choices=ResidenceKind.choices, initial=ResidenceKind.REGISTERED)
    started_on = forms.DateField(
        label=_("迁入日期"),
        required=False,
        help_text=_("留空为今天。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, user: User | AnonymousUser | None, house: House | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields = {
            "house": HouseField(user, preselected=house, label=_("迁入房屋")),
            **self.fields,
        }
        if house is not None:
            self.fields["house"].initial = house.pk


class MoveInForm(ActionErrorMixin, forms.Form):
    """迁入: a person starts living at a house."""

    kind = forms.ChoiceField(label=_("人口类型"), choices=ResidenceKind.choices, initial=ResidenceKind.REGISTERED)
    separation = forms.ChoiceField(label=_("人户关系"), choices=Separation.choices, initial=Separation.CONSISTENT)
    started_on = forms.DateField(
        label=_("迁入日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    floating_reason = forms.CharField(label=_("流入原因（流动人口）"), max_length=50, required=False)
    permit_number = forms.CharField(label=_("居住证号码（流动人口）"), max_length=50, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(
        self, *args: Any, user: User | AnonymousUser | None, house: House | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields = {"house": HouseField(user, preselected=house, label=_("迁入房屋")), **self.fields}
        if house is not None:
            self.fields["house"].initial = house.pk

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in Residence.DETAIL_FIELDS if k in self.fields and data.get(k)}


class MoveOutForm(ActionErrorMixin, forms.Form):
    """迁出: the person's current residence ends."""

    on = forms.DateField(
        label=_("迁出日期"),
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("去向或备注"), max_length=200, required=False)


class DeathForm(ActionErrorMixin, forms.Form):
    """登记死亡: the date (required, checked by ``record_death``) and how it was learned."""

    died_on = forms.DateField(label=_("死亡日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(
        label=_("依据或备注"),
        max_length=200,
        required=False,
        help_text=_("如：死亡医学证明、家属告知；记入变更记录。"),
    )


class CancelForm(ActionErrorMixin, forms.Form):
    """注销: the date and the reason (required; ``cancel_person`` wants at least 2 characters)."""

    on = forms.DateField(
        label=_("注销日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("注销原因"), max_length=200, help_text=_("如：重复登记（保留编号较小的记录）、登记有误。")
    )


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[(name, name) for name in Person.SENSITIVE_FIELDS])
    reason = forms.CharField(label=_("查看理由"), max_length=200)
