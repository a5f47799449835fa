from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from linli.accounts import lockout
from linli.accounts.models import Department, User
from linli.accounts.regions import AssignableRegion, find_region
from linli.accounts.roles import Role
from linli.core.forms import ActionErrorMixin
from linli.core.middleware import client_ip


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码错误。连续输错 %(limit)s 次将锁定账号 %(minutes)s 分钟。"),
        "locked": _("登录失败次数过多，账号已临时锁定，请 %(minutes)s 分钟后再试或联系管理员。"),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request is not None else ""
        params = {"limit": settings.LOGIN_FAILURE_LIMIT, "minutes": settings.LOGIN_LOCKOUT_MINUTES}
        if username and lockout.refuse_if_locked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked", params=params)
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if username:
                lockout.note_failure(username, ip)
            if error.code == "invalid_login":
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login", params=params
                ) from error
            raise
        lockout.clear_failures(username, ip=ip)
        return cleaned


# -- account administration -----------------------------------------------------------------------


class UserCreateForm(ActionErrorMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    password1 = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput(render_value=False), strip=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class PasswordResetForm(ActionErrorMixin, forms.Form):
    new_password1 = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password1") and cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, required=False, widget=forms.TextInput)


class AssignmentForm(ActionErrorMixin, forms.Form):
    """Role × region × department. The region is entered by its code (a city has thousands)."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = forms.CharField(label=_("区域代码"), max_length=15, help_text=_("如 510104001001；须在您的管辖范围内。"))
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.all(), required=False
    )
    starts_on = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["region"].widget.attrs.update({"list": "region-codes", "inputmode": "numeric"})

    def clean_region(self) -> AssignableRegion:
        code = (self.cleaned_data.get("region") or "").strip()
        region = find_region(self.actor, code)
        if region is None:
            raise forms.ValidationError(
                _("找不到代码为“%(code)s”的区域，或它不在您的管辖范围内。"), params={"code": code}
            )
        return region
