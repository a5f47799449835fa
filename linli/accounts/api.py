"""The token endpoint of the REST API (``POST /api/v1/auth/token/``, URL name ``api:auth-token``).

It lives in accounts, not in core/api.py, because it signs a user in: it obeys the same lockout as
the sign-in page (``accounts.lockout``), which core may not import. Wired in linli/api_urls.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.accounts import lockout
from linli.accounts.actions import issue_api_token
from linli.accounts.models import User
from linli.core.api import NON_FIELD_ERRORS
from linli.core.middleware import client_ip


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(label=gettext_lazy("用户名"), max_length=150)
    password = serializers.CharField(
        label=gettext_lazy("密码"), max_length=256, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenView(APIView):
    """POST username + password → ``{"token": "..."}``; obeys the same lockout as the sign-in page."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description=gettext_lazy("用户名或密码错误，或账号已被临时锁定。")),
        },
        auth=[],
        tags=["auth"],
        summary=gettext_lazy("用用户名和密码换取 API 令牌"),
        description=gettext_lazy(
            "提交用户名和密码，返回 API 令牌；之后在请求头中携带 Authorization: Token <令牌>。"
            "与登录页面共用失败锁定规则。"
        ),
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"].strip()
        ip = client_ip(request._request)
        params = {"limit": settings.LOGIN_FAILURE_LIMIT, "minutes": settings.LOGIN_LOCKOUT_MINUTES}
        if lockout.refuse_if_locked(username, ip):
            message = _("登录失败次数过多，账号已临时锁定，请 %(minutes)s 分钟后再试或联系管理员。") % params
            raise exceptions.ValidationError({NON_FIELD_ERRORS: [message]}, code="locked")
        user = authenticate(request._request, username=username, password=form.validated_data["password"])
        if not isinstance(user, User) or not user.is_active:
            lockout.note_failure(username, ip)
            message = _("用户名或密码错误。连续输错 %(limit)s 次将锁定账号 %(minutes)s 分钟。") % params
            raise exceptions.ValidationError({NON_FIELD_ERRORS: [message]}, code="invalid_login")
        lockout.clear_failures(username, ip=ip)
        token = issue_api_token(user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)
