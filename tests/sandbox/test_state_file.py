"""``--state FILE``: a restart keeps keys, connections, templates, media, messages, statuses, windows and
the clock; without it nothing is kept."""

from __future__ import annotations

from pathlib import Path

import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer

from .conftest import REVIEW_DELAY, Client, frozen_clock, new_client

CONFIG = SandboxConfig(rate_limit=0, template_approval_delay=REVIEW_DELAY, clock=frozen_clock)
TEXT = {"type": "text", "text": {"body": "Kept *across* restarts"}}


def client_of(server: SandboxServer, previous: Client) -> Client:
    """The same key on a restarted server."""
    return Client(
        server.url,
        previous.api_key,
        previous.waba_id,
        previous.phone_number_id,
        previous.connection_id,
        requests.Session(),
    )


def stage(server: SandboxServer) -> tuple[Client, dict[str, str]]:
    """A key with a window, a sent and a read message, a template, a media file and an advanced clock."""
    client = new_client(server.url, label="kept")
    client.inbound("+31612345678", "hello")
    sent = client.send(TEXT).json()["messages"][0]["id"]
    client.admin("POST", f"messages/{sent}/status", json={"status": "read"})
    client.advance(60)
    body = {
        "name": "kept_one",
        "language": "en_US",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hi"}],
    }
    template = client.gateway("POST", f"{client.waba_id}/message_templates", json=body).json()["id"]
    files = {"file": ("a.pdf", b"%PDF-1.4 kept", "application/pdf")}
    media = client.gateway(
        "POST",
        f"{client.phone_number_id}/media",
        files=files,
        data={"type": "application/pdf", "messaging_product": "whatsapp"},
    ).json()["id"]
    pending = client.control("POST", "", json={"app": "whatsapp-business"}).json()["connection"][
        "connection_id"
    ]
    return client, {"sent": sent, "template": template, "media": media, "pending": pending}


def test_a_restart_keeps_what_was_there(tmp_path: Path) -> None:
    state = str(tmp_path / "sandbox.db")
    with SandboxServer(CONFIG, state_file=state) as first:
        client, ids = stage(first)
        before = client.messages()
        clock = client.admin("GET", "clock").json()
    with SandboxServer(CONFIG, state_file=state) as second:
        again = client_of(second, client)
        assert again.messages() == before
        assert before[0]["status"] == "read"
        assert again.admin("GET", "clock").json() == clock
        assert again.send(TEXT).status_code == 200  # the window is still open
        assert again.gateway("GET", ids["template"]).json()["status"] == "PENDING"
        again.advance(REVIEW_DELAY)  # the review goes on where it was
        assert again.gateway("GET", ids["template"]).json()["status"] == "APPROVED"
        assert again.gateway("GET", ids["media"]).json()["file_size"] == "13"
        statuses = {c["connection_id"]: c["status"] for c in again.connections()}
        assert statuses[ids["pending"]] == "PENDING"
        assert statuses[client.connection_id] == "ACTIVE"
        events = again.admin("GET", "events").json()["data"]
        statuses = [
            s["status"] for e in events for s in e["entry"][0]["changes"][0]["value"].get("statuses", [])
        ]
        assert len(events) == 4  # the inbound message, then sent, read, and the send after the restart
        assert statuses == ["sent", "read", "sent"]
        inbox = again.session.get(f"{second.url}/", params={"key": client.api_key, "chat": "31612345678"})
        assert "Kept <strong>across</strong> restarts" in inbox.text
        again.admin("POST", "reset")
    with SandboxServer(CONFIG, state_file=state) as third:
        after_reset = client_of(third, client)
        assert after_reset.messages() == []
        assert after_reset.gateway("GET", ids["media"]).status_code == 400


def test_without_a_state_file_nothing_is_kept() -> None:
    with SandboxServer(CONFIG) as first:
        client, _ = stage(first)
    with SandboxServer(CONFIG) as second:
        gone = requests.get(f"{second.url}/_sandbox/messages", headers=client.auth, timeout=10)
        assert gone.status_code == 401  # the key itself was not kept
