"""Webhooks posted by the mail provider: signed, public (no sign-in), exempt from CSRF."""
