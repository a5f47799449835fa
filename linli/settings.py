"""Linli settings. Every knob comes from the environment; the defaults run the demo on SQLite.

Production (``LINLI_ENV=production``) refuses to start with the demo secret or DEBUG on.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LINLI_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEMO_SECRET_KEY = "linli-demo-secret-key-do-not-use-in-production-0000000000000000"
LINLI_ENV = os.environ.get("LINLI_ENV", "demo")


def installation_secret(data_dir: Path) -> str:
    """The demo's SECRET_KEY: random, made on first start and kept in the data folder (mode 0600).

    A key written in the source would be public, and the field-encryption and digest keys derive
    from it when they are not set (core/crypto.py), so anyone could decrypt a demo database.
    """
    path = data_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:  # O_EXCL: of two processes starting at once, one writes it
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


DATA_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    DEMO_SECRET_KEY if LINLI_ENV == "production" else installation_secret(DATA_DIR)
)
# Off unless a developer asks (DEBUG=1): the demo is reachable by others, and a debug page shows
# tracebacks, settings and every URL pattern to anonymous visitors.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

if LINLI_ENV == "production":
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("生产环境必须设置 SECRET_KEY（至少 40 个字符），不能使用演示密钥。")
    if DEBUG:
        raise ImproperlyConfigured("生产环境不能开启 DEBUG。")

# --- Sensitive data (linli.core.crypto, linli.core.masking) -------------------------------------------
# LINLI_FIELD_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt (put a new key first,
# then run `linli rotate_keys`). LINLI_DIGEST_KEY: the HMAC key of the ID-number digests (changing it
# means recomputing every digest). Left empty, both are derived from SECRET_KEY with HKDF so the demo
# and the tests run unconfigured; production must set both explicitly.
LINLI_FIELD_KEYS = env_list("LINLI_FIELD_KEYS", "")
LINLI_DIGEST_KEY = os.environ.get("LINLI_DIGEST_KEY", "")
if LINLI_ENV == "production":
    if not LINLI_FIELD_KEYS:
        raise ImproperlyConfigured(
            "生产环境必须设置 LINLI_FIELD_KEYS（证件号码加密密钥，Fernet 格式，可用逗号分隔多个以便轮换）。"
        )
    if len(LINLI_DIGEST_KEY) < 32:
        raise ImproperlyConfigured("生产环境必须设置 LINLI_DIGEST_KEY（证件号码摘要密钥，至少 32 个字符）。")
# --- end sensitive data ---------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "linli.core",
    "linli.accounts",
    "linli.places",
    "linli.people",
    "linli.cases",
    "linli.seed",  # the `seed` management command (no models)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "linli.core.middleware.SecurityHeadersMiddleware",
    "linli.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context_processors.linli",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'linli.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way (the audit chain relies on writers being serialised).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;",
    }
    # Tests on a file, not the shared-cache in-memory database Django defaults to: shared cache locks
    # whole tables ("database table is locked") when the live server's threads and the test write at
    # once, where a file in WAL mode waits on the busy timeout like production does.
    # One file per test process (pytest-xdist workers, or two test runs at once on one checkout).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("LINLI_FAST_HASHER", False):  # the test suite only: thousands of logins
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout (linli/accounts/lockout.py), within the window: failures for one username from one
# address lock it from there; from one address for any usernames lock the address; for one username
# from all addresses lock it everywhere.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_LIMIT = int(os.environ.get("LOGIN_ADDRESS_LIMIT", "20"))
LOGIN_ACCOUNT_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_LIMIT", "50"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True  # sliding idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if LINLI_ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Map tiles: none by default (polygons on a plain background); set to e.g. an internal tile server.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")

# Open311 GeoReport v2 (/open311/v2/, linli/cases/open311.py): the jurisdiction_id of this city.
LINLI_OPEN311_JURISDICTION = os.environ.get("LINLI_OPEN311_JURISDICTION", "linli.local")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
# The working day (core/worktime.py): local times of the working periods; 7 working hours a day.
LINLI_WORKING_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing (before collectstatic)
STATICFILES_DIRS = [BASE_DIR / "linli" / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# Nothing serves MEDIA_ROOT by URL: uploads go out only through views that check access first
# (cases:attachment). LINLI_MEDIA_SERVER hands the sending to the web server after the check:
# "" = Django streams the file (the demo), "nginx" = X-Accel-Redirect to LINLI_MEDIA_INTERNAL_URL (an
# `internal` location aliased to MEDIA_ROOT), "sendfile" = X-Sendfile (Apache mod_xsendfile, lighttpd).
MEDIA_URL = "/uploads-are-served-by-access-checked-views-only/"
LINLI_MEDIA_SERVER = os.environ.get("LINLI_MEDIA_SERVER", "")
if LINLI_MEDIA_SERVER not in {"", "nginx", "sendfile"}:
    raise ImproperlyConfigured("LINLI_MEDIA_SERVER 只能是空、nginx 或 sendfile。")
LINLI_MEDIA_INTERNAL_URL = os.environ.get("LINLI_MEDIA_INTERNAL_URL", "/protected-media/")
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's three, with the JSON one refusing a body nested too deep (400, not a RecursionError 500).
    "DEFAULT_PARSER_CLASSES": [
        "linli.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linli 邻里 API",
    "DESCRIPTION": "社区治理平台接口：区域树、楼栋、单元、房屋。所有列表都按当前用户的管辖范围过滤。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several fields get one stable schema name each (no collision warnings).
    "ENUM_NAME_OVERRIDES": {
        "RegionKindEnum": "linli.places.choices.RegionKind",
        "BuildingKindEnum": "linli.places.choices.BuildingKind",
        "HouseUseEnum": "linli.places.choices.HouseUse",
        "ResidenceKindEnum": "linli.people.choices.ResidenceKind",
        "PersonStatusEnum": "linli.people.choices.PersonStatus",
        "CaseStatusEnum": "linli.cases.choices.CaseStatus",
        "CategoryKindEnum": "linli.cases.choices.CategoryKind",
        "WhistleKindEnum": "linli.cases.choices.WhistleKind",
        "ExtensionStatusEnum": "linli.cases.choices.ExtensionStatus",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # redact_sensitive: ID numbers and mobile numbers in any log line are masked (linli.core.masking).
    "filters": {"redact_sensitive": {"()": "linli.core.masking.RedactSensitive"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_sensitive"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers bypass the root handler's redaction (django.server logs request lines,
        # query strings included): route both through the root handler instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
