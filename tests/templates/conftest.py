"""Templates as code against the sandbox: a server whose clock only the tests move, so that a template
stays PENDING until a test ends its review (``approve``), and a fresh account per test that
``maton_whatsapp_default`` points at. ``writes`` counts the write requests the sandbox received."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.airflow_fixtures import CONN_ENV

REVIEW = 60.0  # sandbox seconds a new or edited template stays PENDING
FROZEN = 1_750_000_000.0
DAY = 24 * 60 * 60.0


def frozen_clock() -> float:
    """A clock source that never moves by itself: only ``Account.approve`` / ``advance`` move time."""
    return FROZEN


@pytest.fixture(scope="session")
def review_sandbox() -> Iterator[SandboxServer]:
    """No rate limit; reviews end only when a test moves the clock."""
    config = SandboxConfig(rate_limit=0, template_approval_delay=REVIEW, clock=frozen_clock)
    with SandboxServer(config) as server:
        yield server


@dataclass
class Account:
    """One sandbox key: its admin API, its id and the helpers the template tests share."""

    admin: SandboxAdminClient

    @property
    def waba_id(self) -> str:
        return str(self.admin.ids["waba_id"])

    def hook(self) -> MatonWhatsAppHook:
        """A new hook on ``maton_whatsapp_default`` (this account)."""
        return MatonWhatsAppHook()

    def approve(self) -> None:
        """End every review in progress (each PENDING template turns APPROVED, or REJECTED)."""
        self.admin.advance_clock(REVIEW)

    def writes(self) -> list[str]:
        """Every write request the gateway received for this key, as ``METHOD path``."""
        return [f"{r['method']} {r['path']}" for r in self.admin.requests_log() if r["method"] != "GET"]

    def gets(self, path_suffix: str = "/message_templates") -> int:
        """How many GET requests ended in ``path_suffix``."""
        return sum(r["method"] == "GET" for r in self.admin.requests_log(path_suffix))

    def templates(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The account's templates as the gateway lists them, by (name, language)."""
        path = f"/whatsapp-business/v21.0/{self.waba_id}/message_templates"
        fields = "id,name,language,status,category,components,parameter_format,previous_category"
        listing = self.admin.call("GET", path, params={"limit": 1000, "fields": fields})
        return {(t["name"], t["language"]): t for t in listing["data"]}

    def template_action(self, name: str, action: str, **body: Any) -> None:
        """``POST /_sandbox/templates/{id}/<action>`` for the en_US template ``name``."""
        template_id = self.templates()[(name, "en_US")]["id"]
        self.admin.call("POST", f"/_sandbox/templates/{template_id}/{action}", json=body)

    def create(self, definition: dict[str, Any]) -> str:
        """Create a template straight through the gateway (as WhatsApp Manager would); its id."""
        path = f"/whatsapp-business/v21.0/{self.waba_id}/message_templates"
        return str(self.admin.call("POST", path, json=definition)["id"])


def new_account(server: SandboxServer, monkeypatch: pytest.MonkeyPatch, templates: str) -> Account:
    """A fresh key on ``server`` with ``maton_whatsapp_default`` pointing at it, unpaced."""
    admin = SandboxAdminClient.new_key(server.url, templates=templates)
    connection = json.loads(admin.airflow_connection_json())
    connection["extra"].update({"requests_per_second": 0, "max_retries": 2})
    monkeypatch.setenv(CONN_ENV, json.dumps(connection))
    return Account(admin)


@pytest.fixture
def account(review_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Account:
    """A new account that starts with ``hello_world`` only."""
    return new_account(review_sandbox, monkeypatch, "minimal")


@pytest.fixture
def docs_account(review_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Account:
    """A new account with the README's templates (NAMED, a DOCUMENT header, buttons)."""
    return new_account(review_sandbox, monkeypatch, "docs")


ORDER_SHIPPED: dict[str, Any] = {
    "name": "order_shipped",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{1}} shipped",
            "example": {"header_text": ["A-1"]},
        },
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order is on its way and arrives {{2}}.",
            "example": {"body_text": [["Alex", "on Friday"]]},
        },
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Track",
                    "url": "https://example.com/track/{{1}}",
                    "example": ["https://example.com/track/A-1"],
                },
                {"type": "QUICK_REPLY", "text": "Talk to us"},
            ],
        },
    ],
}
DELIVERY_WINDOW: dict[str, Any] = {
    "name": "delivery_window",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{first_name}}, we deliver order {{order_id}} between {{window}}.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Alex"},
                    {"param_name": "order_id", "example": "A-1042"},
                    {"param_name": "window", "example": "9:00 and 11:00"},
                ]
            },
        },
        {"type": "FOOTER", "text": "Reply to change the time"},
    ],
}


def write_templates(folder: Path, *definitions: dict[str, Any], name: str = "templates.yaml") -> Path:
    """The definitions as one YAML file in ``folder``; the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(list(definitions), sort_keys=False))
    return path


def with_body(definition: dict[str, Any], text: str) -> dict[str, Any]:
    """``definition`` with another BODY text (same variables)."""
    components = [
        {**component, "text": text} if component["type"] == "BODY" else component
        for component in definition["components"]
    ]
    return {**definition, "components": components}
