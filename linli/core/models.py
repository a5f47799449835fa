from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.scope import ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet["AuditEvent"]):
    pass


class AuditEvent(models.Model):
    """审计日志 — one append-only row per event, chained by hash (see core/audit.py)."""

    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    region_path = models.CharField(_("区域路径"), max_length=255, blank=True, db_index=True)
    ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    changes = models.JSONField(_("变更（已脱敏）"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_name or '-'} {self.verb} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    """节假日录入完成 — an administrator declared this year's holidays and make-up days entered.

    The working-time clock (core/worktime.py) reports a year with such a row as source "entered".
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("标记时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """节假日或调休上班日 entered by an administrator; overrides the official calendar for its date."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    # Part of the clock's cross-process change check (core/worktime.py): an edit changes max(updated_at).
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历日期")
        verbose_name_plural = _("工作日历日期")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
