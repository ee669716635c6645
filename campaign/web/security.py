"""Security headers on every response: no inline script, no framing except embeddable charts.

The Content-Security-Policy allows scripts only from the app itself, so a script that slipped
into a reply's text or a document's name cannot run; every page keeps its JavaScript in
`static/` and its data in JSON blocks. Styles may be inline because Plotly writes its own
`<style>` element at run time. Pages may be framed only where a view said so (a public chart
meant for embedding), and then by any site.
"""

from __future__ import annotations

from flask import Flask, Response

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
)


def allow_framing(response: Response) -> Response:
    """Mark a response as embeddable in other sites' iframes (public charts only)."""
    response.allow_framing = True  # type: ignore[attr-defined]
    return response


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        framed = getattr(response, "allow_framing", False)
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy", _POLICY.format(ancestors="*" if framed else "'none'")
        )
        if not framed:
            headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
