"""Rendering the inbox with Jinja2 (autoescaped): the page, its two live parts (conversation list and the
open conversation), and each message bubble on its own, so that one message that cannot be shown is
replaced by a note instead of breaking the page."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..state import KeyState
from .markup import clean, wa_format
from .templates_text import filled_template
from .views import Thread, chats, clock_time, is_received, kind_of, payload, summary, thread

TEMPLATES = Path(__file__).with_name("templates")
log = logging.getLogger(__name__)


@functools.cache
def environment() -> Environment:
    """The inbox's Jinja environment, built once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=ChainableUndefined,
    )
    env.filters["wa"] = wa_format
    env.filters["clean"] = lambda value: clean(str(value))
    env.globals.update(summary=summary, clock_time=clock_time, payload=payload, kind_of=kind_of)
    return env


def media_src(key: KeyState, part: object) -> str | None:
    """Where the page loads a media object from: the sandbox itself for uploaded media (by ``id``).
    Media sent by ``link`` is shown as a link, never loaded: the inbox loads nothing from outside."""
    if isinstance(part, dict) and "id" in part:
        media = key.media.get(str(part["id"]))
        if media is not None:
            return f"/_sandbox/inbox/media/{media.id}?{urlencode({'token': media.token})}"
    return None


def template_view(key: KeyState, send: dict[str, Any]) -> dict[str, Any] | None:
    """The template as its recipient reads it, or None when this key has no such template (any more)."""
    template = key.find_template(send.get("name"), (send.get("language") or {}).get("code"))
    return filled_template(template, send) if template is not None else None


def bubble(key: KeyState, record: dict[str, Any], page: Thread) -> Markup:
    """One message as WhatsApp shows it; a note in its place if it cannot be shown."""
    message = payload(record)
    context = message.get("context") if isinstance(message.get("context"), dict) else None
    quoted = key.by_id.get(str((context or {}).get("message_id") or (context or {}).get("id") or ""))
    try:
        return Markup(
            environment()
            .get_template("bubble.html")
            .render(
                record=record,
                message=message,
                kind=kind_of(record),
                received=is_received(record),
                quoted=quoted,
                has_context=context is not None,
                reactions=page.reactions.get(str(record.get("id")), []),
                media_src=lambda part: media_src(key, part),
                template_view=lambda send: template_view(key, send),
                wa_id=page.wa_id,
            )
        )
    except Exception:  # a stored message is hostile input: show a note, never fail the page
        log.exception("inbox: message %s cannot be shown", record.get("id"))
        return Markup(
            environment().get_template("broken.html").render(record_id=clean(str(record.get("id"))))
        )


def parts(key: KeyState, query: str, chat: str | None, page: int, chat_page: int) -> dict[str, str]:
    """The two live parts of the page: ``chats`` (the list) and ``thread`` (the open conversation)."""
    listed, more = chats(key, query, chat_page)
    env = environment()
    chats_html = env.get_template("chats.html").render(
        chats=listed, more=more, query=query, chat=chat, chat_page=chat_page, api_key=key.api_key
    )
    opened = thread(key, chat, page) if chat else None
    bubbles = [bubble(key, record, opened) for record in opened.records] if opened else []
    thread_html = env.get_template("thread.html").render(
        thread=opened, bubbles=bubbles, query=query, api_key=key.api_key
    )
    return {"chats": clean(chats_html), "thread": clean(thread_html)}


def page(
    key: KeyState, accounts: list[KeyState], query: str, chat: str | None, page: int, chat_page: int
) -> str:
    """The whole inbox page for ``key``."""
    return clean(
        environment()
        .get_template("inbox.html")
        .render(
            key=key,
            accounts=accounts,
            query=query,
            chat=chat,
            page=page,
            chat_page=chat_page,
            faults=key.faults.to_json(),
            revision=key.revision,
            **parts(key, query, chat, page, chat_page),
        )
    )
