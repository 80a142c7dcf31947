"""The inbox in a real browser: headless Chromium (Debian's ``chromium``) driven by playwright-python.

One message of each type is sent through ``MatonWhatsAppHook`` (its upload, its typed sends, a reaction)
to the sandbox over HTTP; the page must show each as WhatsApp does,
let the customer reply and press a button, and update by itself. A screenshot is saved
(``WHATSAPP_INBOX_SCREENSHOT``, default: the test's tmp dir; ``docs/sandbox-inbox.png`` is one). Skipped,
saying why, where Chromium or playwright is missing; ``.ci/run`` installs both, so CI always runs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox import SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import airflow_connection_json

from .conftest import Client, new_client
from .inbox_messages import CUSTOMER, every_type, mark_delivered, png

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no browser at {CHROMIUM}: apt-get install -y chromium chromium-driver (.ci/run does)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


def send_every_type_with_the_hook(client: Client, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The customer writes first, then the hook uploads the image and sends one message of each type
    (each checked by the hook's models first) and a reaction; wamids by name."""
    connection = airflow_connection_json(
        client.base_url, client.api_key, client.waba_id, client.phone_number_id
    )
    monkeypatch.setenv("AIRFLOW_CONN_MATON_INBOX_BROWSER", connection)
    hook = MatonWhatsAppHook("maton_inbox_browser", requests_per_second=0)
    ids = {"inbound": client.inbound(CUSTOMER, "Hi, where is my order?")}
    image_id = hook.upload_media(png(), "image/png", filename="chart.png")
    for name, message in every_type(ids["inbound"], image_id).items():
        quoted = message.pop("context", {}).get("message_id")  # the hook takes it as reply_to
        ids[name] = hook.send_message(CUSTOMER, message, reply_to=quoted).message_id
    hook.send_reaction(CUSTOMER, ids["inbound"], "👍")
    mark_delivered(client, ids["text"])
    return ids


def test_the_inbox_shows_every_message_and_the_customer_can_answer(
    browser: Any, unlimited_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client: Client = new_client(unlimited_sandbox.url, templates="docs", label="browser test")
    ids = send_every_type_with_the_hook(client, monkeypatch)
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{client.base_url}/?key={client.api_key}&chat={CUSTOMER.lstrip('+')}")

    def bubble(name: str) -> Any:
        return page.locator(f'li.bubble[data-id="{ids[name]}"]')

    text = bubble("text")
    assert text.locator("strong").inner_text() == "on its way"
    assert text.locator("em").inner_text() == "today"
    assert text.locator("s").inner_text() == "maybe"
    assert text.locator("code").inner_text() == "A-1042"
    assert text.locator("a").get_attribute("href") == "https://example.com/track"
    assert text.locator(".ticks").get_attribute("title") == "delivered"
    assert bubble("reply").locator(".quote").inner_text().endswith("Hi, where is my order?")
    image = bubble("image").locator("img.image")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64  # served by the sandbox
    assert "report.pdf" in bubble("document").inner_text()
    assert "April report" in bubble("document").locator(".caption").inner_text()
    assert "Pickup point Dam" in bubble("location").inner_text()
    assert "Ann Support" in bubble("contacts").inner_text()
    assert bubble("buttons").locator("button.reply-button").all_inner_texts() == ["Yes, fine", "Change it"]
    assert bubble("list").locator("summary").inner_text().endswith("Show slots")
    assert bubble("cta").locator("a.cta").get_attribute("href") == "https://example.com/live"
    template = bubble("template")
    assert template.locator(".header").inner_text() == "Order confirmed"
    assert template.locator(".text").inner_text() == (
        "Hi Alex, thank you for your order A-1042! We will tell you when it ships."
    )
    assert template.locator(".text strong").inner_text() == "A-1042"
    assert template.locator(".footer").inner_text() == "Reply STOP to opt out"
    assert bubble("named").locator(".text").inner_text() == "Hi Alex, order A-1042 arrives on May 2."
    assert bubble("inbound").locator(".reaction").inner_text() == "👍"

    bubble("buttons").get_by_role("button", name="Change it").click()
    page.locator("li.bubble.in", has_text="Change it").wait_for()
    page.locator("form.composer input[name=text]").fill("Thanks, see you *tomorrow*")
    page.locator("form.composer button").click()
    reply = page.locator("li.bubble.in", has_text="Thanks, see you")
    reply.wait_for()
    assert reply.locator("strong").inner_text() == "tomorrow"
    assert text.locator(".ticks").get_attribute("title") == "read"  # the customer answered

    assert client.send({"type": "text", "text": {"body": "Sent while the page is open"}}).status_code == 200
    page.locator("li.bubble.out", has_text="Sent while the page is open").wait_for()  # the page polls

    received = [
        m
        for m in client.admin("GET", "events").json()["data"]
        if "messages" in m["entry"][0]["changes"][0]["value"]
    ]
    pressed = received[-2]["entry"][0]["changes"][0]["value"]["messages"][0]
    assert pressed["interactive"]["button_reply"] == {"id": "no", "title": "Change it"}
    assert errors == []
    shot = Path(os.environ.get("WHATSAPP_INBOX_SCREENSHOT", tmp_path / "sandbox-inbox.png"))
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    page.close()
