"""Template management through the hook: paging by cursor, create, approve, edit, delete.

The module's sandbox stands still: a review ends only when a test moves its clock by ``REVIEW_DELAY``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.conftest import REVIEW_DELAY

FROZEN = 1_750_000_000.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The hooks' sandbox on a clock that only ``advance_clock`` moves."""
    config = SandboxConfig(template_approval_delay=REVIEW_DELAY, activation_delay=None, clock=lambda: FROZEN)
    with SandboxServer(config) as server:
        yield server


def definition(name: str) -> dict[str, object]:
    return {
        "name": name,
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order confirmation"},
            {
                "type": "BODY",
                "text": "Hi {{1}}, order {{2}} is confirmed.",
                "example": {"body_text": [["Ann", "42"]]},
            },
            {"type": "FOOTER", "text": "Thank you"},
        ],
    }


def test_list_templates_walks_every_page_by_cursor(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    for i in range(60):
        hook.create_template(definition(f"bulk_{i:02d}"))

    names = [t.name for t in hook.list_templates(limit=25)]

    assert len(names) == 61  # the seeded hello_world and the 60 new ones
    assert len(set(names)) == 61
    pages = sandbox_admin.requests_log("/message_templates")
    listing = [r for r in pages if r["method"] == "GET" and r["status"] == 200]
    assert len(listing) == 3


def test_pages_come_through_the_gateway_not_graphs_next_link(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Each page's ``next`` points at graph.facebook.com with a token: following it would fail here
    (no route to Meta) or leak to Meta; every page must instead be one request to the gateway."""
    for i in range(3):
        hook.create_template(definition(f"page_{i}"))
    caplog.set_level("DEBUG")

    names = [t.name for t in hook.list_templates(limit=1)]

    assert len(names) == 4
    pages = [r for r in sandbox_admin.requests_log("/message_templates") if r["method"] == "GET"]
    assert len(pages) == 4
    assert "graph.facebook.com" not in caplog.text
    assert "access_token" not in caplog.text


def test_find_template_matches_the_whole_name(hook: MatonWhatsAppHook) -> None:
    """Graph's ``name`` filter also matches parts of names: ``order`` must not find ``order_ready``."""
    hook.create_template(definition("order_ready"))
    assert hook.find_template("order", "en_US") is None
    found = hook.find_template("order_ready", "en_US")
    assert found is not None
    assert found.name == "order_ready"


def test_status_filter(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    created = hook.create_template(definition("reject_this_one"))
    sandbox_admin.advance_clock(REVIEW_DELAY)
    assert hook.get_template(created.id).status == "REJECTED"

    assert [t.name for t in hook.list_templates(status="REJECTED")] == ["reject_this_one"]
    assert [t.name for t in hook.list_templates(status="APPROVED")] == ["hello_world"]


def test_create_approve_edit_delete(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    created = hook.create_template(definition("order_confirmation"))
    assert created.status == "PENDING"
    assert created.category == "UTILITY"

    sandbox_admin.advance_clock(REVIEW_DELAY)
    template = hook.find_template("order_confirmation", "en_US")
    assert template is not None
    assert template.status == "APPROVED"

    new_body = [
        {
            "type": "BODY",
            "text": "Hello {{1}}, order {{2}} ships today.",
            "example": {"body_text": [["A", "1"]]},
        }
    ]
    assert hook.update_template(created.id, components=new_body) is True
    edited = hook.get_template(created.id)
    assert [(c["type"], c["text"]) for c in edited.components] == [("BODY", new_body[0]["text"])]
    assert edited.status == "PENDING", "an edit goes back to review"

    assert hook.delete_template("order_confirmation") is True
    assert hook.find_template("order_confirmation", "en_US") is None
    assert [t.name for t in hook.list_templates()] == ["hello_world"]


def test_rejection_rule(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    created = hook.create_template(definition("reject_me"))
    assert created.status == "PENDING"
    sandbox_admin.advance_clock(REVIEW_DELAY)
    assert hook.get_template(created.id).status == "REJECTED"


def test_duplicate_name_is_refused(hook: MatonWhatsAppHook) -> None:
    hook.create_template(definition("only_once"))
    with pytest.raises(WhatsAppAPIError) as caught:
        hook.create_template(definition("only_once"))
    assert caught.value.code == 100


def test_invalid_edit_fails_locally(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    created = hook.create_template(definition("to_edit"))
    with pytest.raises(ValueError, match="components"):
        hook.update_template(created.id, components=[{"type": "BODY", "text": "x" * 1025}])
    with pytest.raises(ValueError, match="category"):
        hook.update_template(created.id, category="PROMOTIONAL")
    with pytest.raises(ValueError, match="components and/or category"):
        hook.update_template(created.id)
    assert not [r for r in sandbox_admin.requests_log(created.id) if r["method"] == "POST"]


def test_invalid_definition_fails_locally(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    bad = definition("Bad-Name")
    with pytest.raises(ValueError, match="name"):
        hook.create_template(bad)
    assert sandbox_admin.requests_log("/message_templates") == []
