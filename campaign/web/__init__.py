"""Blueprints, the sign-in wall, role checks and error pages."""

from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from campaign.extensions import db, login_manager

# Endpoints anyone may reach: sign-in itself, static files, and (later) public pages and webhooks.
PUBLIC_ENDPOINTS = {"auth.login", "static", "notifications.unsubscribe"}
# The API answers to its own tokens (see web/api), never to the session.
PUBLIC_BLUEPRINTS = {"public", "public_exports", "webhooks", "assets", "api"}
# Changes a viewer may still make: signing out, their own notifications and API tokens.
VIEWER_WRITABLE = {
    "auth.logout",
    "notifications.read",
    "notifications.settings",
    "api_tokens.create",  # a viewer's tokens only ever read
    "api_tokens.revoke",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def register_blueprints(app: Flask) -> None:
    from campaign.web.assets.views import bp as assets_bp
    from campaign.web.auth.views import bp as auth_bp
    from campaign.web.authorities.views import bp as authorities_bp
    from campaign.web.campaigns.views import bp as campaigns_bp
    from campaign.web.inbox.views import bp as inbox_bp
    from campaign.web.main.views import bp as main_bp
    from campaign.web.messages.views import bp as messages_bp
    from campaign.web.requests.views import bp as requests_bp
    from campaign.web.webhooks.views import bp as webhooks_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(authorities_bp, url_prefix="/authorities")
    app.register_blueprint(campaigns_bp, url_prefix="/campaigns")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    app.register_blueprint(requests_bp)
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(messages_bp)
    from campaign.web.followups.views import bp as followups_bp

    app.register_blueprint(followups_bp)
    from campaign.web.answers.views import bp as answers_bp

    app.register_blueprint(answers_bp)
    from campaign.web.dashboards.views import bp as dashboards_bp
    from campaign.web.exports.views import bp as exports_bp
    from campaign.web.league.views import bp as league_bp
    from campaign.web.public.views import bp as public_bp
    from campaign.web.public_exports.views import bp as public_exports_bp
    from campaign.web.publishing.views import bp as publishing_bp
    from campaign.web.search.views import bp as search_bp

    app.register_blueprint(dashboards_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(publishing_bp)
    app.register_blueprint(public_bp, url_prefix="/p")
    app.register_blueprint(exports_bp)
    app.register_blueprint(public_exports_bp, url_prefix="/p")
    app.register_blueprint(league_bp)
    from campaign.web.settings.views import bp as settings_bp

    app.register_blueprint(settings_bp)
    from campaign.extensions import csrf
    from campaign.web.api.views import bp as api_bp
    from campaign.web.api_tokens.views import bp as api_tokens_bp

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_tokens_bp)
    from campaign.web.notifications.views import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    from campaign.web.team.views import bp as team_bp

    app.register_blueprint(team_bp)

    @app.before_request
    def require_sign_in():
        """Every page is behind sign-in unless listed as public; viewers change nothing."""
        endpoint = request.endpoint
        if endpoint is None:  # unknown URL: let the 404 handler answer
            return None
        if endpoint in PUBLIC_ENDPOINTS or request.blueprint in PUBLIC_BLUEPRINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if (
            request.method not in SAFE_METHODS
            and not current_user.can_edit
            and endpoint not in VIEWER_WRITABLE
        ):
            abort(403)
        return None


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(error):
        return render_error(400, "Bad request", getattr(error, "description", ""))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "Form expired",
            "The form was missing its security token or it had expired. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(403)
    def forbidden(error):
        return render_error(
            403, "Not allowed", "Your role lets you see this, not change it. Ask an owner."
        )

    @app.errorhandler(404)
    def not_found(error):
        return render_error(404, "Page not found", "There is nothing at this address.")

    @app.errorhandler(429)
    def too_many(error):
        return render_error(
            429,
            "Too many attempts",
            "Too many sign-in attempts from here or for this account. Wait a while and try again.",
        )

    @app.errorhandler(413)
    def too_large(error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_error(413, "File too large", f"Uploads are limited to {limit_mb} MB.")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(
            500, "Something went wrong", "The error was logged. Nothing you saved was lost."
        )


def _unread_notifications() -> int:
    """The signed-in user's unread count for the navigation bar (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    from campaign.services.notifications import unread_count

    return unread_count(current_user.id)


def register_template_helpers(app: Flask) -> None:
    from campaign.domain.law import LAWS

    @app.context_processor
    def inject_globals():
        return {"laws": LAWS, "unread_notifications": _unread_notifications}
