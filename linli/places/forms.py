"""Forms for the tree management pages. Field names match the places actions' keyword arguments,
so an ``ActionError(field=...)`` lands next to the field it is about."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorMixin
from linli.places.choices import CHILD_KIND, RegionKind
from linli.places.models import Building, Region

if TYPE_CHECKING:
    from linli.accounts.models import User


class RegionCodeField(forms.CharField):
    """A region entered by its code, resolved among the regions the user may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 15)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "list": "region-codes"})


def _resolve_region(user: User, code: str) -> Region:
    region = Region.objects.visible_to(user).filter(code=(code or "").strip()).first()
    if region is None:
        raise forms.ValidationError(gettext("找不到代码为“%(code)s”的区域，或它不在您的管辖范围内。") % {"code": code})
    return region


def _parse_boundary(text: str) -> dict[str, Any] | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            gettext("边界不是有效的 GeoJSON：第 %(line)d 行第 %(col)d 列附近有误。")
            % {"line": error.lineno, "col": error.colno}
        ) from error
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise forms.ValidationError(gettext("边界应为 GeoJSON 的 Polygon 或 MultiPolygon。"))
    return value


class TreeForm(ActionErrorMixin, forms.Form):
    on = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空为今天；区域沿革从这一天起记录新的状态。"),
    )

    def __init__(self, *args: Any, user: User, region: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.region = region


class BoundaryMixin(forms.Form):
    boundary = forms.CharField(
        label=_("边界（GeoJSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Polygon 或 MultiPolygon，坐标为 [经度, 纬度]。"),
    )

    def clean_boundary(self) -> dict[str, Any] | None:
        return _parse_boundary(self.cleaned_data.get("boundary", ""))


class RegionCreateForm(BoundaryMixin, TreeForm):
    parent = RegionCodeField(label=_("上级区域代码"))
    kind = forms.ChoiceField(label=_("层级"), choices=RegionKind.choices)
    code = forms.CharField(label=_("区划代码"), max_length=15, help_text=_("须以上级区域代码开头。"))
    name = forms.CharField(label=_("名称"), max_length=100)
    field_order = ["parent", "kind", "code", "name", "boundary", "on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.region is not None and not self.is_bound:
            self.initial.setdefault("parent", self.region.code)
            child = CHILD_KIND.get(self.region.kind)
            if child:
                self.initial.setdefault("kind", child)
                self.initial.setdefault("code", self.region.code)

    def clean_parent(self) -> Region:
        return _resolve_region(self.user, self.cleaned_data["parent"])


class RegionRenameForm(TreeForm):
    name = forms.CharField(label=_("新名称"), max_length=100)
    field_order = ["name", "on"]


class RegionMoveForm(TreeForm):
    new_parent = RegionCodeField(label=_("新的上级区域代码"))
    new_code = forms.CharField(
        label=_("新的区划代码"),
        max_length=15,
        required=False,
        help_text=_("留空则保留原代码；迁到新上级下通常需要以新上级代码开头的新代码。"),
    )
    field_order = ["new_parent", "new_code", "on"]
    field_aliases = {"code": "new_code", "parent": "new_parent"}

    def clean_new_parent(self) -> Region:
        return _resolve_region(self.user, self.cleaned_data["new_parent"])


class RegionMergeForm(TreeForm):
    into = RegionCodeField(label=_("并入的区域代码"), help_text=_("通常是同一上级下的同级区域。"))
    field_order = ["into", "on"]

    def clean_into(self) -> Region:
        return _resolve_region(self.user, self.cleaned_data["into"])


class RegionSplitForm(BoundaryMixin, TreeForm):
    new_code = forms.CharField(label=_("新区域代码"), max_length=15)
    new_name = forms.CharField(label=_("新区域名称"), max_length=100)
    children = forms.ModelMultipleChoiceField(
        label=_("划入新区域的下级区域"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("划入新区域的楼栋"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["new_code", "new_name", "children", "buildings", "boundary", "on"]
    field_aliases = {"code": "new_code", "name": "new_name"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.region
        assert region is not None
        children = Region.objects.visible_to(self.user).filter(path__subtree=region.path, depth=region.depth + 1)
        self.fields["children"].queryset = children  # type: ignore[attr-defined]
        buildings = Building.objects.visible_to(self.user).filter(region=region).order_by("number", "pk")
        self.fields["buildings"].queryset = buildings  # type: ignore[attr-defined]
        # Nothing to choose (a grid has no sub-regions; a community rarely holds buildings itself).
        for name, queryset in (("children", children), ("buildings", buildings)):
            if not queryset.exists():
                del self.fields[name]
        if not self.is_bound:
            self.initial.setdefault("new_code", region.code[:-3] if len(region.code) > 6 else region.code[:4])


class HistoryDateForm(forms.Form):
    day = forms.DateField(
        label=_("按日期查看历史区域树"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
