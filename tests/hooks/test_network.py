"""What the client does when the network is not simple: nothing reached the gateway, proxies per host,
no ``.netrc``, answers that are not what they should be, and several threads building one client."""

from __future__ import annotations

import io
import itertools
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppUnknownOutcomeError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.client import USER_AGENT
from airflow_provider_whatsapp.hooks.pools import MAX_ORIGINS
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.models import SendResult
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.hooks.conftest import HookFactory
from tests.scripted_http import Answer, Request, ScriptedHTTP

TO = "+31612345789"


def test_a_tls_handshake_failure_is_retried_and_never_an_unknown_outcome(
    make_hook: HookFactory, sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    """https against the sandbox's plain-http port fails in the handshake: no request was written."""
    tls_to_plain_http = sandbox_key["base_url"].replace("http://", "https://")
    hook = make_hook(host=tls_to_plain_http, max_retries=1)
    with pytest.raises(WhatsAppNetworkError, match=r"gateway unreachable at https://127\.0\.0\.1") as caught:
        hook.send_template(TO, "hello_world")
    assert caught.value.retryable
    assert "SSLError" in str(caught.value)
    assert sandbox_admin.messages() == []


def test_unreachable_errors_name_the_url_and_never_the_key(make_hook: HookFactory, refused_url: str) -> None:
    hook = make_hook(host=refused_url, max_retries=0)
    with pytest.raises(WhatsAppNetworkError) as caught:
        hook.get_phone_number()
    text = "".join(traceback.format_exception(caught.value))
    assert f"{refused_url}/whatsapp-business/v21.0/{hook.phone_number_id}" in str(caught.value)
    assert hook.config.api_key not in text


def test_a_key_pasted_with_a_newline_works_and_one_broken_inside_is_refused_unquoted(
    make_hook: HookFactory, sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    key = sandbox_key["api_key"]
    assert make_hook(api_key=f" {key}\n").get_phone_number().id == sandbox_key["phone_number_id"]

    broken = make_hook(api_key=f"{key[:8]}\n{key[8:]}")
    with pytest.raises(WhatsAppValidationError, match="password") as caught:
        broken.get_phone_number()
    text = "".join(traceback.format_exception(caught.value))
    assert key[:8] not in text
    assert key[8:] not in text
    assert repr(key[8:])[1:-1] not in text


@pytest.fixture
def lying_gateway() -> Iterator[ScriptedHTTP]:
    """Accepts every send with an answer that is not the Cloud API's; reads answer a wrong shape."""

    def scripted(request: Request) -> Answer:
        if request.method == "POST":
            return Answer.json({"messages": [{"id": {"to": TO}}], "contacts": [{"wa_id": 31612345789}]})
        return Answer.json({"id": {"number": TO}, "display_phone_number": 31612345789})

    with ScriptedHTTP(scripted) as server:
        yield server


def test_a_malformed_2xx_answer_is_a_typed_error_that_quotes_no_number(
    make_hook: HookFactory, lying_gateway: ScriptedHTTP
) -> None:
    hook = make_hook(host=lying_gateway.url)
    with pytest.raises(WhatsAppUnknownOutcomeError, match="not sent again") as sent:
        hook.send_text(TO, "hi")
    with pytest.raises(WhatsAppAPIError, match="unexpected answer to GET phone number: id") as read:
        hook.get_phone_number()
    for error in (sent.value, read.value):
        assert "612345789" not in "".join(traceback.format_exception(error))
    assert len([r for r in lying_gateway.seen if r.method == "POST"]) == 1


def test_the_answers_numbers_are_masked_in_reprs_even_when_wa_id_differs() -> None:
    result = SendResult.from_response(
        {
            "contacts": [{"input": "+55 11 91234-5678", "wa_id": "551112345678"}],
            "messages": [{"id": "wamid.X"}],
        }
    )
    shown = repr(result) + str(result)
    assert "12345678" not in shown
    assert "+55********678" in shown
    assert "55*******678" in shown


def test_number_written_with_separators_in_an_error_is_masked(make_hook: HookFactory) -> None:
    quoted = {"error": {"message": "Recipient +31 6-1234.5789 (31612345789) cannot receive", "code": 131026}}
    with ScriptedHTTP(lambda request: Answer.json(quoted, status=400)) as server:
        hook = make_hook(host=server.url)
        with pytest.raises(WhatsAppAPIError) as caught:
            hook.send_text(TO, "hi")
    assert "1234" not in str(caught.value)
    assert str(caught.value).count("+31******789") == 2


def test_the_cdn_download_does_not_read_netrc(
    hook: MatonWhatsAppHook,
    sandbox_admin: SandboxAdminClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    media_id = hook.upload_media(b"a,b\n", "text/csv", filename="a.csv")
    assert hook.download_media(media_id) == b"a,b\n"
    monkeypatch.delenv("NETRC")  # the admin client is a plain requests session: it would read it
    [entry] = sandbox_admin.cdn_requests()
    assert "authorization" not in {name.lower() for name in entry["headers"]}


def test_threads_that_first_use_one_hook_together_build_one_client(
    hook: MatonWhatsAppHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``functools.cached_property`` stopped locking in Python 3.12: the hook locks itself."""
    read = MatonWhatsAppHook.get_connection
    reads: list[str] = []

    def slow_read(conn_id: str) -> Any:
        reads.append(conn_id)
        time.sleep(0.05)  # widen the window in which a second thread could start its own read
        return read(conn_id)

    monkeypatch.setattr(MatonWhatsAppHook, "get_connection", staticmethod(slow_read))
    start = threading.Barrier(8)
    clients: list[object] = []

    def first_use() -> None:
        start.wait()
        clients.append(hook.get_conn())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1
    assert len({id(client) for client in clients}) == 1


def test_the_gateway_and_the_cdn_are_told_who_is_calling(make_hook: HookFactory) -> None:
    def gateway(request: Request) -> Answer:
        if request.path.startswith("/cdn/"):
            return Answer(headers={"Content-Type": "text/plain"}, body=b"file")
        return Answer.json({"id": "777", "url": f"{server.url}/cdn/777", "mime_type": "text/plain"})

    with ScriptedHTTP(gateway) as server:
        assert make_hook(host=server.url, max_retries=0).download_media("777") == b"file"
    assert [request.headers["user-agent"] for request in server.seen] == [USER_AGENT, USER_AGENT]


def test_a_body_that_is_not_json_is_refused_before_anything_is_sent(make_hook: HookFactory) -> None:
    with ScriptedHTTP(lambda request: Answer.json({})) as server:
        hook = make_hook(host=server.url, max_retries=3)
        with pytest.raises(WhatsAppValidationError, match=r"body: POST .*messages: not JSON"):
            hook.client.graph("POST", f"{hook.phone_number_id}/messages", json={"ratio": float("nan")})
    assert server.seen == []


def test_an_answer_larger_than_any_graph_answer_is_not_read_whole(make_hook: HookFactory) -> None:
    """An endless 2xx answer: a send is accepted but unknown, a read fails; neither is repeated."""
    endless = Answer(chunks=itertools.chain([b'{"a": "'], itertools.repeat(b"x" * 65536)))
    with ScriptedHTTP(lambda request: endless) as server:
        hook = make_hook(host=server.url, max_retries=3)
        with pytest.raises(WhatsAppUnknownOutcomeError, match=r"accepted .* larger than 16 MB"):
            hook.send_text(TO, "hi")
        with pytest.raises(WhatsAppAPIError, match=r"GET .* larger than 16 MB"):
            hook.get_phone_number()
    assert [request.method for request in server.seen] == ["POST", "GET"]


def test_the_client_keeps_routes_for_a_bounded_number_of_hosts(
    make_hook: HookFactory, refused_url: str
) -> None:
    """Download URLs come from the server: ever new hosts must not make the client hold ever more."""
    hook = make_hook(host=refused_url, max_retries=0)
    for port in range(1, MAX_ORIGINS + 5):
        with pytest.raises(WhatsAppNetworkError):
            hook.client.download(
                f"http://127.0.0.{port}:9/media", io.BytesIO(), max_bytes=10, deadline_seconds=5
            )
    assert len(hook.client.pools._routes) == MAX_ORIGINS
