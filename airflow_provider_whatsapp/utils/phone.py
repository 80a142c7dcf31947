"""Phone numbers: normalise a recipient to what the Cloud API takes, and mask one for log lines.

Numbers are personal data: whatever the provider logs, reports or raises shows them masked.
"""

from __future__ import annotations

import re

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

#: E.164 numbers carry at most 15 digits (ITU-T E.164, section 6); the shortest national numbers in use
#: have 7 with their country code. Meta: "phone number ... with country code, + and leading zeros optional".
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15
PHONE_RULE = f"must be {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits with an optional leading +"

_SEPARATORS = re.compile(r"[\s.\-()]")
_E164 = re.compile(rf"\+?[0-9]{{{PHONE_MIN_DIGITS},{PHONE_MAX_DIGITS}}}")
_MASK_KEEP_START = 2
_MASK_KEEP_END = 3
_SHORT_KEEP_END = 2


def normalize_phone(value: object, *, field: str = "to") -> str:
    """``"+31 6 1234 5789"`` -> ``"+31612345789"``: separators go, a leading ``+`` stays as given.

    Raises :class:`WhatsAppValidationError` naming ``field`` when the result is not 7..15 digits.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise WhatsAppValidationError([(field, PHONE_RULE)])
    cleaned = _SEPARATORS.sub("", str(value))
    if not _E164.fullmatch(cleaned):
        raise WhatsAppValidationError([(field, PHONE_RULE)])
    return cleaned


def mask_phone(value: object) -> str:
    """``"+31612345789"`` -> ``"+31******789"``, for log lines; never raises.

    Keeps a leading ``+``, the first 2 digits (the country code, mostly) and the last 3; inputs too short
    to be a phone number keep only their last 2 characters.
    """
    if value is None:
        return ""
    text = _SEPARATORS.sub("", str(value))
    plus, digits = ("+", text[1:]) if text.startswith("+") else ("", text)
    if len(digits) >= PHONE_MIN_DIGITS:
        hidden = len(digits) - _MASK_KEEP_START - _MASK_KEEP_END
        return f"{plus}{digits[:_MASK_KEEP_START]}{'*' * hidden}{digits[-_MASK_KEEP_END:]}"
    if len(digits) <= _SHORT_KEEP_END:
        return plus + "*" * len(digits)
    return plus + "*" * (len(digits) - _SHORT_KEEP_END) + digits[-_SHORT_KEEP_END:]


def redact_number(text: str, *numbers: object) -> str:
    """Replace each of ``numbers`` in ``text`` by its masked form, however the text writes it.

    For texts that come back from the gateway, such as error messages that quote the recipient: the
    number may appear with or without its ``+`` and with spaces, dots, dashes or brackets between digits
    (``+31 6-12.34``), and as the ``wa_id`` the gateway answers when it differs from the input.
    """
    for number in numbers:
        digits = re.sub(r"\D", "", str(number or ""))
        if text and len(digits) >= PHONE_MIN_DIGITS:
            spelled = _SEPARATORS.pattern + "*"
            text = re.sub(r"\+?" + spelled.join(digits), mask_phone(number), text)
    return text
