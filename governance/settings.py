"""Settings for the county governance-center case system.

Everything a deployment changes is read from the environment. With nothing set the project runs
anywhere: DEBUG on, SQLite under var/, and a Celery broker on the file system (no server needed).
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_date(name: str, default: str) -> date:
    raw = os.environ.get(name) or default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a date (use YYYY-MM-DD)") from exc


DEBUG = env_bool("DEBUG", default=not os.environ.get("SECRET_KEY"))

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "governance",
    "grids",
    "disputes",
    "mediation",
    "visits",
]

MIDDLEWARE = [
    # First: every later log line and audit row of the request carries its id.
    "governance.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public pages (码上办, /m/) never read the staff session (governance/public_site.py).
    "governance.public_site.PublicSiteMiddleware",
    "governance.middleware.CookieLanguageMiddleware",
    # Before anything looks a value up: a NUL byte in path, query or form is a 400 (governance/middleware.py).
    "governance.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session older than SESSION_ABSOLUTE_SECONDS ends before anything else looks at it.
    "governance.session_limit.AbsoluteSessionLifetimeMiddleware",
    # Second factor before the forced password change: a stolen password alone changes nothing.
    "governance.middleware.RequireTwoFactorMiddleware",
    "governance.middleware.ForcePasswordChangeMiddleware",
    "governance.middleware.AuditNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "governance.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the login view's response (django-axes requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default: several processes (web, worker, beat) share one file.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # PostgreSQL compiles a query with JIT when its estimated cost is high, which at a million
    # cases is any list's: 30-200 ms of compiling for queries that run in a few (issue 13).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts (等保2.0 三级) ------------------------------------------------------------------
AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the person's unit and region with them (governance/backends.py).
    "governance.backends.UserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "governance.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "governance.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "governance.validators.KnownPatternValidator"},
    # Also keeps the hashes: password_changed() is called on every password set.
    {"NAME": "governance.validators.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
# A password older than this must be changed at the next request (等保2.0: periodic change).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
# Accounts without a sign-in for this long are disabled by the nightly task (governance/accounts.py).
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires 30 minutes after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# The idle timer is renewed by writing the session at most once every SESSION_REFRESH_SECONDS of
# activity (governance/session_limit.py), not by a write and a commit on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Absolute lifetime: however active, a session ends this long after sign-in.
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)

# django-axes: 5 failures lock the account (not the IP: clerks share one NAT) for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "governance.views.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Reverse proxies in front of the application: governance/network.py takes the client address
# from X-Forwarded-For accordingly, for the lockout and the audit log alike. (django-axes 8 reads
# AXES_IPWARE_PROXY_COUNT only through django-ipware, which is not installed: it calls ours.)
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "governance.network.client_ip"
# axes.W006 asks for IP-based lockout too; a county office shares one NAT address, so locking an
# IP would lock every clerk at once. The rule here is per account (DESIGN.md, 等保2.0).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# security.W021 asks for HSTS preload; an intranet host must not be on the browsers' preload list
# (SECURE_HSTS_PRELOAD, off by default, below).
SILENCED_SYSTEM_CHECKS += ["security.W021"]

# Second factor (TOTP, django-otp; rules in governance/twofactor.py). On by default in production;
# off by default with DEBUG, so the demo logins of ./scripts/dev sign in with the password alone.
REQUIRE_2FA = env_bool("REQUIRE_2FA", default=not DEBUG)
# Benchmark-only addresses under /bench/ (governance/bench_views.py, scripts/bench_pages.py). Never in production.
BENCH_VIEWS = env_bool("BENCH_VIEWS", default=False)
# django-otp's back-off (1, 2, 4 … seconds) would refuse a right code typed just after a wrong one;
# wrong codes lock the account instead, by the password's rule (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# django-guardian: no anonymous user row; object grants only for signed-in staff.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# In development the files are served straight from static/ (no collectstatic needed).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (manage.py check --deploy is clean when DEBUG is off) ---------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Off by default: an intranet host name must not be submitted to the browsers' preload lists.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts only from static/ (or an inline one carrying the
# request's nonce, `nonce="{{ request.csp_nonce }}"`), no plug-ins, no framing, forms and <base>
# only to this site. Style *attributes* stay allowed (style-src-attr): templates colour risk badges
# from the database with them, and a style attribute cannot run script; <style> elements need the
# nonce. Bootstrap's CSS draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Redis is an optimisation: governance.cache reads the database while it does not answer.
    CACHES = {
        "default": {
            "BACKEND": "governance.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "RETRY_SECONDS": env_int("CACHE_RETRY_SECONDS", 30),
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
# With REDIS_URL the broker and result store are Redis. Without it, the broker is a folder under
# var/ so that the web process, one worker and one beat still talk without any server.
if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # The exchange tables; kombu's default is "control" under the current directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", f"file://{VAR_DIR / 'celery' / 'results'}")
    # Any process may be the first to send or receive (web, worker, beat, a management command).
    for _folder in ("queue", "processed", "results", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The heartbeat shows on /healthz that beat and a worker are alive.
    "heartbeat": {"task": "governance.tasks.heartbeat", "schedule": 60.0},
    # Missed zero-reports: every 30 minutes, so a missed run costs at most half an hour.
    "zero-report-check": {"task": "grids.tasks.zero_report_check", "schedule": crontab(minute="*/30")},
    # Overdue reminders (临期/黄牌/红牌, daily digests): every 15 minutes, derived from the database.
    "overdue-scan": {"task": "governance.tasks.overdue_scan", "schedule": crontab(minute="*/15")},
    # Early warnings (预警, disputes/warnings.py): every 15 minutes, each raised once.
    "warning-scan": {"task": "disputes.tasks.warning_scan", "schedule": crontab(minute="3-59/15")},
    # Email/SMS for new notices: claimed from the database each minute, so nothing is lost.
    "deliver-notices": {"task": "governance.tasks.deliver_notices", "schedule": 60.0},
    # 等保2.0: accounts unused for ACCOUNT_INACTIVE_DAYS are disabled (re-enabled by the security admin).
    "disable-inactive-accounts": {
        "task": "governance.tasks.disable_inactive_accounts",
        "schedule": crontab(minute=20, hour=2),
    },
    "purge-expired-sessions": {
        "task": "governance.tasks.clear_expired_sessions",
        "schedule": crontab(minute=5, hour=3),
    },
    # Audit rows older than AUDIT_RETENTION_DAYS (never fewer than 180, 等保2.0 ≥ 6 months).
    "purge-audit-log": {"task": "governance.tasks.purge_audit_log", "schedule": crontab(minute=20, hour=3)},
    "work-orders": {"task": "disputes.tasks.work_order_beat", "schedule": 60.0},
    "forget-public-attempts": {
        "task": "governance.tasks.forget_public_attempts",
        "schedule": crontab(minute=35, hour=3),
    },
    # Daily statistics (governance/stats.py): today, dirty and crashed days every 15 minutes...
    "refresh-stats": {"task": "governance.tasks.refresh_stats", "schedule": crontab(minute="7-59/15")},
    # ...and yesterday closed just after midnight (the quarter-hour run would also close it).
    "close-yesterday-stats": {"task": "governance.tasks.refresh_stats", "schedule": crontab(minute=2, hour=0)},
    # Exports (governance/export_jobs.py): files past EXPORT_KEEP_HOURS removed, missed jobs resent.
    "expire-export-jobs": {"task": "governance.tasks.expire_export_jobs", "schedule": crontab(minute="*/5")},
}
# Exports written in the background: each kind's definition, and how long a file is kept.
EXPORT_KINDS = {
    "ledger": "disputes.exports.LEDGER",
    "overdue": "disputes.exports.OVERDUE",
    "subsidy": "mediation.exports.SUBSIDY",
}
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
# The overdue scan asks each of these for the reminders owed now (see governance/reminders.py).
OVERDUE_SCANNERS = [
    "disputes.scan.case_reminders",
    "visits.scan.issue_dues",
    "disputes.meeting_scan.decision_dues",
    "disputes.consultation_scan.consultation_dues",
    "governance.report_tables.filing_dues",
]
# The daily statistics ask each of these for a day's rows, and each of STATS_CHANGES for the days
# whose records were written since a moment (see governance/stats.py).
STATS_PROVIDERS = [
    "disputes.stats.received",
    "disputes.stats.received_profile",
    "disputes.stats.steps",
    "disputes.stats.closed",
    "disputes.stats.signs_in_time",
    "disputes.stats.closures_in_time",
    "disputes.stats.open_at_end",
    "disputes.stats.overdue_at_end",
    "grids.stats.zero_reports",
    "grids.stats.villages",
    "mediation.stats.agreements",
    "visits.stats.night_visits",
    "visits.stats.visit_issues",
]
STATS_CHANGES = [
    "disputes.stats.changed_days",
    "grids.stats.changed_days",
    "mediation.stats.changed_days",
    "visits.stats.changed_days",
]
# The names of the statistics' dimension values (dispute categories, channels, risk colours), for
# the dashboard's rings and tables: each a function returning (code, name) pairs.
STATS_LABELS = {
    "category": "disputes.stats.category_labels",
    "channel": "disputes.stats.channel_labels",
    "colour": "disputes.stats.colour_labels",
    "colour_hex": "disputes.stats.colour_hexes",
}
# A heartbeat older than this makes /healthz report the scheduler as stale.
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 300)

# --- Mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "zongzhi@localhost")
# Notices leave the application through these channels (governance/delivery.py): "email", "sms".
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", ["email", "sms"])
# SMS: a class with send(phone, text) -> message id. The default only logs; a provider's adapter
# (with its own settings such as SMS_API_URL, SMS_API_KEY, SMS_SIGN_NAME) is named here.
SMS_GATEWAY = env_str("SMS_GATEWAY", "governance.delivery.LoggingSmsGateway")
# Absolute address put in emails' links, e.g. https://zongzhi.county.gov.cn
SITE_URL = env_str("SITE_URL", "")

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # request_id: the request's X-Request-ID ("-" in tasks and commands), also on its audit rows.
    "filters": {"request_id": {"()": "governance.requestid.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SITE_TITLE = env_str("SITE_TITLE", "县综治中心矛盾纠纷多元化解平台")
# The menu bar's name of the site (the full title stays in the window title, documents and SMS): a
# county clerk's menu has a dozen entries and must fit a 1366-pixel screen.
SITE_SHORT_TITLE = env_str("SITE_SHORT_TITLE", "县综治中心")
# The name an authenticator app shows beside the account's codes.
OTP_TOTP_ISSUER = SITE_TITLE

# Keys for personal data at rest (governance/crypto.py). Derived from SECRET_KEY when unset, so
# set them explicitly in production: rotating SECRET_KEY must not make stored data unreadable.
# FIELD_ENCRYPTION_KEY: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")

# The earliest receipt date a case may carry (governance/bounds.py): cases received before the
# system started are not entered. Every other date a person types lies in 1900–2100.
EARLIEST_RECEIVED_DATE = env_date("EARLIEST_RECEIVED_DATE", "2000-01-01")
# A person may reveal a party's full ID and phone number at most this many times an hour.
REVEAL_LIMIT_PER_HOUR = env_int("REVEAL_LIMIT_PER_HOUR", 20)

# Uploads (case attachments): size and kinds accepted.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 10) * 1024 * 1024

# --- Citizen self-service (码上办, governance/public_site.py) -----------------------------------
# Limits per action and scope ("phone", "address", "all") as (count, seconds), counted in the
# database (governance/throttle.py). CITIZEN_LIMITS_JSON replaces them whole, e.g.
# '{"sms": {"phone": [[1, 60], [5, 3600]], "address": [[20, 3600]], "all": [[500, 3600]]}}'.
CITIZEN_LIMITS = {
    # SMS codes: one a minute and five an hour per phone, twenty an hour per address, and a cap on
    # the gateway's whole hourly volume, so that its bill cannot be run up by a script.
    "sms": {"phone": [(1, 60), (5, 3600)], "address": [(20, 3600)], "all": [(500, 3600)]},
    # Reports (and questions): three a day per phone, twenty a day per address.
    "submit": {"phone": [(3, 86400)], "address": [(20, 86400)]},
    "consult": {"phone": [(3, 86400)], "address": [(20, 86400)]},
    # Query-code lookups per address.
    "lookup": {"address": [(30, 3600)]},
    # Wrong SMS codes and lookups that match nothing: then refused for the rest of the hour.
    "fail": {"phone": [(10, 3600)], "address": [(10, 3600)]},
}
if env_str("CITIZEN_LIMITS_JSON"):
    CITIZEN_LIMITS = {
        action: {scope: [tuple(rule) for rule in rules] for scope, rules in scopes.items()}
        for action, scopes in json.loads(env_str("CITIZEN_LIMITS_JSON")).items()
    }
# After this many failures, refusals or SMS codes from an address within an hour, its next
# request must solve the challenge (ALTCHA proof-of-work, served by the app).
CITIZEN_CHALLENGE_AFTER = env_int("CITIZEN_CHALLENGE_AFTER", 3)
CITIZEN_CHALLENGE_DIFFICULTY = env_int("CITIZEN_CHALLENGE_DIFFICULTY", 100000)
# An SMS code is good for this many minutes and this many tries.
CITIZEN_CODE_MINUTES = env_int("CITIZEN_CODE_MINUTES", 10)
CITIZEN_CODE_TRIES = env_int("CITIZEN_CODE_TRIES", 5)
# A phone proved by SMS code stays proved in the browser for this long.
CITIZEN_SESSION_SECONDS = env_int("CITIZEN_SESSION_SECONDS", 30 * 60)
# Photos a citizen sends: this size at most, and this many per report.
CITIZEN_PHOTO_MAX_BYTES = env_int("CITIZEN_PHOTO_MAX_MB", 5) * 1024 * 1024
CITIZEN_PHOTOS_PER_REPORT = env_int("CITIZEN_PHOTOS_PER_REPORT", 3)
# The PIPL notice: who receives the data (the center of the place), what for, how long, rights, and
# whom to contact. The county sets its own contact and retention in production.
CITIZEN_PRIVACY_CONTACT = env_str("CITIZEN_PRIVACY_CONTACT", "县综治中心 个人信息保护联系人 0000-0000000")
CITIZEN_RETENTION_YEARS = env_int("CITIZEN_RETENTION_YEARS", 10)
# 网上咨询: the center answers within this many working days.
CITIZEN_CONSULT_WORKING_DAYS = env_int("CITIZEN_CONSULT_WORKING_DAYS", 5)

# --- 网上调解 (mediation/online.py) ---------------------------------------------------------------
# An invitation link sent to a party works this many days; a message is at most this long.
MEDIATION_LINK_DAYS = env_int("MEDIATION_LINK_DAYS", 30)
MEDIATION_MESSAGE_MAX_CHARS = env_int("MEDIATION_MESSAGE_MAX_CHARS", 1000)
# Whether a party sees the mediator's name beside 调解员 (the parties may know who mediates and ask
# for recusal, 人民调解法 Art. 23; a county may still choose to show the role only).
MEDIATION_SHOW_MEDIATOR_NAME = env_bool("MEDIATION_SHOW_MEDIATOR_NAME", True)
# A party's messages: thirty an hour per phone, sixty an hour per address (unless CITIZEN_LIMITS_JSON says).
CITIZEN_LIMITS.setdefault("mediation", {"phone": [(30, 3600)], "address": [(60, 3600)]})

# --- Work orders from other systems (12345, 110, 信访, 法院; disputes/workorders.py) ---------------
# Callbacks: seconds to wait for the source's answer, tries before a callback is dead, the first
# retry's delay (doubled each time, at most an hour), and how many dead callbacks within an hour
# pause a source (the administrators are told by email).
WORKORDER_CALLBACK_TIMEOUT = env_int("WORKORDER_CALLBACK_TIMEOUT", 10)
WORKORDER_CALLBACK_TRIES = env_int("WORKORDER_CALLBACK_TRIES", 6)
WORKORDER_CALLBACK_BACKOFF = env_int("WORKORDER_CALLBACK_BACKOFF", 60)
WORKORDER_PAUSE_AFTER = env_int("WORKORDER_PAUSE_AFTER", 3)
