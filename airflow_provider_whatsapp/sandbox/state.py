"""In-memory state of the sandbox, one ``KeyState`` per Maton API key.

Everything is touched only from the server's event loop (all routes are ``async``), so no locks are
needed. Time-driven changes (a connection's activation delay, a template's review) are applied lazily
when the object is read, which keeps them deterministic and needs no background task.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .config import SandboxConfig
from .errors import maton_error
from .faults import FaultSettings
from .ratelimit import TokenBucket

WHATSAPP_APP = "whatsapp-business"
CANONICAL_WABA_ID = "102290129340398"
CANONICAL_PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "+1 555-010-0000"
LOG_LIMIT = 10_000


def iso_time(timestamp: float) -> str:
    """``2025-12-08T07:20:53.488460Z``, as Maton writes times."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def graph_id() -> str:
    """A random 15-digit Graph object id."""
    return str(secrets.randbelow(9 * 10**14) + 10**14)


def new_wamid() -> str:
    """A unique WhatsApp message id shaped like Meta's."""
    return "wamid.HBgL" + secrets.token_hex(18).upper()


def digits(number: str) -> str:
    """A phone number reduced to its digits, as Meta's ``wa_id``."""
    return "".join(ch for ch in number if ch.isdigit())


@dataclass
class Connection:
    """A Maton connection of one key."""

    connection_id: str
    app: str
    status: str
    creation_time: float
    last_updated_time: float
    activate_at: float | None = None

    def refresh(self, now: float) -> None:
        """Apply the activation delay: PENDING turns ACTIVE once ``activate_at`` has passed."""
        if self.status == "PENDING" and self.activate_at is not None and now >= self.activate_at:
            self.set_status("ACTIVE", self.activate_at)

    def set_status(self, status: str, now: float) -> None:
        """Change the status and stamp ``last_updated_time``."""
        self.status = status
        self.last_updated_time = now

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The connection as the control plane answers it."""
        return {
            "connection_id": self.connection_id,
            "status": self.status,
            "creation_time": iso_time(self.creation_time),
            "last_updated_time": iso_time(self.last_updated_time),
            "url": f"{base_url}/_sandbox/connect/{self.connection_id}",
            "app": self.app,
            "method": "OAUTH2",
            "metadata": {},
        }


@dataclass
class Template:
    """A message template; PENDING ones reach ``verdict`` at ``decide_at``."""

    id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: str
    seq: int
    parameter_format: str = "POSITIONAL"
    decide_at: float | None = None
    verdict: str = "APPROVED"
    rejected_reason: str | None = None

    def refresh(self, now: float) -> None:
        """Finish a review whose time has come."""
        if self.status == "PENDING" and self.decide_at is not None and now >= self.decide_at:
            self.status = self.verdict
            self.decide_at = None

    def to_json(self) -> dict[str, Any]:
        """All fields of the template, as Graph names them."""
        answer: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "components": self.components,
            "parameter_format": self.parameter_format,
        }
        if self.status == "REJECTED":
            answer["rejected_reason"] = self.rejected_reason or "NONE"
        return answer


@dataclass
class Media:
    """An uploaded media file, downloadable from the fake CDN with ``token``."""

    id: str
    data: bytes
    mime_type: str
    sha256: str
    token: str


def default_profile() -> dict[str, Any]:
    """The business profile every key starts with."""
    return {
        "messaging_product": "whatsapp",
        "about": "Hello from the WhatsApp sandbox",
        "address": "1 Sandbox Way, Springfield",
        "description": "A local stand-in for the WhatsApp Business Cloud API",
        "email": "sandbox@example.com",
        "profile_picture_url": "https://pps.whatsapp.net/v/sandbox-profile.jpg",
        "websites": ["https://example.com"],
        "vertical": "OTHER",
    }


@dataclass
class KeyState:
    """Everything one Maton API key sees: connections, WABA, phone number, templates, messages, ..."""

    api_key: str
    config: SandboxConfig
    waba_id: str
    phone_number_id: str
    display_phone_number: str = DISPLAY_PHONE_NUMBER
    phone_registered: bool = True
    connections: dict[str, Connection] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=default_profile)
    templates: dict[str, Template] = field(default_factory=dict)
    template_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, float] = field(default_factory=dict)
    inbound_ids: set[str] = field(default_factory=set)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    cdn_requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    faults: FaultSettings = field(default_factory=FaultSettings)
    bucket: TokenBucket | None = None
    page_token: str = field(default_factory=lambda: "EAAG" + secrets.token_urlsafe(48))

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to the starting state; the key, its ids and its connections stay."""
        self.phone_registered = True
        self.profile = default_profile()
        self.templates = {}
        self.template_seq = 0
        self.add_template("hello_world", "en_US", "UTILITY", [{"type": "BODY", "text": "Hello World"}])
        self.messages.clear()
        self.media.clear()
        self.events.clear()
        self.windows.clear()
        self.inbound_ids.clear()
        self.requests.clear()
        self.cdn_requests.clear()
        self.faults = FaultSettings.from_defaults(self.config.faults)
        rate = self.config.rate_limit
        self.bucket = TokenBucket(rate, self.config.burst) if rate > 0 else None

    def add_connection(self, app: str, status: str, activate_at: float | None = None) -> Connection:
        """Create a connection of this key."""
        now = time.time()
        connection = Connection(str(uuid.uuid4()), app, status, now, now, activate_at)
        self.connections[connection.connection_id] = connection
        return connection

    def gateway_connection(self, header: str | None) -> Connection:
        """The connection a gateway request uses: the one named by ``Maton-Connection``, else the oldest
        ACTIVE whatsapp-business one. Raises Maton's 400 when there is none."""
        now = time.time()
        if header:
            connection = self.connections.get(header)
            if connection is None or connection.app != WHATSAPP_APP:
                raise maton_error(400, f"Connection {header} not found for app {WHATSAPP_APP}")
            connection.refresh(now)
            if connection.status != "ACTIVE":
                raise maton_error(400, f"Connection {header} is {connection.status}, not ACTIVE")
            return connection
        for connection in self.connections.values():
            connection.refresh(now)
            if connection.app == WHATSAPP_APP and connection.status == "ACTIVE":
                return connection
        raise maton_error(
            400, f"No ACTIVE connection found for app {WHATSAPP_APP}; create one at /connections"
        )

    def add_template(
        self,
        name: str,
        language: str,
        category: str,
        components: list[dict[str, Any]],
        *,
        parameter_format: str = "POSITIONAL",
        decide_at: float | None = None,
        rejected_reason: str | None = None,
    ) -> Template:
        """Store a template: APPROVED at once when ``decide_at`` is None, else PENDING until then."""
        self.template_seq += 1
        template = Template(
            id=graph_id(),
            name=name,
            language=language,
            category=category,
            components=components,
            status="APPROVED" if decide_at is None else "PENDING",
            seq=self.template_seq,
            parameter_format=parameter_format,
            decide_at=decide_at,
            verdict="REJECTED" if rejected_reason else "APPROVED",
            rejected_reason=rejected_reason,
        )
        self.templates[template.id] = template
        return template

    def sorted_templates(self) -> list[Template]:
        """Every template, oldest first, reviews brought up to date."""
        now = time.time()
        for template in self.templates.values():
            template.refresh(now)
        return list(self.templates.values())

    def add_event(self, value: dict[str, Any]) -> None:
        """Store a webhook event shaped like the ``messages`` field's notification."""
        metadata = {
            "display_phone_number": digits(self.display_phone_number),
            "phone_number_id": self.phone_number_id,
        }
        event = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": self.waba_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
                        }
                    ],
                }
            ],
        }
        self.events.append(event)


class SandboxState:
    """All keys of one server, plus indexes for the unauthenticated connect page and CDN."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.keys: dict[str, KeyState] = {}
        for index, api_key in enumerate(config.api_keys):
            self.create_key(api_key, active_connection=True, canonical=index == 0)

    def create_key(
        self, api_key: str | None, *, active_connection: bool, canonical: bool = False
    ) -> KeyState:
        """A new key with its own WABA and phone number (the first configured key gets the documented
        ids ``102290129340398`` / ``106540352242922``) and, if asked, one ACTIVE connection."""
        key = api_key or "sk-sandbox-" + secrets.token_urlsafe(24)
        if key in self.keys:
            raise ValueError(f"api key {key!r} exists already")
        state = KeyState(
            api_key=key,
            config=self.config,
            waba_id=CANONICAL_WABA_ID if canonical else graph_id(),
            phone_number_id=CANONICAL_PHONE_NUMBER_ID if canonical else graph_id(),
        )
        if active_connection:
            state.add_connection(WHATSAPP_APP, "ACTIVE")
        self.keys[key] = state
        return state

    def find_connection(self, connection_id: str) -> Connection | None:
        """A connection of any key (the connect page is opened without a key, like Maton's)."""
        for state in self.keys.values():
            if connection_id in state.connections:
                return state.connections[connection_id]
        return None

    def find_media(self, media_id: str) -> tuple[KeyState, Media] | None:
        """The media object and its owner (the CDN is fetched without a key)."""
        for state in self.keys.values():
            if media_id in state.media:
                return state, state.media[media_id]
        return None
