"""A local Mailgun: a real HTTP server on 127.0.0.1 that checks what Mailgun checks.

Used by the tests and by bench/ scripts (no pytest needed). It answers the SDK's
POST /v3/<domain>/messages and /messages.mime and GET /v3/<domain>/events like Mailgun does:
basic auth as "api" with the right key (401 otherwise), a known domain (404), the required
fields (400 with {"message": ...}), then 200 {"id": "<...>", "message": "Queued. Thank you."}.

Per test, set `mode` to make every POST misbehave, or `fail_rate` to make a seeded random share
of POSTs answer 500/429 without recording anything:

    "ok"                normal service
    "400" "429" "500"   answer that status, record nothing
    "hang"              wait `hang_seconds` (longer than the client timeout), answer 503,
                        record nothing: the letter was definitely not accepted
    "accept_then_hang"  record the letter as accepted, then wait and answer: the ambiguous case

    with FakeMailgun() as mailgun:
        client = Client(auth=("api", mailgun.api_key), api_url=mailgun.url)
        ...
        assert mailgun.post_count == 1 and mailgun.messages[0].message_id == "..."
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODES = ("ok", "400", "429", "500", "hang", "accept_then_hang")
PATH_RE = re.compile(r"^/v3/(?P<domain>[^/]+)/(?P<endpoint>messages|messages\.mime|events)$")
NAME_RE = re.compile(rb';\s*name="([^"]*)"', re.IGNORECASE)
BOUNDARY_RE = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
ADDRESS_RE = re.compile(r"[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+")
QUEUED = "Queued. Thank you."
_HEADER_PARSER = BytesHeaderParser()  # compat32: raw values, fast; decoded below


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the fake accepted, as Mailgun would have seen it."""

    id: str  # Mailgun's id without angle brackets (the Message-Id)
    domain: str
    endpoint: str  # "messages" or "messages.mime"
    fields: dict[str, list[str]]  # form fields as posted, e.g. "to", "h:Reply-To", "v:token"
    headers: dict[str, str]  # message headers, lower-case names (h: fields or the MIME's)
    variables: dict[str, str]  # the v: fields without their prefix
    mime: bytes | None = None
    accepted_at: float = field(default_factory=time.time)

    @property
    def message_id(self) -> str:
        return self.id

    def form_value(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


class FakeMailgun:
    """Start with `with FakeMailgun() as mailgun:`; `mailgun.url` is the SDK's api_url."""

    def __init__(
        self,
        api_key: str = "key-test-fake",
        domains: Iterable[str] = ("mg.example.org",),
        *,
        mode: str = "ok",
        fail_rate: float = 0.0,
        seed: int = 1,
        hang_seconds: float = 3.0,
    ) -> None:
        self.api_key = api_key
        self.domains = set(domains)
        self.mode = mode
        self.fail_rate = fail_rate
        self.hang_seconds = hang_seconds
        self._expected_auth = "Basic " + base64.b64encode(f"api:{api_key}".encode()).decode()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self._messages: list[ReceivedMessage] = []
        self._events: list[dict[str, Any]] = []
        self._post_count = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def domain(self) -> str:
        """The first known domain, for tests that use only one."""
        return sorted(self.domains)[0]

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeMailgun:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._release.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake any request still hanging
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeMailgun:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeMailgun is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what tests look at ------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def post_count(self) -> int:
        """Every POST that reached the server, whatever it was answered."""
        with self._lock:
            return self._post_count

    def events(
        self, message_id: str | None = None, event: str | None = None
    ) -> list[dict[str, Any]]:
        """The event log, filtered like the Events API filters it."""
        wanted = {e.strip() for e in event.split(" OR ")} if event else None
        bare_id = message_id.strip().strip("<>") if message_id else None
        with self._lock:
            return [
                item
                for item in self._events
                if (wanted is None or item["event"] in wanted)
                and (bare_id is None or item["message"]["headers"]["message-id"] == bare_id)
            ]

    def reset(self) -> None:
        """Forget every message, event and count; back to mode "ok"."""
        with self._lock:
            self._messages.clear()
            self._events.clear()
            self._post_count = 0
        self.mode, self.fail_rate = "ok", 0.0

    # --- request handling (called from server threads) ---------------------------------------

    def _count_post(self) -> None:
        with self._lock:
            self._post_count += 1

    def _injected_failure(self) -> tuple[int, dict[str, Any]] | None:
        """A failure the test asked for, before the message is looked at."""
        if self.mode not in MODES:
            raise ValueError(f"unknown FakeMailgun mode {self.mode!r}")
        if self.mode == "400":
            return 400, {
                "message": "to parameter is not a valid address. please check documentation"
            }
        if self.mode == "429":
            return 429, {"message": "Too many requests"}
        if self.mode == "500":
            return 500, {"message": "Internal Server Error"}
        if self.mode == "hang":
            self._release.wait(self.hang_seconds)
            return 503, {"message": "Service Unavailable"}
        if self.fail_rate:
            with self._lock:
                draw, status = self._random.random(), self._random.choice((429, 500))
            if draw < self.fail_rate:
                return status, {"message": "Too many requests" if status == 429 else "Internal"}
        return None

    def _accept(self, domain: str, endpoint: str, form: dict[str, list[str]], mime: bytes | None):
        headers = _headers_of(endpoint, form, mime)
        message_id = headers.get("message-id", "").strip().strip("<>")
        if not message_id:
            message_id = f"{time.strftime('%Y%m%d%H%M%S')}.{next(self._ids)}@{domain}"
        variables = {k[2:]: v[0] for k, v in form.items() if k.startswith("v:") and v}
        received = ReceivedMessage(message_id, domain, endpoint, form, headers, variables, mime)
        with self._lock:
            self._messages.append(received)
            for recipient in _recipients(form):
                self._events.append(_accepted_event(received, recipient, headers))
        if self.mode == "accept_then_hang":
            self._release.wait(self.hang_seconds)
        return 200, {"id": f"<{message_id}>", "message": QUEUED}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    fake: FakeMailgun

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) closes its socket; that is expected, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's session reuses connections
    wbufsize = -1  # headers and body leave in one write
    server: _Server

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        route = self._route()
        if route is None:
            return
        domain, endpoint = route
        if endpoint != "events":
            return self._answer(405, {"message": "Method Not Allowed"})
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        items = fake.events(query.get("message-id"), query.get("event"))
        items = [i for i in items if i["domain"] == domain][: int(query.get("limit", 300))]
        page = f"{fake.url}/v3/{domain}/events"
        paging = {"first": page, "last": page, "next": page, "previous": page}
        return self._answer(200, {"items": [_public(i) for i in items], "paging": paging})

    def do_POST(self) -> None:
        fake = self.server.fake
        fake._count_post()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route = self._route()
        if route is None:
            return
        domain, endpoint = route
        if endpoint == "events":
            return self._answer(405, {"message": "Method Not Allowed"})
        failure = fake._injected_failure()
        if failure is not None:
            return self._answer(*failure)
        form, files = _parse_form(self.headers.get("Content-Type", ""), body)
        problem = _missing_field(endpoint, form, files)
        if problem:
            return self._answer(400, {"message": problem})
        mime = files.get("message")
        return self._answer(*fake._accept(domain, endpoint, form, mime))

    def _route(self) -> tuple[str, str] | None:
        """Check auth and domain as Mailgun does; answer and return None when they fail."""
        fake = self.server.fake
        if self.headers.get("Authorization") != fake._expected_auth:
            self._answer(401, None, text="Forbidden")
            return None
        match = PATH_RE.match(urlsplit(self.path).path)
        if match is None:
            self._answer(404, {"message": "Not Found"})
            return None
        if match["domain"] not in fake.domains:
            self._answer(404, {"message": f"Domain not found: {match['domain']}"})
            return None
        return match["domain"], match["endpoint"]

    def _answer(self, status: int, payload: dict[str, Any] | None, text: str = "") -> None:
        body = json.dumps(payload).encode() if payload is not None else text.encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if payload is not None else "text/plain"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, bytes]]:
    """Form fields (and uploaded files) from urlencoded or multipart bodies."""
    if content_type.startswith("multipart/form-data"):
        return _parse_multipart(content_type, body)
    return parse_qs(body.decode(), keep_blank_values=True), {}


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, list[str]], dict[str, bytes]]:
    match = BOUNDARY_RE.search(content_type)
    if match is None:
        return {}, {}
    form: dict[str, list[str]] = {}
    files: dict[str, bytes] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name_match = NAME_RE.search(head)
        if name_match is None:
            continue
        name = name_match.group(1).decode()
        if b"filename=" in head.lower():
            files[name] = content
        else:
            form.setdefault(name, []).append(content.decode())
    return form, files


def _missing_field(endpoint: str, form: dict[str, list[str]], files: dict[str, bytes]) -> str:
    """Mailgun's 400 message for the first missing or bad required field, or ""."""
    if endpoint == "messages":
        for name in ("from", "to", "subject"):
            if not form.get(name):
                return f"{name} parameter is missing"
        if not any(form.get(name) for name in ("text", "html", "template")):
            return "Need at least one of 'text', 'html' or 'template' parameters specified"
    else:
        if not form.get("to"):
            return "to parameter is missing"
        if "message" not in files and not form.get("message"):
            return "message parameter is missing"
    if not all(ADDRESS_RE.search(r) for r in _recipients(form)):
        return "to parameter is not a valid address. please check documentation"
    return ""


def _recipients(form: dict[str, list[str]]) -> list[str]:
    return [r.strip() for value in form.get("to", []) for r in value.split(",") if r.strip()]


def _headers_of(endpoint: str, form: dict[str, list[str]], mime: bytes | None) -> dict[str, str]:
    """Message headers: parsed from the MIME, or built from the form's fields."""
    if mime is not None:
        parsed = _HEADER_PARSER.parsebytes(mime)
        return {name.lower(): _decoded(value) for name, value in parsed.items()}
    headers = {k[2:].lower(): v[0] for k, v in form.items() if k.startswith("h:") and v}
    for name in ("from", "to", "subject"):
        if form.get(name):
            headers[name] = ", ".join(form[name])
    return headers


def _decoded(value: str) -> str:
    """A header value with RFC 2047 encoded words decoded and folding undone."""
    if "=?" not in value:
        return " ".join(value.split())
    return str(make_header(decode_header(value)))


def _accepted_event(
    message: ReceivedMessage, recipient: str, headers: dict[str, str]
) -> dict[str, Any]:
    """An Events API item shaped like Mailgun's "accepted" event."""
    return {
        "domain": message.domain,  # dropped from answers; used to filter per domain
        "id": f"fake-event-{message.id}-{recipient}",
        "event": "accepted",
        "timestamp": message.accepted_at,
        "log-level": "info",
        "method": "HTTP",
        "recipient": recipient,
        "envelope": {"targets": recipient, "transport": "smtp", "sender": headers.get("from", "")},
        "message": {
            "headers": {
                "message-id": message.id,
                "from": headers.get("from", ""),
                "to": headers.get("to", recipient),
                "subject": headers.get("subject", ""),
            },
            "size": len(message.mime or b""),
        },
        "user-variables": dict(message.variables),
        "flags": {"is-authenticated": True, "is-test-mode": False},
    }


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "domain"}
