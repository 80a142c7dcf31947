"""How the transport words a failure: answers that are not Graph's JSON, and requests that got no answer.

The answers are ``requests.Response`` objects built here (what ``requests`` hands the transport), so that
each wording is checked exactly; the same paths over loopback HTTP are in ``test_foreign_errors.py``.
"""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from airflow_provider_whatsapp.exceptions import WhatsAppNetworkError, WhatsAppUnknownOutcomeError
from airflow_provider_whatsapp.hooks.transport import RetryPolicy, error_from_response, transport_error, where

URL = "http://gateway.test/whatsapp-business/v21.0/1/messages?cursor=abc"


def answer(status: int, body: bytes, reason: str | None = "Bad Gateway") -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.reason = status, body, reason  # type: ignore[assignment]
    return response


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
    assert str(error_from_response(answer(418, body), RetryPolicy.IDEMPOTENT)) == f"{message} (HTTP 418)"


def test_a_page_is_cut_to_200_characters_and_a_missing_reason_says_error() -> None:
    error = error_from_response(answer(418, b"a" * 300, reason=None), RetryPolicy.IDEMPOTENT)
    assert str(error).startswith(f"HTTP 418 error: {'a' * 200}")
    assert "a" * 201 not in str(error)


def refused() -> requests.ConnectionError:
    """What requests raises when the connection is refused: the cause nested in urllib3's ``reason``."""
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, URL, reason=cause))  # type: ignore[arg-type]


def test_a_refused_connection_is_found_in_urllib3s_nesting_and_nothing_was_sent() -> None:
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
        "(NewConnectionError); nothing was sent"
    )
    assert error.retryable


def test_no_answer_to_a_read_may_be_retried_and_to_a_send_is_an_unknown_outcome() -> None:
    target = "http://gateway.test:80/whatsapp-business/v21.0/1/messages"
    read = transport_error(
        requests.ReadTimeout(),
        url=URL,
        policy=RetryPolicy.IDEMPOTENT,
        retry_unknown_outcome=False,
        description="GET x",
    )
    assert isinstance(read, WhatsAppNetworkError)
    assert (str(read), read.url, read.retryable) == (
        f"GET x: no answer from {target} (ReadTimeout)",
        target,
        True,
    )

    for opted_in in (False, True):
        send = transport_error(
            requests.ReadTimeout(),
            url=URL,
            policy=RetryPolicy.SEND,
            retry_unknown_outcome=opted_in,
            description="POST x",
        )
        assert isinstance(send, WhatsAppUnknownOutcomeError)
        assert send.retryable is opted_in
        assert str(send) == (
            f"POST x: the gateway at {target} may have accepted the request, but no answer arrived "
            "(ReadTimeout); not sent again to avoid a duplicate. Check the recipient's conversation or "
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
