from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from linli.accounts import lockout
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
        if username and lockout.is_locked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked", params=params)
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if username:
                lockout.note_failure(username, ip)
            if error.code == "invalid_login":
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login", params=params)
            raise
        lockout.clear_failures(username)
        return cleaned
