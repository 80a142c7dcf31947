"""The one "is it done, still waiting, or failed?" decision, shared by sensors' ``poke`` and triggers.

Each check makes one round of (sync) hook calls and answers a :class:`Poll`. Sensors call it directly;
triggers call it in a worker thread. Transient gateway trouble (rate limits, 5xx) counts as waiting, so
a long wait survives a blip; any other provider error fails at once with the error's text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_whatsapp.constants import GATEWAY_APP
from airflow_provider_whatsapp.exceptions import WhatsAppError, WhatsAppNetworkError, WhatsAppNotFoundError

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.models import MatonConnection, TemplateInfo

State = Literal["done", "waiting", "failed", "timeout"]

TEMPLATE_FAILED_STATUSES = frozenset({"REJECTED", "DISABLED", "DELETED", "PENDING_DELETION"})


@dataclass(frozen=True)
class Poll:
    """The outcome of one check: ``value`` (a connection or template id) is set when ``done``."""

    state: State
    message: str
    value: str | None = None

    def to_event(self) -> dict[str, Any]:
        """The JSON-safe payload a trigger fires with."""
        return asdict(self)

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Poll:
        """Read back a trigger's payload."""
        return cls(state=event["state"], message=event["message"], value=event.get("value"))


def _tolerating_blips(check: Callable[[], Poll]) -> Poll:
    """Run ``check``; a retryable provider error means "wait" (saying why: the gateway unreachable at
    its URL, busy...), any other provider error means "failed"."""
    try:
        return check()
    except WhatsAppNetworkError as err:
        return Poll("waiting", f"{err}; trying again")
    except WhatsAppError as err:
        if err.retryable:
            return Poll("waiting", f"the gateway is busy, trying again: {err}")
        return Poll("failed", str(err))


def poll_connection(hook: MatonWhatsAppHook, connection_id: str | None) -> Poll:
    """ACTIVE is done; FAILED or gone (404) fails; PENDING waits.

    Without ``connection_id``, the connection the Airflow connection pins (extra ``connection_id``) is
    waited for; without either, any ``whatsapp-business`` connection of the key counts: one ACTIVE is
    done, else one PENDING waits, else only FAILED ones fail, and none at all waits for one to appear.
    """

    def check() -> Poll:
        wanted = connection_id or hook.config.connection_id
        if wanted:
            try:
                return _connection_poll(hook.get_maton_connection(wanted))
            except WhatsAppNotFoundError:
                return Poll("failed", f"Maton connection {wanted} does not exist (deleted?)")
        connections = [c for c in hook.list_maton_connections() if c.app in (None, GATEWAY_APP)]
        for status in ("ACTIVE", "PENDING", "FAILED"):
            found = next((c for c in connections if c.status == status), None)
            if found is not None:
                return _connection_poll(found)
        return Poll("waiting", f"no {GATEWAY_APP} connection yet")

    return _tolerating_blips(check)


def _connection_poll(connection: MatonConnection) -> Poll:
    name = f"Maton connection {connection.connection_id}"
    if connection.is_active:
        return Poll("done", f"{name} is ACTIVE", connection.connection_id)
    if connection.status == "FAILED":
        return Poll("failed", f"{name} FAILED: create a new connection")
    return Poll("waiting", f"{name} is {connection.status}: waiting for the OAuth to finish")


def poll_template(hook: MatonWhatsAppHook, name: str, language: str, *, waba_id: str | None = None) -> Poll:
    """APPROVED is done; REJECTED, DISABLED or deleted fails (with Meta's reason); anything else waits.

    A template that does not exist fails: no amount of waiting approves it. ``waba_id`` None means the
    hook's (the connection's) account.
    """
    return poll_templates(hook, [(name, language)], waba_id=waba_id)


def poll_templates(
    hook: MatonWhatsAppHook, wanted: Sequence[Sequence[str]], *, waba_id: str | None = None
) -> Poll:
    """:func:`poll_template` for several ``(name, language)`` at once, from one listing: done when all
    are APPROVED (the value: their ids, comma-separated), failed as soon as one fails, else waiting."""

    def check() -> Poll:
        names = {name for name, _ in wanted}
        only = next(iter(names)) if len(names) == 1 else None  # Graph's filter also matches parts
        listed = {(t.name, t.language): t for t in hook.list_templates(name=only, waba_id=waba_id)}
        polls = [_template_poll(listed.get((name, language)), name, language) for name, language in wanted]
        if len(polls) == 1:
            return polls[0]
        for state in ("failed", "waiting"):
            found = [poll.message for poll in polls if poll.state == state]
            if found:
                return Poll(state, "; ".join(found))
        ids = ",".join(str(poll.value) for poll in polls)
        return Poll("done", f"{len(polls)} templates are APPROVED", ids)

    return _tolerating_blips(check)


def _template_poll(template: TemplateInfo | None, name: str, language: str) -> Poll:
    label = f"template {name} ({language})"
    if template is None:
        return Poll("failed", f"{label} does not exist")
    status = str(template.status).upper()
    if status == "APPROVED":
        return Poll("done", f"{label} is APPROVED", template.id)
    if status in TEMPLATE_FAILED_STATUSES:
        reason = template.rejected_reason
        because = f", reason: {reason}" if reason and reason != "NONE" else ""
        return Poll("failed", f"{label} is {status}{because}")
    return Poll("waiting", f"{label} is {status}")
