"""What every part of the hook stands on: the settings, the HTTP client, and checked ids.

:class:`~airflow_provider_whatsapp.hooks.whatsapp.MatonWhatsAppHook` is this base plus one mixin per
concern (messages, media, templates, account), so that each concern reads on its own page.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID
from airflow_provider_whatsapp.exceptions import WhatsAppAPIError, WhatsAppValidationError
from airflow_provider_whatsapp.hooks.client import GatewayClient
from airflow_provider_whatsapp.hooks.config import GatewayConfig, HookSettings
from airflow_provider_whatsapp.models import ResponseModel
from airflow_provider_whatsapp.utils import ids

R = TypeVar("R", bound=ResponseModel)


class WhatsAppBaseHook(BaseHook):
    """The Airflow connection's settings merged with the caller's, and one pooled client, both built on
    first use (safe from several threads: ``cached_property`` no longer locks on Python 3.12+).

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp``.
    :param phone_number_id: Default sender.
    :param waba_id: WhatsApp Business Account, for templates and phone numbers.
    :param timeout: Seconds to wait for each answer.
    :param max_retries: Retries of a request that may be repeated safely (0: none).
    :param requests_per_second: Client-side pacing (0: none); Maton allows 10 per account.
    """

    conn_name_attr = "maton_conn_id"
    default_conn_name = DEFAULT_CONN_ID

    def __init__(
        self,
        maton_conn_id: str = DEFAULT_CONN_ID,
        *,
        phone_number_id: str | None = None,
        waba_id: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        requests_per_second: float | None = None,
    ) -> None:
        super().__init__()
        self.maton_conn_id = maton_conn_id
        self.settings = HookSettings(
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            timeout=timeout,
            max_retries=max_retries,
            requests_per_second=requests_per_second,
        )
        self._lock = threading.Lock()
        self._config: GatewayConfig | None = None
        self._client: GatewayClient | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maton_conn_id={self.maton_conn_id!r})"

    @property
    def config(self) -> GatewayConfig:
        """Settings from the Airflow connection and the arguments, read and checked once; the key is
        registered with Airflow's secret masker then."""
        with self._lock:
            if self._config is None:
                config = GatewayConfig.from_connection(self.get_connection(self.maton_conn_id), self.settings)
                mask_secret(config.api_key)
                self._config = config
            return self._config

    def get_conn(self) -> GatewayClient:
        """The pooled HTTP client (one session per hook), built on first use: reads the connection."""
        config = self.config
        with self._lock:
            if self._client is None:
                self._client = GatewayClient(config)
            return self._client

    @property
    def client(self) -> GatewayClient:
        """The client of :meth:`get_conn`."""
        return self.get_conn()

    def close(self) -> None:
        """Release the client's pooled connections (the next call builds a new client)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    @property
    def phone_number_id(self) -> str:
        """The default sender, from the hook argument or the connection."""
        value = self.config.phone_number_id
        if not value:
            raise WhatsAppValidationError(
                [("phone_number_id", "required: set it on the hook or the connection")]
            )
        return value

    @property
    def waba_id(self) -> str:
        """The WhatsApp Business Account, from the hook argument or the connection."""
        value = self.config.waba_id
        if not value:
            raise WhatsAppValidationError([("waba_id", "required: set it on the hook or the connection")])
        return value

    def sender(self, phone_number_id: str | None) -> str:
        """``phone_number_id`` checked as a Graph id, or the default sender."""
        if phone_number_id is None:
            return self.phone_number_id
        return ids.graph_id(phone_number_id, "phone_number_id")

    def account(self, waba_id: str | None) -> str:
        """``waba_id`` checked as a Graph id, or the default account."""
        return self.waba_id if waba_id is None else ids.graph_id(waba_id, "waba_id")

    @staticmethod
    def answer(model: type[R], body: Any, what: str) -> R:
        """``body`` read as ``model``; an answer that is not what the Cloud API documents is a
        :class:`WhatsAppAPIError` naming the fields (never their values, which may be numbers)."""
        try:
            return model.from_response(body)
        except WhatsAppValidationError as error:
            raise WhatsAppAPIError(f"unexpected answer to {what}: {error}") from None
