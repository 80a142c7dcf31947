"""The one HTTP client of the provider: a pooled ``requests.Session`` aimed at Maton's gateway.

It sets the auth and connection headers once, paces requests with a token bucket, applies the retry
policy of :mod:`.transport`, and never sends the Maton key to any host but the configured gateway
and control plane (media downloads from Meta's CDN go through a separate session without it).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from airflow_provider_whatsapp import __version__
from airflow_provider_whatsapp.exceptions import WhatsAppAPIError, WhatsAppUnknownOutcomeError
from airflow_provider_whatsapp.hooks.config import GatewayConfig
from airflow_provider_whatsapp.hooks.transport import (
    RetryPolicy,
    TokenBucket,
    call_with_retries,
    classify_transport_error,
    error_from_response,
)

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-whatsapp/{__version__}"
CONNECT_TIMEOUT = 10.0


class GatewayClient:
    """Graph calls go to ``{base}/whatsapp-business/{version}``, control calls to ``/connections``."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.session = _session_with_environment_read_once(config.base_url, config.control_url)
        self.session.headers.update({"Authorization": f"Bearer {config.api_key}", "User-Agent": USER_AGENT})
        if config.connection_id:
            self.session.headers["Maton-Connection"] = config.connection_id
        self.bucket = TokenBucket(config.requests_per_second)

    def __repr__(self) -> str:
        return (
            f"GatewayClient(base_url={self.config.base_url!r}, connection_id={self.config.connection_id!r})"
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def graph(
        self,
        method: str,
        path: str,
        *,
        policy: RetryPolicy | None = None,
        retry_unknown_outcome: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Call a Graph path (``"{phone_number_id}/messages"``) through the gateway; return the JSON."""
        return self._call(method, f"{self.config.gateway_url}/{path}", policy, retry_unknown_outcome, kwargs)

    def control(
        self, method: str, path: str = "", *, policy: RetryPolicy | None = None, **kwargs: Any
    ) -> Any:
        """Call Maton's control plane (``/connections[/{id}]``); return the JSON."""
        url = f"{self.config.control_url}/connections" + (f"/{quote(path, safe='')}" if path else "")
        return self._call(method, url, policy, False, kwargs)

    def download(self, url: str) -> bytes:
        """Fetch a media URL (Meta's CDN) with a plain session: the Maton key never leaves the gateway."""
        with requests.Session() as cdn:
            cdn.headers["User-Agent"] = USER_AGENT

            def attempt() -> bytes:
                try:
                    response = cdn.get(url, timeout=(CONNECT_TIMEOUT, self.config.timeout))
                except requests.RequestException as error:
                    raise classify_transport_error(
                        error,
                        RetryPolicy.IDEMPOTENT,
                        retry_unknown_outcome=False,
                        description="media download",
                    ) from error
                if not response.ok:
                    raise error_from_response(response, RetryPolicy.IDEMPOTENT)
                return response.content

            return call_with_retries(
                attempt, max_retries=self.config.max_retries, description="media download"
            )

    def _call(
        self,
        method: str,
        url: str,
        policy: RetryPolicy | None,
        retry_unknown_outcome: bool,
        kwargs: Mapping[str, Any],
    ) -> Any:
        policy = policy or (RetryPolicy.IDEMPOTENT if method in ("GET", "DELETE") else RetryPolicy.SEND)
        path = url.removeprefix(self.config.base_url).removeprefix(self.config.control_url)
        description = f"{method} {path}"

        def attempt() -> Any:
            self.bucket.acquire()
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method,
                    url,
                    timeout=(CONNECT_TIMEOUT, self.config.timeout),
                    allow_redirects=False,
                    **kwargs,
                )
            except requests.RequestException as error:
                raise classify_transport_error(
                    error, policy, retry_unknown_outcome=retry_unknown_outcome, description=description
                ) from error
            log.debug(
                "%s -> %s in %.0f ms",
                description,
                response.status_code,
                (time.perf_counter() - started) * 1e3,
            )
            if not 200 <= response.status_code < 300:
                raise error_from_response(response, policy)
            return _json(response, description, policy)

        return call_with_retries(attempt, max_retries=self.config.max_retries, description=description)


def _session_with_environment_read_once(*urls: str) -> requests.Session:
    """A session that honours proxy and CA-bundle variables, read once here instead of per request.

    By default requests scans the whole environment for proxies on every call, which costs more
    CPU than the rest of a send; it would also let a ``.netrc`` entry replace our Authorization header.
    """
    session = requests.Session()
    session.trust_env = False
    for url in urls:
        for scheme, proxy in requests.utils.get_environ_proxies(url).items():
            session.proxies.setdefault(scheme, proxy)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


def _json(response: requests.Response, description: str, policy: RetryPolicy) -> Any:
    """The JSON of a 2xx answer; an empty body is ``{}``; anything else is a readable error.

    A send that was answered 2xx was accepted, so an unreadable answer is an unknown outcome, not a
    failure to retry.
    """
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError as error:
        got = f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}"
        if policy is RetryPolicy.SEND:
            raise WhatsAppUnknownOutcomeError(
                f"{description}: accepted (HTTP {response.status_code}) but the answer is unreadable: {got}"
            ) from error
        raise WhatsAppAPIError(f"{description}: {got}", status=response.status_code) from error
