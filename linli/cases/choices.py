"""Code tables of the case loop. Statuses and their order are the state machine's (linli/cases/workflow.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Role
from linli.places.choices import RegionKind


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("待立案")
    REGISTERED = "registered", _("待派遣")
    HANDLING = "handling", _("处置中")
    HANDLED = "handled", _("待核查")
    VERIFIED = "verified", _("待结案")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.REPORTED,
        CaseStatus.ACCEPTED,
        CaseStatus.REGISTERED,
        CaseStatus.HANDLING,
        CaseStatus.HANDLED,
        CaseStatus.VERIFIED,
    }
)
# The handling clock runs from dispatch until the case closes.
CLOCK_STATUSES = frozenset({CaseStatus.HANDLING, CaseStatus.HANDLED, CaseStatus.VERIFIED})
FINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED})


class Source(models.TextChoices):
    PATROL = "patrol", _("网格巡查")
    PORTAL = "portal", _("居民网上反映")
    HALL = "hall", _("窗口受理")
    HOTLINE = "hotline", _("热线电话")
    VIDEO = "video", _("视频监控")
    INSPECTION = "inspection", _("督查检查")
    VISIT = "visit", _("入户走访")
    ASSIGNED = "assigned", _("上级交办")
    API = "api", _("系统接口")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    EMERGENCY = "emergency", _("特急")


class HandlingLevel(models.TextChoices):
    """The lowest level that handles a category (小事不出网格，大事不出社区)."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    SUBDISTRICT = "subdistrict", _("街道")
    DEPARTMENT = "department", _("职能部门")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")
    DISPUTE = "dispute", _("矛盾纠纷")
    HAZARD = "hazard", _("安全隐患")
    HELP = "help", _("困难帮扶")
    CONSULT = "consult", _("政策咨询")


class Verification(models.TextChoices):
    ON_SITE = "on_site", _("现场核查")
    REPORTER = "reporter", _("回访反映人确认")
    NONE = "none", _("无需核查")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class WhistleKind(models.TextChoices):
    ROUTINE = "routine", _("日常哨")
    HARD = "hard", _("攻坚哨")
    EMERGENCY = "emergency", _("应急哨")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请方")
    RESPONDENT = "respondent", _("被申请方")
    OTHER = "other", _("其他当事人")


class DisputeScale(models.TextChoices):
    SMALL = "small", _("一般（2人以下）")
    MEDIUM = "medium", _("较大（3–9人）")
    LARGE = "large", _("群体性（10人以上）")


class MediationMethod(models.TextChoices):
    PEOPLE = "people", _("人民调解")
    INDUSTRY = "industry", _("行业调解")
    LAWYER = "lawyer", _("律师调解")
    JUDICIAL = "judicial", _("司法调解")


# Which role acts for a region level that holds a case (a grid worker for a grid …).
LEVEL_ROLE: dict[str, str] = {
    RegionKind.GRID: Role.GRID_WORKER,
    RegionKind.COMMUNITY: Role.COMMUNITY_WORKER,
    RegionKind.SUBDISTRICT: Role.SUBDISTRICT_STAFF,
    RegionKind.DISTRICT: Role.DISTRICT_LEADER,
}
STAFF_ROLES = frozenset(LEVEL_ROLE.values())
