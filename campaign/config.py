"""Settings from the environment, with embedded defaults that need no account and no server.

Every setting the app reads is declared here once, documented in the README's configuration
table, and checked at start-up so a typo fails fast instead of at the first send.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "instance"

MAIL_TRANSPORTS = ("outbox", "mailgun")


class ConfigError(ValueError):
    """A setting has a value the app cannot run with."""


def _env(environ: Mapping[str, str], name: str, default: str = "") -> str:
    return environ.get(name, default).strip()


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _env(environ, name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _flag(environ: Mapping[str, str], name: str) -> bool | None:
    """1/true/yes or 0/false/no; None when the variable is not set at all."""
    raw = _env(environ, name).lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/true/yes or 0/false/no, not {raw!r}")


def load_secret_key(data_dir: Path) -> str:
    """Read the key kept in the data directory, creating it on first start.

    A generated key survives restarts (so sessions do) without anyone having to choose one.
    """
    path = data_dir / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    environ = os.environ if environ is None else environ
    data_dir = Path(_env(environ, "CAMPAIGN_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    database_url = _env(environ, "DATABASE_URL") or f"sqlite:///{data_dir / 'campaign.db'}"
    return {
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": _env(environ, "SECRET_KEY"),
        "MAIL_TRANSPORT": _env(environ, "MAIL_TRANSPORT", "outbox").lower(),
        "MAIL_FROM_NAME": _env(environ, "MAIL_FROM_NAME", "FOI Campaign"),
        # Where people reach the app: links in notification emails and unsubscribe links.
        "APP_BASE_URL": _env(environ, "APP_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Replies come back to foi+<token>@MAIL_DOMAIN (defaults to the Mailgun domain).
        "MAIL_DOMAIN": _env(environ, "MAIL_DOMAIN") or _env(environ, "MAILGUN_DOMAIN"),
        "MAILGUN_API_KEY": _env(environ, "MAILGUN_API_KEY"),
        "MAILGUN_DOMAIN": _env(environ, "MAILGUN_DOMAIN"),
        "MAILGUN_API_URL": _env(environ, "MAILGUN_API_URL", "https://api.mailgun.net"),
        "MAILGUN_WEBHOOK_SIGNING_KEY": _env(environ, "MAILGUN_WEBHOOK_SIGNING_KEY"),
        "REDIS_URL": _env(environ, "REDIS_URL"),
        "MAILGUN_TIMEOUT_SECONDS": _int(environ, "MAILGUN_TIMEOUT_SECONDS", 30),
        # Sending pace: letters per minute overall and per recipient mail domain.
        "SEND_RATE_PER_MINUTE": _int(environ, "SEND_RATE_PER_MINUTE", 300),
        "SEND_RATE_PER_DOMAIN_PER_MINUTE": _int(environ, "SEND_RATE_PER_DOMAIN_PER_MINUTE", 20),
        # First wait before retrying a send the provider refused for now (429/5xx); doubles.
        "SEND_RETRY_BASE_SECONDS": _int(environ, "SEND_RETRY_BASE_SECONDS", 30),
        # A send claimed this long ago with no outcome is reconciled (worker presumed dead).
        "SEND_STALE_CLAIM_SECONDS": _int(environ, "SEND_STALE_CLAIM_SECONDS", 300),
        "AUTHORITY_IMPORT_MAX_ROWS": _int(environ, "AUTHORITY_IMPORT_MAX_ROWS", 20_000),
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_UPLOAD_MB", 25) * 1024 * 1024,
        # Largest inbound email (webhook post, imported or uploaded message) accepted, in MB.
        "INBOUND_MAX_MB": _int(environ, "INBOUND_MAX_MB", 50),
        # Unset: secure exactly when the app is reached over HTTPS (APP_BASE_URL).
        "SESSION_COOKIE_SECURE": _flag(environ, "SESSION_COOKIE_SECURE"),
        # A mailbox replies also reach (a campaigner's own address): polled when IMAP_HOST is set.
        "IMAP_HOST": _env(environ, "IMAP_HOST"),
        "IMAP_PORT": _int(environ, "IMAP_PORT", 0),  # 0: 993 with TLS, 143 without
        "IMAP_USER": _env(environ, "IMAP_USER"),
        "IMAP_PASSWORD": _env(environ, "IMAP_PASSWORD"),
        "IMAP_FOLDER": _env(environ, "IMAP_FOLDER", "INBOX"),
        "IMAP_TLS": _env(environ, "IMAP_TLS", "1").lower() not in ("0", "false", "no", "off"),
        "IMAP_CA_FILE": _env(environ, "IMAP_CA_FILE"),
        # Where stored messages go; empty: they stay in IMAP_FOLDER, marked as read.
        "IMAP_MOVE_TO": _env(environ, "IMAP_MOVE_TO"),
        "IMAP_TIMEOUT_SECONDS": _int(environ, "IMAP_TIMEOUT_SECONDS", 30),
        "IMAP_BATCH": _int(environ, "IMAP_BATCH", 200),
    }


def finalise(config: dict[str, Any]) -> dict[str, Any]:
    """Fill derived settings and reject impossible combinations."""
    data_dir = Path(config["CAMPAIGN_DATA_DIR"])
    config.setdefault("FILES_DIR", str(data_dir / "files"))
    config.setdefault("OUTBOX_DIR", str(data_dir / "outbox"))
    config.setdefault("QUEUE_PATH", str(data_dir / "queue.db"))
    if not config.get("MAIL_DOMAIN"):
        config["MAIL_DOMAIN"] = config.get("MAILGUN_DOMAIN") or "foi-campaign.localhost"
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config["DATABASE_URL"]))
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = load_secret_key(data_dir)

    if config["MAIL_TRANSPORT"] not in MAIL_TRANSPORTS:
        raise ConfigError(
            f"MAIL_TRANSPORT must be one of {', '.join(MAIL_TRANSPORTS)}, "
            f"not {config['MAIL_TRANSPORT']!r}"
        )
    if config["MAIL_TRANSPORT"] == "mailgun":
        missing = [k for k in ("MAILGUN_API_KEY", "MAILGUN_DOMAIN") if not config.get(k)]
        if missing:
            raise ConfigError(f"MAIL_TRANSPORT=mailgun needs {' and '.join(missing)}")
    if not 1 <= config.get("MAILGUN_TIMEOUT_SECONDS", 30) <= 300:
        raise ConfigError("MAILGUN_TIMEOUT_SECONDS must be between 1 and 300")
    if not 1 <= config.get("INBOUND_MAX_MB", 50) <= 1024:
        raise ConfigError("INBOUND_MAX_MB must be between 1 and 1024")
    _check_imap(config)
    if not config.get("APP_BASE_URL", "http://x").startswith(("http://", "https://")):
        raise ConfigError("APP_BASE_URL must start with http:// or https://")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config.get("APP_BASE_URL", "").startswith("https://")
    config.setdefault("REMEMBER_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"])
    url = config["DATABASE_URL"]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL: {url!r}")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        raise ConfigError("DATABASE_URL for PostgreSQL must name the driver: postgresql+psycopg://")
    return config


def _check_imap(config: dict[str, Any]) -> None:
    if not config.get("IMAP_HOST"):
        return
    missing = [k for k in ("IMAP_USER", "IMAP_PASSWORD") if not config.get(k)]
    if missing:
        raise ConfigError(f"IMAP_HOST is set, so {' and '.join(missing)} must be too")
    if not config.get("IMAP_PORT"):
        config["IMAP_PORT"] = 993 if config.get("IMAP_TLS", True) else 143
    if not 1 <= config["IMAP_PORT"] <= 65535:
        raise ConfigError("IMAP_PORT must be between 1 and 65535")
    if not 1 <= config.get("IMAP_TIMEOUT_SECONDS", 30) <= 300:
        raise ConfigError("IMAP_TIMEOUT_SECONDS must be between 1 and 300")
    if not 1 <= config.get("IMAP_BATCH", 200) <= 10_000:
        raise ConfigError("IMAP_BATCH must be between 1 and 10000")
    ca_file = config.get("IMAP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"IMAP_CA_FILE {ca_file!r} is not a file")


def engine_options(database_url: str) -> dict[str, Any]:
    """Connection settings per database: SQLite waits for locks instead of failing at once."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
