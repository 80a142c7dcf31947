"""Assertions on captured logs that hold whatever format the logging setup puts around a message."""

from __future__ import annotations

import re

import pytest


def assert_logged(log: str, message: str, rest: str = "") -> None:
    """``message``, then what the regular expression ``rest`` matches, is the whole message of a line of
    ``log``: nothing joined to it before or after (the format may add a timestamp and level before it,
    padding and the logger's name after it)."""
    pattern = rf"(?:^|\s){re.escape(message)}{rest}(?:\s*$|\s{{2,}}|\s+\[)"
    assert re.search(pattern, log, flags=re.MULTILINE), f"no line says {message!r}{rest}:\n{log}"


def assert_retry_logged(caplog: pytest.LogCaptureFixture, failed: str, retry: str = "retry 1 of 3") -> None:
    """A retry's warning is exactly ``failed``, then ``; {retry} in`` the planned wait (``0.37s``)."""
    pattern = rf"{re.escape(failed)}; {retry} in \d+\.\d\ds"
    assert [message for message in caplog.messages if re.fullmatch(pattern, message)], caplog.messages
