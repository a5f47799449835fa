"""实有人口 — the one record of each person every department uses (GB/T 31000-2015 module 2).

Persons, households (户) and their members, residence (person ↔ house, with kind), and tags (标签).
Every row carries ``region``/``region_path`` like all scoped rows: a person's region is their current
house's grid (or, until they have a house, the region of the worker who registered them).

ID numbers are never stored in clear: ``id_number_encrypted`` (linli.core.crypto, rotatable keys),
``id_digest`` (keyed HMAC for equality look-ups and duplicate detection) and ``id_masked`` (what every
page shows; derived once on write so lists never decrypt). Sensitive fields are declared in
``SENSITIVE_FIELDS`` and masked by linli.core.masking everywhere unless unmasked with a reason.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.scope import ScopedQuerySet
from linli.people.choices import (
    Education,
    Ethnicity,
    HouseholdKind,
    IdType,
    MaritalStatus,
    PersonStatus,
    PoliticalStatus,
    Relation,
    ResidenceKind,
    Separation,
    Sex,
    TagVisibility,
)
from linli.places.models import House, Region


def age_on(birth_date: datetime.date | None, today: datetime.date | None = None) -> int | None:
    """Whole years since ``birth_date`` on ``today`` (default: today); None when the date is unknown."""
    if birth_date is None:
        return None
    today = today or timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


class Scoped(models.Model):
    region = models.ForeignKey(Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)

    class Meta:
        abstract = True


class PersonQuerySet(ScopedQuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(status=PersonStatus.ACTIVE)


class Person(Scoped):
    """人 — the GB/T 31000 base record."""

    SENSITIVE_FIELDS = ("id_number", "phone")

    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_encrypted = models.TextField(_("证件号码（密文）"), blank=True)
    id_digest = models.CharField(_("证件号码摘要"), max_length=64, blank=True, db_index=True)
    id_masked = models.CharField(_("证件号码"), max_length=32, blank=True)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    former_names = models.CharField(_("曾用名"), max_length=100, blank=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=Ethnicity.choices, default=Ethnicity.HAN)
    native_place = models.CharField(_("籍贯"), max_length=100, blank=True)
    marital_status = models.CharField(
        _("婚姻状况"), max_length=2, choices=MaritalStatus.choices, default=MaritalStatus.UNKNOWN
    )
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    education = models.CharField(_("文化程度"), max_length=2, choices=Education.choices, blank=True)
    registered_area_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    registered_address = models.CharField(_("户籍地详址"), max_length=200, blank=True)
    current_address = models.CharField(_("现住地详址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True, db_index=True)
    occupation = models.CharField(_("职业"), max_length=100, blank=True)
    employer = models.CharField(_("服务处所"), max_length=200, blank=True)
    house = models.ForeignKey(
        House, verbose_name=_("现住房屋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="persons"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE, db_index=True
    )
    status_on = models.DateField(_("状态日期"), null=True, blank=True)
    flags = models.JSONField(_("核验提示"), default=list, blank=True)  # e.g. ID disagrees with stated sex
    confirmed_at = models.DateTimeField(_("最近核实时间"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("实有人口")
        ordering = ["region_path", "name"]
        indexes = [models.Index(fields=["region_path", "status"], name="person_path_status_idx")]

    def __str__(self) -> str:
        return self.name


class Household(Scoped):
    """户."""

    number = models.CharField(_("户号"), max_length=32, db_index=True)
    kind = models.CharField(_("户类型"), max_length=16, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY)
    house = models.ForeignKey(
        House, verbose_name=_("住址房屋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    head = models.ForeignKey(
        Person, verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    objects = ScopedQuerySet["Household"].as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["region_path", "number"]

    def __str__(self) -> str:
        return self.number


class MembershipQuerySet(ScopedQuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        return self.filter(left_on__isnull=True)


class Membership(Scoped):
    """户成员 — a person in a household with their relation to the head, over dates."""

    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices)
    joined_on = models.DateField(_("入户日期"), default=timezone.localdate)
    left_on = models.DateField(_("离户日期"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("户成员")
        verbose_name_plural = _("户成员")
        constraints = [
            # A person belongs to at most one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(left_on__isnull=True), name="membership_one_current_household"
            ),
            # A household has at most one current head.
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(left_on__isnull=True, relation="02"),
                name="membership_one_current_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_relation_display()}"


class ResidenceQuerySet(ScopedQuerySet["Residence"]):
    def current(self) -> ResidenceQuerySet:
        return self.filter(ended_on__isnull=True)


class Residence(Scoped):
    """居住 — a person lives (or is registered) at a house, with kind and dates (move in / move out)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="residences")
    house = models.ForeignKey(House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="residences")
    kind = models.CharField(_("人口类型"), max_length=16, choices=ResidenceKind.choices)
    separation = models.CharField(
        _("人户关系"), max_length=24, choices=Separation.choices, default=Separation.CONSISTENT
    )
    started_on = models.DateField(_("迁入日期"), default=timezone.localdate)
    ended_on = models.DateField(_("迁出日期"), null=True, blank=True)
    # 流动人口
    floating_reason = models.CharField(_("流入原因"), max_length=50, blank=True)
    permit_type = models.CharField(_("证件类型（居住证）"), max_length=50, blank=True)
    permit_number = models.CharField(_("居住证号码"), max_length=50, blank=True)
    permit_expires_on = models.DateField(_("居住证有效期至"), null=True, blank=True)
    # 境外人员
    foreign_name = models.CharField(_("外文姓名"), max_length=100, blank=True)
    nationality = models.CharField(_("国籍（地区）"), max_length=50, blank=True)
    purpose = models.CharField(_("来华目的"), max_length=50, blank=True)
    arrived_on = models.DateField(_("抵达日期"), null=True, blank=True)
    planned_departure_on = models.DateField(_("预计离开日期"), null=True, blank=True)
    # 留守人员
    left_behind_type = models.CharField(_("留守类型"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    # The details beyond house, kind and dates, as the population kind needs them (流动/境外/留守):
    # what move_in accepts, the move-in form offers (a subset) and the API shows. The permit number
    # is an identity document's number, so the API leaves it out (UNLISTED_DETAILS).
    DETAIL_FIELDS = (
        "floating_reason",
        "permit_type",
        "permit_number",
        "permit_expires_on",
        "foreign_name",
        "nationality",
        "purpose",
        "arrived_on",
        "planned_departure_on",
        "left_behind_type",
        "note",
    )
    UNLISTED_DETAILS = ("permit_number",)

    objects = ResidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("居住登记")
        verbose_name_plural = _("居住登记")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(ended_on__isnull=True), name="residence_one_current_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.house}"


class TagCategory(models.Model):
    """标签分类 — a small tree (parent link) of tag categories."""

    code = models.CharField(_("分类代码"), max_length=32, unique=True)
    name = models.CharField(_("分类名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        verbose_name = _("标签分类")
        verbose_name_plural = _("标签分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """标签 — 低保, 特困, 残疾, 独居老人 … as data, each with who may see it."""

    code = models.CharField(_("标签代码"), max_length=32, unique=True)
    name = models.CharField(_("标签名称"), max_length=50)
    category = models.ForeignKey(TagCategory, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="tags")
    visibility = models.CharField(
        _("可见级别"), max_length=16, choices=TagVisibility.choices, default=TagVisibility.OPEN
    )
    visible_roles = models.JSONField(_("可见角色"), default=list, blank=True)  # for PROTECTED tags

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["category__code", "code"]

    def __str__(self) -> str:
        return self.name


class PersonTagQuerySet(ScopedQuerySet["PersonTag"]):
    def current(self, on: object | None = None) -> PersonTagQuerySet:
        today = on or timezone.localdate()
        return self.filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today), starts_on__lte=today)


class PersonTag(Scoped):
    """A tag on a person, dated, with the source that set it (a worker, an import batch, a program)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="tags")
    tag = models.ForeignKey(Tag, verbose_name=_("标签"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    objects = PersonTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.person} · {self.tag}"
