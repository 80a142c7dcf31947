"""The polling loop both triggers share: one check every ``poke_interval`` until done or failed.

The check is the sensors' own (``triggers/status.py``), run with the sync hook in a worker thread
(``asyncio.to_thread``): the triggerer's event loop never blocks, and the hook's sync
``BaseHook.get_connection`` is served from that thread through the triggerer's supervisor channel.
That thread pool is shared by every trigger, so a check makes each request once, without the hook's
retries and their backoff (up to minutes with ``Retry-After``): a retryable error already counts as
"still waiting" and is tried again on the next check. The hook's HTTP session is closed when the
trigger ends, however it ends.

A trigger serializes only the Airflow connection id and its arguments; the key never leaves the
connection store.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.triggers.status import Poll


class MatonPollingTrigger(BaseTrigger):
    """Fire one event, ``Poll.to_event()``, when the check is done or has failed.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp``.
    :param poke_interval: Seconds between checks.
    """

    def __init__(self, *, maton_conn_id: str, poke_interval: float = 2.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.maton_conn_id = maton_conn_id
        self.poke_interval = poke_interval

    def check(self, hook: MatonWhatsAppHook) -> Poll:
        """One round of the shared decision (sync; runs in a worker thread)."""
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        """What to serialize besides the connection id and the interval."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and arguments: the connection id, never its key."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {
            "maton_conn_id": self.maton_conn_id,
            "poke_interval": self.poke_interval,
            **self.arguments(),
        }

    def _make_hook(self) -> MatonWhatsAppHook:
        """A hook whose client makes no retries (built here, in a worker thread: it reads the connection)."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        hook = MatonWhatsAppHook(self.maton_conn_id)
        hook.config = dataclasses.replace(hook.config, max_retries=0)
        hook.get_conn()  # the client, built now: ``run`` always has a session to close
        return hook

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check, sleep, repeat; yield the first outcome that is not "waiting"."""
        hook = await asyncio.to_thread(self._make_hook)
        try:
            while True:
                poll = await asyncio.to_thread(self.check, hook)
                if poll.state != "waiting":
                    self.log.info("%s", poll.message)
                    yield TriggerEvent(poll.to_event())  # type: ignore[no-untyped-call]
                    return
                self.log.info("%s; checking again in %ss", poll.message, self.poke_interval)
                await asyncio.sleep(self.poke_interval)
        finally:
            hook.client.close()
