"""The polling loop both triggers share: one check every ``poke_interval`` until done, failed or timed out.

The check is the sensors' own (``triggers/status.py``), run with the sync hook in a worker thread
(asgiref's ``sync_to_async``, as Airflow's own async helpers do): the triggerer's event loop never
blocks, and the hook's sync ``BaseHook.get_connection`` is served from that thread through the
triggerer's supervisor channel, on the triggerer's loop (from a plain ``asyncio.to_thread`` thread,
Airflow 3.1's triggerer reads that channel from a second loop, and dies with "Response read out of
order").
That thread pool is shared by every trigger, so a check makes each request once, without the hook's
retries and their backoff (up to minutes with ``Retry-After``): a retryable error already counts as
"still waiting" and is tried again on the next check. The hook's HTTP session is closed when the
trigger ends, however it ends. At ``timeout_at`` the trigger reports a timeout that says what its last
check saw, so the task log tells why it waited in vain.

A trigger serializes only the Airflow connection id and its arguments; the key never leaves the
connection store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from airflow_provider_whatsapp.hooks.config import HookSettings
from airflow_provider_whatsapp.hooks.lazy import hook_settings
from airflow_provider_whatsapp.triggers.status import Poll

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook


class WhatsAppPollingTrigger(BaseTrigger):
    """Fire one event, ``Poll.to_event()``, when the check is done, has failed, or time is up.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp``.
    :param hook_params: Hook settings over the connection's (``timeout``, ``waba_id``...).
    :param poke_interval: Seconds between checks.
    :param timeout_at: When to stop waiting (epoch seconds); None: never.
    """

    def __init__(
        self,
        *,
        maton_conn_id: str,
        hook_params: Mapping[str, Any] | None = None,
        poke_interval: float = 2.0,
        timeout_at: float | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.maton_conn_id = maton_conn_id
        self.hook_params = hook_settings(hook_params)
        self.poke_interval = poke_interval
        self.timeout_at = timeout_at

    def check(self, hook: MatonWhatsAppHook) -> Poll:
        """One round of the shared decision (sync; runs in a worker thread)."""
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        """What to serialize besides the connection, the interval and the deadline."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and arguments: the connection id, never its key."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {
            "maton_conn_id": self.maton_conn_id,
            "hook_params": dict(self.hook_params),
            "poke_interval": self.poke_interval,
            "timeout_at": self.timeout_at,
            **self.arguments(),
        }

    def make_hook(self) -> MatonWhatsAppHook:
        """A hook that makes no retries, its client built now (in a worker thread: it reads the
        connection), so that ``run`` always has a session to close."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        settings = HookSettings(**self.hook_params)
        settings["max_retries"] = 0
        hook = MatonWhatsAppHook(self.maton_conn_id, **settings)
        hook.get_conn()
        return hook

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check, sleep, repeat; yield the first outcome that is not "waiting", or the timeout."""

        hook = await sync_to_async(self.make_hook, thread_sensitive=False)()
        try:
            while True:
                poll = await sync_to_async(self.check, thread_sensitive=False)(hook)
                if poll.state == "waiting" and self.timeout_at is not None and time.time() >= self.timeout_at:
                    poll = Poll("timeout", f"Timed out waiting; last check: {poll.message}")
                if poll.state != "waiting":
                    self.log.info("%s", poll.message)
                    yield TriggerEvent(poll.to_event())  # type: ignore[no-untyped-call]
                    return
                self.log.info("%s; checking again in %ss", poll.message, self.poke_interval)
                await asyncio.sleep(self._pause())
        finally:
            hook.close()

    def _pause(self) -> float:
        """The interval, cut short so that the last check falls on the deadline."""
        if self.timeout_at is None:
            return self.poke_interval
        return max(0.0, min(self.poke_interval, self.timeout_at - time.time()))
