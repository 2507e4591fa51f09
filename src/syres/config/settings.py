"""Django settings of syres.

Everything that differs between installations comes from the environment:
- `SYRES_DATA_DIR`: where the SQLite database, uploads, rated usage and documents live
  (default `./var`, created on first run);
- `DATABASE_URL`: PostgreSQL (`postgresql://user@host:5432/name`); SQLite when unset;
- `SYRES_TERMS_FILE`: the terms file (default: the shipped `syres/terms/syres.toml`);
- `SYRES_SECRET_KEY`, `SYRES_DEBUG`, `SYRES_ALLOWED_HOSTS`;
- `SYRES_SMTP_HOST`, `SYRES_SMTP_PORT`, `SYRES_SMTP_USER`, `SYRES_SMTP_PASSWORD`,
  `SYRES_SMTP_TLS`, `SYRES_MAIL_FROM`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext

from syres.terms import load_terms

# Lets `admin.ModelAdmin[Model]` and friends be written as the type checker wants them.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SYRES_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# A bad terms file stops every entry point here, with the file, the key and the reason.
TERMS = load_terms()


def _secret_key() -> str:
    configured = os.environ.get("SYRES_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SYRES_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"] + [
    host for host in os.environ.get("SYRES_ALLOWED_HOSTS", "").split(",") if host
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "syres.accounts",
    "syres.customers",
    "syres.catalog",
    "syres.orders",
    "syres.contracts",
    "syres.equipment",
    "syres.usage",
    "syres.billing",
    "syres.payments",
    "syres.portal",
    "syres.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # R-SEC-1: first login and monthly expiry send the user to the password change page.
    "syres.accounts.middleware.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Text with U+0000 cannot reach PostgreSQL: refused (422) before any API view.
    "syres.api.middleware.RejectNullCharacters",
]

ROOT_URLCONF = "syres.config.urls"
WSGI_APPLICATION = "syres.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    _database = dj_database_url.parse(_database_url, conn_max_age=60)
    _database["TEST"] = {"NAME": os.environ.get("SYRES_TEST_DATABASE_NAME", "test_syres")}
else:
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "syres.sqlite3"),
        # Waits instead of failing when the web app and a command write at the same time.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # R-SEC-1: length from the terms file, common passwords, simple digits, the line's and the
    # company's last 4 digits (syres.domain.security).
    {"NAME": "syres.accounts.password_validation.SyresPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("SYRES_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("SYRES_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SYRES_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SYRES_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SYRES_SMTP_TLS", "") == "1"
EMAIL_TIMEOUT = 20
# An e-mail claimed by a sender (invoice outbox, maintenance notices) and neither sent nor
# released after this many seconds was left by a sender that died: another takes it again.
# Far longer than one send with its retries, each SMTP step bounded by EMAIL_TIMEOUT.
MAIL_CLAIM_STALE_AFTER_S = 15 * 60
# A temporary refusal (4xx, no connection) is retried after this many seconds × the attempt.
MAIL_RETRY_DELAY_S = 2.0
DEFAULT_FROM_EMAIL = os.environ.get("SYRES_MAIL_FROM", TERMS.seller.email)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"syres": {"handlers": ["console"], "level": "INFO"}},
}
