"""Gateway settings: an Airflow connection of type ``maton_whatsapp``, with the hook's arguments over it.

The password is the Maton API key (empty: ``MATON_API_KEY``); the host is the gateway base URL; extra
fields carry the Maton connection id, default sender, WABA id, Graph version and client limits. Every
value is checked here, once, so that a bad setting fails before a request is built: ids that become
path segments, a key that would not fit in a header, a host without a scheme.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit

from airflow_provider_whatsapp.constants import (
    DEFAULT_API_VERSION,
    DEFAULT_HOST,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TIMEOUT,
    GATEWAY_APP,
)
from airflow_provider_whatsapp.exceptions import MatonAuthError, WhatsAppValidationError
from airflow_provider_whatsapp.utils import ids

if TYPE_CHECKING:
    from airflow.sdk import Connection

#: Maton's older hosts: the gateway and the control plane used to live on separate names.
LEGACY_GATEWAY_HOST = "gateway.maton.ai"
LEGACY_CONTROL_URL = "https://ctrl.maton.ai"
#: Hosts that may be written without a scheme: Maton's own, which only speak https.
MATON_HOSTS = frozenset({"api.maton.ai", LEGACY_GATEWAY_HOST, "ctrl.maton.ai"})


class HookSettings(TypedDict, total=False):
    """Settings a hook's caller may give over the connection's (``MatonWhatsAppHook(conn_id, **settings)``,
    or an operator's ``hook_params``)."""

    phone_number_id: str | None
    waba_id: str | None
    timeout: float | None
    max_retries: int | None
    requests_per_second: float | None


@dataclass(frozen=True)
class GatewayConfig:
    """Everything the hook needs to talk to the gateway, checked. The key is kept out of ``repr``."""

    api_key: str = field(repr=False)
    base_url: str = DEFAULT_HOST
    control_url: str = DEFAULT_HOST
    connection_id: str | None = None
    phone_number_id: str | None = None
    waba_id: str | None = None
    api_version: str = DEFAULT_API_VERSION
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND

    @property
    def gateway_url(self) -> str:
        """Prefix of every Graph call: ``{base}/whatsapp-business/{version}``."""
        return f"{self.base_url}/{GATEWAY_APP}/{self.api_version}"

    @classmethod
    def from_connection(cls, conn: Connection, settings: HookSettings | None = None) -> GatewayConfig:
        """Read and check the settings of an Airflow connection; ``settings`` not None win over it.

        The key falls back to ``MATON_API_KEY``. Raises :class:`WhatsAppValidationError` naming the
        setting that is wrong (never quoting the key), or :class:`MatonAuthError` when there is no key.
        """
        extra: dict[str, Any] = conn.extra_dejson or {}
        base_url = _base_url(conn.host or DEFAULT_HOST, "host", port=conn.port)
        control = extra.get("control_url")
        if control:
            control_url = _base_url(str(control), "control_url")
        elif urlsplit(base_url).hostname == LEGACY_GATEWAY_HOST:
            control_url = LEGACY_CONTROL_URL
        else:
            control_url = base_url
        connection_id = _text(extra.get("connection_id"))
        config = cls(
            api_key=_api_key(conn.password or os.environ.get("MATON_API_KEY", ""), conn.conn_id),
            base_url=base_url,
            control_url=control_url,
            connection_id=None if connection_id is None else ids.connection_id(connection_id),
            phone_number_id=_text(extra.get("phone_number_id")),
            waba_id=_text(extra.get("waba_id")),
            api_version=ids.api_version(_text(extra.get("api_version")) or DEFAULT_API_VERSION),
            timeout=_number(extra.get("timeout"), DEFAULT_TIMEOUT, "timeout"),
            max_retries=int(_number(extra.get("max_retries"), DEFAULT_MAX_RETRIES, "max_retries")),
            requests_per_second=_number(
                extra.get("requests_per_second"), DEFAULT_REQUESTS_PER_SECOND, "requests_per_second"
            ),
        )
        given: dict[str, Any] = {name: value for name, value in (settings or {}).items() if value is not None}
        return dataclasses.replace(config, **given)._checked()

    def _checked(self) -> GatewayConfig:
        """Ids as Graph ids, limits in range; raises naming each bad setting."""
        problems: list[tuple[str, str]] = []
        for name in ("phone_number_id", "waba_id"):
            value = getattr(self, name)
            try:
                if value is not None:
                    ids.graph_id(value, name)
            except WhatsAppValidationError as error:
                problems += error.errors
        if not self.timeout > 0:
            problems.append(("timeout", "must be a number of seconds > 0"))
        if self.max_retries < 0:
            problems.append(("max_retries", "must be 0 or more"))
        if self.requests_per_second < 0:
            problems.append(("requests_per_second", "must be 0 (no pacing) or more"))
        if problems:
            raise WhatsAppValidationError(problems)
        return dataclasses.replace(
            self,
            phone_number_id=None if self.phone_number_id is None else str(self.phone_number_id).strip(),
            waba_id=None if self.waba_id is None else str(self.waba_id).strip(),
            timeout=float(self.timeout),
            max_retries=int(self.max_retries),
            requests_per_second=float(self.requests_per_second),
        )


def _api_key(value: str, conn_id: str | None) -> str:
    """The key, stripped of surrounding whitespace; one with control characters inside is refused.

    A control character (a newline pasted with the key, say) would break the header, and an error
    about it would print the key, escaped, where Airflow's secret masker does not recognise it.
    """
    key = value.strip()
    if not key:
        raise MatonAuthError(
            f"No Maton API key: set the password of Airflow connection {conn_id!r} "
            "or the MATON_API_KEY environment variable"
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key) or not key.isascii():
        raise WhatsAppValidationError(
            [("password", "the Maton API key has control or non-ASCII characters: paste it again")]
        )
    return key


def _base_url(value: str, name: str, *, port: int | None = None) -> str:
    """``https://api.maton.ai/`` -> ``https://api.maton.ai``; ``api.maton.ai`` is taken as https.

    Any other host must say its scheme: ``127.0.0.1:8765`` could be http or https, and guessing https
    for a plain-http server ends in an SSL error that names neither.
    """
    text = value.strip().rstrip("/")
    if "://" not in text:
        if text.split(":")[0].lower() not in MATON_HOSTS:
            raise WhatsAppValidationError([(name, f"needs a scheme: write https://{text} or http://{text}")])
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        has_port = parts.port is not None
    except ValueError:
        raise WhatsAppValidationError([(name, "is not a URL")]) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise WhatsAppValidationError([(name, "must be an http(s) URL with a host")])
    if parts.query or parts.fragment or parts.username or parts.password:
        raise WhatsAppValidationError([(name, "must be a base URL, without query, fragment or user")])
    if port and not has_port:
        text = f"{text}:{port}"
    return text


def _number(value: Any, default: float, name: str) -> float:
    """A numeric extra field; empty means the default (0 is a real value: no pacing, no retries)."""
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WhatsAppValidationError([(name, "must be a number")]) from None


def _text(value: Any) -> str | None:
    """Extra fields may arrive as numbers (ids) or empty strings from the UI form."""
    if value is None or value == "":
        return None
    return str(value).strip() or None
