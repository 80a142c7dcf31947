"""What a simulated customer sends (``POST /_sandbox/inbound``, the inbox's reply box and buttons), as
the webhook ``messages`` item the Cloud API would deliver: text, a reply quoting a message, a reaction,
or a press of a reply button, list row or template quick-reply button of a message the business sent.
"""

from __future__ import annotations

from typing import Any

from .records import digits
from .state import KeyState


class CustomerError(ValueError):
    """A simulated customer message that cannot be built; the message says why."""


def context_of(key: KeyState, message_id: object) -> dict[str, str]:
    """The ``context`` of a reply to ``message_id``, which must be a message of this key."""
    if not isinstance(message_id, str) or message_id not in key.by_id:
        raise CustomerError(f"message {message_id!r} is not a message of this key")
    return {"from": digits(key.display_phone_number), "id": message_id}


def template_button(key: KeyState, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A template's quick-reply button ``index`` as pressed: its payload (the send's, else its text)."""
    template = key.find_template(body.get("name"), (body.get("language") or {}).get("code"))
    buttons = [
        button
        for component in (template.components if template else [])
        if str(component.get("type", "")).upper() == "BUTTONS"
        for button in component.get("buttons", [])
    ]
    if not 0 <= index < len(buttons) or str(buttons[index].get("type", "")).upper() != "QUICK_REPLY":
        raise CustomerError(f"the template has no quick-reply button {index}")
    text = str(buttons[index].get("text", ""))
    payload = text
    for component in body.get("components") or []:
        if component.get("type") == "button" and str(component.get("index")) == str(index):
            for parameter in component.get("parameters") or []:
                payload = str(parameter.get("payload", payload))
    return {"type": "button", "button": {"payload": payload, "text": text}}


def button_press(key: KeyState, message_id: object, choice: object) -> dict[str, Any]:
    """The customer presses button (or list row) ``choice`` of the business's message ``message_id``."""
    context = context_of(key, message_id)
    record = key.by_id[context["id"]]
    body = record.get("body") or {}
    interactive = body.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        for button in action.get("buttons", []):
            reply = button.get("reply") or {}
            if reply.get("id") == choice:
                picked = {"id": reply["id"], "title": reply.get("title", "")}
                return {
                    "context": context,
                    "type": "interactive",
                    "interactive": {"type": "button_reply", "button_reply": picked},
                }
    elif interactive.get("type") == "list":
        for section in action.get("sections", []):
            for row in section.get("rows", []):
                if row.get("id") == choice:
                    picked = {key_: row[key_] for key_ in ("id", "title", "description") if key_ in row}
                    return {
                        "context": context,
                        "type": "interactive",
                        "interactive": {"type": "list_reply", "list_reply": picked},
                    }
    elif record.get("type") == "template" and isinstance(choice, str) and choice.isdigit():
        return {"context": context, **template_button(key, body.get("template") or {}, int(choice))}
    raise CustomerError(f"message {context['id']} has no button or row {choice!r}")


def customer_message(key: KeyState, body: dict[str, Any]) -> dict[str, Any]:
    """The webhook message for an inbound body: ``button`` ({"message_id", "id"}), ``reaction``
    ({"message_id", "emoji"}), else ``text`` (default "hi"), quoting ``context`` when given."""
    if "button" in body:
        press = body["button"]
        if not isinstance(press, dict):
            raise CustomerError('button must be {"message_id", "id"}')
        return button_press(key, press.get("message_id"), press.get("id"))
    if "reaction" in body:
        reaction = body["reaction"]
        if not isinstance(reaction, dict) or not isinstance(reaction.get("emoji"), str):
            raise CustomerError('reaction must be {"message_id", "emoji"}')
        target = context_of(key, reaction.get("message_id"))["id"]
        return {"type": "reaction", "reaction": {"message_id": target, "emoji": reaction["emoji"]}}
    text = body.get("text", "hi")
    if not isinstance(text, str) or not text or len(text) > 4096:
        raise CustomerError("text must be a string of 1 to 4096 characters")
    message: dict[str, Any] = {"type": "text", "text": {"body": text}}
    if body.get("context") is not None:
        message["context"] = context_of(key, body["context"])
    return message
