from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from django.utils import translation

from linli.core.audit import current_ip

# Inline styles are allowed for Leaflet's positioning; scripts only from our own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: {tiles}; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

# URL names reachable without signing in. A route missing from here that answers anonymous
# users is a bug; tests/test_route_protection.py walks every pattern and checks it.
PUBLIC_URL_NAMES = frozenset(
    {
        "accounts:login",
        "set_language",
        "healthz",
        "api-schema",
        "api-docs",
        "api:auth-token",
        # Open311 GeoReport v2 (linli/cases/open311.py): public cases of public categories; a POST
        # to requests authenticates with its api_key, not with a session.
        "open311:discovery",
        "open311:services",
        "open311:service",
        "open311:requests",
        "open311:request",
        "open311:token",
    }
)


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tiles = settings.MAP_TILE_URL.split("/{")[0] if settings.MAP_TILE_URL else ""
        self.csp = CONTENT_SECURITY_POLICY.format(tiles=tiles).replace("  ", " ")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            current_ip.reset(token)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response


class LoginRequiredMiddleware:
    """Deny by default: every page needs a signed-in user unless its URL name is declared public.

    The API is left to DRF (401 for anonymous), static files to whitenoise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated or request.path.startswith(("/api/", settings.STATIC_URL)):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Exception:
            return self.get_response(request)  # 404 page
        if match.view_name in PUBLIC_URL_NAMES:
            return self.get_response(request)
        return redirect_to_login(request.get_full_path())


class LanguageMiddleware:
    """Chinese unless the user chose otherwise (the language cookie set by ``set_language``).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a government platform's
    default language is the platform's decision, so the browser header is deliberately ignored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the thread's previous language afterwards, so one request's choice never
        # leaks into whatever runs next on the same thread (another request, a task, a test).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
