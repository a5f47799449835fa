"""Serializers for the case API: cases (list, detail with steps, whistles, attachments), categories,
the report form, one input form per transition, and the list's query parameters.

The contact phone never leaves the server in clear: every case shows ``contact_phone_masked``
(linli.core.masking.mask_phone). Ids in a body (house, building, region, case) that are missing or
outside the caller's scope answer one and the same 400 field error.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from linli.accounts.models import Department
from linli.cases.choices import Priority, Rating, Source, WhistleKind
from linli.cases.models import Attachment, Case, Category, Extension, Step, Summons, Whistle
from linli.cases.workflow import MAX_EXTENSION_HOURS, RULES, allowed_verbs, verb_label
from linli.core.api import ScopedReferenceField
from linli.core.masking import mask_phone
from linli.places.models import Building, House, Region

NO_CATEGORY = _("分类“%(code)s”不存在。")
NO_DEPARTMENT = _("部门“%(code)s”不存在。")


def leaf_category(code: str) -> Category:
    """An active category by code, or the field error naming the code (the action refuses a major)."""
    category = Category.objects.filter(code=code.strip(), active=True).first()
    if category is None:
        raise serializers.ValidationError(NO_CATEGORY % {"code": code})
    return category


# --- categories ------------------------------------------------------------------------------------


class CategoryLeafSerializer(serializers.ModelSerializer[Category]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    handling_level_label = serializers.CharField(source="get_handling_level_display", read_only=True)
    department_name = serializers.SerializerMethodField(label=_("责任部门"))

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "keywords",
            "handling_level",
            "handling_level_label",
            "department_name",
            "accept_hours",
            "dispatch_hours",
            "handle_hours",
            "verify_hours",
            "escalate_after_hours",
            "is_public",
            "verification",
        ]
        read_only_fields = fields

    def get_department_name(self, obj: Category) -> str:
        return str(obj.department) if obj.department_id else ""


class CategoryTreeSerializer(serializers.ModelSerializer[Category]):
    """A major category (大类) with its active minor categories (小类); cases are reported on minors."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    children = serializers.SerializerMethodField(label=_("小类"))

    class Meta:
        model = Category
        fields = ["id", "code", "name", "kind", "kind_label", "children"]
        read_only_fields = fields

    @extend_schema_field(CategoryLeafSerializer(many=True))
    def get_children(self, obj: Category) -> list[dict[str, Any]]:
        children = [c for c in obj.children.all() if c.active]
        return list(CategoryLeafSerializer(children, many=True).data)


# --- cases -----------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer[Case]):
    """A case as lists show it: the contact phone masked."""

    category_code = serializers.CharField(source="category.code", read_only=True, label=_("分类代码"))
    category_name = serializers.CharField(source="category.name", read_only=True, label=_("分类名称"))
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("所在网格"))
    holder = serializers.CharField(source="holder_label", read_only=True, label=_("当前承办"))
    holder_department_code = serializers.SerializerMethodField(label=_("当前承办部门代码"))
    contact_phone_masked = serializers.SerializerMethodField(label=_("联系电话（脱敏）"))

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "category",
            "category_code",
            "category_name",
            "source",
            "source_label",
            "priority",
            "priority_label",
            "status",
            "status_label",
            "region",
            "region_name",
            "holder",
            "holder_region",
            "holder_department_code",
            "address",
            "lat",
            "lng",
            "contact_name",
            "contact_phone_masked",
            "reported_at",
            "deadline",
            "due_at",
            "is_overdue",
            "supervised",
            "version",
        ]
        read_only_fields = fields

    def get_holder_department_code(self, obj: Case) -> str | None:
        return obj.holder_department.code if obj.holder_department is not None else None

    def get_contact_phone_masked(self, obj: Case) -> str:
        return mask_phone(obj.contact_phone)


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    """A photo's metadata (the file itself is served by the case page)."""

    class Meta:
        model = Attachment
        fields = ["id", "step", "width", "height", "size", "created_at"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer[Step]):
    verb_label = serializers.SerializerMethodField(label=_("操作名称"))
    actor_name = serializers.SerializerMethodField(label=_("操作人"))
    department_name = serializers.SerializerMethodField(label=_("部门"))
    status_before_label = serializers.CharField(source="get_status_before_display", read_only=True)
    status_after_label = serializers.CharField(source="get_status_after_display", read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "verb",
            "verb_label",
            "actor_name",
            "status_before",
            "status_before_label",
            "status_after",
            "status_after_label",
            "holder_before",
            "holder_after",
            "department_name",
            "note",
            "deadline",
            "created_at",
        ]
        read_only_fields = fields

    def get_verb_label(self, obj: Step) -> str:
        return verb_label(obj.verb)

    def get_actor_name(self, obj: Step) -> str:
        if obj.actor is None:
            return str(_("系统"))
        return str(getattr(obj.actor, "display_name", "") or obj.actor.get_username())

    def get_department_name(self, obj: Step) -> str:
        return str(obj.department) if obj.department_id else ""


class SummonsSerializer(serializers.ModelSerializer[Summons]):
    department_code = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.SerializerMethodField(label=_("部门"))

    class Meta:
        model = Summons
        fields = [
            "id",
            "department_code",
            "department_name",
            "check_in_deadline",
            "checked_in_at",
            "late",
            "reported_at",
            "report",
        ]
        read_only_fields = fields

    def get_department_name(self, obj: Summons) -> str:
        return str(obj.department)


class WhistleSerializer(serializers.ModelSerializer[Whistle]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("吹哨层级"))
    summonses = SummonsSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = ["id", "kind", "kind_label", "region_name", "note", "blown_at", "summonses"]
        read_only_fields = fields


class ExtensionSerializer(serializers.ModelSerializer[Extension]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Extension
        fields = ["id", "hours", "reason", "status", "status_label", "requested_at", "decided_at"]
        read_only_fields = fields


class AllowedVerbSerializer(serializers.Serializer[Any]):
    verb = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class CaseDetailSerializer(CaseSerializer):
    """One case in full: its timeline, whistles, extensions, photos, and what the caller may do now.

    ``allowed`` lists the transitions (``POST /api/v1/cases/{id}/{verb}/``) this user may apply now;
    send ``version`` back as ``expected_version`` so a change by someone else is refused (409)."""

    dispatcher_region_name = serializers.SerializerMethodField(label=_("派遣层级"))
    handler = serializers.SerializerMethodField(label=_("处置层级/部门"))
    reporter_name = serializers.SerializerMethodField(label=_("上报人"))
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    merged_into_number = serializers.SerializerMethodField(label=_("合并到"))
    steps = StepSerializer(many=True, read_only=True)
    whistles = WhistleSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    allowed = serializers.SerializerMethodField(label=_("当前可执行的操作"))

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "description",
            "building",
            "house",
            "reporter_name",
            "dispatcher_region",
            "dispatcher_region_name",
            "handler",
            "accepted_at",
            "registered_at",
            "dispatched_at",
            "handled_at",
            "closed_at",
            "closed_on_time",
            "overdue_since",
            "self_handled",
            "escalation_count",
            "extension_count",
            "rework_count",
            "return_count",
            "reopen_count",
            "rating",
            "rating_label",
            "rating_comment",
            "rated_at",
            "contacted",
            "solved",
            "merged_into",
            "merged_into_number",
            "updated_at",
            "steps",
            "whistles",
            "extensions",
            "attachments",
            "allowed",
        ]
        read_only_fields = fields

    def get_dispatcher_region_name(self, obj: Case) -> str:
        return obj.dispatcher_region.name if obj.dispatcher_region is not None else ""

    def get_handler(self, obj: Case) -> str:
        if obj.handler_region_id is None:
            return ""
        assert obj.handler_region is not None
        if obj.handler_department_id is not None:
            return f"{obj.handler_region.name}·{obj.handler_department}"
        return obj.handler_region.name

    def get_reporter_name(self, obj: Case) -> str:
        user = obj.reporter_user
        if user is not None:
            return str(getattr(user, "display_name", "") or user.get_username())
        return obj.contact_name

    def get_merged_into_number(self, obj: Case) -> str | None:
        return obj.merged_into.number if obj.merged_into_id and obj.merged_into else None

    @extend_schema_field(AllowedVerbSerializer(many=True))
    def get_allowed(self, obj: Case) -> list[dict[str, str]]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return [{"verb": verb, "label": str(RULES[verb].label)} for verb in allowed_verbs(user, obj)]


# --- write -----------------------------------------------------------------------------------------


class CaseCreateSerializer(serializers.Serializer[Any]):
    """What POST cases accepts; ``report_case`` does the checks (category, place, scope)."""

    category = serializers.CharField(max_length=16, label=_("分类代码"), help_text=_("小类代码，如 L0104"))
    title = serializers.CharField(max_length=100, label=_("标题"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("描述"))
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named like Field.source
        choices=Source.choices,
        default=Source.API,
        label=_("来源"),
        help_text=_("工作人员按受理渠道填写；居民只能是系统接口或居民网上反映。"),
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL, label=_("紧急程度"))
    house = ScopedReferenceField(House.objects.all(), _("房屋"), required=False, label=_("房屋编号"))
    building = ScopedReferenceField(Building.objects.all(), _("楼栋"), required=False, label=_("楼栋编号"))
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180, label=_("经度"))
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, label=_("纬度"))
    address = serializers.CharField(
        required=False, allow_blank=True, max_length=200, label=_("地址"), help_text=_("按坐标上报时必填")
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50, label=_("联系人"))
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32, label=_("联系电话"))

    def validate_category(self, value: str) -> Category:
        return leaf_category(value)


class NoteSerializer(serializers.Serializer[Any]):
    """The body of most transitions: an optional note and the version the caller saw."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("说明"))
    expected_version = serializers.IntegerField(
        required=False,
        min_value=0,
        label=_("预期版本"),
        help_text=_("您看到的事件版本（详情中的 version）；事件已被他人更新时返回 409"),
    )


class RequiredNoteSerializer(NoteSerializer):
    note = serializers.CharField(max_length=2000, label=_("说明"))


class ReasonSerializer(NoteSerializer):
    note = None  # type: ignore[assignment]
    reason = serializers.CharField(max_length=2000, label=_("理由"))


class RegisterSerializer(NoteSerializer):
    category = serializers.CharField(
        required=False, max_length=16, label=_("分类代码"), help_text=_("更正上报人选择的小类")
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, label=_("紧急程度"))

    def validate_category(self, value: str) -> Category:
        return leaf_category(value)


class DispatchSerializer(NoteSerializer):
    to_region = ScopedReferenceField(
        Region.objects.all(),
        _("区域"),
        required=False,
        label=_("派遣到区域"),
        help_text=_("区域编号；不填按分类和事发地自动派遣"),
    )
    to_department = serializers.CharField(
        required=False, max_length=32, label=_("派遣到部门"), help_text=_("部门代码，如 cg")
    )

    def validate_to_department(self, value: str) -> Department:
        department = Department.objects.filter(code=value.strip()).first()
        if department is None:
            raise serializers.ValidationError(NO_DEPARTMENT % {"code": value})
        return department


class RateSerializer(NoteSerializer):
    note = None  # type: ignore[assignment]
    rating = serializers.ChoiceField(choices=Rating.choices, label=_("评价"))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=300, label=_("评价意见"))
    contacted = serializers.BooleanField(required=False, default=True, label=_("已回访联系"))
    solved = serializers.BooleanField(required=False, allow_null=True, default=None, label=_("问题已解决"))


class ExtensionRequestSerializer(NoteSerializer):
    note = None  # type: ignore[assignment]
    hours = serializers.FloatField(
        min_value=0.5,
        max_value=MAX_EXTENSION_HOURS,
        label=_("延期时长（工作小时）"),
        help_text=_("7 个工作小时为 1 个工作日"),
    )
    reason = serializers.CharField(max_length=300, label=_("理由"))


class ExtensionDecisionSerializer(NoteSerializer):
    extension = serializers.IntegerField(
        required=False, min_value=1, label=_("延期申请编号"), help_text=_("不填为该事件待审批的申请")
    )
    approve = serializers.BooleanField(label=_("批准"))


class MergeSerializer(NoteSerializer):
    into = ScopedReferenceField(
        Case.objects.all(), _("事件"), label=_("合并到事件"), help_text=_("继续办理的事件的编号（id）")
    )


class WhistleInputSerializer(NoteSerializer):
    departments = serializers.ListField(
        child=serializers.CharField(max_length=32),
        min_length=1,
        max_length=20,
        label=_("被吹哨部门"),
        help_text=_('部门代码列表，如 ["cg", "zj"]'),
    )
    kind = serializers.ChoiceField(choices=WhistleKind.choices, default=WhistleKind.ROUTINE, label=_("哨型"))
    note = serializers.CharField(max_length=2000, label=_("吹哨事由"))

    def validate_departments(self, value: list[str]) -> list[Department]:
        codes = [code.strip() for code in value]
        found = {d.code: d for d in Department.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise serializers.ValidationError(NO_DEPARTMENT % {"code": "、".join(missing)})
        return [found[code] for code in codes]


class ReportPartSerializer(NoteSerializer):
    note = None  # type: ignore[assignment]
    report = serializers.CharField(max_length=2000, label=_("承办情况"))
