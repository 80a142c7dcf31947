"""Request bodies parsed so that no input can make the sandbox answer 500, and answers that always encode.

``parse_json`` refuses, as a client error, what ``json.loads`` would accept or crash on but no JSON
encoder can answer again: bytes that are not UTF-8, nesting deeper than ``MAX_DEPTH`` (a recursion error
otherwise, in the parser or in schema validation), lone surrogates such as ``"\\ud800"`` (they cannot be
encoded as UTF-8), and ``NaN`` / ``Infinity`` / ``1e400`` (not JSON, and refused by the encoder).
``encodable`` checks a stored record before it is answered, so that one bad record cannot break a list.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # the Cloud API's deepest bodies (carousel templates) need about 10


class BodyError(ValueError):
    """A body the sandbox refuses; the message says why, for Graph's ``details``."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"The number {text} is out of range")
    return value


def _constant(name: str) -> Any:
    raise BodyError(f"{name} is not valid JSON")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_value(value: Any) -> None:
    """Walk a parsed value without recursion: depth within ``MAX_DEPTH``, no lone surrogates."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str):
            if has_surrogate(node):
                raise BodyError(
                    "The request body holds a lone surrogate (\\ud800-\\udfff): not valid Unicode"
                )
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise BodyError(f"The request body is nested deeper than {MAX_DEPTH} levels")
        items = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        pending.extend((item, depth + 1) for item in items)


def parse_json(raw: bytes) -> Any:
    """The JSON value of ``raw`` (None when empty), or ``BodyError`` naming what is wrong with it."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("The request body is not UTF-8") from None
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise BodyError(f"The request body is nested deeper than {MAX_DEPTH} levels") from None
    except BodyError:
        raise
    except ValueError:
        raise BodyError("The request body is not valid JSON") from None
    check_value(value)
    return value


def encodable(record: Any) -> bool:
    """Whether ``record`` can be answered as JSON (UTF-8, no NaN)."""
    try:
        json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def answerable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` with each one that cannot be answered replaced by a note naming it."""
    return [
        record
        if encodable(record)
        else {"id": str(record.get("id")), "error": "this stored record cannot be shown as JSON"}
        for record in records
    ]
