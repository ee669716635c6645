"""Blueprints, the sign-in wall, role checks and error pages."""

from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from campaign.extensions import db, login_manager

# Endpoints anyone may reach: sign-in itself, static files, and (later) public pages and webhooks.
PUBLIC_ENDPOINTS = {"auth.login", "static"}
PUBLIC_BLUEPRINTS = {"public", "webhooks"}
# Changes a viewer may still make: signing out.
VIEWER_WRITABLE = {"auth.logout"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def register_blueprints(app: Flask) -> None:
    from campaign.web.auth.views import bp as auth_bp
    from campaign.web.authorities.views import bp as authorities_bp
    from campaign.web.campaigns.views import bp as campaigns_bp
    from campaign.web.inbox.views import bp as inbox_bp
    from campaign.web.main.views import bp as main_bp
    from campaign.web.messages.views import bp as messages_bp
    from campaign.web.requests.views import bp as requests_bp
    from campaign.web.webhooks.views import bp as webhooks_bp

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


def register_template_helpers(app: Flask) -> None:
    from campaign.domain.law import LAWS

    @app.context_processor
    def inject_globals():
        return {"laws": LAWS}
