"""``POST /{phone_number_id}/messages``: sends and read receipts, with the Cloud API's business rules."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import validation
from ..errors import GraphError, invalid_parameter, unknown_object
from ..state import KeyState, Template, digits, new_wamid
from .common import check, connection_of, json_body, key_of

router = APIRouter()

WINDOW_SECONDS = 24 * 60 * 60
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
_MEDIA_HEADER_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")


def window_open(key: KeyState, wa_id: str) -> bool:
    """Whether ``wa_id`` wrote to this key's number within the last 24 hours."""
    last = key.windows.get(wa_id)
    return last is not None and time.time() - last < WINDOW_SECONDS


def allowed_parameter_counts(template: Template) -> dict[str, frozenset[int]]:
    """How many parameters each component of a send may carry: ``header``, ``body``, ``button:<index>``."""
    allowed: dict[str, frozenset[int]] = {"header": frozenset({0}), "body": frozenset({0})}
    for component in template.components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            if header_format == "TEXT":
                count = validation.template_placeholder_count(str(component.get("text", "")))
            else:
                count = 1 if header_format in _MEDIA_HEADER_FORMATS else 0
            allowed["header"] = frozenset({count})
        elif kind == "BODY":
            text = str(component.get("text", ""))
            authentication = template.category == "AUTHENTICATION" and not text
            allowed["body"] = frozenset(
                {1 if authentication else validation.template_placeholder_count(text)}
            )
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                allowed[f"button:{index}"] = button_parameter_counts(button)
    return allowed


def button_parameter_counts(button: dict[str, Any]) -> frozenset[int]:
    """URL buttons take one parameter per placeholder, copy code / OTP one, quick replies 0 or 1."""
    button_type = str(button.get("type", "")).upper()
    if button_type == "URL":
        return frozenset({validation.template_placeholder_count(str(button.get("url", "")))})
    if button_type in ("COPY_CODE", "OTP"):
        return frozenset({1})
    if button_type == "QUICK_REPLY":
        return frozenset({0, 1})
    return frozenset({0})


def check_parameter_counts(template: Template, send: dict[str, Any]) -> None:
    """Graph's 132000 when a component's parameter count differs from the template's placeholders."""
    allowed = allowed_parameter_counts(template)
    given: dict[str, int] = {}
    for component in send.get("components") or []:
        kind = str(component.get("type", "")).lower()
        if kind == "button":
            kind = f"button:{component.get('index', 0)}"
        given[kind] = given.get(kind, 0) + len(component.get("parameters") or [])
    for name in allowed.keys() | {
        name for name in given if name in ("header", "body") or name[:7] == "button:"
    }:
        count = given.get(name, 0)
        if count not in allowed.get(name, frozenset()):
            expected = "/".join(str(n) for n in sorted(allowed.get(name, frozenset({0}))))
            raise GraphError(
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                f"{name}: number of localizable_params ({count}) does not match the expected number of "
                f"params ({expected})",
            )


def check_template(key: KeyState, send: dict[str, Any]) -> None:
    """The template named by a send must exist in that language, be APPROVED and get its parameters."""
    name = send.get("name")
    language = (send.get("language") or {}).get("code")
    found = next((t for t in key.sorted_templates() if t.name == name and t.language == language), None)
    if found is None or found.status in ("PENDING", "REJECTED", "IN_APPEAL"):
        state = "does not exist" if found is None else f"is {found.status}, not APPROVED,"
        raise GraphError(
            132001,
            "(#132001) Template name does not exist in the translation",
            f"template name ({name}) {state} in {language}",
        )
    if found.status == "PAUSED":
        raise GraphError(132015, "(#132015) Template is Paused", f"template {name} is paused for low quality")
    if found.status == "DISABLED":
        raise GraphError(132016, "(#132016) Template is disabled", f"template {name} is disabled")
    check_parameter_counts(found, send)


def check_media_ids(key: KeyState, body: dict[str, Any], kind: str) -> None:
    """Media sent by ``id`` must have been uploaded by this key and not deleted."""
    objects: list[Any] = [body.get(kind)] if kind in MEDIA_TYPES else []
    if kind == "interactive":
        header = (body.get("interactive") or {}).get("header") or {}
        objects.append(header.get(header.get("type", "")))
    for media in objects:
        if isinstance(media, dict) and "id" in media and str(media["id"]) not in key.media:
            raise GraphError(
                131009, "(#131009) Parameter value is not valid", f"Media id {media['id']} does not exist"
            )


def mark_as_read(key: KeyState, body: dict[str, Any]) -> JSONResponse:
    """A read receipt: the id must be an inbound message this key received (``POST /_sandbox/inbound``)."""
    message_id = body.get("message_id")
    if message_id not in key.inbound_ids:
        raise invalid_parameter(f"message_id {message_id} is not a message received by this phone number")
    return JSONResponse({"success": True})


@router.post("/whatsapp-business/{version}/{object_id}/messages")
async def send_message(request: Request, object_id: str) -> JSONResponse:
    """Send a message, or mark an inbound one as read."""
    key = key_of(request)
    if object_id != key.phone_number_id:
        raise unknown_object(object_id, "post")
    body = await json_body(request)
    check(validation.validate_message(body))
    if not key.phone_registered:
        raise GraphError(133010, "(#133010) Account not registered", "The phone number is not registered")
    if body.get("status") == "read":
        return mark_as_read(key, body)
    to = str(body["to"])
    wa_id = digits(to)
    kind = str(body.get("type", "text"))
    if kind == "template":
        check_template(key, body["template"])
    elif key.config.enforce_window and not window_open(key, wa_id):
        raise GraphError(
            131047,
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied "
            "to this number.",
        )
    if wa_id.endswith("0000"):
        raise GraphError(131026, "(#131026) Message Undeliverable", f"Recipient {to} cannot receive messages")
    check_media_ids(key, body, kind)
    return JSONResponse(store_message(key, body, to, wa_id, kind, connection_of(request).connection_id))


def store_message(
    key: KeyState, body: dict[str, Any], to: str, wa_id: str, kind: str, connection_id: str
) -> dict[str, Any]:
    """Store an accepted message and its ``sent`` status event; answer the Cloud API's success body."""
    now = time.time()
    wamid = new_wamid()
    tracker = body.get("biz_opaque_callback_data")
    key.messages.append(
        {
            "id": wamid,
            "to": to,
            "wa_id": wa_id,
            "type": kind,
            "body": body,
            "connection_id": connection_id,
            "phone_number_id": key.phone_number_id,
            "timestamp": now,
            "biz_opaque_callback_data": tracker,
        }
    )
    status: dict[str, Any] = {
        "id": wamid,
        "status": "sent",
        "timestamp": str(int(now)),
        "recipient_id": wa_id,
    }
    if tracker is not None:
        status["biz_opaque_callback_data"] = tracker
    key.add_event({"statuses": [status]})
    message: dict[str, Any] = {"id": wamid}
    if kind == "template":
        message["message_status"] = "accepted"
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": wa_id}],
        "messages": [message],
    }
