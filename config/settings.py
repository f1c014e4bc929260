"""Samhandling settings: one module, driven by environment variables (see .env.example)."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.admin_apps.SamhandlingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes
    "django_htmx",
    "template_partials",
    "accounts",
    "pathways",
    "referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.ActiveUnitMiddleware",
    # A patient's or pårørende's session reaches /min/ and nothing else (404 everywhere else).
    "pathways.portal.gate.PortalGateMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that it is the first to see a view's exception.
    "accounts.middleware.AppErrorPagesMiddleware",
]
# The app's own 404/403/500 pages even with DEBUG on (make run sets it: the demo shows what a
# user sees). Without it, DEBUG shows Django's technical pages.
APP_ERROR_PAGES = env_bool("APP_ERROR_PAGES", False)

# Benchmarks only: count queries per request in an X-Query-Count header.
BENCH_QUERY_COUNT = env_bool("BENCH_QUERY_COUNT", False)
if BENCH_QUERY_COUNT:
    MIDDLEWARE.insert(0, "accounts.middleware.QueryCountMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.session_context",
                "pathways.context_processors.notifications",
                "pathways.context_processors.navigation",
            ],
            # Faster {% url %} and |date for what list rows repeat; same output as Django's.
            "builtins": ["config.template_builtins"],
        },
    },
    # Only the rows of the longest lists (see config/jinja.py), with these helpers.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja.environment"},
    },
]
JINJA_ROW_HELPERS = {
    "assessment_status": "referrals.templatetags.referral_tags.assessment_status",
    "frist_status": "referrals.templatetags.referral_tags.frist_status",
    "state_css": "referrals.templatetags.referral_tags.state_css",
}

# Database: PostgreSQL through DATABASE_URL; a local SQLite file when unset (demo only).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    # Parameters travel apart from the SQL text, so psycopg prepares a statement the
    # connection has run five times and PostgreSQL stops planning it on every request (the
    # busy pages spent more time planning their queries than running them). Off behind a
    # transaction-pooling connection pooler, which cannot keep prepared statements.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
# A streaming read replica of the same database (PostgreSQL), optional: the statistics pages,
# their CSV exports and the FHIR search read it (accounts.replica); writes, and reads by a
# browser within REPLICA_PIN_SECONDS of a write of its own, stay on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL") if DATABASE_URL else ""
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # A replica that does not answer is given up on quickly (the primary is read instead).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests read the same test database through both aliases.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["accounts.replica.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "accounts.replica.ReplicaPinMiddleware",
    )
# The owning role of the same database, for ``manage.py migrate`` only (PostgreSQL): the app
# itself runs as DATABASE_URL's role, which then cannot change or remove audit events.
DATABASE_MIGRATE_URL = env_str("DATABASE_MIGRATE_URL") or DATABASE_URL
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Reminder thresholds and mail timing.
REMINDER_CONSENT_EXPIRY_DAYS = env_int("REMINDER_CONSENT_EXPIRY_DAYS", 30)
REMINDER_BREAK_GLASS_REVIEW_DAYS = env_int("REMINDER_BREAK_GLASS_REVIEW_DAYS", 2)
DIGEST_HOUR = env_int("DIGEST_HOUR", 7)
# How long unsent mail is retried; older notifications stay in-app only.
NOTIFICATION_EMAIL_RETRY_HOURS = env_int("NOTIFICATION_EMAIL_RETRY_HOURS", 48)

# Redis is the Celery broker only; web requests never depend on it.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request or a sweep when Redis is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "Europe/Oslo"
# PDF renders have a worker of their own (``make documents-worker``): a burst of prints waits
# there, using at most one core, and never delays mail and reminders on the default queue.
CELERY_TASK_ROUTES = {"pathways.render_document": {"queue": "documents"}}
CELERY_BEAT_SCHEDULE: dict = {
    # The sweep also retries urgent mail that could not be queued and catches up a missed digest.
    "reminder-sweep": {
        "task": "pathways.reminder_sweep",
        "schedule": env_int("REMINDER_SWEEP_SECONDS", 600),
    },
    # FHIR subscriptions: fans out changes and retries deliveries whose queued task was lost.
    "fhir-subscriptions": {
        "task": "pathways.fhir_subscriptions_sweep",
        "schedule": env_int("FHIR_SUBSCRIPTION_SWEEP_SECONDS", 60),
    },
    "daily-digest": {
        "task": "pathways.daily_digest",
        "schedule": crontab(hour=DIGEST_HOUR, minute=0),  # Europe/Oslo (CELERY_TIMEZONE)
    },
    "kept-documents-prune": {
        "task": "pathways.kept_documents_prune",
        "schedule": crontab(hour=3, minute=30),
    },
}
# Kept PDFs (pathways.pdfcache) are deleted this many days after they were written; a plan
# printed again after that is rendered again.
KEPT_DOCUMENT_DAYS = env_int("KEPT_DOCUMENT_DAYS", 2)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered list fragments under versioned keys (config/fragments.py): each process's own
    # memory, at most FRAGMENT_CACHE_ENTRIES entries (about 20 KB each) for an hour.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": env_int("FRAGMENT_CACHE_ENTRIES", 500)},
    },
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Staff only: a patient's or pårørende's account never opens a staff session (and back).
    "accounts.backends.StaffBackend",
    "accounts.backends.PortalBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # "Til behandling"
LOGOUT_REDIRECT_URL = "login"

# Sessions live in the database so any web process can serve any user.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# Idle timeout: a request renews the expiry when the last renewal is a minute old
# (accounts.middleware.IdleTimeoutMiddleware), so pages do not write the session each time.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Proxies (addresses or networks) whose X-Request-ID header is kept; empty: always make one.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS")

# Refused attempts on patient records (404/403 at the patient gate): this many from one user
# within this many minutes alert the leaders of the user's unit (0 turns the alert off).
AUDIT_DENIED_ALERT_COUNT = env_int("AUDIT_DENIED_ALERT_COUNT", 20)
AUDIT_DENIED_ALERT_MINUTES = env_int("AUDIT_DENIED_ALERT_MINUTES", 10)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
# Per username, whatever the address: guessing one account's password from many addresses
# (a botnet) must not get more tries. The price: anyone can lock a known username for the
# cool-off time; in hospitals many users share one NAT address, so locking per address
# would shut out whole wards instead.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout key, against rotated cookies or user agents;
# neither changes the username, so the per-username lockout holds without it (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# OpenID Connect logins; each is off until its issuer and client id are set.
# ID-porten for patients and pårørende (authorization code + PKCE, client_secret_basic).
IDPORTEN_ISSUER = env_str("IDPORTEN_ISSUER").rstrip("/")
IDPORTEN_CLIENT_ID = env_str("IDPORTEN_CLIENT_ID")
IDPORTEN_CLIENT_SECRET = env_str("IDPORTEN_CLIENT_SECRET")
# The level of assurance asked for and required in the ID token's acr claim.
IDPORTEN_ACR = env_str("IDPORTEN_ACR", "idporten-loa-high")
# HelseID for staff (authorization code + PKCE, private_key_jwt with this RSA key, PEM or JWK).
HELSEID_ISSUER = env_str("HELSEID_ISSUER").rstrip("/")
HELSEID_CLIENT_ID = env_str("HELSEID_CLIENT_ID")
HELSEID_PRIVATE_KEY_FILE = env_str("HELSEID_PRIVATE_KEY_FILE")
HELSEID_SCOPES = env_str("HELSEID_SCOPES", "openid profile helseid://scopes/identity/pid")
HELSEID_PID_CLAIM = env_str("HELSEID_PID_CLAIM", "helseid://claims/identity/pid")
# The level of assurance a HelseID login must have at least (the ID token's claim
# helseid://claims/identity/assurance_level: low, substantial or high).
HELSEID_ASSURANCE_LEVEL = env_str("HELSEID_ASSURANCE_LEVEL", "high")
if HELSEID_ASSURANCE_LEVEL not in ("low", "substantial", "high"):
    raise ImproperlyConfigured("HELSEID_ASSURANCE_LEVEL must be low, substantial or high.")
# Seconds of clock difference accepted on ID token times (exp, iat).
OIDC_LEEWAY_SECONDS = env_int("OIDC_LEEWAY_SECONDS", 60)
if HELSEID_ISSUER and HELSEID_CLIENT_ID and not HELSEID_PRIVATE_KEY_FILE:
    raise ImproperlyConfigured("HELSEID_PRIVATE_KEY_FILE must be set when HelseID is configured.")
# Demo patients and pårørende log in at /min/ with the demo password: never in production.
DEMO_PORTAL_LOGIN = env_bool("DEMO_PORTAL_LOGIN", False)
if DEMO_PORTAL_LOGIN and not DEBUG:
    raise ImproperlyConfigured("DEMO_PORTAL_LOGIN is for the demo only (it needs DEBUG on).")

OTP_TOTP_ISSUER = "Samhandling"
# Admin users must use a second factor in production.
REQUIRE_ADMIN_OTP = env_bool("REQUIRE_ADMIN_OTP", not DEBUG)

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True
# Dates in text (notifications, emails) use the locale's short formats; ours match the pages.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed static files in production (needs collectstatic); plain files otherwise.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Nothing serves this prefix: uploads are served only through access-checked views.
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
# STARTTLS unless turned off: on by default in production, off in debug (a local mail catcher).
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not DEBUG)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Samhandling <ikke-svar@samhandling.local>")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Text messages to patients and pårørende (pathways/sms.py): no gateway is shipped; a real
# one is a class with the interface of pathways.sms.BaseSmsBackend.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "pathways.sms.ConsoleBackend" if DEBUG else "pathways.sms.DisabledBackend",
)
# At most one notice per person in /min/ within this many minutes (pathways/portal/notices.py).
PORTAL_NOTICE_QUIET_MINUTES = env_int("PORTAL_NOTICE_QUIET_MINUTES", 30)

# Security headers. HTTPS settings apply when DEBUG is off.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Domain settings.
ALLOW_SYNTHETIC_IDS = env_bool("ALLOW_SYNTHETIC_IDS", DEBUG)
WORKING_DAYS_COUNT_SATURDAY = env_bool("WORKING_DAYS_COUNT_SATURDAY", True)
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 4)
# A rendered form is saved once, by its key, within this many hours of being opened.
FORM_KEY_HOURS = env_int("FORM_KEY_HOURS", 24)
# Lookups by national id (the lookup page, registering a known person, emergency access) per
# user and per unit in a sliding window; counted over the audit log's lookup events.
LOOKUP_LIMIT_PER_USER = env_int("LOOKUP_LIMIT_PER_USER", 20)
LOOKUP_LIMIT_PER_UNIT = env_int("LOOKUP_LIMIT_PER_UNIT", 100)
LOOKUP_LIMIT_MINUTES = env_int("LOOKUP_LIMIT_MINUTES", 60)
# After a rejection without forwarding, the receiving unit keeps access this many days.
REFERRAL_REJECTED_ACCESS_DAYS = env_int("REFERRAL_REJECTED_ACCESS_DAYS", 30)
PAGE_SIZE = env_int("PAGE_SIZE", 50)
# Warn when the first kommune appointment is later than this many days after discharge.
ETTERVERN_FIRST_APPOINTMENT_DAYS = env_int("ETTERVERN_FIRST_APPOINTMENT_DAYS", 7)
# National patient pathway for TSB (guiding, calendar days): first attendance to clinical
# decision, decision to first evaluation, between evaluations, end of detox to next treatment.
PATHWAY_DECISION_DAYS_OUTPATIENT = env_int("PATHWAY_DECISION_DAYS_OUTPATIENT", 21)
PATHWAY_DECISION_DAYS_INPATIENT = env_int("PATHWAY_DECISION_DAYS_INPATIENT", 7)
PATHWAY_FIRST_EVALUATION_DAYS = env_int("PATHWAY_FIRST_EVALUATION_DAYS", 7)
PATHWAY_EVALUATION_DAYS_OUTPATIENT = env_int("PATHWAY_EVALUATION_DAYS_OUTPATIENT", 56)
PATHWAY_EVALUATION_DAYS_INPATIENT = env_int("PATHWAY_EVALUATION_DAYS_INPATIENT", 42)
PATHWAY_AFTER_DETOX_DAYS = env_int("PATHWAY_AFTER_DETOX_DAYS", 3)
# Remind the treating unit this many days before a pathway timer runs out (and when it has).
PATHWAY_WARNING_DAYS = env_int("PATHWAY_WARNING_DAYS", 2)

# FHIR API (/fhir/R4/): access tokens from this OAuth issuer for this audience; the issuer's
# keys from a JWKS URL (kept this many seconds) or given inline as JSON. Off when unset.
FHIR_TOKEN_ISSUER = env_str("FHIR_TOKEN_ISSUER")
FHIR_TOKEN_AUDIENCE = env_str("FHIR_TOKEN_AUDIENCE")
FHIR_JWKS_URL = env_str("FHIR_JWKS_URL")
FHIR_JWKS = env_str("FHIR_JWKS")
FHIR_JWKS_CACHE_SECONDS = env_int("FHIR_JWKS_CACHE_SECONDS", 300)
# FHIR subscriptions (rest-hook): plain http endpoints only for development and tests; the
# time a receiver has to answer; the first retry delay (doubling up to an hour); after how
# long a failing subscription is set to "error".
FHIR_SUBSCRIPTION_ALLOW_HTTP = env_bool("FHIR_SUBSCRIPTION_ALLOW_HTTP", DEBUG)
FHIR_SUBSCRIPTION_TIMEOUT_SECONDS = env_int("FHIR_SUBSCRIPTION_TIMEOUT_SECONDS", 10)
FHIR_SUBSCRIPTION_RETRY_SECONDS = env_int("FHIR_SUBSCRIPTION_RETRY_SECONDS", 30)
FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS = env_int("FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step of every page at INFO: a long PDF would flood the log.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
