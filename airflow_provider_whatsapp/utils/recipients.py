"""Recipient lists as DAG authors write them: one number, several in a string, a list, a rendered list."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import Any

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

Recipients = str | Iterable[str]
"""One number, several separated by commas / semicolons / new lines, a list, or a rendered list literal."""

_SEPARATORS = re.compile(r"[,;\n]")


def parse_recipients(to: Recipients | int) -> list[str]:
    """Turn ``to`` into a list of numbers, in order and without duplicates.

    A Jinja template over a list (``"{{ params.recipients }}"``) renders to its literal,
    ``"['+3161...', '+3162...']"``; that literal is read back as the list it was. A DAG that renders
    templates as native objects turns one number, ``"+3161..."``, into the int ``3161...``.
    """
    items: Iterable[Any]
    if isinstance(to, str):
        text = to.strip()
        items = _SEPARATORS.split(text)
        if text.startswith(("[", "(")):
            try:
                literal = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                literal = None
            if isinstance(literal, (list, tuple)):
                items = literal
            elif text.startswith("["):  # "(+31) 6 1234 5678" is a number; "[..." never is
                raise WhatsAppValidationError([("to", "not a list of phone numbers")])
    elif isinstance(to, int):
        items = [to]
    else:
        items = to
    recipients: list[str] = []
    seen: set[str] = set()
    for item in items:
        number = str(item).strip()
        key = re.sub(r"\D", "", number) or number
        if number and key not in seen:
            seen.add(key)
            recipients.append(number)
    if not recipients:
        raise WhatsAppValidationError([("to", "at least one recipient is required")])
    return recipients
