"""The inbox's view of one key: conversations newest first, a page of one conversation with reactions
attached to the messages they react to, quoted replies, one-line summaries, and search.

Conversations are the key's ``threads`` (sent and received messages per customer ``wa_id``). Pages are
cut before anything is rendered, so a page costs its own size whatever the key holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..records import digits
from ..state import KeyState
from .markup import clean

CHATS_PER_PAGE = 50
MESSAGES_PER_PAGE = 50


def is_received(record: dict[str, Any]) -> bool:
    """Whether a record is a customer's message (else one the business sent)."""
    return "message" in record


def payload(record: dict[str, Any]) -> dict[str, Any]:
    """The message object: the send's body, or the received webhook message."""
    found = record.get("message") if is_received(record) else record.get("body")
    return found if isinstance(found, dict) else {}


def kind_of(record: dict[str, Any]) -> str:
    """The message type (``text`` when the body does not say)."""
    return str(payload(record).get("type", "text"))


def summary(record: dict[str, Any]) -> str:
    """One line of plain text for lists, quotes and search."""
    message, kind = payload(record), kind_of(record)
    part = message.get(kind)
    part = part if isinstance(part, dict) else {}
    if kind == "text":
        text = str(part.get("body", ""))
    elif kind in ("image", "video", "audio", "document", "sticker"):
        text = f"[{kind}] " + str(part.get("caption") or part.get("filename") or "")
    elif kind == "location":
        text = "[location] " + str(part.get("name") or part.get("address") or "")
    elif kind == "contacts":
        names = [str((c.get("name") or {}).get("formatted_name", "")) for c in message.get("contacts") or []]
        text = "[contact] " + ", ".join(names)
    elif kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply")
        text = str((reply or {}).get("title") or (part.get("body") or {}).get("text", ""))
    elif kind == "template":
        text = f"[template] {part.get('name', '')}"
    elif kind == "button":
        text = str(part.get("text", ""))
    elif kind == "reaction":
        text = f"reacted {part.get('emoji', '')}"
    else:
        text = f"[{kind}]"
    return clean(" ".join(text.split()))


@dataclass
class Chat:
    """One conversation in the list."""

    wa_id: str
    last: dict[str, Any]
    count: int
    name: str


@dataclass
class Thread:
    """One page of a conversation, oldest first, and what the page needs to show it."""

    wa_id: str
    records: list[dict[str, Any]]
    page: int
    has_older: bool
    reactions: dict[str, list[str]] = field(default_factory=dict)
    total: int = 0


def customer_name(records: list[dict[str, Any]]) -> str:
    """The profile name the customer wrote with most recently, if any."""
    for record in reversed(records):
        if is_received(record):
            return str(record.get("name", ""))
    return ""


def matches(records: list[dict[str, Any]], wa_id: str, query: str) -> bool:
    """Whether a conversation matches a search: digits of the number, or text of a message."""
    wanted = query.strip().lower()
    if not wanted:
        return True
    number = digits(wanted)
    if number and number == wanted.lstrip("+").replace(" ", "") and number in wa_id:
        return True
    return any(wanted in summary(record).lower() for record in records)


def chats(key: KeyState, query: str = "", page: int = 0) -> tuple[list[Chat], bool]:
    """One page of conversations, latest activity first, and whether more follow."""
    ordered = reversed(key.threads.items())
    found = [(wa_id, records) for wa_id, records in ordered if matches(records, wa_id, query)]
    start = page * CHATS_PER_PAGE
    shown = found[start : start + CHATS_PER_PAGE]
    listed = [Chat(wa_id, records[-1], len(records), customer_name(records)) for wa_id, records in shown]
    return listed, len(found) > start + CHATS_PER_PAGE


def reactions_by_target(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The current reaction of each side (business, customer) to each message: the latest one wins,
    an empty emoji removes it."""
    latest: dict[tuple[str, bool], str] = {}
    for record in records:
        if kind_of(record) == "reaction":
            reaction = payload(record).get("reaction") or {}
            latest[(str(reaction.get("message_id")), is_received(record))] = str(reaction.get("emoji", ""))
    found: dict[str, list[str]] = {}
    for (target, _), emoji in latest.items():
        if emoji:
            found.setdefault(target, []).append(clean(emoji))
    return found


def thread(key: KeyState, wa_id: str, page: int = 0) -> Thread:
    """Page ``page`` (0 is the newest) of the conversation with ``wa_id``; reactions are not bubbles of
    their own when their message is in the conversation."""
    records = key.threads.get(wa_id, [])
    reactions = reactions_by_target(records)
    ids = {record["id"] for record in records}
    shown = [
        record
        for record in records
        if kind_of(record) != "reaction"
        or str((payload(record).get("reaction") or {}).get("message_id")) not in ids
    ]
    end = max(len(shown) - page * MESSAGES_PER_PAGE, 0)
    start = max(end - MESSAGES_PER_PAGE, 0)
    return Thread(wa_id, shown[start:end], page, start > 0, reactions, len(shown))


def clock_time(timestamp: object) -> str:
    """``14:05`` (UTC) of a record's timestamp."""
    try:
        return datetime.fromtimestamp(float(str(timestamp)), UTC).strftime("%H:%M")
    except (ValueError, OverflowError, OSError):
        return ""
