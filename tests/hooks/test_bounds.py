"""Memory and time stay bounded whatever the input or the server: huge files, huge or dripping
downloads, template paging that never ends."""

from __future__ import annotations

import io
import itertools
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks import client
from airflow_provider_whatsapp.hooks.templates import MAX_TEMPLATE_PAGES
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.models.uploads import MAX_MEDIA_BYTES
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.hooks.conftest import HookFactory
from tests.scripted_http import Answer, Request, ScriptedHTTP

GIB = 1024**3
MEDIA_ID = "1234567890"


def test_a_1_gb_file_is_refused_from_its_size_without_being_read(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as out:
        out.truncate(GIB)  # sparse: a gigabyte that takes no disk

    tracemalloc.start()
    try:
        with pytest.raises(WhatsAppValidationError, match=r"at most 102400 KB; got 1048576 KB"):
            hook.upload_media(huge)
        with huge.open("rb") as stream, pytest.raises(WhatsAppValidationError, match="at most"):
            hook.upload_media(stream, "application/pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    assert sandbox_admin.requests_log("/media") == []


class Unseekable(io.RawIOBase):
    """A pipe-like stream of ``size`` bytes that cannot tell its size."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = b"\0" * count
        self.left -= count
        return count


def test_a_stream_of_unknown_size_is_read_only_to_its_limit(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    stream = Unseekable(GIB)
    with pytest.raises(WhatsAppValidationError, match="image files are at most 5120 KB"):
        hook.upload_media(io.BufferedReader(stream), "image/png")
    assert GIB - stream.left <= 5 * 1024 * 1024 + io.DEFAULT_BUFFER_SIZE + 1
    assert sandbox_admin.requests_log("/media") == []


def media_and_cdn(cdn: Answer) -> ScriptedHTTP:
    """A gateway whose media object points at a CDN on the same server, answering ``cdn``."""

    def scripted(request: Request) -> Answer:
        if request.path.startswith("/cdn/"):
            return cdn
        return Answer.json({"id": MEDIA_ID, "url": f"{server.url}/cdn/{MEDIA_ID}", "mime_type": "image/png"})

    server = ScriptedHTTP(scripted)
    return server


@pytest.fixture
def declared_too_big() -> Iterator[ScriptedHTTP]:
    big = Answer(
        headers={"Content-Type": "application/octet-stream"}, chunks=[b"x"], length=MAX_MEDIA_BYTES + 1
    )
    with media_and_cdn(big) as server:
        yield server


def test_a_download_declared_larger_than_metas_largest_media_is_refused_unread(
    make_hook: HookFactory, declared_too_big: ScriptedHTTP, tmp_path: Path
) -> None:
    hook = make_hook(host=declared_too_big.url, max_retries=3)
    target = tmp_path / "copy.bin"
    with pytest.raises(WhatsAppNetworkError) as caught:
        hook.download_media(MEDIA_ID, target)
    assert_refused_for_size(caught.value, f"{declared_too_big.url}/cdn/{MEDIA_ID}", megabytes=100)
    assert [seen.path for seen in declared_too_big.seen].count(f"/cdn/{MEDIA_ID}") == 1, "never retried"
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [], "no partial file is left behind"


def assert_refused_for_size(error: WhatsAppNetworkError, url: str, *, megabytes: int) -> None:
    """The error says where and what the limit is, and that asking again cannot help."""
    assert str(error) == (
        f"media download from {url} is larger than {megabytes} MB, the Cloud API's largest media: refused"
    )
    assert error.url == url
    assert error.retryable is False


def test_a_download_that_keeps_sending_stops_at_the_cap(make_hook: HookFactory) -> None:
    endless = Answer(
        headers={"Content-Type": "application/octet-stream"}, chunks=iter(lambda: b"x" * 65536, b"")
    )
    with media_and_cdn(endless) as server:
        hook = make_hook(host=server.url, max_retries=3)
        sink = io.BytesIO()
        url = f"{server.url}/cdn/{MEDIA_ID}"
        with pytest.raises(WhatsAppNetworkError) as caught:
            hook.client.download(url, sink, max_bytes=3 * 1024 * 1024, deadline_seconds=60)
        assert len(server.seen) == 1, "never retried"
    assert_refused_for_size(caught.value, url, megabytes=3)
    assert len(sink.getvalue()) <= 3 * 1024 * 1024


def test_a_cdn_that_drips_one_byte_at_a_time_is_stopped_by_the_deadline(make_hook: HookFactory) -> None:
    """Each byte arrives well within the read timeout, so only an overall deadline can stop it."""
    drip = Answer(
        headers={"Content-Type": "application/octet-stream"}, chunks=[b"x"] * 1000, pause=0.05, length=1000
    )
    with media_and_cdn(drip) as server:
        hook = make_hook(host=server.url, max_retries=0, timeout=30)
        with pytest.raises(WhatsAppNetworkError) as caught:
            hook.download_media(MEDIA_ID, timeout=0.5)
    url = f"{server.url}/cdn/{MEDIA_ID}"
    assert re.fullmatch(
        rf"media download from {re.escape(url)} did not finish in time \(\d+ bytes so far\)",
        str(caught.value),
    )
    assert (caught.value.url, caught.value.retryable) == (url, False)


def test_a_chunk_read_at_the_deadline_itself_is_kept(
    make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline is the last moment allowed: on a clock that reads the start, then the deadline
    itself at every chunk, the download goes through."""
    readings = itertools.chain([1000.0], itertools.repeat(1000.5))
    monkeypatch.setattr(client, "time", SimpleNamespace(monotonic=lambda: next(readings)))
    whole = Answer(headers={"Content-Type": "application/octet-stream"}, body=b"x" * 10)
    with media_and_cdn(whole) as server:
        hook = make_hook(host=server.url, max_retries=0)
        sink = io.BytesIO()
        url = f"{server.url}/cdn/{MEDIA_ID}"
        assert hook.client.download(url, sink, max_bytes=100, deadline_seconds=0.5) == 10


def paging(cursors: list[str]) -> ScriptedHTTP:
    """Template pages whose ``after`` cursors follow ``cursors`` round and round."""

    def scripted(request: Request) -> Answer:
        asked = request.path.partition("after=")[2].partition("&")[0] or None
        index = cursors.index(asked) + 1 if asked in cursors else 0
        after = cursors[index % len(cursors)]
        item = {"id": str(1000 + index), "name": f"t{index}", "language": "en_US", "status": "APPROVED"}
        return Answer.json({"data": [item], "paging": {"cursors": {"after": after}, "next": "https://x"}})

    return ScriptedHTTP(scripted)


@pytest.mark.timeout(60)
def test_template_paging_that_cycles_raises_instead_of_looping_forever(make_hook: HookFactory) -> None:
    with paging(["QQ", "RR", "SS"]) as server:
        hook = make_hook(host=server.url, max_retries=0)
        with pytest.raises(WhatsAppAPIError, match="repeated a cursor"):
            list(hook.list_templates())
        assert len(server.seen) == 4, "three pages, then the first cursor again"


@pytest.mark.timeout(120)
def test_template_paging_stops_at_the_page_limit(make_hook: HookFactory) -> None:
    with paging([f"C{n}" for n in range(MAX_TEMPLATE_PAGES + 10)]) as server:
        hook = make_hook(host=server.url, max_retries=0)
        with pytest.raises(WhatsAppAPIError, match=f"past {MAX_TEMPLATE_PAGES} pages"):
            list(hook.list_templates())
        assert len(server.seen) == MAX_TEMPLATE_PAGES
