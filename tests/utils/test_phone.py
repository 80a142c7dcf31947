"""Recipient normalisation and masking for log lines."""

from __future__ import annotations

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.utils.phone import PHONE_RULE, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+31 6 1234 5789", "+31612345789"),
        ("31612345789", "31612345789"),
        ("+1 (650) 555-1234", "+16505551234"),
        ("1.650.555.1234", "16505551234"),
        (16505551234, "16505551234"),
        ("1234567", "1234567"),  # 7 digits: the shortest accepted
        ("+123456789012345", "+123456789012345"),  # 15 digits: E.164's longest
    ],
)
def test_normalize_keeps_digits_and_plus(given: object, expected: str) -> None:
    assert normalize_phone(given) == expected


@pytest.mark.parametrize(
    "given",
    ["123456", "1234567890123456", "++31612345789", "31-6-abc", "", "0031 6 12345 678 901", None, True],
)
def test_normalize_rejects_naming_the_field(given: object) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        normalize_phone(given, field="recipients.2")
    assert caught.value.errors == [("recipients.2", PHONE_RULE)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+31612345789", "+31******789"),
        ("31612345789", "31******789"),
        ("+31 6 1234 5789", "+31******789"),
        ("1234567", "12**567"),
        ("12345", "***45"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(given: object, expected: str) -> None:
    assert mask_phone(given) == expected


def test_mask_never_shows_the_middle() -> None:
    assert "6123457" not in mask_phone("+31612345789")


def test_redact_number_masks_every_spelling_of_the_number() -> None:
    from airflow_provider_whatsapp.utils.phone import redact_number

    text = "Recipient +31612345789 (wa_id 31612345789) cannot be reached; sender 106540352242922"
    redacted = redact_number(text, "+31 6 1234 5789")
    assert "31612345789" not in redacted
    assert redacted.count("+31******789") == 2
    assert "106540352242922" in redacted  # other ids stay readable
    assert redact_number("", "+31612345789") == ""
    assert redact_number("code 123", "123") == "code 123"  # too short to be a number
