"""The one HTTP client of the provider: pooled urllib3 connections aimed at Maton's gateway.

It sets the auth and connection headers once, paces requests with a token bucket, applies the retry
policy of :mod:`.transport`, and never sends the Maton key to any host but the configured gateway
and control plane (media downloads from Meta's CDN go out without it). The pools, their proxies and
TLS settings are :mod:`.pools`'.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.response import BaseHTTPResponse

from airflow_provider_whatsapp import __version__
from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppUnknownOutcomeError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.config import GatewayConfig
from airflow_provider_whatsapp.hooks.pools import ConnectionPools
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
#: What every request says of itself; the gateway's requests add the Maton key and connection.
PLAIN_HEADERS: Mapping[str, str] = {
    **urllib3.make_headers(keep_alive=True, accept_encoding=True, user_agent=USER_AGENT),
    "Accept": "*/*",
}
CONNECT_TIMEOUT = 10.0
DOWNLOAD_CHUNK = 64 * 1024
#: The most of a failed download's answer read for its error text.
ERROR_BODY_BYTES = 64 * 1024
#: The most of a Graph or control-plane answer read (Graph's pages are a few KB): a server that sends
#: more cannot fill the worker's memory.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: A multipart form: text fields, and files as ``(name, bytes, MIME type)``.
Form = Mapping[str, str | tuple[str, bytes, str]]


class GatewayClient:
    """Graph calls go to ``{base}/whatsapp-business/{version}``, control calls to ``/connections``."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.pools = ConnectionPools()
        self.timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=config.timeout)
        self.headers = {**PLAIN_HEADERS, "Authorization": f"Bearer {config.api_key}"}
        if config.connection_id:
            self.headers["Maton-Connection"] = config.connection_id
        self.bucket = TokenBucket(config.requests_per_second)

    def __repr__(self) -> str:
        return (
            f"GatewayClient(base_url={self.config.base_url!r}, connection_id={self.config.connection_id!r})"
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.pools.close()

    def graph(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Form | None = None,
        policy: RetryPolicy | None = None,
        retry_unknown_outcome: bool = False,
        numbers: Sequence[str] = (),
    ) -> Any:
        """Call a Graph path (``"{phone_number_id}/messages"``) through the gateway; return the JSON.

        The body is ``json`` or a multipart ``form``. ``numbers`` (a recipient) are masked in the texts
        of any error this call raises.
        """
        url = f"{self.config.gateway_url}/{path}"
        return self._call(method, url, params, json, form, policy, retry_unknown_outcome, numbers)

    def control(
        self,
        method: str,
        path: str = "",
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        policy: RetryPolicy | None = None,
    ) -> Any:
        """Call Maton's control plane (``/connections[/{id}]``); return the JSON."""
        url = f"{self.config.control_url}/connections" + (f"/{quote(path, safe='')}" if path else "")
        return self._call(method, url, params, json, None, policy, False, ())

    def download(self, url: str, out: IO[bytes], *, max_bytes: int, deadline_seconds: float) -> int:
        """Stream a media URL (Meta's CDN) into ``out``; return the number of bytes written.

        Sent without the Maton key. The download stops with an error past ``max_bytes`` or
        ``deadline_seconds`` (a server that sends one byte a second never trips the per-read timeout).
        Retried from the start on connection errors, 429 and 5xx.
        """
        timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=min(self.config.timeout, deadline_seconds))

        def attempt() -> int:
            out.seek(0)
            out.truncate()
            started = time.monotonic()
            try:
                response = self.pools.request("GET", url, headers=PLAIN_HEADERS, body=None, timeout=timeout)
                if not 200 <= response.status < 300:  # a redirect is no media either
                    raise error_from_response(_read(response, ERROR_BODY_BYTES), RetryPolicy.IDEMPOTENT)
                with _released(response):
                    return _stream_body(response, out, max_bytes, started + deadline_seconds, url)
            except Urllib3Error as error:  # no answer, or an error page that broke off
                raise transport_error(
                    error,
                    url=url,
                    policy=RetryPolicy.IDEMPOTENT,
                    retry_unknown_outcome=False,
                    description="media download",
                ) from error

        return call_with_retries(attempt, max_retries=self.config.max_retries, description="media download")

    def _call(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        payload: Any,
        form: Form | None,
        policy: RetryPolicy | None,
        retry_unknown_outcome: bool,
        numbers: Sequence[str],
    ) -> Any:
        policy = policy or (RetryPolicy.IDEMPOTENT if method in ("GET", "DELETE") else RetryPolicy.SEND)
        path = url.removeprefix(self.config.base_url).removeprefix(self.config.control_url)
        description = f"{method} {path}"
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        body, headers = self._encode(payload, form, description)

        def attempt() -> Any:
            self.bucket.acquire()
            started = time.perf_counter()
            try:
                answer = self.pools.request(method, url, headers=headers, body=body, timeout=self.timeout)
                response = _read(answer, MAX_ANSWER_BYTES + 1)
            except Urllib3Error as error:
                raise transport_error(
                    error,
                    url=url,
                    policy=policy,
                    retry_unknown_outcome=retry_unknown_outcome,
                    description=description,
                ) from error
            log.debug(
                "%s -> %s in %.0f ms", description, response.status, (time.perf_counter() - started) * 1e3
            )
            if response.status == 429:
                self.bucket.slow_down()
            if not 200 <= response.status < 300:
                raise error_from_response(response, policy, numbers)
            self.bucket.speed_up()
            return _json(response, description, policy)

        return call_with_retries(attempt, max_retries=self.config.max_retries, description=description)

    def _encode(
        self, payload: Any, form: Form | None, description: str
    ) -> tuple[bytes | None, dict[str, str]]:
        """The body and the headers of a call: JSON, a multipart form, or none."""
        if form is not None:
            body, content_type = urllib3.encode_multipart_formdata(form)
        elif payload is not None:
            try:
                body, content_type = json.dumps(payload, allow_nan=False).encode(), "application/json"
            except (TypeError, ValueError) as error:  # NaN, or a value JSON has no type for
                raise WhatsAppValidationError([("body", f"{description}: not JSON ({error})")]) from error
        else:
            return None, self.headers
        return body, {**self.headers, "Content-Type": content_type}


@contextlib.contextmanager
def _released(response: BaseHTTPResponse) -> Iterator[None]:
    """Give a streamed answer's connection back to its pool when done (closed if not read to its end)."""
    try:
        yield
    finally:
        response.close()
        response.release_conn()


def _read(response: BaseHTTPResponse, limit: int) -> BaseHTTPResponse:
    """A streamed answer read into memory, at most ``limit`` bytes of its body; its connection goes
    back to the pool (or is closed, when the body was longer)."""
    with _released(response):
        body = response.read(limit)
    return urllib3.HTTPResponse(
        body=body, headers=response.headers, status=response.status, reason=response.reason
    )


def _stream_body(
    response: BaseHTTPResponse, out: IO[bytes], max_bytes: int, deadline: float, url: str
) -> int:
    """Copy the body into ``out`` within ``max_bytes`` and the monotonic ``deadline``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(url, max_bytes)
    written = 0
    while True:
        try:
            chunk = response.read1(DOWNLOAD_CHUNK)
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


def _json(response: BaseHTTPResponse, description: str, policy: RetryPolicy) -> Any:
    """The JSON of a 2xx answer; an empty body is ``{}``; anything else is a readable error.

    A send that was answered 2xx was accepted, so an unreadable answer is an unknown outcome, not a
    failure to retry.
    """
    if not response.data:
        return {}
    if len(response.data) > MAX_ANSWER_BYTES:
        too_big = f"the answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MB"
        if policy is RetryPolicy.SEND:
            raise WhatsAppUnknownOutcomeError(
                f"{description}: accepted (HTTP {response.status}) but {too_big}"
            )
        raise WhatsAppAPIError(f"{description}: {too_big}", status=response.status)
    try:
        return json.loads(response.data)
    except ValueError as error:
        got = f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}"
        if policy is RetryPolicy.SEND:
            raise WhatsAppUnknownOutcomeError(
                f"{description}: accepted (HTTP {response.status}) but the answer is unreadable: {got}"
            ) from error
        raise WhatsAppAPIError(f"{description}: {got}", status=response.status) from error
