"""Query strings and JSON bodies of API calls, read into checked values or a clear ApiError.

Every value a caller sends is checked here before a query sees it; what reaches the database
is bound as a parameter, never written into SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from campaign.domain.vocabulary import AnswerOutcome, RequestStatus, values
from campaign.web.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_AFTER = 2**63 - 1
MAX_ID = 2**31 - 1  # the largest id the database's integer columns hold
PAGING = ("limit", "after")
AUTOMATIC = "automatic"  # a status override's word for "let replies set it again"
MAX_REASON = 500  # as the request page's status form


def check_known(args: Mapping[str, str], known: Iterable[str]) -> None:
    """A misspelt filter is an error, not a silently unfiltered list."""
    known = tuple(known)
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise ApiError(
            400,
            f"Unknown query parameter {unknown[0][:40]!r}.",
            allowed=sorted(known),
        )


def arg(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if "\x00" in value:
        raise ApiError(400, f"{name} may not contain NUL characters.")
    return value


def _whole(value: str, name: str, low: int, high: int, what: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 20 or not low <= int(text) <= high:
        raise ApiError(400, f"{name} must be {what}; got {value[:40]!r}.")
    return int(text)


def paging(args: Mapping[str, str]) -> tuple[int, int]:
    """(after, limit): the last id already seen (0 to start) and rows per page (1-100)."""
    limit_text = arg(args, "limit")
    after_text = arg(args, "after")
    limit = (
        DEFAULT_LIMIT
        if limit_text is None
        else _whole(limit_text, "limit", 1, MAX_LIMIT, f"a whole number from 1 to {MAX_LIMIT}")
    )
    after = (
        0
        if after_text is None
        else _whole(after_text, "after", 0, MAX_AFTER, "the id of the last row seen (0 or more)")
    )
    # No id is above MAX_ID, and the database will not compare its integer ids with more.
    return min(after, MAX_ID), limit


STATUSES = tuple(values(RequestStatus))
OUTCOMES = tuple(values(AnswerOutcome))


def statuses(args: Mapping[str, str]) -> tuple[str, ...]:
    """`status=refused` or `status=refused,not_held`: each a known request status."""
    return _words(args, "status", STATUSES)


def outcomes(args: Mapping[str, str]) -> tuple[str, ...]:
    return _words(args, "outcome", OUTCOMES)


def _words(args: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    text = arg(args, name)
    if text is None:
        return ()
    words = tuple(dict.fromkeys(w.strip() for w in text.split(",")))
    for word in words:
        if word not in allowed:
            message = f"Unknown {name} {word[:40]!r}: use one of the allowed values."
            raise ApiError(400, message, allowed=list(allowed))
    return words


def identifier(args: Mapping[str, str], name: str) -> int | None:
    text = arg(args, name)
    if text is None:
        return None
    return _whole(text, name, 1, MAX_ID, f"an id: a whole number from 1 to {MAX_ID}")


def position(args: Mapping[str, str], name: str) -> int | None:
    text = arg(args, name)
    if text is None:
        return None
    return _whole(text, name, 1, 1000, "a question number from 1 to 1000")


def flag(args: Mapping[str, str], name: str) -> bool | None:
    text = arg(args, name)
    if text is None:
        return None
    if text not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false; got {text[:40]!r}.")
    return text == "true"


def moment(args: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date-time; one without a time zone is taken as UTC."""
    text = arg(args, name)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ApiError(
            400,
            f"{name} must be an ISO 8601 date-time such as 2025-01-31T09:00:00Z; "
            f"got {text[:40]!r}.",
        ) from None


def path_id(raw: str) -> int | None:
    """An id from the URL; None (a 404) for anything that cannot be one."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# --- JSON bodies -------------------------------------------------------------------------------


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying why it is not one."""
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object (Content-Type: application/json).")
    return data


def unknown_fields(body: Mapping[str, Any], known: Iterable[str]) -> dict[str, str]:
    known = tuple(known)
    return {name[:40]: "Not a field of this call." for name in body if name not in known}


def body_text(value: Any, name: str, maximum: int, problems: dict[str, str]) -> str:
    """A string field: text that every database can store, within its length."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems[name] = "Must be a string."
        return ""
    if "\x00" in value:
        problems[name] = "May not contain NUL characters."
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problems[name] = "Must be valid Unicode text."
        return ""
    if len(value) > maximum:
        problems[name] = f"At most {maximum:,} characters."
        return ""
    return value


def body_texts(
    value: Any, name: str, maximum: int, longest: int, problems: dict[str, str]
) -> list[str]:
    """A list-of-strings field."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems[name] = "Must be a list of strings."
        return []
    if len(value) > maximum:
        problems[name] = f"At most {maximum} items."
        return []
    texts = []
    for item in value:
        text = body_text(item, name, longest, problems)
        if name in problems:
            return []
        texts.append(text)
    return texts


def body_id(value: Any, name: str, problems: dict[str, str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        problems[name] = f"Must be an id: a whole number from 1 to {MAX_ID}."
        return None
    return value
