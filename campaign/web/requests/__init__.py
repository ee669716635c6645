"""Requests: each authority's thread, its timeline, resending failed letters, and the outbox."""
