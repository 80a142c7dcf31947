"""Recipient lists as DAG authors write them."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.utils.recipients import parse_recipients

ALICE, BOB = "+31612345678", "+31687654321"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (ALICE, [ALICE]),
        (31612345678, ["31612345678"]),  # what "+31612345678" renders to as a native object
        (f"{ALICE}, {BOB};\n{ALICE}", [ALICE, BOB]),
        ([ALICE, BOB, "31612345678"], [ALICE, BOB]),
        (f"['{ALICE}', '{BOB}']", [ALICE, BOB]),  # what "{{ params.recipients }}" renders to
        ((ALICE,), [ALICE]),
        ("(+31) 6 1234 5678", ["(+31) 6 1234 5678"]),  # parentheses around the country code
        ("(+31612345678)", ["(+31612345678)"]),
        (f"('{ALICE}', '{BOB}')", [ALICE, BOB]),
    ],
)
def test_parse_recipients(given: Any, expected: list[str]) -> None:
    assert parse_recipients(given) == expected


@pytest.mark.parametrize("given", ["", " , ", [], "[1, "])
def test_parse_recipients_refuses_nothing_or_garbage(given: Any) -> None:
    with pytest.raises(WhatsAppValidationError, match="to"):
        parse_recipients(given)
