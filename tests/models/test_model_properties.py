"""Property tests: generated valid messages round-trip and make bodies Meta's schema (the sandbox) accepts;
generated invalid ones fail locally with an error naming the field."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import build_message_body, parse_message

try:
    from airflow_provider_whatsapp.sandbox.validation import validate_message
except ImportError:  # the sandbox is written separately; these tests skip without it
    validate_message = None  # type: ignore[assignment]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHARS = st.characters(blacklist_categories=("Cs", "Cc"))


def text(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(CHARS, min_size=min_size, max_size=max_size).filter(
        lambda s: s.strip() != "" or min_size == 0
    )


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict from field strategies; fields drawn as None are left out (as the API's JSON leaves them)."""
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


urls = st.builds(
    "{}://{}.{}/{}".format,
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["com", "org", "example"]),
    st.from_regex(r"[A-Za-z0-9_./?=&%-]{0,40}", fullmatch=True),
)
media_ids = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
phones = st.from_regex(r"\+?[1-9][0-9]{6,14}", fullmatch=True)


def media(**extra: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(obj(link=urls, **extra), obj(id=media_ids, **extra))


def message(kind: str, payload: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return payload.map(lambda p: {"type": kind, kind: p})


def interactive(kind: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return message("interactive", obj(type=st.just(kind), **fields))


headers = st.one_of(
    obj(type=st.just("text"), text=text(60)),
    obj(type=st.just("image"), image=media()),
    obj(type=st.just("video"), video=media()),
    obj(type=st.just("document"), document=media(filename=optional(text(40)))),
)
bodies = obj(text=text(1024))
footers = optional(obj(text=text(60)))
reply_buttons = st.lists(
    st.tuples(text(256), text(20)), min_size=1, max_size=3, unique_by=(lambda b: b[0], lambda b: b[1])
).map(lambda pairs: [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in pairs])


@st.composite
def list_sections(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1..10 rows with unique ids, split into 1..10 sections; titles whenever there are several."""
    rows = draw(
        st.lists(
            obj(id=text(200), title=text(24), description=optional(text(72))),
            min_size=1,
            max_size=10,
            unique_by=lambda r: r["id"],
        )
    )
    cuts = sorted(draw(st.sets(st.integers(1, len(rows) - 1), max_size=9)) if len(rows) > 1 else set())
    bounds = [0, *cuts, len(rows)]
    sections: list[dict[str, Any]] = [{"rows": rows[a:b]} for a, b in itertools.pairwise(bounds)]
    for section in sections:
        title = draw(text(24)) if len(sections) > 1 else draw(optional(text(24)))
        if title is not None:
            section["title"] = title
    return sections


template_parameters = st.one_of(
    obj(type=st.just("text"), text=text(100)),
    obj(
        type=st.just("currency"),
        currency=obj(
            fallback_value=text(20), code=st.sampled_from(["USD", "EUR"]), amount_1000=st.integers(0, 10**9)
        ),
    ),
    obj(type=st.just("date_time"), date_time=obj(fallback_value=text(30))),
)
templates = message(
    "template",
    obj(
        name=st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True),
        language=obj(code=st.sampled_from(["en_US", "nl", "pt_BR"])),
        components=optional(
            st.lists(
                st.one_of(
                    obj(
                        type=st.just("body"), parameters=st.lists(template_parameters, min_size=1, max_size=5)
                    ),
                    obj(
                        type=st.just("header"),
                        parameters=st.lists(
                            obj(type=st.just("image"), image=media()), min_size=1, max_size=1
                        ),
                    ),
                    obj(
                        type=st.just("button"),
                        sub_type=st.just("quick_reply"),
                        index=st.one_of(st.integers(0, 9), st.integers(0, 9).map(str)),
                        parameters=st.lists(
                            obj(type=st.just("payload"), payload=text(50)), min_size=1, max_size=1
                        ),
                    ),
                ),
                min_size=1,
                max_size=4,
            )
        ),
    ),
)

valid_messages = st.one_of(
    message("text", obj(body=text(4096), preview_url=optional(st.booleans()))),
    message("image", media(caption=optional(text(1024)))),
    message("video", media(caption=optional(text(1024)))),
    message("document", media(caption=optional(text(1024)), filename=optional(text(60)))),
    message("audio", media()),
    message("sticker", media()),
    message(
        "location",
        obj(
            latitude=st.floats(-90, 90, allow_nan=False),
            longitude=st.floats(-180, 180, allow_nan=False),
            name=optional(text(50)),
            address=optional(text(100)),
        ),
    ),
    message(
        "contacts",
        st.lists(
            obj(
                name=obj(formatted_name=text(50), first_name=optional(text(20))),
                phones=optional(
                    st.lists(
                        obj(
                            phone=phones,
                            type=optional(st.sampled_from(["CELL", "MAIN", "HOME", "WORK", "IPHONE"])),
                        ),
                        max_size=3,
                    )
                ),
                emails=optional(
                    st.lists(
                        obj(email=st.emails(), type=optional(st.sampled_from(["HOME", "WORK"]))), max_size=2
                    )
                ),
                urls=optional(st.lists(obj(url=urls), max_size=2)),
                birthday=optional(st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)),
            ),
            min_size=1,
            max_size=5,
        ),
    ),
    message(
        "reaction",
        obj(
            message_id=st.from_regex(r"wamid\.[A-Za-z0-9=]{5,40}", fullmatch=True),
            emoji=st.sampled_from(["", "👍", "😀", "❤️", "🇳🇱"]),
        ),
    ),
    interactive(
        "button",
        header=optional(headers),
        body=bodies,
        footer=footers,
        action=reply_buttons.map(lambda b: {"buttons": b}),
    ),
    interactive(
        "list",
        header=optional(obj(type=st.just("text"), text=text(60))),
        body=obj(text=text(4096)),
        footer=footers,
        action=st.builds(
            lambda button, sections: {"button": button, "sections": sections}, text(20), list_sections()
        ),
    ),
    interactive(
        "cta_url",
        header=optional(headers),
        body=bodies,
        footer=footers,
        action=obj(display_text=text(20), url=urls).map(lambda p: {"name": "cta_url", "parameters": p}),
    ),
    interactive(
        "location_request_message", body=obj(text=text(4096)), action=st.just({"name": "send_location"})
    ),
    templates,
)


@SETTINGS
@given(valid_messages)
def test_valid_messages_round_trip(example: dict[str, Any]) -> None:
    assert parse_message(example).to_api() == example


@pytest.mark.skipif(validate_message is None, reason="sandbox validation not available")
@SETTINGS
@given(phones, valid_messages, optional(text(512)))
def test_bodies_of_valid_messages_pass_metas_schema(
    to: str, example: dict[str, Any], tracker: str | None
) -> None:
    body = build_message_body(to, example, reply_to="wamid.ABC", biz_opaque_callback_data=tracker)
    assert validate_message(body) is None


def _buttons(count: int) -> list[dict[str, Any]]:
    return [{"type": "reply", "reply": {"id": f"b{i}", "title": f"B{i}"}} for i in range(count)]


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "title": f"R{i}"} for i in range(count)]


# (strategy of invalid messages, the field the error must name)
INVALID: list[tuple[st.SearchStrategy[dict[str, Any]], str]] = [
    (
        st.builds(str.__mul__, st.sampled_from("aé😀-"), st.integers(4097, 6000)).map(
            lambda b: {"type": "text", "text": {"body": b}}
        ),
        "text.body",
    ),
    (
        st.integers(4, 10).map(
            lambda n: {
                "type": "interactive",
                "interactive": {"type": "button", "body": {"text": "b"}, "action": {"buttons": _buttons(n)}},
            }
        ),
        "interactive.action.buttons",
    ),
    (
        st.integers(11, 20).map(
            lambda n: {
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "b"},
                    "action": {"button": "Go", "sections": [{"rows": _rows(n)}]},
                },
            }
        ),
        "interactive.action.sections.0.rows",
    ),
    (
        st.integers(6, 10).map(
            lambda n: {
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "b"},
                    "action": {
                        "button": "Go",
                        "sections": [
                            {"title": "A", "rows": _rows(5)},
                            {"title": "B", "rows": [{"id": f"x{i}", "title": "X"} for i in range(n)]},
                        ],
                    },
                },
            }
        ),
        "interactive.action.sections",
    ),
    (
        st.builds(
            "{}://{}".format,
            st.sampled_from(["ftp", "file", "javascript", "mailto", "data", ""]),
            st.from_regex(r"[a-z]{1,10}\.com", fullmatch=True),
        ).map(lambda u: {"type": "image", "image": {"link": u}}),
        "image.link",
    ),
    (
        urls.map(
            lambda u: {
                "type": "interactive",
                "interactive": {
                    "type": "cta_url",
                    "body": {"text": "b"},
                    "action": {
                        "name": "cta_url",
                        "parameters": {"display_text": "Go", "url": u.replace("http", "htp", 1)},
                    },
                },
            }
        ),
        "interactive.action.parameters.url",
    ),
    (
        st.floats(90.0001, 1e6, allow_nan=False).map(
            lambda lat: {"type": "location", "location": {"latitude": lat, "longitude": 0}}
        ),
        "location.latitude",
    ),
    (
        st.floats(-1e6, -180.0001, allow_nan=False).map(
            lambda lon: {"type": "location", "location": {"latitude": 0, "longitude": lon}}
        ),
        "location.longitude",
    ),
    (
        st.tuples(urls, media_ids).map(lambda p: {"type": "video", "video": {"link": p[0], "id": p[1]}}),
        "video",
    ),
    (
        text(100, 25).map(
            lambda t: {
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "b"},
                    "action": {"button": "Go", "sections": [{"rows": [{"id": "1", "title": t}]}]},
                },
            }
        ),
        "interactive.action.sections.0.rows.0.title",
    ),
    (
        st.from_regex(r"[A-Z][A-Za-z0-9 -]{0,20}", fullmatch=True).map(
            lambda n: {"type": "template", "template": {"name": n, "language": {"code": "en"}}}
        ),
        "template.name",
    ),
]


@pytest.mark.parametrize(("strategy", "field"), INVALID, ids=[field for _, field in INVALID])
def test_invalid_messages_fail_locally_naming_the_field(
    strategy: st.SearchStrategy[dict[str, Any]], field: str
) -> None:
    @settings(max_examples=40, deadline=None)
    @given(phones, strategy)
    def check(to: str, example: dict[str, Any]) -> None:
        with pytest.raises(WhatsAppValidationError) as caught:
            build_message_body(to, example)
        assert field in [path for path, _ in caught.value.errors]

    check()
