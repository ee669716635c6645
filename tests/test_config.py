"""Settings: embedded defaults need nothing outside the data directory; bad values fail fast."""

from __future__ import annotations

import stat

import pytest

from campaign import create_app
from campaign.config import ConfigError, finalise, settings_from_env


def test_defaults_need_no_account_and_no_server(tmp_path):
    settings = finalise(settings_from_env({"CAMPAIGN_DATA_DIR": str(tmp_path)}))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'campaign.db'}"
    assert settings["MAIL_TRANSPORT"] == "outbox"
    assert settings["FILES_DIR"] == str(tmp_path / "files")
    assert settings["OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert settings["REDIS_URL"] == ""


def test_secret_key_is_generated_once_kept_private_and_reused(tmp_path):
    first = finalise(settings_from_env({"CAMPAIGN_DATA_DIR": str(tmp_path)}))["SECRET_KEY"]
    second = finalise(settings_from_env({"CAMPAIGN_DATA_DIR": str(tmp_path)}))["SECRET_KEY"]
    assert first == second and len(first) >= 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_environment_wins(tmp_path):
    env = {"CAMPAIGN_DATA_DIR": str(tmp_path), "SECRET_KEY": "from-env"}
    assert finalise(settings_from_env(env))["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_database_url_switches_to_postgresql_without_code_change(tmp_path):
    env = {
        "CAMPAIGN_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    }
    app = create_app(settings_from_env(env))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAIL_TRANSPORT": "smtp"}, "MAIL_TRANSPORT must be one of outbox, mailgun"),
        ({"MAIL_TRANSPORT": "mailgun"}, "needs MAILGUN_API_KEY and MAILGUN_DOMAIN"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must be"),
        ({"DATABASE_URL": "postgresql://x/y"}, "must name the driver"),
        ({"AUTHORITY_IMPORT_MAX_ROWS": "lots"}, "must be a whole number"),
        ({"IMAP_HOST": "imap.example.org"}, "IMAP_USER and IMAP_PASSWORD must be too"),
        (
            {"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_PASSWORD": "p", "IMAP_PORT": "99999"},
            "IMAP_PORT must be between",
        ),
        (
            {"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_PASSWORD": "p", "IMAP_CA_FILE": "/nope"},
            "IMAP_CA_FILE '/nope' is not a file",
        ),
    ],
)
def test_bad_settings_fail_fast_with_a_clear_message(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        finalise(settings_from_env({"CAMPAIGN_DATA_DIR": str(tmp_path), **env}))


def test_imap_port_follows_tls_unless_given(tmp_path):
    base = {"CAMPAIGN_DATA_DIR": str(tmp_path), "IMAP_HOST": "h", "IMAP_USER": "u"}
    base["IMAP_PASSWORD"] = "p"
    assert finalise(settings_from_env(base))["IMAP_PORT"] == 993
    assert finalise(settings_from_env({**base, "IMAP_TLS": "off"}))["IMAP_PORT"] == 143
    assert finalise(settings_from_env({**base, "IMAP_PORT": "1143"}))["IMAP_PORT"] == 1143


def test_session_cookies_are_https_only_when_the_app_is_served_over_https(tmp_path):
    base = {"CAMPAIGN_DATA_DIR": str(tmp_path)}
    assert finalise(settings_from_env(base))["SESSION_COOKIE_SECURE"] is False
    https = finalise(settings_from_env({**base, "APP_BASE_URL": "https://foi.example.org"}))
    assert https["SESSION_COOKIE_SECURE"] is True and https["REMEMBER_COOKIE_SECURE"] is True
    forced = {**base, "APP_BASE_URL": "https://foi.example.org", "SESSION_COOKIE_SECURE": "no"}
    assert finalise(settings_from_env(forced))["SESSION_COOKIE_SECURE"] is False
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE must be"):
        finalise(settings_from_env({**base, "SESSION_COOKIE_SECURE": "maybe"}))


def test_every_setting_is_documented_in_the_readme():
    from campaign.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in settings_from_env({}):
        if name == "MAX_CONTENT_LENGTH":
            name = "MAX_UPLOAD_MB"
        assert f"`{name}`" in readme, f"{name} is missing from the README's configuration table"
