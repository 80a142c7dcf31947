"""Recipient normalisation and masking for log lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.utils.phone import PHONE_RULE, mask_phone, normalize_phone, redact_number


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
    [
        "123456",
        "1234567890123456",
        "++31612345789",
        "31-6-abc",
        "",
        "0031 6 12345 678 901",
        None,
        True,
        31612345678.0,  # a spreadsheet's number: its digits are not to be trusted (and "." is a separator)
        ["+31612345678"],
    ],
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
    text = "Recipient +31612345789 (wa_id 31612345789) cannot be reached; sender 106540352242922"
    redacted = redact_number(text, "+31 6 1234 5789")
    assert "31612345789" not in redacted
    assert redacted.count("+31******789") == 2
    assert "106540352242922" in redacted  # other ids stay readable
    assert redact_number("", "+31612345789") == ""
    assert redact_number("code 123", "123") == "code 123"  # too short to be a number


@pytest.mark.parametrize(
    ("given", "expected"),
    [("123", "*23"), ("+12", "+**"), ("+123456", "+****56"), ("+1 (650) 555-1234", "+16******234"), (7, "*")],
)
def test_mask_phone_short_and_spelled_inputs(given: object, expected: str) -> None:
    assert mask_phone(given) == expected


@given(
    digits=st.text("0123456789", min_size=7, max_size=15),
    plus=st.booleans(),
    separators=st.lists(st.sampled_from([" ", ".", "-", "(", ")"]), max_size=14),
)
def test_a_masked_number_keeps_2_digits_before_and_3_after_and_redact_finds_it(
    digits: str, plus: bool, separators: list[str]
) -> None:
    between = [*separators[: len(digits) - 1], *[""] * len(digits)]  # none after the last digit
    spelled = "".join(digit + between[i] for i, digit in enumerate(digits[:-1])) + digits[-1]
    number = ("+" if plus else "") + spelled
    masked = mask_phone(number)
    assert masked == ("+" if plus else "") + digits[:2] + "*" * (len(digits) - 5) + digits[-3:]
    assert normalize_phone(number) == ("+" if plus else "") + digits
    text = f"cannot reach {number} (wa_id {digits})"
    assert redact_number(text, digits) == f"cannot reach {mask_phone(digits)} (wa_id {mask_phone(digits)})"


def test_redact_number_takes_several_numbers_and_skips_empty_ones() -> None:
    text = "from +31612345789 to 31687654321"
    assert (
        redact_number(text, None, "", "31612345789", "+31 6 8765 4321") == "from 31******789 to +31******321"
    )
