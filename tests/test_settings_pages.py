"""The settings page with no mailbox configured: it says how to set one up, and polls nothing."""

from __future__ import annotations


def test_without_a_mailbox_the_page_says_how_to_set_one_up(forms, auth):
    auth.login("owner")
    page = forms.client.get("/settings/mail").get_data(as_text=True)

    assert "No mailbox is polled" in page
    assert "outbox" in page

    response = forms.submit("/settings/mail/poll", page="/settings/mail", follow_redirects=True)
    assert "No mailbox is set up" in response.get_data(as_text=True)


def test_the_settings_page_needs_sign_in(client):
    response = client.get("/settings/mail")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
