"""``POST /{phone_number_id}/messages``: sends and read receipts, with the Cloud API's business rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import validation
from ..errors import GraphError, invalid_parameter, unknown_object
from ..records import digits
from ..state import KeyState
from ..template_sends import check_template_send
from .common import check, connection_of, json_body, key_of

router = APIRouter()

WINDOW_SECONDS = 24 * 60 * 60
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


def window_open(key: KeyState, wa_id: str) -> bool:
    """Whether ``wa_id`` wrote to this key's number within the last 24 hours (sandbox time)."""
    last = key.windows.get(wa_id)
    return last is not None and key.now() - last < WINDOW_SECONDS


def check_template(key: KeyState, send: dict[str, Any]) -> None:
    """The template named by a send must exist in that language, be APPROVED and get its parameters."""
    name = send.get("name")
    language = (send.get("language") or {}).get("code")
    found = key.find_template(name, language)
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
    check_template_send(found, send)


def media_objects(body: dict[str, Any], kind: str) -> list[Any]:
    """The media objects a message carries: its own, an interactive header's, template header params."""
    objects: list[Any] = [body.get(kind)] if kind in MEDIA_TYPES else []
    if kind == "interactive":
        header = (body.get("interactive") or {}).get("header") or {}
        objects.append(header.get(header.get("type", "")))
    if kind == "template":
        for component in (body.get("template") or {}).get("components") or []:
            for parameter in component.get("parameters") or []:
                if isinstance(parameter, dict) and parameter.get("type") in MEDIA_TYPES:
                    objects.append(parameter.get(parameter["type"]))
    return objects


def check_media_ids(key: KeyState, body: dict[str, Any], kind: str) -> None:
    """Media sent by ``id`` must have been uploaded by this key and not deleted."""
    for media in media_objects(body, kind):
        if isinstance(media, dict) and "id" in media and str(media["id"]) not in key.media:
            raise GraphError(
                131009, "(#131009) Parameter value is not valid", f"Media id {media['id']} does not exist"
            )


def mark_as_read(key: KeyState, body: dict[str, Any]) -> JSONResponse:
    """A read receipt: the id must be an inbound message this key received (``POST /_sandbox/inbound``)."""
    message_id = body.get("message_id")
    record = key.by_id.get(str(message_id))
    if record is None or "message" not in record:
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
    record = key.store_message(body, to, kind, connection_of(request).connection_id)
    message: dict[str, Any] = {"id": record["id"]}
    if kind == "template":
        message["message_status"] = "accepted"
    return JSONResponse(
        {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": wa_id}], "messages": [message]}
    )
