"""In-memory state of the sandbox, one ``KeyState`` per Maton API key.

Everything is touched only from the server's event loop (all routes are ``async``), so no locks are
needed. Time comes from the server's ``SandboxClock``; time-driven changes (a connection's activation
delay, a template's review) are applied lazily when the object is read. ``revision`` counts changes to
the conversations (the inbox polls it); ``generation`` counts resets, when stored lists start over.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from .clock import SandboxClock
from .config import SandboxConfig
from .errors import maton_error
from .faults import FaultSettings
from .ratelimit import TokenBucket
from .records import Connection, Media, Template, digits, graph_id, new_wamid
from .seeds import seed_definitions

WHATSAPP_APP = "whatsapp-business"
CANONICAL_WABA_ID = "102290129340398"
CANONICAL_PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "+1 555-010-0000"
LOG_LIMIT = 10_000
STATUS_ORDER = ("sent", "delivered", "read")


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
    """Everything one Maton API key sees: connections, WABA, phone number, templates, messages, ...

    ``messages`` are what the business sent, ``received`` what customers sent (``POST
    /_sandbox/inbound``); ``by_id`` finds either by wamid; ``threads`` lists both per customer ``wa_id``
    in arrival order, the conversation with the latest message last.
    """

    api_key: str
    config: SandboxConfig
    clock: SandboxClock
    waba_id: str
    phone_number_id: str
    label: str = ""
    seed: str = "minimal"
    display_phone_number: str = DISPLAY_PHONE_NUMBER
    phone_registered: bool = True
    connections: dict[str, Connection] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=default_profile)
    templates: dict[str, Template] = field(default_factory=dict)
    template_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    threads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, float] = field(default_factory=dict)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    cdn_requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    #: Gateway and control-plane requests per outcome since the last reset: the log above keeps only
    #: the latest ``LOG_LIMIT``, these count them all (429s under a load test, say).
    outcomes: Counter[str] = field(default_factory=Counter)
    faults: FaultSettings = field(default_factory=FaultSettings)
    bucket: TokenBucket | None = None
    page_token: str = field(default_factory=lambda: "EAAG" + secrets.token_urlsafe(48))
    revision: int = 0
    generation: int = 0

    def __post_init__(self) -> None:
        self.reset()

    def now(self) -> float:
        """The sandbox's time (see ``clock.py``)."""
        return self.clock.now()

    def reset(self) -> None:
        """Back to the starting state; the key, its ids and its connections stay."""
        self.phone_registered = True
        self.profile = default_profile()
        self.templates = {}
        self.template_seq = 0
        for definition in seed_definitions(self.seed):
            seeded = copy.deepcopy(definition)
            self.add_template(
                seeded["name"],
                seeded["language"],
                seeded["category"],
                seeded["components"],
                parameter_format=seeded.get("parameter_format", "POSITIONAL"),
            )
        self.clear_messages()
        self.media.clear()
        self.windows.clear()
        self.requests.clear()
        self.cdn_requests.clear()
        self.outcomes.clear()
        self.faults = FaultSettings.from_defaults(self.config.faults)
        rate = self.config.rate_limit
        self.bucket = TokenBucket(rate, self.config.burst) if rate > 0 else None

    def clear_messages(self) -> None:
        """Forget sent and received messages and their events."""
        self.messages.clear()
        self.received.clear()
        self.by_id.clear()
        self.threads.clear()
        self.events.clear()
        self.generation += 1
        self.revision += 1

    def add_connection(self, app: str, status: str, activate_at: float | None = None) -> Connection:
        """Create a connection of this key."""
        now = self.now()
        connection = Connection(str(uuid.uuid4()), app, status, now, now, activate_at)
        self.connections[connection.connection_id] = connection
        return connection

    def gateway_connection(self, header: str | None) -> Connection:
        """The connection a gateway request uses: the one named by ``Maton-Connection``, else the oldest
        ACTIVE whatsapp-business one. Raises Maton's 400 when there is none."""
        now = self.now()
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
        now = self.now()
        for template in self.templates.values():
            template.refresh(now)
        return list(self.templates.values())

    def find_template(self, name: object, language: object) -> Template | None:
        """The template with that name and language, review brought up to date."""
        return next((t for t in self.sorted_templates() if t.name == name and t.language == language), None)

    def add_event(self, value: dict[str, Any]) -> None:
        """Store a webhook event shaped like the ``messages`` field's notification."""
        metadata = {
            "display_phone_number": digits(self.display_phone_number),
            "phone_number_id": self.phone_number_id,
        }
        change = {
            "field": "messages",
            "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
        }
        self.events.append(
            {"object": "whatsapp_business_account", "entry": [{"id": self.waba_id, "changes": [change]}]}
        )
        self.revision += 1

    def index(self, record: dict[str, Any]) -> None:
        """Make a stored or received message findable by id and in its customer's thread."""
        self.by_id[record["id"]] = record
        thread = self.threads.pop(record["wa_id"], [])  # re-inserted: the dict keeps activity order
        thread.append(record)
        self.threads[record["wa_id"]] = thread
        self.revision += 1

    def store_message(self, body: dict[str, Any], to: str, kind: str, connection_id: str) -> dict[str, Any]:
        """Store an accepted message with its ``sent`` status (and event); answer the stored record."""
        now = self.now()
        record = {
            "id": new_wamid(),
            "to": to,
            "wa_id": digits(to),
            "type": kind,
            "body": body,
            "connection_id": connection_id,
            "phone_number_id": self.phone_number_id,
            "timestamp": now,
            "biz_opaque_callback_data": body.get("biz_opaque_callback_data"),
            "status": "sent",
        }
        self.messages.append(record)
        self.index(record)
        self.add_status_event(record, "sent")
        return record

    def add_status_event(self, record: dict[str, Any], status: str) -> None:
        """The status webhook of an outbound message (carrying ``biz_opaque_callback_data`` if given)."""
        event: dict[str, Any] = {
            "id": record["id"],
            "status": status,
            "timestamp": str(int(self.now())),
            "recipient_id": record["wa_id"],
        }
        if record.get("biz_opaque_callback_data") is not None:
            event["biz_opaque_callback_data"] = record["biz_opaque_callback_data"]
        self.add_event({"statuses": [event]})

    def set_status(self, record: dict[str, Any], status: str) -> None:
        """Move an outbound message to ``delivered``, ``read`` or ``failed`` (never back), with its event."""
        current = record.get("status", "sent")
        if current == "failed" or status == current:
            return
        if status != "failed" and STATUS_ORDER.index(status) < STATUS_ORDER.index(current):
            return
        record["status"] = status
        self.add_status_event(record, status)

    def receive(self, wa_id: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
        """A customer's message (a webhook ``messages`` item without id/from/timestamp): stored, its event
        added, the 24-hour window opened, and the business's earlier messages to them marked read."""
        now = self.now()
        wamid = new_wamid()
        full = {"from": wa_id, "id": wamid, "timestamp": str(int(now)), **message}
        record = {"id": wamid, "from": wa_id, "wa_id": wa_id, "name": name, "timestamp": now, "message": full}
        for earlier in self.threads.get(wa_id, []):
            if "message" not in earlier:
                self.set_status(earlier, "read")
        self.windows[wa_id] = now
        self.received.append(record)
        self.index(record)
        self.add_event({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [full]})
        return record


class SandboxState:
    """All keys of one server, plus indexes for the unauthenticated connect page and CDN."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock(config.clock)
        self.keys: dict[str, KeyState] = {}
        self.first_key = config.api_keys[0] if config.api_keys else None

    def create_configured_keys(self) -> None:
        """The keys of ``config.api_keys`` that do not exist yet (a ``--state`` file may hold them)."""
        for index, api_key in enumerate(self.config.api_keys):
            if api_key not in self.keys:
                self.create_key(api_key, active_connection=True, canonical=index == 0, seed="docs")

    def create_key(
        self,
        api_key: str | None,
        *,
        active_connection: bool,
        canonical: bool = False,
        seed: str = "minimal",
        label: str = "",
    ) -> KeyState:
        """A new key with its own WABA and phone number (the first configured key gets the documented
        ids ``102290129340398`` / ``106540352242922``) and, if asked, one ACTIVE connection."""
        key = api_key or "sk-sandbox-" + secrets.token_urlsafe(24)
        if key in self.keys:
            raise ValueError(f"api key {key!r} exists already")
        state = KeyState(
            api_key=key,
            config=self.config,
            clock=self.clock,
            waba_id=CANONICAL_WABA_ID if canonical else graph_id(),
            phone_number_id=CANONICAL_PHONE_NUMBER_ID if canonical else graph_id(),
            label=label,
            seed=seed,
        )
        if active_connection:
            state.add_connection(WHATSAPP_APP, "ACTIVE")
        self.keys[key] = state
        return state

    def find_connection(self, connection_id: str) -> tuple[KeyState, Connection] | None:
        """A connection of any key and its owner (the connect page is opened without a key, like Maton's)."""
        for state in self.keys.values():
            if connection_id in state.connections:
                return state, state.connections[connection_id]
        return None

    def find_media(self, media_id: str) -> tuple[KeyState, Media] | None:
        """The media object and its owner (the CDN is fetched without a key)."""
        for state in self.keys.values():
            if media_id in state.media:
                return state, state.media[media_id]
        return None
