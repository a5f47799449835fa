"""事件 / 诉求 — the case loop (DOMAIN.md §4).

A ``Case`` lies where its place is (``region``/``region_path``: the grid of the building or map point)
and is held by one level at a time (``holder_region``, plus ``holder_department`` when a department
holds it). Every transition is a function in ``linli/cases/workflow.py`` that writes one ``Step`` row
and one audit event; ``status`` and the holder are never written anywhere else. Deadlines are working
time from ``linli.core.worktime`` and are stored, not recomputed on read.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import Department
from linli.accounts.roles import Role
from linli.cases.choices import (
    LEVEL_ROLE,
    OPEN_STATUSES,
    CaseStatus,
    CategoryKind,
    DisputeScale,
    ExtensionStatus,
    HandlingLevel,
    MediationMethod,
    PartyRole,
    Priority,
    Rating,
    Source,
    Verification,
    WhistleKind,
)
from linli.core.scope import ScopedQuerySet, minimal_prefixes
from linli.places.models import Building, House, Region


class Category(models.Model):
    """事件分类 — a configurable two-level tree (大类 / 小类) with routing and time limits per stage.

    Limits are working hours (``linli.core.worktime``): 7 working hours make one working day.
    """

    code = models.CharField(_("分类代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CategoryKind.choices, default=CategoryKind.EVENT)
    keywords = models.CharField(_("检索词"), max_length=200, blank=True, help_text=_("用于分类搜索，空格分隔"))
    handling_level = models.CharField(
        _("处置层级"), max_length=16, choices=HandlingLevel.choices, default=HandlingLevel.COMMUNITY
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accept_hours = models.FloatField(_("受理时限（工作小时）"), default=1)
    dispatch_hours = models.FloatField(_("派遣时限（工作小时）"), default=1)
    handle_hours = models.FloatField(_("处置时限（工作小时）"), default=35)
    verify_hours = models.FloatField(_("核查时限（工作小时）"), default=7)
    escalate_after_hours = models.FloatField(
        _("超期自动上报（工作小时）"),
        null=True,
        blank=True,
        help_text=_("超期达到该工作小时数后自动上报上一级；空为不自动上报"),
    )
    is_public = models.BooleanField(_("可公开"), default=True)
    verification = models.CharField(
        _("核查方式"), max_length=16, choices=Verification.choices, default=Verification.ON_SITE
    )
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事件分类")
        verbose_name_plural = _("事件分类")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


Acting = tuple[str, int, str, str, "int | None"]  # role, region id, region kind, region path, department id


def acting_assignments(user: Any) -> list[Acting]:
    """The user's assignments active today as (role, region id, region kind, region path, department id).

    From ``user.assignments_now()``, the one cached read per request (accounts.models.User)."""
    if user is None or not user.is_authenticated:
        return []
    return [(a.role, a.region_id, a.region.kind, a.region.path, a.department_id) for a in user.assignments_now()]


def holder_keys(user: Any) -> tuple[frozenset[int], tuple[tuple[int, str], ...]]:
    """Where the user acts as a case's holder: the regions they are assigned to with that level's role
    (``LEVEL_ROLE``: a grid worker for their grid, a community worker for their community …), and
    (department, subtree path) for department staff, who hold what their department holds there."""
    regions = frozenset(
        region_id for role, region_id, kind, _path, _dept in acting_assignments(user) if LEVEL_ROLE.get(kind) == role
    )
    departments = tuple(
        (dept, path)
        for role, _region_id, _kind, path, dept in acting_assignments(user)
        if role == Role.DEPARTMENT_STAFF and dept is not None
    )
    return regions, departments


class CaseQuerySet(ScopedQuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The region subtree rule, narrowed for two roles.

        - Department staff see the cases of their scope that their department holds, held or was summoned to.
        - Residents see only the cases they reported themselves.
        A user with several roles sees the union.
        """
        if user is None or not user.is_authenticated:
            return self.none()
        full: list[str] = []
        department: list[tuple[str, int]] = []
        resident = False
        for role, _region_id, _kind, path, dept in acting_assignments(user):
            if role == Role.RESIDENT:
                resident = True
            elif role == Role.DEPARTMENT_STAFF and dept is not None:
                department.append((path, dept))
            else:
                full.append(path)
        condition = Q()
        for prefix in minimal_prefixes(full):
            condition |= Q(region_path__subtree=prefix)
        for path, dept in department:
            condition |= Q(region_path__subtree=path) & (
                Q(holder_department_id=dept) | Q(handler_department_id=dept) | Q(summonses__department_id=dept)
            )
        if resident:
            condition |= Q(reporter_user=user)
        if not condition:
            return self.none()
        result = self.filter(condition)
        if department:
            result = result.distinct()
        return result

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def held_by(self, user: Any) -> CaseQuerySet:
        """Cases the user's level or department holds now (the inboxes, the API's ``holder=mine``).

        The queryset form of ``workflow.holds``; both read ``holder_keys``, the one definition of who
        acts for the holder."""
        regions, departments = holder_keys(user)
        condition = Q(pk__in=[])
        if regions:
            condition |= Q(holder_region_id__in=sorted(regions), holder_department__isnull=True)
        for department_id, path in departments:
            condition |= Q(holder_department_id=department_id, holder_region__path__startswith=path)
        return self.filter(condition)

    def held_by_region(self, region: Region) -> CaseQuerySet:
        return self.filter(holder_region=region, holder_department__isnull=True)


class Case(models.Model):
    """事件 — one report and everything done about it."""

    SENSITIVE_FIELDS = ("contact_phone",)

    number = models.CharField(_("事件编号"), max_length=20, unique=True)
    region = models.ForeignKey(Region, verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(_("区域路径"), max_length=255)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.PATROL)
    category = models.ForeignKey(Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"), blank=True)
    priority = models.CharField(_("紧急程度"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    # place: a house or building of the registry, or a map point with an address
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    house = models.ForeignKey(
        House, verbose_name=_("房屋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # reporter: a user, a registry person, or an anonymous contact
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_person = models.ForeignKey(
        "people.Person", verbose_name=_("反映人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # where it is in the loop
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    holder_region = models.ForeignKey(
        Region, verbose_name=_("当前承办层级"), on_delete=models.PROTECT, related_name="+"
    )
    holder_department = models.ForeignKey(
        Department, verbose_name=_("当前承办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # who dispatched (and so verifies), and who was dispatched to (rework goes back to them)
    dispatcher_region = models.ForeignKey(
        Region, verbose_name=_("派遣层级"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler_region = models.ForeignKey(
        Region, verbose_name=_("处置层级"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler_department = models.ForeignKey(
        Department, verbose_name=_("处置部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField(_("按期结案"), null=True, blank=True)
    handling_hours = models.FloatField(
        _("处置用时（工作小时）"), null=True, blank=True, help_text=_("派遣到最后一次反馈的工作时间，反馈时写入")
    )
    is_overdue = models.BooleanField(_("已超期"), default=False)
    overdue_since = models.DateTimeField(_("超期时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    self_handled = models.BooleanField(_("自行处置"), default=False)
    escalation_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    contacted = models.BooleanField(_("已回访联系"), null=True, blank=True)
    solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["holder_region", "status"], name="case_holder_status_idx"),
            models.Index(fields=["holder_department", "status"], name="case_dept_status_idx"),
            models.Index(fields=["status", "deadline"], name="case_status_deadline_idx"),
            # a subtree's cases in one status (辖区 lists, counts): equality on status, range on the path
            models.Index(fields=["status", "region_path"], name="case_status_path_idx"),
            models.Index(fields=["region_path", "reported_at"], name="case_path_reported_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def holder_label(self) -> str:
        if self.holder_department_id is not None:
            return f"{self.holder_region.name}·{self.holder_department}"
        return self.holder_region.name


class Step(models.Model):
    """One transition of one case: who, from which status and holder to which, note, deadline.

    Steps, whistles and summonses are scoped through their case (``case__region_path``), so moving a
    region in the tree rewrites one path per case, not one per step."""

    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="steps")
    verb = models.CharField(_("操作"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status_before = models.CharField(_("原状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    status_after = models.CharField(_("新状态"), max_length=16, choices=CaseStatus.choices)
    holder_before = models.CharField(_("原承办"), max_length=120, blank=True)
    holder_after = models.CharField(_("新承办"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    deadline = models.DateTimeField(_("时限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("处置步骤")
        verbose_name_plural = _("处置步骤")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="step_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.verb}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """``cases/2026/12/<22 random characters>.jpg``: the name tells nothing and cannot be guessed.

    (It was ``cases/<month>/<case id>/<number>-<step>-<n>.jpg``: anyone who could reach the files
    could walk every case's photos, and a case id reused after a rollback inherited old files.)
    """
    return f"cases/{instance.case.reported_at:%Y/%m}/{secrets.token_urlsafe(16)}.jpg"


class Attachment(models.Model):
    """A photo of a case or step: re-encoded to JPEG on upload, metadata (EXIF, GPS) dropped."""

    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(
        Step, verbose_name=_("步骤"), null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    size = models.PositiveIntegerField(_("字节数"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.pk}"

    @property
    def stored_name(self) -> str:
        """The file's path under MEDIA_ROOT (linli/cases/photos.py writes it)."""
        return self.file.name or ""


class Whistle(models.Model):
    """吹哨 — a subdistrict (街道吹哨) or community (社区呼叫) summons departments to a case."""

    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="whistles")
    kind = models.CharField(_("哨型"), max_length=16, choices=WhistleKind.choices, default=WhistleKind.ROUTINE)
    region = models.ForeignKey(Region, verbose_name=_("吹哨层级"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("事由"), blank=True)
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("吹哨人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    blown_at = models.DateTimeField(_("吹哨时间"))

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        ordering = ["-blown_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class Summons(models.Model):
    """报到 — one summoned department's check-in and its report of its part."""

    whistle = models.ForeignKey(Whistle, verbose_name=_("吹哨"), on_delete=models.CASCADE, related_name="summonses")
    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    check_in_deadline = models.DateTimeField(_("报到时限"))
    checked_in_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报到人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    late = models.BooleanField(_("迟到"), default=False)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    report = models.TextField(_("处置情况"), blank=True)

    class Meta:
        verbose_name = _("报到")
        verbose_name_plural = _("报到")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "department"], name="summons_once_per_whistle"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.department}"


class Extension(models.Model):
    """延期申请 — asked by the holder, decided by the level above."""

    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="extensions")
    hours = models.FloatField(_("延期（工作小时）"))
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.hours}h"


class CaseParty(models.Model):
    """A person linked to a case (e.g. a party of a dispute): from the registry, or named freely."""

    case = models.ForeignKey(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名/名称"), max_length=100)
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices, default=PartyRole.OTHER)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)

    SENSITIVE_FIELDS = ("phone",)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Dispute(models.Model):
    """矛盾纠纷 — the GB/T 31000 module-7 fields of a dispute case."""

    case = models.OneToOneField(Case, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="dispute")
    scale = models.CharField(_("规模"), max_length=16, choices=DisputeScale.choices, default=DisputeScale.SMALL)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    mediating_org = models.CharField(_("调解组织"), max_length=100, blank=True)
    method = models.CharField(_("调解方式"), max_length=16, choices=MediationMethod.choices, blank=True)
    mediator = models.CharField(_("调解员"), max_length=50, blank=True)
    agreement = models.TextField(_("协议内容"), blank=True)
    success = models.BooleanField(_("调解成功"), null=True, blank=True)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    follow_up_result = models.CharField(_("回访结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")

    def __str__(self) -> str:
        return f"{self.case_id}"


class CaseCounter(models.Model):
    """The last serial number used on one day: case numbers are YYYYMMDD + 6 digits, unique per city."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号计数")
        verbose_name_plural = _("编号计数")

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


__all__ = [
    "Attachment",
    "Case",
    "CaseCounter",
    "CaseParty",
    "Category",
    "Dispute",
    "Extension",
    "Step",
    "Summons",
    "Whistle",
]
