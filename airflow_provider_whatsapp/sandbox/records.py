"""The objects one key owns: Maton connections, message templates, uploaded media; ids shaped like Meta's.

Plain dataclasses with the JSON the API answers for them; ``state.py`` keeps them per key and
``store.py`` writes them to ``--state``. Time-driven changes (activation, review) are applied by
``refresh(now)`` when an object is read, which needs no background task.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso_time(timestamp: float) -> str:
    """``2025-12-08T07:20:53.488460Z``, as Maton writes times."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    """A message template; PENDING ones reach ``verdict`` at ``decide_at``.

    ``edits`` holds the times of the edits made while APPROVED (Meta limits them);
    ``previous_category`` is set when Meta (``POST /_sandbox/templates/{id}/category``) changed it.
    """

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
    previous_category: str | None = None
    edits: list[float] = field(default_factory=list)

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
        if self.previous_category is not None:
            answer["previous_category"] = self.previous_category
        return answer


@dataclass
class Media:
    """An uploaded media file, downloadable from the fake CDN with ``token``."""

    id: str
    data: bytes
    mime_type: str
    sha256: str
    token: str
    filename: str | None = None
