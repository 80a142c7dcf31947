"""Property tests: what the models accept, the sandbox accepts; what they refuse is never sent."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

CUSTOMER = "+31612345789"
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)
https_urls = st.from_regex(r"https://example\.com/[a-z0-9]{1,20}\.(png|jpg|pdf|mp4)", fullmatch=True)
button_titles = st.text(st.characters(min_codepoint=0x41, max_codepoint=0x7A), min_size=1, max_size=20)


@st.composite
def reply_buttons(draw: st.DrawFn) -> dict[str, Any]:
    titles = draw(st.lists(button_titles, min_size=1, max_size=3, unique=True))
    buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]
    return {
        "type": "button",
        "body": {"text": draw(words.filter(lambda s: len(s) <= 1024))},
        "action": {"buttons": buttons},
    }


@st.composite
def list_messages(draw: st.DrawFn) -> dict[str, Any]:
    """1..3 sections sharing at most 10 rows, titles within Meta's limits."""
    row_counts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).filter(lambda c: sum(c) <= 10))
    sections = [
        {
            "title": draw(button_titles.filter(lambda s: len(s) <= 24)),
            "rows": [{"id": f"s{s}r{r}", "title": draw(button_titles)} for r in range(count)],
        }
        for s, count in enumerate(row_counts)
    ]
    return {
        "type": "list",
        "body": {"text": draw(words.filter(lambda s: len(s) <= 1024))},
        "action": {"button": draw(button_titles), "sections": sections},
    }


def contact_card(name: str, phone: str, label: str) -> list[dict[str, Any]]:
    return [{"name": {"formatted_name": name}, "phones": [{"phone": phone, "type": label}]}]


def reaction(emoji: str) -> dict[str, Any]:
    return {"type": "reaction", "reaction": {"message_id": "wamid.HBgLMzE2MTIzNDU3ODk", "emoji": emoji}}


contacts = st.builds(
    contact_card,
    words.filter(lambda s: s.strip() and len(s) <= 100),
    st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True),
    st.sampled_from(["CELL", "MAIN", "MOBILE", "HOME", "WORK", "IPHONE"]),
)

valid_messages = st.one_of(
    st.builds(
        lambda body: {"type": "text", "text": {"body": body}},
        words.filter(lambda s: s.strip() and len(s) <= 4096),
    ),
    st.builds(
        lambda kind, link, caption: {"type": kind, kind: {"link": link, "caption": caption}},
        st.sampled_from(["image", "video", "document"]),
        https_urls,
        words.filter(lambda s: s.strip() and len(s) <= 1024),
    ),
    st.builds(
        lambda lat, lon: {"type": "location", "location": {"latitude": lat, "longitude": lon}},
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
    st.builds(lambda i: {"type": "interactive", "interactive": i}, reply_buttons()),
    st.builds(lambda i: {"type": "interactive", "interactive": i}, list_messages()),
    st.builds(
        lambda text, url, body: {
            "type": "interactive",
            "interactive": {
                "type": "cta_url",
                "body": {"text": body},
                "action": {"name": "cta_url", "parameters": {"display_text": text, "url": url}},
            },
        },
        button_titles,
        https_urls,
        words.filter(lambda s: s.strip() and len(s) <= 1024),
    ),
    st.builds(
        lambda kind, link: {"type": kind, kind: {"link": link}},
        st.sampled_from(["audio", "sticker"]),
        https_urls,
    ),
    st.builds(lambda c: {"type": "contacts", "contacts": c}, contacts),
    st.builds(reaction, st.sampled_from(["\N{THUMBS UP SIGN}", "\N{RED APPLE}", "\N{GRINNING FACE}", ""])),
    st.just({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
)

invalid_messages = st.one_of(
    st.builds(lambda n: {"type": "text", "text": {"body": "x" * n}}, st.integers(4097, 6000)),
    st.builds(
        lambda kind, link: {"type": kind, kind: {"link": link}},
        st.sampled_from(["image", "video", "audio", "document", "sticker"]),
        st.from_regex(r"(ftp|file|javascript):[a-z/]{1,20}", fullmatch=True),
    ),
    st.builds(
        lambda lat: {"type": "location", "location": {"latitude": lat, "longitude": 0}},
        st.one_of(st.floats(min_value=90.0001, max_value=1e6), st.floats(max_value=-90.0001, min_value=-1e6)),
    ),
    st.builds(
        lambda n: {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "pick"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": f"b{i}", "title": f"B{i}"}} for i in range(n)
                    ]
                },
            },
        },
        st.integers(4, 8),
    ),
    st.builds(
        lambda title: {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "pick"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": title}}]},
            },
        },
        st.text(min_size=21, max_size=40),
    ),
)


@PROPERTY_SETTINGS
@given(message=valid_messages)
def test_valid_messages_are_accepted_by_the_sandbox(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, message: dict[str, Any]
) -> None:
    sandbox_admin.inbound(CUSTOMER)
    result = hook.send_message(CUSTOMER, message)
    assert result.message_id.startswith("wamid.")


@PROPERTY_SETTINGS
@given(message=invalid_messages)
def test_invalid_messages_fail_locally_and_send_nothing(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, message: dict[str, Any]
) -> None:
    before = len(sandbox_admin.requests_log("/messages"))
    with pytest.raises(WhatsAppValidationError) as caught:
        hook.send_message(CUSTOMER, message)
    assert caught.value.errors, "the error names at least one field and rule"
    assert len(sandbox_admin.requests_log("/messages")) == before
