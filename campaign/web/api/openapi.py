"""The OpenAPI 3.1 document of /api/v1, written out by hand so it reads as documentation.

It must describe exactly the routes in web/api/views.py: every path, parameter, body, status
code and response shape. tests/test_api_spec.py compares it with the URL map and runs
schemathesis against it, so a route added without its description fails the tests.
"""

from __future__ import annotations

from typing import Any

from campaign.domain.vocabulary import (
    AnswerOutcome,
    CampaignStatus,
    MessageDirection,
    MessageKind,
    ParseState,
    RequestStatus,
    values,
)
from campaign.models.answer import AnswerReview
from campaign.services.answer_corrections import (
    MAX_EXCERPT,
    MAX_EXEMPTIONS,
    MAX_URL_LENGTH,
    MAX_URLS,
)
from campaign.web.api.params import (
    AUTOMATIC,
    DEFAULT_LIMIT,
    MAX_AFTER,
    MAX_ID,
    MAX_LIMIT,
    MAX_REASON,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def _page_of(item: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "next": {
                "type": ["string", "null"],
                "description": "URL of the next page (the same filters, `after` the last id), "
                "or null on the last page.",
            },
        }
    )


def _list_of(item: str) -> dict[str, Any]:
    return _object({"items": {"type": "array", "items": _ref(item)}})


SCHEMAS: dict[str, Any] = {
    "Error": {
        **_object(
            {
                "error": {"type": "string", "description": "What was wrong, in words."},
                "allowed": {
                    "type": "array",
                    "items": STRING,
                    "description": "The values or parameters that would have been accepted.",
                },
                "problems": {
                    "type": "object",
                    "additionalProperties": STRING,
                    "description": "A body's problems, by field.",
                },
                "reason": STRING,
            },
            optional=("allowed", "problems", "reason"),
        ),
    },
    "Campaign": _object(
        {
            "id": ID,
            "slug": STRING,
            "title": STRING,
            "description": STRING,
            "status": {"type": "string", "enum": values(CampaignStatus)},
            "created_at": DATE_TIME,
            "launched_at": _nullable(DATE_TIME),
        }
    ),
    "Question": _object({"position": ID, "text": STRING, "short_label": STRING}),
    "CampaignDetail": {
        "allOf": [
            _ref("Campaign"),
            _object(
                {
                    "questions": {"type": "array", "items": _ref("Question")},
                    "request_count": {"type": "integer", "minimum": 0},
                    "status_counts": {
                        "type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 1},
                        "description": "Requests in each status; statuses with none are left out.",
                    },
                }
            ),
        ]
    },
    "Authority": _object(
        {
            "id": ID,
            "name": STRING,
            "gss_code": _nullable(STRING),
            "nation": _nullable(STRING),
        }
    ),
    "Request": _object(
        {
            "id": ID,
            "campaign": {"type": "string", "description": "The campaign's slug."},
            "authority": _ref("Authority"),
            "status": {"type": "string", "enum": values(RequestStatus)},
            "status_manual": {
                "type": "boolean",
                "description": "A person set the status: replies only suggest changes.",
            },
            "status_changed_at": DATE_TIME,
            "law": {"type": "string", "enum": ["foia", "foisa", "eir"]},
            "sent_at": _nullable(DATE_TIME),
            "due_on": _nullable(DATE),
            "review_due_on": _nullable(DATE),
            "reference_id": _nullable(STRING),
            "chase_stage": {"type": "integer", "minimum": 0},
            "last_contact_at": _nullable(DATE_TIME),
        }
    ),
    "Attachment": _object(
        {
            "filename": STRING,
            "content_type": STRING,
            "size": {"type": "integer", "minimum": 0},
            "page_count": _nullable({"type": "integer", "minimum": 0}),
            "parse_state": {"type": "string", "enum": values(ParseState)},
        }
    ),
    "Message": _object(
        {
            "id": ID,
            "direction": {"type": "string", "enum": values(MessageDirection)},
            "kind": {"type": "string", "enum": values(MessageKind)},
            "subject": STRING,
            "from": STRING,
            "from_name": STRING,
            "date": _nullable(DATE_TIME),
            "attachments": {"type": "array", "items": _ref("Attachment")},
        }
    ),
    "Answer": _object(
        {
            "id": ID,
            "request_id": ID,
            "question": _object({"position": ID, "text": STRING}),
            "outcome": {"type": "string", "enum": values(AnswerOutcome)},
            "exemptions": {"type": "array", "items": STRING},
            "excerpt": STRING,
            "page": _nullable(INTEGER),
            "attachment": {
                "type": ["string", "null"],
                "description": "File name of the document the answer is in; null for the "
                "email body or none.",
            },
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "review_state": {"type": "string", "enum": [r.value for r in AnswerReview]},
        }
    ),
    "Mention": _object(
        {
            "id": ID,
            "request_id": ID,
            "name": STRING,
            "category": {"type": "string", "enum": ["system", "vendor"]},
            "page": _nullable(INTEGER),
        }
    ),
    "CampaignPage": _page_of("Campaign"),
    "RequestPage": _page_of("Request"),
    "AnswerPage": _page_of("Answer"),
    "MentionPage": _page_of("Mention"),
    "MessageList": _list_of("Message"),
    "AnswerList": _list_of("Answer"),
    "MentionList": _list_of("Mention"),
    "StatusChange": {
        **_object(
            {
                "status": {
                    "type": "string",
                    "enum": [AUTOMATIC, *values(RequestStatus)],
                    "description": f"A request status, or `{AUTOMATIC}` to let replies set it "
                    "again from the next one on.",
                },
                "reason": {"type": "string", "maxLength": MAX_REASON},
            },
            optional=("reason",),
        ),
        "additionalProperties": False,
    },
    "StatusResult": _object({"changed": {"type": "boolean"}, "request": _ref("Request")}),
    "AnswerCorrection": {
        **_object(
            {
                "outcome": {"type": "string", "enum": values(AnswerOutcome)},
                "exemptions": {
                    "type": "array",
                    "maxItems": MAX_EXEMPTIONS,
                    "items": {"type": "string", "maxLength": 40},
                    "description": "Written like s21, s43(2) or reg12(4)(a).",
                },
                "excerpt": {"type": "string", "maxLength": MAX_EXCERPT},
                "page": {
                    "type": ["integer", "null"],
                    "description": "Page of the source document; needs attachment_id or "
                    "message_id.",
                },
                "attachment_id": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "A file of one of this request's replies.",
                },
                "message_id": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "One of this request's replies (its email body).",
                },
                "urls": {
                    "type": "array",
                    "maxItems": MAX_URLS,
                    "items": {"type": "string", "maxLength": MAX_URL_LENGTH},
                },
            },
            optional=("exemptions", "excerpt", "page", "attachment_id", "message_id", "urls"),
        ),
        "additionalProperties": False,
    },
    "CorrectionResult": _object(
        {
            "changed": {"type": "boolean"},
            "message": STRING,
            "answer": {"oneOf": [_ref("Answer"), {"type": "null"}]},
        }
    ),
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, Any] = {
    "BadRequest": _error(
        "A query parameter is unknown or has a value it cannot take (the error says which, "
        "and `allowed` lists the accepted values)."
    ),
    "Unauthorized": _error(
        "No token, or one that does not work (unknown, revoked, or its owner deactivated).",
        headers={
            "WWW-Authenticate": {
                "description": 'Always `Bearer realm="api"`, with `error="invalid_token"` '
                "when a token was sent.",
                "required": True,
                "schema": STRING,
            }
        },
    ),
    "Forbidden": _error(
        "A read token, or a write token of someone whose role no longer lets them edit."
    ),
    "NotFound": _error("No such campaign, request or question."),
    "Unprocessable": _error(
        "The body's fields are wrong: `problems` says what is wrong with each; for an unknown "
        "status or outcome `allowed` lists the accepted values. Nothing was changed."
    ),
}


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _param(name: str, where: str, schema: dict[str, Any], description: str, **extra: Any):
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
        **extra,
    }


PAGING_PARAMETERS = [
    _param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        f"Rows per page, {DEFAULT_LIMIT} unless given; more than {MAX_LIMIT} is refused "
        "with 400 (never silently cut).",
    ),
    _param(
        "after",
        "query",
        {"type": "integer", "minimum": 0, "maximum": MAX_AFTER},
        "The id of the last row already seen; rows come in id order. Follow `next` rather "
        "than building this by hand. Past the last id, the page is empty.",
    ),
]
SLUG = _param("slug", "path", STRING, "The campaign's slug, as in its web address.")
REQUEST_ID = _param(
    "request_id", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "A request's id."
)
POSITION = _param(
    "position",
    "path",
    {"type": "integer", "minimum": 1, "maximum": 1000},
    "The question's number, as printed in the letter.",
)
REQUEST_FILTERS = [
    _param(
        "status",
        "query",
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": values(RequestStatus)},
        },
        "Only requests in these statuses (comma-separated).",
        style="form",
        explode=False,
    ),
    _param(
        "authority",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "Only requests to this authority (its id).",
    ),
    _param(
        "overdue",
        "query",
        {"type": "boolean"},
        "true: only overdue, very overdue and review overdue requests; false: all others.",
    ),
    _param(
        "updated_since",
        "query",
        DATE_TIME,
        "Only requests whose status changed, or which had contact, at or after this time "
        "(ISO 8601; without a time zone, UTC).",
    ),
]
CAMPAIGN_FILTER = _param(
    "campaign", "query", STRING, "Only this campaign's requests (its slug); unknown: 404."
)

READ = ["200", "400", "401"]
WITH_ID = [*READ, "404"]
WRITE = ["200", "400", "401", "403", "404", "422"]
ERROR_REFS = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "422": "Unprocessable",
}


def _operation(
    operation_id: str,
    summary: str,
    result: str,
    codes: list[str],
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _json(result)}
    for code in codes:
        if code != "200":
            responses[code] = {"$ref": f"#/components/responses/{ERROR_REFS[code]}"}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters or [],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document (no token needed).",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
    "/campaigns": {
        "get": _operation(
            "listCampaigns", "Campaigns, oldest first.", "CampaignPage", READ, PAGING_PARAMETERS
        )
    },
    "/campaigns/{slug}": {
        "get": _operation(
            "getCampaign",
            "A campaign with its questions and its requests counted by status.",
            "CampaignDetail",
            WITH_ID,
            [SLUG],
        )
    },
    "/campaigns/{slug}/requests": {
        "get": _operation(
            "listCampaignRequests",
            "A campaign's requests, in id order.",
            "RequestPage",
            WITH_ID,
            [SLUG, *REQUEST_FILTERS, *PAGING_PARAMETERS],
        )
    },
    "/campaigns/{slug}/answers": {
        "get": _operation(
            "listCampaignAnswers",
            "Every answer of a campaign's requests, in id order: the person's when corrected, "
            "else the parser's.",
            "AnswerPage",
            WITH_ID,
            [
                SLUG,
                _param(
                    "question",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": 1000},
                    "Only answers to this question (its number).",
                ),
                _param(
                    "outcome",
                    "query",
                    {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "enum": values(AnswerOutcome)},
                    },
                    "Only answers with these outcomes (comma-separated).",
                    style="form",
                    explode=False,
                ),
                *PAGING_PARAMETERS,
            ],
        )
    },
    "/campaigns/{slug}/mentions": {
        "get": _operation(
            "listCampaignMentions",
            "Systems and vendors the campaign's replies name (not those a person rejected).",
            "MentionPage",
            WITH_ID,
            [SLUG, *PAGING_PARAMETERS],
        )
    },
    "/requests": {
        "get": _operation(
            "listRequests",
            "Requests of every campaign, in id order.",
            "RequestPage",
            WITH_ID,
            [CAMPAIGN_FILTER, *REQUEST_FILTERS, *PAGING_PARAMETERS],
        )
    },
    "/requests/{request_id}": {
        "get": _operation("getRequest", "One request.", "Request", WITH_ID, [REQUEST_ID])
    },
    "/requests/{request_id}/messages": {
        "get": _operation(
            "listRequestMessages",
            "A request's thread, oldest first: what each message is and what files it "
            "carried, never its raw mail or body.",
            "MessageList",
            WITH_ID,
            [REQUEST_ID],
        )
    },
    "/requests/{request_id}/answers": {
        "get": _operation(
            "listRequestAnswers",
            "A request's answers, by question.",
            "AnswerList",
            WITH_ID,
            [REQUEST_ID],
        )
    },
    "/requests/{request_id}/mentions": {
        "get": _operation(
            "listRequestMentions",
            "Systems and vendors a request's replies name (not those a person rejected).",
            "MentionList",
            WITH_ID,
            [REQUEST_ID],
        )
    },
    "/requests/{request_id}/status": {
        "post": _operation(
            "setRequestStatus",
            "Set a request's status by hand, as on the request page: later replies suggest "
            "changes instead of making them. Recorded on the timeline as the token's owner.",
            "StatusResult",
            WRITE,
            [REQUEST_ID],
            body="StatusChange",
        )
    },
    "/requests/{request_id}/answers/{position}": {
        "post": _operation(
            "correctAnswer",
            "Correct one question's answer, as on the answers review screen: the person's "
            "answer wins over every later parse. Recorded on the timeline.",
            "CorrectionResult",
            WRITE,
            [REQUEST_ID, POSITION],
            body="AnswerCorrection",
        )
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FOI Campaign API",
            "version": "1",
            "description": "Read campaigns, requests, their messages, answers and mentions; "
            "set a request's status and correct answers. Every call needs a personal API "
            "token (made at /account/api-tokens) as `Authorization: Bearer <token>`. Lists "
            "are paged by `after` (the last id seen) and `limit`; follow `next`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, foi_ and 43 more characters.",
                }
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }
