"""API errors as JSON: `{"error": "..."}` with the status code, plus details where they help."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

AUTH_CHALLENGE = 'Bearer realm="api"'


class ApiError(Exception):
    """Raised by an API view to answer with a JSON error instead of its result."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def error_response(error: ApiError) -> Response:
    response = jsonify({"error": error.message, **error.details})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = (
            AUTH_CHALLENGE
            if error.details.get("reason") == "missing"
            else f'{AUTH_CHALLENGE}, error="invalid_token"'
        )
    return response
