"""FOI Campaign: send one FOI request to many public authorities and track every reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from campaign.config import PROJECT_ROOT, finalise, settings_from_env


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by `config` (tests pass their own)."""
    settings = settings_from_env()
    settings.update(config or {})
    if config and "CAMPAIGN_DATA_DIR" in config and "DATABASE_URL" not in config:
        settings["DATABASE_URL"] = f"sqlite:///{Path(config['CAMPAIGN_DATA_DIR']) / 'campaign.db'}"
    settings = finalise(settings)

    data_dir = Path(settings["CAMPAIGN_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(data_dir),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(settings)

    from campaign.web import register_blueprints, register_errorhandlers, register_template_helpers
    from campaign.web.converters import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    from campaign.web.security import install_security_headers

    install_security_headers(app)
    return app


def register_extensions(app: Flask) -> None:
    from campaign import models  # noqa: F401  (registers every table on the metadata)
    from campaign.extensions import csrf, db, limiter, login_manager, migrate

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from campaign.models import User

        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id))
