"""The web inbox over HTTP: every message type rendered as WhatsApp shows it, hostile text escaped,
customer actions, search, paging, and the page's security headers."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from airflow_provider_whatsapp.sandbox import SandboxServer

from .conftest import Client, new_client
from .inbox_messages import CUSTOMER, send_every_type

WA_ID = CUSTOMER.lstrip("+")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    return parser


@pytest.fixture
def docs_client(unlimited_sandbox: SandboxServer) -> Client:
    """A key with the README's templates."""
    return new_client(unlimited_sandbox.url, templates="docs", label="inbox test")


def inbox(client: Client, **params: str) -> str:
    answer = client.session.get(f"{client.base_url}/", params={"key": client.api_key, **params}, timeout=10)
    assert answer.status_code == 200
    return answer.text


def bubble(page: str, message_id: str) -> str:
    """The HTML of one message's bubble."""
    match = re.search(rf'<li class="bubble[^"]*" data-id="{re.escape(message_id)}".*?</li>', page, re.DOTALL)
    assert match, message_id
    return match.group(0)


def test_every_message_type_renders_as_whatsapp_shows_it(docs_client: Client) -> None:
    ids = send_every_type(docs_client)
    page = inbox(docs_client, chat=WA_ID)
    text = bubble(page, ids["text"])
    assert "<strong>on its way</strong> <em>today</em> <s>maybe</s> <code class='block'>A-1042</code>" in text
    assert '<a href="https://example.com/track" target="_blank" rel="noopener noreferrer nofollow">' in text
    assert 'class="ticks delivered"' in text
    assert "Hi, where is my order?" in bubble(page, ids["reply"])  # the quoted context
    assert '<img class="image" src="/_sandbox/inbox/media/' in bubble(page, ids["image"])
    assert "Sales <strong>chart</strong>" in bubble(page, ids["image"])
    assert "report.pdf" in bubble(page, ids["document"])
    assert "April report" in bubble(page, ids["document"])
    assert "Pickup point Dam" in bubble(page, ids["location"])
    assert "Ann Support" in bubble(page, ids["contacts"])
    assert "+31 20 123 4567" in bubble(page, ids["contacts"])
    buttons = bubble(page, ids["buttons"])
    assert 'data-press="yes"' in buttons
    assert "Change it" in buttons
    listing = bubble(page, ids["list"])
    assert "Show slots" in listing
    assert 'data-press="am"' in listing
    assert "8-12" in listing
    assert 'href="https://example.com/live"' in bubble(page, ids["cta"])
    template = bubble(page, ids["template"])
    assert (
        "Hi Alex, thank you for your order <strong>A-1042</strong>! We will tell you when it ships."
        in template
    )
    assert "Order confirmed" in template
    assert "Reply STOP to opt out" in template
    assert 'data-press="1"' in template
    assert "View order" in template
    assert "Hi Alex, order A-1042 arrives on May 2." in bubble(page, ids["named"])
    assert '<span class="reaction">👍</span>' in bubble(page, ids["inbound"])
    assert page.count('class="bubble') == 1 + 14  # the reaction is shown on its message, not on its own


def test_uploaded_media_is_served_to_the_page_only_with_its_token(docs_client: Client) -> None:
    ids = send_every_type(docs_client)
    src = html.unescape(
        re.search(
            r'<img class="image" src="([^"]+)"', bubble(inbox(docs_client, chat=WA_ID), ids["image"])
        ).group(1)
    )
    image = docs_client.session.get(f"{docs_client.base_url}{src}", timeout=10)
    assert (image.status_code, image.headers["content-type"], image.content[:4]) == (
        200,
        "image/png",
        b"\x89PNG",
    )
    forged = docs_client.session.get(f"{docs_client.base_url}{src.split('?')[0]}?token=nope", timeout=10)
    assert forged.status_code == 404
    assert docs_client.admin("GET", "cdn-requests").json()["data"] == []  # the page is not a CDN download


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "*<b>bold</b>* _<i onmouseover=alert(1)>x</i>_",
    'https://example.com/"onmouseover="alert(1)',
    "javascript:alert(1)",
    "```</code><script>alert(2)</script>```",
    "{{ 7*7 }} {% raw %}",
]


def test_hostile_text_is_escaped_everywhere(docs_client: Client) -> None:
    client = docs_client
    for text in HOSTILE:
        client.inbound(CUSTOMER, text)
        client.session.post(
            f"{client.base_url}/_sandbox/inbound",
            headers=client.auth,
            json={"from": CUSTOMER, "text": "x", "name": text},
            timeout=10,
        )
        assert client.send({"type": "text", "text": {"body": text}}).status_code == 200
        button = {"type": "reply", "reply": {"id": text[:200], "title": text[:20]}}
        interactive = {
            "type": "button",
            "body": {"text": text},
            "footer": {"text": text[:60]},
            "action": {"buttons": [button]},
        }
        assert client.send({"type": "interactive", "interactive": interactive}).status_code == 200
        location = {"latitude": 1, "longitude": 2, "name": text, "address": text}
        assert client.send({"type": "location", "location": location}).status_code == 200
        parameters = [{"type": "text", "text": text}, {"type": "text", "text": text}]
        template = {
            "name": "order_confirmation",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": parameters}],
        }
        assert client.send({"type": "template", "template": template}).status_code == 200
        document = {"link": "https://example.com/a.pdf", "filename": text, "caption": text}
        assert client.send({"type": "document", "document": document}).status_code == 200
    for page in (
        inbox(client, chat=WA_ID),
        inbox(client, q=HOSTILE[0]),
        inbox(client, chat=WA_ID, q=HOSTILE[1]),
    ):
        parsed = parse(page)
        assert [tag for tag, _ in parsed.tags].count("script") == 1  # the page's own, with src
        for tag, attributes in parsed.tags:
            assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
            assert tag not in ("img", "iframe", "object", "embed") or str(
                attributes.get("src", "")
            ).startswith("/_sandbox/")
            for name in ("href", "src"):
                value = str(attributes.get(name) or "")
                assert not value.lower().startswith("javascript:"), (tag, attributes)
        assert "<script>alert" not in page
    assert "<script>alert(1)</script>" in "".join(parse(inbox(client, chat=WA_ID)).text)  # shown as text
    parts = client.admin("GET", "inbox/parts", params={"chat": WA_ID}).json()
    assert "<script>alert" not in parts["thread"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in parts["thread"]


def test_the_page_allows_only_its_own_script_and_style(docs_client: Client) -> None:
    answer = docs_client.session.get(
        f"{docs_client.base_url}/", params={"key": docs_client.api_key}, timeout=10
    )
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    for asset, kind in (("inbox.js", "text/javascript"), ("inbox.css", "text/css")):
        served = docs_client.session.get(f"{docs_client.base_url}/_sandbox/inbox/static/{asset}", timeout=10)
        assert served.headers["content-type"].startswith(kind)
    assert (
        docs_client.session.get(f"{docs_client.base_url}/_sandbox/inbox/static/..%2Fpage.py").status_code
        == 404
    )
    unknown = docs_client.session.get(f"{docs_client.base_url}/", params={"key": "<script>"}, timeout=10)
    assert unknown.status_code == 404
    assert "<script>" not in unknown.text


def test_the_api_docs_page_works_offline_and_lists_every_group(client: Client) -> None:
    """FastAPI's docs page loads Swagger UI from a CDN; the sandbox's own one needs nothing outside."""
    answer = client.session.get(f"{client.base_url}/_sandbox/docs", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    for route in ("/connections", "/_sandbox/clock", "/whatsapp-business/"):
        assert route in answer.text, route
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", answer.text) == [], "nothing from outside"
    for cdn_page in ("/docs", "/redoc"):
        assert client.session.get(f"{client.base_url}{cdn_page}", timeout=10).status_code == 404


def test_customer_presses_buttons_and_rows_and_replies_quote(docs_client: Client) -> None:
    ids = send_every_type(docs_client)

    def press(message: str, choice: str) -> dict[str, object]:
        answer = docs_client.admin(
            "POST", "inbound", json={"from": CUSTOMER, "button": {"message_id": ids[message], "id": choice}}
        )
        assert answer.status_code == 200, answer.text
        events = docs_client.admin("GET", "events").json()["data"]
        found: dict[str, object] = events[-1]["entry"][0]["changes"][0]["value"]["messages"][0]
        return found

    button = press("buttons", "no")
    assert button["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "no", "title": "Change it"},
    }
    assert button["context"] == {"from": "15550100000", "id": ids["buttons"]}
    assert press("list", "am")["interactive"]["list_reply"]["title"] == "Morning"  # type: ignore[index]
    assert press("template", "1")["button"] == {"payload": "Talk to us", "text": "Talk to us"}
    refused = docs_client.admin(
        "POST", "inbound", json={"from": CUSTOMER, "button": {"message_id": ids["buttons"], "id": "maybe"}}
    )
    assert refused.status_code == 400
    quoted = docs_client.admin(
        "POST", "inbound", json={"from": CUSTOMER, "text": "This one", "context": ids["image"]}
    )
    assert quoted.status_code == 200
    page = inbox(docs_client, chat=WA_ID)
    assert "Change it" in page
    assert "[image] Sales *chart*" in page
    statuses = {m["id"]: m["status"] for m in docs_client.messages()}
    assert statuses[ids["text"]] == "read"  # the customer wrote back: what came before is read


def test_search_by_number_or_text(docs_client: Client) -> None:
    docs_client.inbound("+31611111111", "Invoice question")
    docs_client.inbound("+44722222222", "Hello there")
    listing = inbox(docs_client, q="invoice")
    assert "+31611111111" in listing
    assert "+44722222222" not in listing
    by_number = inbox(docs_client, q="+44 7222")
    assert "+44722222222" in by_number
    assert "+31611111111" not in by_number
    assert "No conversation matches" in inbox(docs_client, q="nothing like this")


def test_pages_stay_small_with_thousands_of_messages(client: Client) -> None:
    for index in range(60):
        client.inbound(f"+3161{index:04d}123", f"customer {index}")
    for index in range(1100):
        assert (
            client.send({"type": "text", "text": {"body": f"message {index}"}}, to="+31610000123").status_code
            == 200
        )
    page = inbox(client, chat="31610000123")
    assert page.count('class="bubble') == 50
    newest = client.admin("GET", "inbox/parts", params={"chat": "31610000123"}).json()["thread"]
    assert ">message 1099<" in newest
    assert ">message 1050<" in newest
    assert ">message 1049<" not in newest
    assert "Older messages" in newest
    older = client.admin("GET", "inbox/parts", params={"chat": "31610000123", "page": "1"}).json()["thread"]
    assert ">message 1049<" in older
    assert ">message 1099<" not in older
    assert older.count('class="bubble') == 50
    listing = parse(inbox(client))
    assert sum(1 for tag, attrs in listing.tags if tag == "a" and "data-chat-link" in attrs) == 50
    assert "Older conversations" in inbox(client)
    # the conversation written to last comes first; the ten oldest are on the next page
    assert '<span class="last">customer 5</span>' not in inbox(client)
    assert '<span class="last">customer 5</span>' in inbox(client, chats_page="1")


def test_reset_from_the_page_and_live_revision(docs_client: Client) -> None:
    before = docs_client.admin("GET", "inbox/changes").json()["revision"]
    docs_client.inbound(CUSTOMER, "hi")
    after = docs_client.admin("GET", "inbox/changes").json()["revision"]
    assert after > before
    assert docs_client.admin("POST", "reset").status_code == 200
    assert docs_client.admin("GET", "inbox/changes").json()["revision"] > after
    assert "No messages yet" in inbox(docs_client)
