"""Every send method of the hook, against the sandbox: what the sandbox stored is what was meant."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppOutsideWindowError,
    WhatsAppRecipientError,
    WhatsAppTemplateError,
    WhatsAppTemplateParameterError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

CUSTOMER = "+31612345789"


@pytest.fixture
def open_window(sandbox_admin: SandboxAdminClient) -> str:
    """The customer wrote in, so free-form messages are allowed for 24 hours."""
    sandbox_admin.inbound(CUSTOMER)
    return CUSTOMER


def stored_body(sandbox_admin: SandboxAdminClient) -> dict[str, Any]:
    (message,) = sandbox_admin.messages()
    return dict(message["body"])


def test_send_text_stores_a_conforming_body(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str
) -> None:
    result = hook.send_text(open_window, "Hello *world*", preview_url=True)

    assert result.message_id.startswith("wamid.")
    assert result.wa_id == "31612345789"
    assert stored_body(sandbox_admin) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"body": "Hello *world*", "preview_url": True},
    }


def test_reply_context_and_tracker_are_sent(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str
) -> None:
    inbound = sandbox_admin.inbound(open_window, "where is my order?")
    hook.send_text(open_window, "On its way", reply_to=inbound, biz_opaque_callback_data="order-42")

    body = stored_body(sandbox_admin)
    assert body["context"] == {"message_id": inbound}
    assert body["biz_opaque_callback_data"] == "order-42"


@pytest.mark.parametrize("media_type", ["image", "video", "audio", "document", "sticker"])
def test_send_media_by_link(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str, media_type: str
) -> None:
    link = f"https://example.com/file.{media_type}"
    caption = "look" if media_type in ("image", "video", "document") else None
    hook.send_media(open_window, media_type, link=link, caption=caption)

    body = stored_body(sandbox_admin)
    assert body["type"] == media_type
    assert body[media_type]["link"] == link
    assert body[media_type].get("caption") == caption


def test_send_location_contacts_reaction(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str
) -> None:
    hook.send_location(open_window, 52.37, 4.89, name="Dam", address="Amsterdam")
    contact = {
        "name": {"formatted_name": "John Doe", "first_name": "John"},
        "phones": [{"phone": "+1555", "type": "CELL"}],
    }
    hook.send_contacts(open_window, [contact])
    first = sandbox_admin.messages()[0]
    hook.send_reaction(open_window, first["id"], "\N{THUMBS UP SIGN}")

    bodies = [m["body"] for m in sandbox_admin.messages()]
    assert [b["type"] for b in bodies] == ["location", "contacts", "reaction"]
    assert bodies[0]["location"] == {
        "latitude": 52.37,
        "longitude": 4.89,
        "name": "Dam",
        "address": "Amsterdam",
    }
    assert bodies[1]["contacts"][0]["name"]["formatted_name"] == "John Doe"
    assert bodies[2]["reaction"] == {"message_id": first["id"], "emoji": "\N{THUMBS UP SIGN}"}


@pytest.mark.parametrize(
    "interactive",
    [
        {
            "type": "button",
            "body": {"text": "Proceed?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]},
        },
        {
            "type": "list",
            "body": {"text": "Pick one"},
            "action": {
                "button": "Options",
                "sections": [{"title": "Products", "rows": [{"id": "p1", "title": "Product 1"}]}],
            },
        },
        {
            "type": "cta_url",
            "body": {"text": "Your report"},
            "action": {
                "name": "cta_url",
                "parameters": {"display_text": "Open", "url": "https://example.com/r"},
            },
        },
    ],
    ids=["button", "list", "cta_url"],
)
def test_send_interactive(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str, interactive: dict[str, Any]
) -> None:
    hook.send_interactive(open_window, interactive)
    assert stored_body(sandbox_admin)["interactive"] == interactive


def test_dict_message_in_api_shape(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, open_window: str
) -> None:
    hook.send_message(open_window, {"type": "text", "text": {"body": "raw dict"}})
    assert stored_body(sandbox_admin)["text"]["body"] == "raw dict"


def test_template_passes_outside_the_window(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    result = hook.send_template(CUSTOMER, "hello_world", "en_US")

    assert result.message_id.startswith("wamid.")
    assert stored_body(sandbox_admin)["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_free_text_outside_the_window_is_refused(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    with pytest.raises(WhatsAppOutsideWindowError) as caught:
        hook.send_text(CUSTOMER, "hi")

    assert caught.value.code == 131047
    assert caught.value.status == 400
    assert caught.value.fbtrace_id
    assert sandbox_admin.messages() == []


def test_template_errors_are_named(hook: MatonWhatsAppHook) -> None:
    with pytest.raises(WhatsAppTemplateError) as missing:
        hook.send_template(CUSTOMER, "hello_world", "nl")
    assert missing.value.code == 132001

    with pytest.raises(WhatsAppTemplateParameterError) as mismatch:
        hook.send_template(CUSTOMER, "hello_world", "en_US", body=["unexpected"])
    assert mismatch.value.code == 132000


def test_undeliverable_recipient(hook: MatonWhatsAppHook) -> None:
    with pytest.raises(WhatsAppRecipientError) as caught:
        hook.send_template("+15550000000", "hello_world")
    assert caught.value.code == 131026
    assert "15550000000" not in str(caught.value)


def test_mark_as_read(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    inbound = sandbox_admin.inbound(CUSTOMER)
    assert hook.mark_as_read(inbound) is True


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "text", "text": {"body": "x" * 4097}}, "text.body"),
        ({"type": "image", "image": {"link": "ftp://example.com/a.png"}}, "image"),
        ({"type": "location", "location": {"latitude": 91, "longitude": 0}}, "location.latitude"),
    ],
)
def test_invalid_input_fails_locally_and_sends_nothing(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, message: dict[str, Any], field: str
) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        hook.send_message(CUSTOMER, message)

    assert field in str(caught.value)
    assert sandbox_admin.requests_log("/messages") == []
    assert sandbox_admin.messages() == []


def test_bad_recipient_fails_locally(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    with pytest.raises(WhatsAppValidationError, match="to"):
        hook.send_text("not-a-number", "hi")
    assert sandbox_admin.messages() == []
