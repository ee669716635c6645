"""What every browser test does the same way: sign in through the form, collect page errors."""

from __future__ import annotations

from playwright.sync_api import Page


def sign_in(page: Page, live_server, password: str | None = None) -> None:
    """Sign in as the live server's owner (or with another password) through the form."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(live_server.email)
    page.get_by_label("Password").fill(password or live_server.password)
    page.get_by_role("button", name="Sign in").click()


def watch_console(page: Page) -> list[str]:
    """A list that fills with the page's console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
