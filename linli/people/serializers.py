"""Serializers for the population registry API: persons, households, residences, tags, history.

Sensitive fields never leave the server in clear through these serializers: a person shows
``id_masked`` (stored masked on write) and ``phone_masked``; the clear values come only from
``POST persons/{id}/unmask/`` (linli.core.masking.unmask: a role allowed to, a reason, an audit
event). Audit ``changes`` shown as history are masked by the actions that wrote them and passed
through ``masking.redact`` once more here, so an ID-number-shaped string can never come back.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from linli.core.api import ScopedReferenceField
from linli.core.masking import mask_phone, redact
from linli.core.models import AuditEvent
from linli.people.choices import (
    Education,
    Ethnicity,
    IdType,
    MaritalStatus,
    PoliticalStatus,
    ResidenceKind,
    Separation,
    Sex,
)
from linli.people.models import Household, Membership, Person, PersonTag, Residence, Tag, age_on
from linli.people.queries import tags_visible_to
from linli.places.models import House, Region

# --- read ------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[Person]):
    """A person as lists show it: ID number and phone masked, age derived from the birth date."""

    sex_label = serializers.CharField(source="get_sex_display", read_only=True, label=_("性别名称"))
    status_label = serializers.CharField(source="get_status_display", read_only=True, label=_("状态名称"))
    id_type_label = serializers.CharField(source="get_id_type_display", read_only=True, label=_("证件类型名称"))
    phone_masked = serializers.SerializerMethodField(label=_("联系电话（脱敏）"))
    age = serializers.SerializerMethodField(label=_("年龄"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("所属区域名称"))

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "id_type",
            "id_type_label",
            "id_masked",
            "sex",
            "sex_label",
            "birth_date",
            "age",
            "phone_masked",
            "ethnicity",
            "status",
            "status_label",
            "region",
            "region_name",
            "house",
            "current_address",
        ]
        read_only_fields = fields

    def get_phone_masked(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def get_age(self, obj: Person) -> int | None:
        return age_on(obj.birth_date)


class PersonTagBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(source="tag.code", read_only=True)
    name = serializers.CharField(source="tag.name", read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True, allow_null=True)
    origin = serializers.CharField(source="source", read_only=True, label=_("来源"))


class PersonDetailSerializer(PersonSerializer):
    """One person in full (still masked), with their visible tags and current household."""

    tags = serializers.SerializerMethodField(label=_("标签"))
    household = serializers.SerializerMethodField(label=_("所在户"))

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "former_names",
            "native_place",
            "marital_status",
            "political_status",
            "education",
            "registered_area_code",
            "registered_address",
            "occupation",
            "employer",
            "status_on",
            "flags",
            "confirmed_at",
            "created_at",
            "updated_at",
            "tags",
            "household",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonTagBriefSerializer(many=True))
    def get_tags(self, obj: Person) -> list[dict[str, Any]]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        rows = (
            PersonTag.objects.visible_to(user)
            .current()
            .filter(person=obj, tag__in=tags_visible_to(user))
            .select_related("tag")
        )
        return list(PersonTagBriefSerializer(rows, many=True).data)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_household(self, obj: Person) -> dict[str, Any] | None:
        membership = Membership.objects.filter(person=obj, left_on__isnull=True).select_related("household").first()
        if membership is None:
            return None
        return {
            "id": membership.household_id,
            "number": membership.household.number,
            "relation": membership.relation,
            "relation_label": membership.get_relation_display(),
        }


class MemberSerializer(serializers.ModelSerializer[Membership]):
    person_name = serializers.CharField(source="person.name", read_only=True, label=_("姓名"))
    relation_label = serializers.CharField(source="get_relation_display", read_only=True, label=_("与户主关系名称"))

    class Meta:
        model = Membership
        fields = ["id", "person", "person_name", "relation", "relation_label", "joined_on", "left_on"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label=_("户类型名称"))
    head_name = serializers.CharField(source="head.name", read_only=True, allow_null=True, default=None)
    members = serializers.SerializerMethodField(label=_("现有成员"))

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "house",
            "head",
            "head_name",
            "region",
            "dissolved_on",
            "members",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, obj: Household) -> list[dict[str, Any]]:
        members = [m for m in obj.memberships.all() if m.left_on is None]
        return list(MemberSerializer(members, many=True).data)


class ResidenceSerializer(serializers.ModelSerializer[Residence]):
    person_name = serializers.CharField(source="person.name", read_only=True, label=_("姓名"))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label=_("人口类型名称"))
    separation_label = serializers.CharField(source="get_separation_display", read_only=True, label=_("人户关系名称"))
    house_address = serializers.CharField(source="house.address", read_only=True, label=_("房屋地址"))

    class Meta:
        model = Residence
        fields = [
            "id",
            "person",
            "person_name",
            "house",
            "house_address",
            "region",
            "kind",
            "kind_label",
            "separation",
            "separation_label",
            "started_on",
            "ended_on",
            *(name for name in Residence.DETAIL_FIELDS if name not in Residence.UNLISTED_DETAILS),
        ]
        read_only_fields = fields


class TagSerializer(serializers.ModelSerializer[Tag]):
    category_code = serializers.CharField(source="category.code", read_only=True, label=_("分类代码"))
    category_name = serializers.CharField(source="category.name", read_only=True, label=_("分类名称"))
    visibility_label = serializers.CharField(source="get_visibility_display", read_only=True)

    class Meta:
        model = Tag
        fields = ["id", "code", "name", "category_code", "category_name", "visibility", "visibility_label"]
        read_only_fields = fields


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return value


class HistoryEventSerializer(serializers.ModelSerializer[AuditEvent]):
    """One change in a person's history (an audit event; ``changes`` already masked)."""

    changes = serializers.SerializerMethodField(label=_("变更（已脱敏）"))
    reason = serializers.SerializerMethodField(label=_("理由"))

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor_name", "verb", "object_type", "object_id", "object_repr", "changes", "reason"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_changes(self, obj: AuditEvent) -> Any:
        return _redacted(obj.changes)

    def get_reason(self, obj: AuditEvent) -> str:
        return redact(obj.reason)


# --- write -----------------------------------------------------------------------------------------


class UnmaskSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[(f, f) for f in Person.SENSITIVE_FIELDS], label=_("字段"))
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, label=_("理由"), help_text=_("查看原文的理由，记入审计日志")
    )


class DeathSerializer(serializers.Serializer[Any]):
    """What POST persons/{id}/death/ accepts; ``record_death`` checks the date and the status."""

    died_on = serializers.DateField(label=_("死亡日期"), help_text=_("不晚于今天，不早于出生日期"))
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=500, label=_("依据或备注"), help_text=_("记入审计日志")
    )


class CancelSerializer(serializers.Serializer[Any]):
    """What POST persons/{id}/cancel/ accepts; ``cancel_person`` checks the date, reason and status."""

    on = serializers.DateField(label=_("注销日期"), help_text=_("不晚于今天，不早于出生日期"))
    reason = serializers.CharField(
        allow_blank=True, max_length=500, label=_("注销原因"), help_text=_("至少 2 个字，如“重复登记”；记入审计日志")
    )


class UnmaskResponseSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    value = serializers.CharField()


class PersonCreateSerializer(serializers.Serializer[Any]):
    """What POST persons accepts; ``register_person`` does the checks (ID, duplicates, scope)."""

    house = ScopedReferenceField(House.objects.all(), _("房屋"), required=False, label=_("现住房屋编号"))
    region = ScopedReferenceField(
        Region.objects.all(), _("区域"), required=False, label=_("所属区域编号"), help_text=_("没有房屋时必填")
    )
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID, label=_("证件类型"))
    id_number = serializers.CharField(max_length=64, label=_("证件号码"), allow_blank=True)
    name = serializers.CharField(max_length=50, label=_("姓名"))
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, label=_("性别"))
    birth_date = serializers.DateField(required=False, label=_("出生日期"))
    accept_mismatch = serializers.BooleanField(
        required=False, default=False, label=_("接受与证件号码不一致的性别/出生日期（并标记）")
    )
    residence_kind = serializers.ChoiceField(
        choices=ResidenceKind.choices, default=ResidenceKind.REGISTERED, label=_("人口类型")
    )
    separation = serializers.ChoiceField(choices=Separation.choices, default=Separation.CONSISTENT)
    started_on = serializers.DateField(required=False, label=_("迁入日期"))
    former_names = serializers.CharField(required=False, allow_blank=True, max_length=100)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False)
    native_place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    marital_status = serializers.ChoiceField(choices=MaritalStatus.choices, required=False)
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    registered_area_code = serializers.CharField(required=False, allow_blank=True, max_length=12)
    registered_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    current_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    occupation = serializers.CharField(required=False, allow_blank=True, max_length=100)
    employer = serializers.CharField(required=False, allow_blank=True, max_length=200)
