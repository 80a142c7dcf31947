"""The shared decision of sensors and triggers (``poll_connection``, ``poll_template(s)``) against the
sandbox: what is done, what waits, what fails at once, and how gateway errors count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from airflow_provider_whatsapp.triggers.status import Poll, poll_connection, poll_template, poll_templates
from tests.hooks.conftest import HookFactory


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The hooks' sandbox, but a template stays PENDING until a test decides (no review timer to race)."""
    with SandboxServer(SandboxConfig(template_approval_delay=24 * 3600.0, activation_delay=None)) as server:
        yield server


@pytest.fixture
def hook(make_hook: HookFactory) -> MatonWhatsAppHook:
    """No retries: each check is one request, as in a trigger."""
    return make_hook(max_retries=0)


def test_without_an_id_any_connection_of_the_key_counts(
    make_hook: HookFactory, sandbox_admin: SandboxAdminClient, sandbox_key: dict[str, Any]
) -> None:
    """One ACTIVE is done whatever else there is; else one PENDING waits; else a FAILED one fails.

    Thirteen calls in a row may meet the key's rate limit: this hook waits it out."""
    hook = make_hook(max_retries=5)
    active = sandbox_key["connection_id"]
    done = Poll("done", f"Maton connection {active} is ACTIVE", active)
    assert poll_connection(hook, None) == done

    failed = hook.create_maton_connection().connection_id
    sandbox_admin.fail_connection(failed)
    assert poll_connection(hook, None) == done, "an ACTIVE one counts, listed before a FAILED one or not"
    hook.delete_maton_connection(active)
    assert poll_connection(hook, None) == Poll(
        "failed", f"Maton connection {failed} FAILED: create a new connection"
    )

    pending = hook.create_maton_connection().connection_id
    waiting = Poll("waiting", f"Maton connection {pending} is PENDING: waiting for the OAuth to finish")
    assert poll_connection(hook, None) == waiting, "a PENDING one may still finish, a FAILED one never"
    hook.delete_maton_connection(failed)
    assert poll_connection(hook, None) == waiting
    hook.delete_maton_connection(pending)
    assert poll_connection(hook, None) == Poll("waiting", "no whatsapp-business connection yet")


def test_a_gateway_blip_waits_and_any_other_error_fails_at_once(
    hook: MatonWhatsAppHook, make_hook: HookFactory, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["429"])
    busy = poll_connection(hook, None)
    assert busy.state == "waiting"
    assert busy.message.startswith("the gateway is busy, trying again: ")
    sandbox_admin.set_faults(script=["drop"])
    dropped = poll_template(hook, "hello_world", "en_US")
    assert dropped.state == "waiting"
    assert dropped.message.endswith("; trying again")

    refused = poll_connection(make_hook(api_key="wrong-key", max_retries=0), None)
    assert refused.state == "failed"
    assert "401" in refused.message


def test_templates_are_done_when_all_are_approved_and_fail_when_one_fails(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    hello = hook.find_template("hello_world", "en_US")
    assert hello is not None
    body = {"language": "en_US", "category": "UTILITY", "components": [{"type": "BODY", "text": "Hi"}]}
    waiting = hook.create_template({"name": "waits", **body}).id
    disabled = hook.create_template({"name": "goes_away", **body}).id
    sandbox_admin.call("POST", f"/_sandbox/templates/{disabled}/disable")

    assert poll_template(hook, "hello_world", "en_US") == Poll(
        "done", "template hello_world (en_US) is APPROVED", hello.id
    )
    both = [("hello_world", "en_US"), ("waits", "en_US")]
    assert poll_templates(hook, both) == Poll("waiting", "template waits (en_US) is PENDING")
    every = [*both, ("goes_away", "en_US"), ("nowhere", "en_US")]
    assert poll_templates(hook, every) == Poll(
        "failed", "template goes_away (en_US) is DISABLED; template nowhere (en_US) does not exist"
    )
    sandbox_admin.call("POST", f"/_sandbox/templates/{waiting}/approve")
    assert poll_templates(hook, both) == Poll("done", "2 templates are APPROVED", f"{hello.id},{waiting}")


def test_a_rejection_names_metas_reason_unless_it_is_none(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    body = {"language": "en_US", "category": "UTILITY", "components": [{"type": "BODY", "text": "Hi"}]}
    for name, reason in (("with_reason", "SCAM"), ("without_reason", "NONE")):
        template = hook.create_template({"name": name, **body}).id
        sandbox_admin.call("POST", f"/_sandbox/templates/{template}/reject", json={"reason": reason})
    assert poll_template(hook, "with_reason", "en_US").message == (
        "template with_reason (en_US) is REJECTED, reason: SCAM"
    )
    assert poll_template(hook, "without_reason", "en_US").message == (
        "template without_reason (en_US) is REJECTED"
    )
