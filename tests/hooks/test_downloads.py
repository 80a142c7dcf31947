"""Media downloads from a CDN that fails: what is retried (from the start), what is not, and what is left.

A scripted CDN on loopback answers each download with the next answer of its script, the last repeating.
"""

from __future__ import annotations

import gzip
import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppNotFoundError,
    WhatsAppServerError,
)
from tests.hooks.conftest import HookFactory
from tests.log_lines import assert_retry_logged
from tests.scripted_http import SILENT, Answer, Request, ScriptedHTTP

BYTES = b"region,orders\nnorth,12\n"
OCTETS = {"Content-Type": "application/octet-stream"}


@contextmanager
def cdn(script: Sequence[Answer]) -> Iterator[ScriptedHTTP]:
    """A CDN that plays ``script`` in order, one answer a request, then repeats the last."""

    def scripted(request: Request) -> Answer:
        return script[min(len(server.seen), len(script)) - 1]

    with ScriptedHTTP(scripted) as server:
        yield server


def download(make_hook: HookFactory, server: ScriptedHTTP, max_retries: int) -> bytes:
    hook = make_hook(host=server.url, max_retries=max_retries)
    out = io.BytesIO()
    written = hook.client.download(f"{server.url}/cdn/1", out, max_bytes=1024, deadline_seconds=60)
    assert written == len(out.getvalue())
    return out.getvalue()


def test_a_download_cut_short_is_retried_from_the_start(make_hook: HookFactory) -> None:
    """The first answer breaks off after a few bytes: the retry starts over, so no byte is doubled."""
    cut = Answer(headers=OCTETS, chunks=[BYTES[:7]], length=len(BYTES))
    with cdn([cut, Answer(headers=OCTETS, body=BYTES)]) as server:
        assert download(make_hook, server, max_retries=1) == BYTES
        assert len(server.seen) == 2


def test_a_cdn_5xx_is_retried_then_reported(make_hook: HookFactory, caplog: pytest.LogCaptureFixture) -> None:
    unavailable = Answer(status=503, headers={"Content-Type": "text/plain"}, body=b"busy")
    with cdn([unavailable, Answer(headers=OCTETS, body=BYTES)]) as server:
        assert download(make_hook, server, max_retries=1) == BYTES
    assert_retry_logged(caplog, "media download failed (WhatsAppServerError, HTTP 503)", "retry 1 of 1")
    with cdn([unavailable]) as server, pytest.raises(WhatsAppServerError) as caught:
        download(make_hook, server, max_retries=2)
    assert caught.value.status == 503
    assert len(server.seen) == 3


@pytest.mark.parametrize(("status", "error"), [(404, WhatsAppNotFoundError), (403, WhatsAppAPIError)])
def test_a_cdn_4xx_is_not_retried(make_hook: HookFactory, status: int, error: type[Exception]) -> None:
    """An expired or wrong link answers the same again: one request, the status in the error."""
    with cdn([Answer(status=status, headers={"Content-Type": "text/plain"}, body=b"no")]) as server:
        with pytest.raises(error) as caught:
            download(make_hook, server, max_retries=3)
        assert len(server.seen) == 1
    assert isinstance(caught.value, WhatsAppAPIError)
    assert caught.value.status == status
    assert not caught.value.retryable


def test_a_cdn_that_keeps_breaking_off_is_reported_after_the_retries(make_hook: HookFactory) -> None:
    cut = Answer(headers=OCTETS, chunks=[BYTES[:3]], length=len(BYTES))
    with cdn([cut]) as server:
        with pytest.raises(WhatsAppNetworkError) as caught:
            download(make_hook, server, max_retries=1)
        assert len(server.seen) == 2
    url = f"{server.url}/cdn/1"
    assert str(caught.value) == f"media download from {url} broke off after 3 bytes (ProtocolError)"
    assert (caught.value.url, caught.value.retryable) == (url, True)


def test_a_download_of_exactly_the_limit_is_accepted(make_hook: HookFactory) -> None:
    """``max_bytes`` is the largest size allowed, whether declared or counted."""
    with cdn([Answer(headers=OCTETS, body=BYTES)]) as server:
        hook = make_hook(host=server.url, max_retries=0)
        out = io.BytesIO()
        url = f"{server.url}/cdn/1"
        assert hook.client.download(url, out, max_bytes=len(BYTES), deadline_seconds=60) == len(BYTES)
        with pytest.raises(WhatsAppNetworkError, match="larger than"):
            hook.client.download(url, out, max_bytes=len(BYTES) - 1, deadline_seconds=60)
    assert out.getvalue() == b"", "a refused download leaves nothing in the stream"


def test_a_cdn_that_never_answers_times_out_and_is_retried(
    make_hook: HookFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The read timeout is the hook's ``timeout`` (a silent CDN must not hang the task)."""
    with cdn([SILENT]) as server:
        hook = make_hook(host=server.url, max_retries=1, timeout=0.5)
        url = f"{server.url}/cdn/1"
        with pytest.raises(WhatsAppNetworkError) as caught:
            hook.client.download(url, io.BytesIO(), max_bytes=1024, deadline_seconds=60)
        assert len(server.seen) == 2, "a download is idempotent: retried"
    assert str(caught.value) == f"media download: no answer from {url} (TimeoutError)"
    assert (caught.value.url, caught.value.retryable) == (url, True)
    assert_retry_logged(
        caplog, f"media download failed (no answer from {url} (TimeoutError))", "retry 1 of 1"
    )


def test_the_deadline_bounds_the_wait_for_a_silent_cdn_too(make_hook: HookFactory) -> None:
    with cdn([SILENT]) as server:
        hook = make_hook(host=server.url, max_retries=0, timeout=300)
        with pytest.raises(WhatsAppNetworkError, match="no answer"):
            hook.client.download(f"{server.url}/cdn/1", io.BytesIO(), max_bytes=1024, deadline_seconds=0.5)


def test_an_unreachable_cdn_is_retried_and_named(make_hook: HookFactory, refused_url: str) -> None:
    hook = make_hook(host=refused_url, max_retries=1)
    url = f"{refused_url}/cdn/1"
    with pytest.raises(WhatsAppNetworkError) as caught:
        hook.client.download(url, io.BytesIO(), max_bytes=1024, deadline_seconds=60)
    assert str(caught.value) == (
        f"media download: gateway unreachable at {url} (ConnectionRefusedError); nothing was sent"
    )
    assert (caught.value.url, caught.value.retryable) == (url, True)


@pytest.mark.parametrize("status", [300, 302])
def test_a_redirect_is_refused_not_followed_nor_saved(make_hook: HookFactory, status: int) -> None:
    """A 3xx body is not the media; following it would take the download to a host nobody chose."""
    with ScriptedHTTP(lambda request: Answer(body=b"elsewhere")) as elsewhere:
        moved = Answer(status=status, headers={"Location": f"{elsewhere.url}/file"}, body=b"<a>moved</a>")
        with cdn([moved]) as server:
            hook = make_hook(host=server.url, max_retries=3)
            out = io.BytesIO()
            with pytest.raises(WhatsAppAPIError) as caught:
                hook.client.download(f"{server.url}/cdn/1", out, max_bytes=1024, deadline_seconds=60)
            assert len(server.seen) == 1
        assert elsewhere.seen == []
    assert (caught.value.status, caught.value.retryable) == (status, False)
    assert out.getvalue() == b""


def test_a_compressed_answer_is_stored_as_the_file_itself(make_hook: HookFactory) -> None:
    """The client offers gzip, so a CDN may use it: what is written is the decoded file."""
    packed = Answer(headers={**OCTETS, "Content-Encoding": "gzip"}, body=gzip.compress(BYTES))
    with cdn([packed]) as server:
        assert download(make_hook, server, max_retries=0) == BYTES
    assert "gzip" in server.seen[0].headers["accept-encoding"]


def test_an_error_page_is_read_only_in_part(make_hook: HookFactory) -> None:
    """A 404 whose page never ends: its first 64 KB are enough for the error's text (reading it whole
    would never finish)."""
    endless = itertools.chain([b"<p>gone</p>"], itertools.repeat(b" " * 65536))
    page = Answer(status=404, headers={"Content-Type": "text/html"}, chunks=endless)
    with cdn([page]) as server, pytest.raises(WhatsAppNotFoundError, match=r"HTTP 404 .*: gone"):
        download(make_hook, server, max_retries=0)


def test_an_error_page_that_breaks_off_is_retried(make_hook: HookFactory) -> None:
    """A 503 whose page stops short of its length is still a 5xx, retried like one."""
    broken = Answer(status=503, headers={"Content-Type": "text/plain"}, chunks=[b"bu"], length=100)
    with cdn([broken, Answer(headers=OCTETS, body=BYTES)]) as server:
        assert download(make_hook, server, max_retries=1) == BYTES
        assert len(server.seen) == 2
