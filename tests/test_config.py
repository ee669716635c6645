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
    ],
)
def test_bad_settings_fail_fast_with_a_clear_message(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        finalise(settings_from_env({"CAMPAIGN_DATA_DIR": str(tmp_path), **env}))


def test_every_setting_is_documented_in_the_readme():
    from campaign.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in settings_from_env({}):
        if name == "MAX_CONTENT_LENGTH":
            name = "MAX_UPLOAD_MB"
        assert f"`{name}`" in readme, f"{name} is missing from the README's configuration table"
