"""Pages of requests written straight to JSON text, the API's busiest answer.

A page of 100 requests built as dictionaries and then encoded costs more than the query behind
it; written out row by row with the standard library's own string escaping it costs less, and
no dictionaries are made only to be thrown away. The output is the same JSON as
`json.dumps(request_as_dict(row))` (a test holds the two together), so the OpenAPI schema
describes both.
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import (  # type: ignore[attr-defined]
    encode_basestring_ascii as _escaped,  # the C escaper json.dumps itself uses
)

import sqlalchemy as sa


def _text(value: str | None) -> str:
    return "null" if value is None else _escaped(value)


def request_json(row: sa.Row) -> str:
    """One row of `requests_select` as a JSON object.

    Conditions are written inline rather than as helper calls: at a hundred rows a page, a
    function call per field is a measurable share of the answer. Dates and times are ISO 8601,
    which holds only digits, "-", ":", "+", "." and "T": nothing to escape.
    """
    (
        request_id,
        campaign,
        authority_id,
        authority_name,
        gss_code,
        nation,
        status,
        status_manual,
        status_changed_at,
        law,
        sent_at,
        due_on,
        review_due_on,
        reference_id,
        chase_stage,
        last_contact_at,
    ) = row
    escaped = _escaped
    sent = "null" if sent_at is None else f'"{sent_at.isoformat()}"'
    due = "null" if due_on is None else f'"{due_on.isoformat()}"'
    review_due = "null" if review_due_on is None else f'"{review_due_on.isoformat()}"'
    contact = "null" if last_contact_at is None else f'"{last_contact_at.isoformat()}"'
    return (
        f'{{"id":{request_id},"campaign":{escaped(campaign)},'
        f'"authority":{{"id":{authority_id},"name":{escaped(authority_name)},'
        f'"gss_code":{"null" if gss_code is None else escaped(gss_code)},'
        f'"nation":{"null" if nation is None else escaped(nation)}}},'
        f'"status":{escaped(status)},"status_manual":{"true" if status_manual else "false"},'
        f'"status_changed_at":"{status_changed_at.isoformat()}","law":{escaped(law)},'
        f'"sent_at":{sent},"due_on":{due},"review_due_on":{review_due},'
        f'"reference_id":{"null" if reference_id is None else escaped(reference_id)},'
        f'"chase_stage":{chase_stage},"last_contact_at":{contact}}}'
    )


def request_page_json(rows: Sequence[sa.Row], limit: int, next_url: str | None) -> str:
    """A page as the API answers it: `{"items": [...], "limit": n, "next": url or null}`."""
    items = ",".join([request_json(row) for row in rows])
    return f'{{"items":[{items}],"limit":{int(limit)},"next":{_text(next_url)}}}'
