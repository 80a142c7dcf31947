"""The one HTTP client of the provider: a pooled ``requests.Session`` aimed at Maton's gateway.

It sets the auth and connection headers once, paces requests with a token bucket, applies the retry
policy of :mod:`.transport`, and never sends the Maton key to any host but the configured gateway
and control plane (media downloads from Meta's CDN go through a separate session without it).
Proxy settings (``HTTPS_PROXY``, ``NO_PROXY``...) are resolved for each host it talks to, once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

import requests
from urllib3.exceptions import HTTPError as Urllib3Error

from airflow_provider_whatsapp import __version__
from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks.config import GatewayConfig
from airflow_provider_whatsapp.hooks.transport import (
    RetryPolicy,
    TokenBucket,
    call_with_retries,
    error_from_response,
    transport_error,
    where,
)

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-whatsapp/{__version__}"
CONNECT_TIMEOUT = 10.0
DOWNLOAD_CHUNK = 64 * 1024
#: Prepared request bases kept per client (one per method and URL).
PREPARED_BASES = 64


class ProxyResolver:
    """The proxies for a URL from the environment, honouring ``NO_PROXY``, read once per origin.

    requests would otherwise scan the environment on every call (it costs more CPU than the rest of a
    send), and a session-wide proxy map cannot express "the gateway through the proxy, the CDN not".
    """

    def __init__(self) -> None:
        self._by_origin: dict[str, dict[str, str]] = {}

    def __call__(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._by_origin:
            self._by_origin[origin] = dict(requests.utils.get_environ_proxies(url))
        return self._by_origin[origin]


def plain_session() -> requests.Session:
    """A session that reads nothing from the environment by itself: no ``.netrc`` (which would replace
    the Authorization header, or add one to the CDN), no proxy lookups per request; CA bundle variables
    are honoured, read once here."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


class GatewayClient:
    """Graph calls go to ``{base}/whatsapp-business/{version}``, control calls to ``/connections``."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.proxies = ProxyResolver()
        self.session = plain_session()
        self.session.headers["Authorization"] = f"Bearer {config.api_key}"
        if config.connection_id:
            self.session.headers["Maton-Connection"] = config.connection_id
        self.bucket = TokenBucket(config.requests_per_second)
        self._bases: dict[tuple[str, str], requests.PreparedRequest] = {}

    def __repr__(self) -> str:
        return (
            f"GatewayClient(base_url={self.config.base_url!r}, connection_id={self.config.connection_id!r})"
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def _prepare(self, method: str, url: str, kwargs: Mapping[str, Any]) -> requests.PreparedRequest:
        """The request, from a base made once per method and URL: ``Session.request`` would merge the
        session's headers into every call again, a seventh of a send's CPU at a thousand a second."""
        key = (method, url)
        base = self._bases.get(key)
        if base is None:
            if len(self._bases) >= PREPARED_BASES:
                self._bases.clear()  # ids in paths (media, templates) make many URLs: keep few
            base = self._bases[key] = self.session.prepare_request(requests.Request(method, url))
        return _prepare_from(base, url, kwargs)

    def graph(
        self,
        method: str,
        path: str,
        *,
        policy: RetryPolicy | None = None,
        retry_unknown_outcome: bool = False,
        numbers: Sequence[str] = (),
        **kwargs: Any,
    ) -> Any:
        """Call a Graph path (``"{phone_number_id}/messages"``) through the gateway; return the JSON.

        ``numbers`` (a recipient) are masked in the texts of any error this call raises.
        """
        url = f"{self.config.gateway_url}/{path}"
        return self._call(method, url, policy, retry_unknown_outcome, numbers, kwargs)

    def control(
        self, method: str, path: str = "", *, policy: RetryPolicy | None = None, **kwargs: Any
    ) -> Any:
        """Call Maton's control plane (``/connections[/{id}]``); return the JSON."""
        url = f"{self.config.control_url}/connections" + (f"/{quote(path, safe='')}" if path else "")
        return self._call(method, url, policy, False, (), kwargs)

    def download(self, url: str, out: IO[bytes], *, max_bytes: int, deadline_seconds: float) -> int:
        """Stream a media URL (Meta's CDN) into ``out``; return the number of bytes written.

        A plain session without the Maton key. The download stops with an error past ``max_bytes`` or
        ``deadline_seconds`` (a server that sends one byte a second never trips the per-read timeout).
        Retried from the start on connection errors, 429 and 5xx.
        """
        with plain_session() as cdn:

            def attempt() -> int:
                out.seek(0)
                out.truncate()
                started = time.monotonic()
                try:
                    with cdn.get(
                        url,
                        stream=True,
                        timeout=(CONNECT_TIMEOUT, min(self.config.timeout, deadline_seconds)),
                        proxies=self.proxies(url),
                        allow_redirects=False,
                    ) as response:
                        if not 200 <= response.status_code < 300:  # a redirect is no media either
                            raise error_from_response(response, RetryPolicy.IDEMPOTENT)
                        return _stream_body(response, out, max_bytes, started + deadline_seconds, url)
                except requests.RequestException as error:
                    raise transport_error(
                        error,
                        url=url,
                        policy=RetryPolicy.IDEMPOTENT,
                        retry_unknown_outcome=False,
                        description="media download",
                    ) from error

            return call_with_retries(
                attempt, max_retries=self.config.max_retries, description="media download"
            )

    def _call(
        self,
        method: str,
        url: str,
        policy: RetryPolicy | None,
        retry_unknown_outcome: bool,
        numbers: Sequence[str],
        kwargs: Mapping[str, Any],
    ) -> Any:
        policy = policy or (RetryPolicy.IDEMPOTENT if method in ("GET", "DELETE") else RetryPolicy.SEND)
        path = url.removeprefix(self.config.base_url).removeprefix(self.config.control_url)
        description = f"{method} {path}"
        proxies = self.proxies(url)

        def attempt() -> Any:
            self.bucket.acquire()
            started = time.perf_counter()
            try:
                response = self.session.send(
                    self._prepare(method, url, kwargs),
                    timeout=(CONNECT_TIMEOUT, self.config.timeout),
                    allow_redirects=False,
                    proxies=proxies,
                )
            except requests.RequestException as error:
                raise transport_error(
                    error,
                    url=url,
                    policy=policy,
                    retry_unknown_outcome=retry_unknown_outcome,
                    description=description,
                ) from error
            log.debug(
                "%s -> %s in %.0f ms",
                description,
                response.status_code,
                (time.perf_counter() - started) * 1e3,
            )
            if response.status_code == 429:
                self.bucket.slow_down()
            if not 200 <= response.status_code < 300:
                raise error_from_response(response, policy, numbers)
            self.bucket.speed_up()
            return _json(response, description, policy)

        return call_with_retries(attempt, max_retries=self.config.max_retries, description=description)


def _prepare_from(
    base: requests.PreparedRequest, url: str, kwargs: Mapping[str, Any]
) -> requests.PreparedRequest:
    """A copy of ``base`` (the session's headers already merged in) with this call's query and body."""
    prepared = base.copy()
    if kwargs.get("params"):
        prepared.prepare_url(url, kwargs["params"])
    prepared.prepare_body(kwargs.get("data"), kwargs.get("files"), kwargs.get("json"))
    return prepared


def _stream_body(
    response: requests.Response, out: IO[bytes], max_bytes: int, deadline: float, url: str
) -> int:
    """Copy the body into ``out`` within ``max_bytes`` and the monotonic ``deadline``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(url, max_bytes)
    written = 0
    while True:
        try:
            chunk = response.raw.read1(DOWNLOAD_CHUNK)
        except (Urllib3Error, OSError) as error:
            raise WhatsAppNetworkError(
                f"media download from {where(url)} broke off after {written} bytes ({type(error).__name__})",
                url=where(url),
            ) from error
        if not chunk:
            return written
        written += len(chunk)
        if written > max_bytes:
            raise _too_big(url, max_bytes)
        if time.monotonic() > deadline:
            raise WhatsAppNetworkError(
                f"media download from {where(url)} did not finish in time ({written} bytes so far)",
                url=where(url),
                retryable=False,
            )
        out.write(chunk)


def _too_big(url: str, max_bytes: int) -> WhatsAppNetworkError:
    return WhatsAppNetworkError(
        f"media download from {where(url)} is larger than {max_bytes // (1024 * 1024)} MB, the Cloud API's "
        "largest media: refused",
        url=where(url),
        retryable=False,
    )


def write_atomically(target: Path, fill: Callable[[IO[bytes]], object]) -> Path:
    """Write ``target`` through a temporary file next to it, so that a failed download leaves no part."""
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as out:
            fill(out)
        partial.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target


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
