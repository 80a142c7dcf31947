"""How the transport words a failure: answers that are not Graph's JSON, and requests that got no answer.

The answers are urllib3 ``HTTPResponse`` objects built here (what the pools hand the transport), so that
each wording is checked exactly; the same paths over loopback HTTP are in ``test_foreign_errors.py``.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import pytest
from urllib3 import HTTPResponse
from urllib3.exceptions import NewConnectionError, ProxyError, ReadTimeoutError, SSLError

from airflow_provider_whatsapp.exceptions import (
    WhatsAppInvalidRequestError,
    WhatsAppNetworkError,
    WhatsAppNotFoundError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks.transport import RetryPolicy, error_from_response, transport_error, where

URL = "http://gateway.test/whatsapp-business/v21.0/1/messages?cursor=abc"


def answer(status: int, body: bytes, reason: str | None = "Bad Gateway") -> HTTPResponse:
    return HTTPResponse(body=body, status=status, reason=reason)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": {"message": "No such app"}}', "No such app"),
        (b'{"error": {"code": "x"}}', 'HTTP 418 Bad Gateway: {"error": {"code": "x"}}'),
        (b'{"message": "Key expired"}', "Key expired"),
        (b'{"detail": "Not allowed"}', "Not allowed"),
        (b"<html><body><h1>Bad</h1>   gateway\n</body></html>", "HTTP 418 Bad Gateway: Bad gateway"),
        (b"", "HTTP 418 Bad Gateway"),
    ],
)
def test_a_non_graph_answer_is_worded_from_what_it_holds(body: bytes, message: str) -> None:
    error = error_from_response(answer(418, body), RetryPolicy.IDEMPOTENT)
    assert str(error) == f"{message} (HTTP 418)"
    assert (error.code, error.error_subcode, error.details, error.fbtrace_id) == (None, None, None, None)


def test_a_page_is_cut_to_200_characters_and_a_missing_reason_says_error() -> None:
    error = error_from_response(answer(418, b"a" * 300, reason=None), RetryPolicy.IDEMPOTENT)
    assert str(error).startswith(f"HTTP 418 error: {'a' * 200}")
    assert "a" * 201 not in str(error)


def refused() -> NewConnectionError:
    """What urllib3 raises when the connection is refused, the socket's error as its cause."""
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as cause:
            raise NewConnectionError(None, f"Failed to establish a new connection: {cause}") from cause  # type: ignore[arg-type]
    except NewConnectionError as error:
        return error


def test_a_refused_connection_is_named_by_its_cause_and_nothing_was_sent() -> None:
    error = transport_error(
        refused(),
        url=URL,
        policy=RetryPolicy.SEND,
        retry_unknown_outcome=False,
        description="POST 1/messages",
    )
    assert isinstance(error, WhatsAppNetworkError)
    assert str(error) == (
        "POST 1/messages: gateway unreachable at http://gateway.test:80/whatsapp-business/v21.0/1/messages "
        "(ConnectionRefusedError); nothing was sent"
    )
    assert error.retryable


def test_no_answer_to_a_read_may_be_retried_and_to_a_send_is_an_unknown_outcome() -> None:
    target = "http://gateway.test:80/whatsapp-business/v21.0/1/messages"
    read = transport_error(
        ReadTimeoutError(None, URL, "Read timed out."),  # type: ignore[arg-type]
        url=URL,
        policy=RetryPolicy.IDEMPOTENT,
        retry_unknown_outcome=False,
        description="GET x",
    )
    assert isinstance(read, WhatsAppNetworkError)
    assert (str(read), read.url, read.retryable) == (
        f"GET x: no answer from {target} (ReadTimeoutError)",
        target,
        True,
    )

    for opted_in in (False, True):
        send = transport_error(
            ReadTimeoutError(None, URL, "Read timed out."),  # type: ignore[arg-type]
            url=URL,
            policy=RetryPolicy.SEND,
            retry_unknown_outcome=opted_in,
            description="POST x",
        )
        assert isinstance(send, WhatsAppUnknownOutcomeError)
        assert send.retryable is opted_in
        assert str(send) == (
            f"POST x: the gateway at {target} may have accepted the request, but no answer arrived "
            "(ReadTimeoutError); not sent again to avoid a duplicate. Check the recipient's conversation or "
            "status webhooks, or retry explicitly with retry_unknown_outcome=True."
        )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://gw.test/a/b?token=secret", "http://gw.test:80/a/b"),
        ("https://gw.test/a", "https://gw.test:443/a"),
        ("https://gw.test:8443/a#x", "https://gw.test:8443/a"),
    ],
)
def test_where_names_scheme_host_port_and_path_only(url: str, expected: str) -> None:
    assert where(url) == expected


def graph(status: int, error: dict[str, Any]) -> HTTPResponse:
    """An answer carrying Graph's error object."""
    return answer(status, json.dumps({"error": error}).encode(), reason="Bad Request")


@pytest.mark.parametrize(
    ("status", "error", "kind", "text", "subcode"),
    [
        (
            400,
            {
                "message": "Invalid parameter",
                "code": 100,
                "error_subcode": 2494010,
                "error_data": {"details": "x"},
                "fbtrace_id": "Ab",
            },
            WhatsAppInvalidRequestError,
            "Invalid parameter - details: x (HTTP 400, code 100/2494010, fbtrace_id Ab)",
            2494010,
        ),
        (
            400,
            {"code": 100, "error_subcode": "33"},
            WhatsAppInvalidRequestError,
            "HTTP 400 (HTTP 400, code 100)",
            None,
        ),
        (
            400,
            {"code": 131000, "error_user_msg": "Something went wrong"},
            WhatsAppServerError,
            "Something went wrong (HTTP 400, code 131000)",
            None,
        ),
        (
            404,
            {"code": 100, "message": "Unsupported get request"},
            WhatsAppNotFoundError,
            "Unsupported get request (HTTP 404, code 100)",
            None,
        ),
    ],
    ids=["all-fields", "subcode-not-a-number", "user-message-only", "invalid-parameter-answered-404"],
)
def test_graphs_error_object_is_read_field_by_field(
    status: int, error: dict[str, Any], kind: type[Exception], text: str, subcode: int | None
) -> None:
    """The message falls back to ``error_user_msg``, then the status; a subcode that is not a number is
    dropped; code 100 answered 404 is a missing object."""
    raised = error_from_response(graph(status, error), RetryPolicy.SEND)
    assert type(raised) is kind
    assert (str(raised), raised.error_subcode) == (text, subcode)


@pytest.mark.parametrize("policy", list(RetryPolicy))
def test_a_429_is_retryable_whatever_the_body_and_the_call(policy: RetryPolicy) -> None:
    """The gateway's own 429 has no Graph code; refused for rate, nothing was sent, so even a send retries."""
    assert error_from_response(answer(429, b"Too Many Requests"), policy).retryable is True


def raised(error: Exception) -> Exception:
    """``error`` with a traceback, as if raised where the answer is read (not in a TLS handshake)."""
    try:
        raise error
    except Exception as caught:
        return caught


@pytest.mark.parametrize(
    ("tls_error", "nothing_sent"),
    [
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), True),  # the proxy's handshake
        (ssl.SSLError(1, "decryption failed or bad record mac"), False),  # a record of the answer
    ],
)
def test_a_tls_error_inside_a_proxy_error_tells_whether_the_send_left(
    tls_error: ssl.SSLError, nothing_sent: bool
) -> None:
    """urllib3 wraps TLS errors with an https proxy in ``ProxyError``: where the TLS error came from
    decides, as it does without a proxy."""
    error = ProxyError("Unable to connect to proxy", SSLError(raised(tls_error)))
    send = transport_error(
        error, url=URL, policy=RetryPolicy.SEND, retry_unknown_outcome=False, description="POST x"
    )
    assert isinstance(send, WhatsAppUnknownOutcomeError) is not nothing_sent
    assert send.retryable is nothing_sent
    assert ("nothing was sent" in str(send)) is nothing_sent
