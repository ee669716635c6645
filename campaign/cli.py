"""The `campaign` command: a FlaskGroup, so `campaign run` and `campaign db` need no --app."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from campaign import create_app
from campaign.services.users import AccountError, count_users, create_user, generate_password


def _create_app() -> Flask:
    app = create_app()
    register_commands(app)
    return app


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """FOI Campaign: send one FOI request to many authorities and track every reply."""


def register_commands(app: Flask) -> None:
    app.cli.add_command(users)
    from campaign.cli_authorities import authorities

    app.cli.add_command(authorities)
    from campaign.cli_campaigns import campaigns
    from campaign.cli_sending import requeue_stuck, send, worker

    app.cli.add_command(campaigns)

    app.cli.add_command(send)
    app.cli.add_command(worker)
    app.cli.add_command(requeue_stuck)
    from campaign.cli_parsing import parse_reply

    app.cli.add_command(parse_reply)
    from campaign.cli_mail import mail

    app.cli.add_command(mail)
    from campaign.cli_deadlines import deadlines

    app.cli.add_command(deadlines)
    from campaign.cli_answers import answers

    app.cli.add_command(answers)
    from campaign.cli_search import search

    app.cli.add_command(search)
    from campaign.cli_demo import demo

    app.cli.add_command(demo)
    from campaign.cli_backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from campaign.cli_export import export_command

    app.cli.add_command(export_command)


@click.group()
def users() -> None:
    """Manage the people who can sign in."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["owner", "editor", "viewer"]),
    default="editor",
    show_default=True,
)
@click.option("--name", default="", help="Display name.")
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Prompt for the password instead of generating one.",
)
@with_appcontext
def users_create(email: str, role: str, name: str, ask_password: bool) -> None:
    """Create a user. Without --password a password is generated and printed once."""
    if ask_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = generate_password()
    try:
        user = create_user(email, password, role=role, name=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email}.")
    if not ask_password:
        click.echo(f"Password (shown once, keep it safe): {password}")


@users.command("ensure-first")
@click.option("--email", default="admin@example.org", show_default=True)
@with_appcontext
def users_ensure_first(email: str) -> None:
    """Create an owner account if nobody can sign in yet; do nothing otherwise."""
    if count_users():
        click.echo("Users exist already; none created.")
        return
    password = generate_password()
    try:
        user = create_user(email, password, role="owner")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created the first user: {user.email} (owner)")
    click.echo(f"Password (shown once, keep it safe): {password}")


@users.command("list")
@with_appcontext
def users_list() -> None:
    """List users and their roles."""
    import sqlalchemy as sa

    from campaign.extensions import db
    from campaign.models import User

    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "" if user.active else " (disabled)"
        click.echo(f"{user.email}\t{user.role}{state}")
